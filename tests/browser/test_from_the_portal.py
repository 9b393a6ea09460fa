"""Links of Accueil and of the flows open in the visit's browser; others never do."""

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication

from tests.browser.helpers import TIMEOUT_MS
from tests.ui.test_contact_form import open_window


def test_an_accueil_link_opens_in_the_embedded_browser(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    assert desk.visit.started_at() is None
    portal = window.home.portal
    qtbot.keyClicks(portal.search, "ameli")
    qtbot.keyClick(portal.search, Qt.Key.Key_Return)
    browser = window.browser
    assert browser is not None and browser.isVisible()
    qtbot.waitUntil(lambda: bool(browser.tab_list()), timeout=TIMEOUT_MS)
    [tab] = browser.tab_list()
    assert "ameli.fr" in tab.page.requestedUrl().toString()
    assert desk.visit.started_at() is not None, "the portal is a first action for the person"
    # No real ameli.fr here: wait for the (failed) load to end, so that the visit is not destroyed while
    # Chromium is still on the way (a race inside QtWebEngine that crashes the process now and then).
    qtbot.waitUntil(lambda: not tab.page.isLoading(), timeout=TIMEOUT_MS)
    window.close()
    assert not browser.isVisible(), "closing the workstation ends the visit"
    assert window.browser is None
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # pages, profile, window, now
    qtbot.wait(200)  # let Chromium finish tearing the visit down before the next test starts


def test_a_site_off_the_whitelist_is_not_opened(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    window.open_url("https://www.example.com/")
    assert window.browser is None
    assert desk.visit.started_at() is None  # nothing was done for the person
    assert "liste des sites autorisés" in window.statusBar().currentMessage()
