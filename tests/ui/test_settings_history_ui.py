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
