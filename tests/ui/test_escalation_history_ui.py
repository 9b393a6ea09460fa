"""Parcours › "Historique…" of an escalation: the sending and every change of status, on every
workstation; a change outranked by a later one made offline on another workstation is still listed."""

from datetime import UTC, datetime, timedelta

from PySide6.QtWidgets import QApplication, QMessageBox

from app.sync.pull import apply_page
from app.sync.transport import PulledPage
from app.ui.escalation_history import OUTRANKED, EscalationHistoryDialog
from app.ui.flows_screen import FlowsScreen
from tests.server.helpers import status_change
from tests.ui.helpers import answer_next_message_box

OTHER = "5b0f7c1e-2f4a-4d7e-9a51-7c1d2e3f4a5b"


def test_the_history_lists_the_change_another_workstation_outranked(qtbot, desk) -> None:
    sent = desk.escalations.create(
        {
            "structure": "1",
            "agent": "Camille R.",
            "partner": "caf",
            "situation": "allocation-logement",
            "channel": "email",
            "sent_at": datetime.now(UTC) - timedelta(hours=2),
        }
    )
    mine = desk.escalations.set_status(str(sent.id), "repondu", "Karim B.")
    at = mine.created_at + timedelta(minutes=1)  # the bus closed it a minute later, offline
    theirs = status_change(sent.model_dump(mode="json"), "clos", at, created_at=at, agent="Julie M.")
    item = {
        "seq": 1,
        "kind": "escalation",
        "record": theirs,
        "workstation": {"id": OTHER, "label": "poste-bus"},
        "received_at": "2026-11-10T10:00:00Z",
    }
    assert apply_page(desk, PulledPage([item], 1, False, "2026-11-10T10:05:00Z")) == 1

    screen = FlowsScreen(desk)
    qtbot.addWidget(screen)
    screen.refresh()
    screen.show()
    assert screen.escalations.rowCount() == 1
    assert screen.escalations.item(0, 4).text() == "Clos"
    answer_next_message_box(QMessageBox.StandardButton.Ok)
    screen.history_button.click()  # nothing chosen yet: told to choose, no dialog
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, EscalationHistoryDialog)]
    screen.escalations.selectRow(0)
    screen.history_button.click()
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, EscalationHistoryDialog))
    qtbot.addWidget(dialog)
    table = dialog.table
    rows = [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]
    assert [(row[1], row[3], row[4], row[5]) for row in rows] == [
        ("En attente de réponse", "Camille R.", "ce poste", "non"),
        ("Répondu", "Karim B.", "ce poste", OUTRANKED),
        ("Clos", "Julie M.", "poste-bus", "oui"),
    ]
