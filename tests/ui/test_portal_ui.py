from urllib.parse import unquote_plus

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.ui.portal_panel import LocalLinkDialog
from tests.ui.helpers import answer_next_message_box
from tests.ui.test_contact_form import open_window


def test_one_search_keyboard_only_opens_a_flow(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    portal = window.home.portal
    portal.search.setFocus()
    qtbot.keyClicks(portal.search, "demenagment")  # a typo
    assert any(hit.kind == "flow" and hit.target == "demenagement" for hit in portal.hits())
    qtbot.keyClick(portal.search, Qt.Key.Key_Down)
    assert portal.results.hasFocus()
    while portal.results.currentItem().data(Qt.ItemDataRole.UserRole).kind != "flow":
        qtbot.keyClick(portal.results, Qt.Key.Key_Down)
    qtbot.keyClick(portal.results, Qt.Key.Key_Return)
    assert window.flow_dialog.isVisible() and window.flow_dialog.flow.situation == "demenagement"


def test_links_and_web_search_go_to_whitelisted_sites(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    portal = window.home.portal
    qtbot.keyClicks(portal.search, "ameli")
    with qtbot.waitSignal(portal.open_url) as opened:
        qtbot.keyClick(portal.search, Qt.Key.Key_Return)
    assert opened.args[0] == "https://www.ameli.fr"
    with qtbot.waitSignal(portal.open_url) as searched:
        qtbot.keyClick(portal.search, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "site:ameli.fr" in unquote_plus(searched.args[0])


def test_a_responsable_adds_a_local_link_shown_under_its_own_heading(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    portal = window.home.portal
    assert portal.add_link.isVisible()
    dialog = LocalLinkDialog(desk, portal)
    qtbot.addWidget(dialog)
    dialog.label.setText("Mairie de Valserhône")
    dialog.url.setText("http://www.valserhone.fr")
    dialog.description.setText("État civil, inscriptions scolaires.")
    dialog.save()
    assert "https://" in dialog.error.text()
    dialog.url.setText("https://www.valserhone.fr")
    dialog.save()
    portal.refresh()
    headings = [portal.links.topLevelItem(i).text(0) for i in range(portal.links.topLevelItemCount())]
    assert "Liens locaux" in headings
    assert desk.portal.whitelist().allows("https://www.valserhone.fr/etat-civil")
    qtbot.keyClicks(portal.search, "valserhone")
    assert [hit.kind for hit in portal.hits()] == ["link"]

    assert not portal.remove_link.isEnabled(), "nothing chosen yet"
    [local] = [item for item in portal.links.findItems("Mairie de Valserhône", Qt.MatchFlag.MatchRecursive)]
    portal.links.setCurrentItem(local)
    assert portal.remove_link.isEnabled()
    portal.remove_link.setFocus()
    answer_next_message_box(QMessageBox.StandardButton.Yes)
    qtbot.keyClick(portal.remove_link, Qt.Key.Key_Space)
    headings = [portal.links.topLevelItem(i).text(0) for i in range(portal.links.topLevelItemCount())]
    assert "Liens locaux" not in headings
    assert not desk.portal.whitelist().allows("https://www.valserhone.fr/etat-civil")
    assert [hit.kind for hit in portal.hits()] == []
    national = portal.links.topLevelItem(0).child(0)
    portal.links.setCurrentItem(national)
    assert not portal.remove_link.isEnabled(), "national links stay"


def test_the_responsable_chooses_the_web_search_engine(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    window.nav.setCurrentRow(5)
    settings = window.settings
    settings.engine.setText("https://www.qwant.com/?q=")
    settings.engine_button.click()
    assert "{query}" in settings.engine_result.text()
    settings.engine.setText("https://www.qwant.com/?q={query}")
    settings.engine_button.click()
    window.nav.setCurrentRow(0)
    portal = window.home.portal
    qtbot.keyClicks(portal.search, "caf")
    with qtbot.waitSignal(portal.open_url) as searched:
        portal.search_web()
    assert searched.args[0].startswith("https://www.qwant.com/?q=caf")


def test_links_are_grouped_by_theme_or_by_partner(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    portal = window.home.portal

    def headings() -> list[str]:
        return [portal.links.topLevelItem(i).text(0) for i in range(portal.links.topLevelItemCount())]

    assert "Prévention santé" in headings()
    portal.grouping.setCurrentIndex(portal.grouping.findData("partner"))
    assert "Assurance Maladie (CPAM)" in headings() and "Prévention santé" not in headings()
    retirement = next(
        portal.links.topLevelItem(i)
        for i in range(portal.links.topLevelItemCount())
        if portal.links.topLevelItem(i).text(0) == "Assurance retraite (Cnav / Carsat)"
    )
    assert {retirement.child(j).text(0) for j in range(retirement.childCount())} == {
        "L'Assurance retraite",
        "Info-retraite.fr",
    }
