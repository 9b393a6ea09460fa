"""Parcours › Historique of an escalation: its sending and every change of status, by whom and on
which workstation. A change made on another workstation while both were offline and outranked by a
later one (docs/SYNC_PROTOCOL.md) is listed here, never silently lost."""

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTableWidgetItem, QVBoxLayout, QWidget

from app.models.workspace import Workspace
from app.ui.tables import read_only_table

HEADERS = ["Enregistré le", "Statut", "Répondu le", "Par", "Poste", "En vigueur"]
OUTRANKED = "non — remplacé par un changement plus récent fait hors ligne sur un autre poste"


class EscalationHistoryDialog(QDialog):
    def __init__(self, workspace: Workspace, escalation_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Historique de la sollicitation")
        self.table = read_only_table(
            "Historique de la sollicitation",
            HEADERS,
            "L'envoi de la sollicitation et chacun de ses changements de statut, du plus ancien au plus "
            "récent ; la version en vigueur est marquée « oui ».",
        )
        catalogue = workspace.catalogue
        versions = workspace.escalations.history(escalation_id)
        self.table.setRowCount(len(versions))
        for row, version in enumerate(versions):
            cells = [
                f"{version.created_at.astimezone():%d/%m/%Y %H:%M}",
                catalogue.label("escalation_statuses", version.status),
                f"{version.answered_at.astimezone():%d/%m/%Y %H:%M}" if version.answered_at else "",
                version.agent,
                workspace.shared.sender_label(version.origin),
                "oui" if version.current else OUTRANKED if version.outranked else "non",
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(820, 320)
