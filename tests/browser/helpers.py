"""Waiting for QtWebEngine, which answers asynchronously (and slowly on a loaded 2-core machine)."""

import ctypes
import sys

TIMEOUT_MS = 30_000


def immortalize_singletons() -> None:
    """Work around PySide6 6.12.0 on Python 3.11: its calls drop a reference to None, True or False.

    Every void method (`QLabel.setText`…) returns None, and every `Signal.emit` a bool, without the
    reference the caller will release: after a few thousand calls Python aborts ("none_dealloc:
    deallocating None"). Python 3.12 makes these objects immortal (PEP 683), which hides the bug;
    on 3.11 give them the same huge reference count.
    """
    if sys.version_info < (3, 12):
        for singleton in (None, True, False):
            ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40


def wait_loaded(qtbot, tab, url_part: str) -> None:
    """The tab shows a page whose address contains `url_part`, completely loaded."""
    qtbot.waitUntil(
        lambda: url_part in tab.page.url().toString() and not tab.page.isLoading(), timeout=TIMEOUT_MS
    )


def wait_text(qtbot, tab, fragment: str) -> str:
    """The tab's visible text contains `fragment`; returns that text."""
    seen = {"text": ""}

    def check() -> bool:
        tab.page.toPlainText(lambda text: seen.__setitem__("text", text or ""))
        return fragment in seen["text"]

    qtbot.waitUntil(check, timeout=TIMEOUT_MS)
    return seen["text"]


def run_js(qtbot, tab, script: str):
    with qtbot.waitCallback(timeout=TIMEOUT_MS) as callback:
        tab.page.runJavaScript(script, 0, callback)
    return callback.args[0]


def click(tab, element_id: str) -> None:
    tab.page.runJavaScript(f"document.getElementById('{element_id}').click()")
