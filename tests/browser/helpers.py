"""Waiting for QtWebEngine, which answers asynchronously (and slowly on a loaded 2-core machine)."""

TIMEOUT_MS = 30_000


def wait_for(qtbot, condition, tab, what) -> None:
    """qtbot.waitUntil, saying what the tab showed when it timed out (`what`: text, or a function)."""
    try:
        qtbot.waitUntil(condition, timeout=TIMEOUT_MS)
    except qtbot.TimeoutError:
        what = what() if callable(what) else what
        state = (
            f"url={tab.page.url().toString()[:120]!r} loading={tab.page.isLoading()} message={tab.message}"
        )
        raise AssertionError(f"{what}: not after {TIMEOUT_MS} ms ({state})") from None


def wait_loaded(qtbot, tab, url_part: str) -> None:
    """The tab shows a page whose address contains `url_part`, completely loaded."""

    def loaded() -> bool:
        return url_part in tab.page.url().toString() and not tab.page.isLoading()

    wait_for(qtbot, loaded, tab, f"page {url_part!r} loaded")


def wait_text(qtbot, tab, fragment: str) -> str:
    """The tab's visible text contains `fragment`; returns that text."""
    seen = {"text": ""}

    def check() -> bool:
        tab.page.toPlainText(lambda text: seen.__setitem__("text", text or ""))
        return fragment in seen["text"]

    wait_for(qtbot, check, tab, lambda: f"text {fragment!r} shown (last seen: {seen['text'][:80]!r})")
    return seen["text"]


def run_js(qtbot, tab, script: str):
    with qtbot.waitCallback(timeout=TIMEOUT_MS) as callback:
        tab.page.runJavaScript(script, 0, callback)
    return callback.args[0]


def click(tab, element_id: str) -> None:
    tab.page.runJavaScript(f"document.getElementById('{element_id}').click()")
