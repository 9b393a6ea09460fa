"""The history names the workstation each contact was recorded on, pulled ones included."""

from PySide6.QtCore import Qt

from app.models.contacts import ContactFilter
from app.sync.pull import apply_page
from app.sync.transport import PulledPage
from app.ui.contacts_model import COLUMNS, ContactsModel
from tests.server.helpers import contact

OTHER = "5b0f7c1e-2f4a-4d7e-9a51-7c1d2e3f4a5b"


def test_the_history_shows_the_agent_and_the_workstation(qapp, bus) -> None:
    record = contact(agent="Marc D.")
    item = {
        "seq": 1,
        "kind": "contact",
        "record": record,
        "workstation": {"id": OTHER, "label": "poste-bus"},
        "received_at": "2026-11-10T10:00:00Z",
    }
    apply_page(bus, PulledPage([item], 1, False, "2026-11-10T10:05:00Z"))
    model = ContactsModel(bus.contacts, bus.catalogue, ContactFilter())
    model.reload()
    agent, workstation = COLUMNS.index("Agent"), COLUMNS.index("Poste")
    shown = [
        (
            model.data(model.index(row, agent), Qt.ItemDataRole.DisplayRole),
            model.data(model.index(row, workstation)),
        )
        for row in range(model.rowCount())
    ]
    assert shown == [("Marc D.", "poste-bus")]


def test_the_status_bar_says_how_fresh_the_other_workstations_records_are(qtbot, bus) -> None:
    from app.ui.main_window import MainWindow

    item = {
        "seq": 1,
        "kind": "contact",
        "record": contact(),
        "workstation": {"id": OTHER, "label": "poste-bus"},
        "received_at": "2026-11-10T10:00:00Z",
    }
    apply_page(bus, PulledPage([item], 1, False, "2026-11-10T10:05:00Z"))
    window = MainWindow(bus)
    qtbot.addWidget(window)
    window.refresh()
    assert "Données des autres postes à jour au 10/11 à " in window.sync_label.toolTip()
    assert "Aucune nouvelle du poste « poste-bus » depuis le 10/11." in window.sync_label.toolTip()


def test_an_agent_removing_another_workstations_contact_is_told_why(qtbot, bus) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.ui.main_window import MainWindow

    item = {
        "seq": 1,
        "kind": "contact",
        "record": contact(),
        "workstation": {"id": OTHER, "label": "poste-bus"},
        "received_at": "2026-11-10T10:00:00Z",
    }
    apply_page(bus, PulledPage([item], 1, False, "2026-11-10T10:05:00Z"))
    agent = bus.workstation.add_agent("Karim B.", "agent")
    bus.workstation.set_current_agent(agent.id)
    window = MainWindow(bus)
    qtbot.addWidget(window)
    window.nav.setCurrentRow(2)
    window.history.table.selectRow(0)
    shown: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.button(QMessageBox.StandardButton.Yes) is not None:
            box.button(QMessageBox.StandardButton.Yes).click()
            QTimer.singleShot(10, answer)
        elif isinstance(box, QMessageBox):
            shown.append(box.text())
            box.button(QMessageBox.StandardButton.Ok).click()
        else:
            QTimer.singleShot(10, answer)

    QTimer.singleShot(0, answer)
    window.history._remove()
    assert shown and "seul un responsable peut le corriger ou le supprimer" in shown[0]
    assert bus.contacts.count(ContactFilter()) == 1
