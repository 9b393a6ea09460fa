"""The quarantine lists every refused record, whatever its kind, as the status bar counts them all."""

from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.models.database import transaction
from app.ui.quarantine import QuarantineDialog
from tests.ui.test_contact_form import open_window


def refuse(ws, record_id: str, reason: str) -> None:
    with transaction(ws.db):
        ws.db.execute(
            "UPDATE outbox SET state = 'rejected', last_error = ? WHERE record_id = ?", [reason, record_id]
        )


def add_contact(ws):
    """A contact of 2 November 2026, 09:30 UTC, about taxes."""
    return ws.contacts.add(
        {
            **ws.workstation.contact_defaults(),
            "situation": "declarer-impots",
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 5,
            "occurred_at": datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        }
    )


def test_refused_contacts_escalations_and_pass_records_are_all_listed(qtbot, desk) -> None:
    contact = add_contact(desk)
    escalation = desk.escalations.create(
        {
            "structure": "1",
            "agent": "Camille R.",
            "partner": "caf",
            "situation": "allocation-logement",
            "channel": "administration-plus",
            "sent_at": datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
        }
    )
    numbers = [str(number) for number in range(1001, 1006)]
    received = desk.passes.receive_booklet(
        structure="1",
        agent="Camille R.",
        funder="Conseil départemental de l'Ain",
        booklet="C-42",
        cheques=numbers,
        booklet_size=5,
        valid_until=date.today() + timedelta(days=365),
    )
    issuance = desk.passes.hand_out(structure="1", agent="Karim B.", cheques=numbers[:2])
    refuse(desk, str(contact.id), "Motif contact.")
    refuse(desk, str(escalation.id), "Motif sollicitation.")
    refuse(desk, str(received.id), "Motif réception.")
    refuse(desk, str(issuance.id), "Motif remise.")

    window = open_window(qtbot, desk)
    assert window.quarantine_button.text() == "⚠ 4 refusés"
    qtbot.mouseClick(window.quarantine_button, Qt.MouseButton.LeftButton)
    table = window.findChild(QuarantineDialog).table
    rows = {tuple(table.item(row, column).text() for column in (0, 2, 3)) for row in range(table.rowCount())}
    assert rows == {
        ("Contact", desk.catalogue.label("situations", "declarer-impots"), "Motif contact."),
        (
            "Sollicitation d'un référent",
            desk.catalogue.label("situations", "allocation-logement"),
            "Motif sollicitation.",
        ),
        ("Pass numérique : mouvement de stock", "Réception : 5 chèques", "Motif réception."),
        ("Pass numérique : remise à un usager", "2 chèques", "Motif remise."),
    }
    dates = [table.item(row, 1).text() for row in range(table.rowCount())]
    assert all(dates)
    assert dates[-2:] == [
        f"{datetime(2026, 11, 3, 10, 0, tzinfo=UTC).astimezone():%d/%m/%Y %H:%M}",
        f"{datetime(2026, 11, 2, 9, 30, tzinfo=UTC).astimezone():%d/%m/%Y %H:%M}",
    ], "newest first (the Pass numérique lines are today's)"


def test_nothing_refused_says_so(qtbot, desk) -> None:
    dialog = QuarantineDialog(desk)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0
    assert "Aucun enregistrement refusé par le serveur." in [
        label.text() for label in dialog.findChildren(QLabel)
    ]


def test_records_quarantined_because_unreadable_are_listed(qtbot, desk) -> None:
    """The sync sets aside a record it cannot read (a damaged date, a damaged cheque list): the screen
    that explains refusals must list it too, not fail on it."""
    contact = add_contact(desk)
    numbers = [str(number) for number in range(2001, 2006)]
    desk.passes.receive_booklet(
        structure="1",
        agent="Camille R.",
        funder="Conseil départemental de l'Ain",
        booklet="C-43",
        cheques=numbers,
        booklet_size=5,
        valid_until=date.today() + timedelta(days=365),
    )
    issuance = desk.passes.hand_out(structure="1", agent="Karim B.", cheques=numbers[:1])
    with transaction(desk.db):
        desk.db.execute(
            "UPDATE contacts SET occurred_at = '202-11-20T10:00:00Z' WHERE id = ?", [str(contact.id)]
        )
        desk.db.execute("DROP TRIGGER pass_issuances_unchanged")
        desk.db.execute("UPDATE pass_issuances SET cheques = '[abîmé' WHERE id = ?", [str(issuance.id)])
    refuse(desk, str(contact.id), "Enregistrement illisible (date et heure).")
    refuse(desk, str(issuance.id), "Enregistrement illisible (numéros de chèques).")

    dialog = QuarantineDialog(desk)
    qtbot.addWidget(dialog)
    reasons = {dialog.table.item(row, 3).text() for row in range(dialog.table.rowCount())}
    assert reasons == {
        "Enregistrement illisible (date et heure).",
        "Enregistrement illisible (numéros de chèques).",
    }
