"""QtWebEngine offscreen against a local server: flags set at import, before any QApplication exists.

Collection imports this file before the first test runs, hence before pytest-qt's QApplication and
before Chromium starts (it reads its flags when the first profile is made).
"""

import os
from collections.abc import Iterator
from pathlib import Path

from tests.browser.chromium import CHROMEDRIVER, CHROMIUM, SIZES
from tests.browser.sites import HOST_RULES, Sites

os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # the CI runs as root
_flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
if "--no-sandbox" not in _flags:
    _flags += " --no-sandbox"
if "--host-resolver-rules" not in _flags:
    _flags += f' --host-resolver-rules="{HOST_RULES}"'
os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = _flags.strip()

import pytest  # noqa: E402
from PySide6.QtCore import QEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.ui.browser import VisitBrowser  # noqa: E402  (loads QtWebEngine before the QApplication)


@pytest.fixture(scope="session")
def sites():
    server = Sites()
    yield server
    server.close()


@pytest.fixture
def browser(qtbot, desk, sites) -> Iterator[VisitBrowser]:
    sites.hits.clear()
    window = VisitBrowser(desk, allow_http=True)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
    yield window
    window.close()  # ends the visit: its pages, then its profile, are deleted now, not during the next test
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def chromium(tmp_path: Path):
    """A headless Chromium at 1366×768 whose downloads land in `driver.downloads`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "telechargements"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(*SIZES["ordinateur"])
    driver.downloads = downloads
    yield driver
    driver.quit()
