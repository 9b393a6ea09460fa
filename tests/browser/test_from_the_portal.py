"""Links of Accueil and of the flows open in the visit's browser; others never do."""

from PySide6.QtCore import Qt

from tests.ui.test_contact_form import open_window


def test_an_accueil_link_opens_in_the_embedded_browser(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    portal = window.home.portal
    qtbot.keyClicks(portal.search, "ameli")
    qtbot.keyClick(portal.search, Qt.Key.Key_Return)
    browser = window.browser
    assert browser is not None and browser.isVisible()
    qtbot.waitUntil(lambda: bool(browser.tab_list()), timeout=20000)
    assert "ameli.fr" in browser.tab_list()[0].page.requestedUrl().toString()
    window.close()
    assert not browser.isVisible(), "closing the workstation ends the visit"


def test_a_site_off_the_whitelist_is_not_opened(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    window.open_url("https://www.example.com/")
    assert window.browser is None
    assert "liste des sites autorisés" in window.statusBar().currentMessage()
