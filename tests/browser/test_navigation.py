"""Only whitelisted sites open: links, redirects, frames and pop-ups, with a French page otherwise."""

import os
import signal
import socket

from PySide6.QtCore import Qt

from app.ui.browser import visit_browser
from app.ui.browser.page import GuardedPage
from tests.browser.helpers import TIMEOUT_MS, click, wait_loaded, wait_text
from tests.browser.sites import AMELI, CAF, FORBIDDEN

NOT_LISTED = "n'est pas sur la liste des sites autorisés du poste"


def test_links_between_whitelisted_sites_open_and_the_toolbar_follows(qtbot, browser, sites) -> None:
    browser.open(sites.url(AMELI))
    [tab] = browser.tab_list()
    wait_loaded(qtbot, tab, f"{AMELI}:{sites.port}/")
    assert browser.address.text() == f"{AMELI} — Assurance Maladie"
    click(tab, "plain")
    wait_loaded(qtbot, tab, "/deuxieme")
    click(tab, "caf")
    wait_loaded(qtbot, tab, CAF)
    assert browser.address.text() == f"{CAF} — Caisse d'allocations familiales"
    qtbot.waitUntil(browser.back_action.isEnabled)
    qtbot.keyClick(browser, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # Précédent
    wait_loaded(qtbot, tab, "/deuxieme")
    qtbot.keyClick(browser, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(browser, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert tab.page.zoomFactor() == browser.zoom == 1.5
    assert browser.zoom_label.text() == "Taille : 150 %"
    qtbot.keyClick(browser, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert tab.page.zoomFactor() == 1.0
    # "+" is typed Maj+= (AZERTY and QWERTY alike): the keyboard's mapping offers that press as both
    # Ctrl++ and Ctrl+Maj+=, and an action holding both is ambiguous to Qt, which then does nothing
    # (offscreen, QTest cannot type through a real keyboard mapping: the action's keys are checked).
    keys = [sequence.toString() for sequence in browser.zoom_in_action.shortcuts()]
    assert "Ctrl++" in keys and "Ctrl+Shift+=" not in keys
    assert not sites.hit(FORBIDDEN)


def test_a_redirect_to_a_forbidden_site_shows_why_and_an_agent_cannot_allow_it(
    qtbot, browser, desk, sites
) -> None:
    karim = next(a for a in desk.workstation.agents() if not a.is_manager)
    desk.workstation.set_current_agent(karim.id)
    browser.open(sites.url(AMELI))
    [tab] = browser.tab_list()
    wait_loaded(qtbot, tab, AMELI)
    click(tab, "redirect")
    text = wait_text(qtbot, tab, NOT_LISTED)
    assert FORBIDDEN in text
    assert sites.hit(AMELI, "/vers-interdit") and not sites.hit(FORBIDDEN)
    assert browser.address.text() == f"Site bloqué : {FORBIDDEN}"
    assert tab.notice.isVisible() and not tab.allow_button.isEnabled()


def test_a_forbidden_frame_stays_empty(qtbot, browser, sites) -> None:
    browser.open(sites.url(AMELI, "/cadres"))
    [tab] = browser.tab_list()
    qtbot.waitUntil(lambda: bool(sites.hit(CAF, "/cadre")), timeout=TIMEOUT_MS)
    wait_loaded(qtbot, tab, "/cadres")
    qtbot.waitUntil(lambda: "cadre" in browser.statusBar().currentMessage(), timeout=TIMEOUT_MS)
    assert FORBIDDEN in browser.statusBar().currentMessage()
    assert not sites.hit(FORBIDDEN)
    assert tab.message is None  # the page itself is allowed


def test_pop_ups_open_tabs_under_the_same_rule(qtbot, browser, sites) -> None:
    browser.open(sites.url(AMELI))
    [tab] = browser.tab_list()
    wait_loaded(qtbot, tab, AMELI)
    click(tab, "blank")  # target=_blank
    qtbot.waitUntil(lambda: len(browser.tab_list()) == 2, timeout=TIMEOUT_MS)
    wait_loaded(qtbot, browser.tab_list()[1], f"{CAF}:{sites.port}/nouvel-onglet")
    tab.page.runJavaScript(f"window.open('{sites.url(FORBIDDEN, '/popup')}')")
    qtbot.waitUntil(lambda: len(browser.tab_list()) == 3, timeout=TIMEOUT_MS)
    popup = browser.tab_list()[2]
    assert FORBIDDEN in wait_text(qtbot, popup, NOT_LISTED)
    assert not sites.hit(FORBIDDEN)
    assert popup.page.profile() is tab.page.profile()  # the same visit


def test_a_responsable_allows_a_site_from_the_blocked_page(qtbot, browser, desk, sites) -> None:
    camille = desk.workstation.current_agent
    assert camille.is_manager
    browser.open(sites.url(FORBIDDEN, "/demarche"))
    [tab] = browser.tab_list()
    wait_text(qtbot, tab, NOT_LISTED)
    assert tab.allow_button.isEnabled()
    qtbot.mouseClick(tab.allow_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, tab, f"{FORBIDDEN}:{sites.port}/demarche")
    assert sites.hit(FORBIDDEN, "/demarche")
    assert "Piège" in wait_text(qtbot, tab, "Piège") and tab.message is None
    row = desk.db.execute("SELECT domain, reason, added_by FROM allowed_domains").fetchone()
    assert tuple(row) == (FORBIDDEN, "autorisé depuis le navigateur", camille.name)


def test_an_unreachable_site_shows_the_network_page(qtbot, browser) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    browser.open(f"http://{AMELI}:{closed_port}/")
    [tab] = browser.tab_list()
    text = wait_text(qtbot, tab, "Le réseau est indisponible")
    assert "n'a pas pu être ouvert" in text
    assert browser.address.text() == f"Site injoignable : {AMELI}"


def test_a_page_whose_process_died_says_so_and_reloads(qtbot, browser, sites) -> None:
    browser.open(sites.url(AMELI, "/deuxieme"))
    [tab] = browser.tab_list()
    wait_loaded(qtbot, tab, "/deuxieme")
    os.kill(tab.page.renderProcessPid(), signal.SIGKILL)
    wait_text(qtbot, tab, "s'est arrêtée de façon inattendue")
    assert browser.address.text() == f"Page arrêtée : {AMELI}"
    qtbot.keyClick(browser, Qt.Key.Key_F5)  # Recharger
    wait_text(qtbot, tab, "Deuxième page")
    assert tab.message is None and browser.address.text() == f"{AMELI} — Assurance Maladie"


class TrustingPage(GuardedPage):
    """A page whose own check lets everything through: only the request interceptor is left."""

    def acceptNavigationRequest(self, url, navigation_type, is_main_frame: bool) -> bool:
        return True


def test_the_request_interceptor_is_a_second_line(qtbot, browser, sites, monkeypatch) -> None:
    monkeypatch.setattr(visit_browser, "GuardedPage", TrustingPage)
    browser.open(sites.url(AMELI, "/cadres"))
    browser.open(sites.url(FORBIDDEN, "/piege"))
    frames, tab = browser.tab_list()
    assert FORBIDDEN in wait_text(qtbot, tab, NOT_LISTED)  # the tab still says why
    qtbot.waitUntil(lambda: bool(sites.hit(CAF, "/cadre")), timeout=TIMEOUT_MS)
    wait_loaded(qtbot, frames, "/cadres")
    assert not sites.hit(FORBIDDEN)
    assert browser.visit.interceptor.blocked >= 2  # the page and the frame
