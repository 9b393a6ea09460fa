"""Paramètres › "Historique des paramètres partagés…": every version of the structure's shared
settings, the applied one marked, the one the rule did not keep still listed."""

from PySide6.QtWidgets import QApplication

from app.models.database import transaction
from app.sync.pull import apply_page
from app.sync.transport import PulledPage
from app.ui.settings import SettingsScreen
from app.ui.settings_history import SettingsHistoryDialog
from tests.server.helpers import setting

OTHER = "5b0f7c1e-2f4a-4d7e-9a51-7c1d2e3f4a5b"


def test_the_history_lists_every_version_and_marks_the_applied_one(qtbot, desk) -> None:
    with transaction(desk.db):
        desk.shared.seed("1")
    desk.passes.set_threshold(15)
    pulled = setting("pass.threshold", 25, structure="1", changed_at="2026-01-05T08:00:00Z")
    item = {"seq": 1, "kind": "setting", "record": pulled, "workstation": {"id": OTHER, "label": "poste-bus"}}
    apply_page(
        desk, PulledPage([{**item, "received_at": "2026-01-05T08:01:00Z"}], 1, False, "2026-01-05T08:05:00Z")
    )

    screen = SettingsScreen(desk)
    qtbot.addWidget(screen)
    screen.refresh()
    screen.show()
    screen.history_button.click()
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, SettingsHistoryDialog))
    qtbot.addWidget(dialog)
    table = dialog.table
    rows = [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]
    threshold = [row for row in rows if row[0] == "Seuil d'alerte du stock Pass numérique"]
    assert [(row[1], row[3], row[4], row[5]) for row in threshold] == [
        ("15 chèques", "Camille R.", "ce poste", "oui"),
        ("25 chèques", "Julie M.", "poste-bus", "non"),  # older: kept, not applied
    ]
    assert ["Agent « Karim B. »", "Agent", "Camille R.", "ce poste", "oui"] in [
        [row[0], row[1], row[3], row[4], row[5]] for row in rows
    ]


def test_a_responsable_removes_an_allowed_site_and_the_history_shows_it(qtbot, desk) -> None:
    from app.models.referents import Referent

    with transaction(desk.db):
        desk.shared.seed("1")
    desk.portal.allow_domain("ccas-guise.fr", "aide sociale", "Camille R.")
    desk.referents.save(Referent("caf", "Mme Martin", "03 23 00 00 01", "referente@caf.example.fr"))
    screen = SettingsScreen(desk)
    qtbot.addWidget(screen)
    screen.refresh()
    assert [screen.sites.item(row).text() for row in range(screen.sites.count())] == [
        "ccas-guise.fr — aide sociale (ajouté par Camille R.)"
    ]
    screen.sites.setCurrentRow(0)
    screen.remove_site_button.click()
    assert screen.sites.count() == 0
    assert "retiré des sites autorisés" in screen.sites_result.text()
    assert not desk.portal.whitelist().allows("https://ccas-guise.fr/")

    dialog = SettingsHistoryDialog(desk.shared)
    qtbot.addWidget(dialog)
    rows = [
        [dialog.table.item(row, column).text() for column in (0, 1, 5)]
        for row in range(dialog.table.rowCount())
    ]
    assert ["Site autorisé « ccas-guise.fr »", "retiré", "oui"] in rows
    assert ["Site autorisé « ccas-guise.fr »", "aide sociale", "non"] in rows
    assert [
        "Référent « Mme Martin » (caf)",
        "03 23 00 00 01 · referente@caf.example.fr",
        "oui",
    ] in rows


def test_an_agent_cannot_remove_an_allowed_site(qtbot, desk) -> None:
    desk.portal.allow_domain("ccas-guise.fr", "aide sociale", "Camille R.")
    karim = next(agent for agent in desk.workstation.agents() if agent.name == "Karim B.")
    desk.workstation.set_current_agent(karim.id)
    screen = SettingsScreen(desk)
    qtbot.addWidget(screen)
    screen.refresh()
    assert screen.sites.count() == 1
    assert not screen.remove_site_button.isEnabled()
