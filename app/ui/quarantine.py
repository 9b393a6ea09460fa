"""Records the server refused, with its reason: set aside, never deleted, shown to the agent.

Every kind the outbox sends is listed (contacts, escalations, Pass numérique ledger lines and
handings out): the status bar counts them all, so the list must show them all.
"""

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.pass_numerique import EVENT_LABELS
from app.models.workspace import Workspace
from app.sync.status import RefusedRecord, refused_records
from app.ui.window_size import fit_to_screen

KIND_LABELS = {
    "contact": "Contact",
    "escalation": "Sollicitation d'un référent",
    "pass_ledger": "Pass numérique : mouvement de stock",
    "pass_issuance": "Pass numérique : remise à un usager",
}


class QuarantineDialog(QDialog):
    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Enregistrements refusés par le serveur")
        fit_to_screen(self, QSize(1000, 400))
        rows = refused_records(workspace.db)
        intro = QLabel(
            "Ces enregistrements restent sur le poste mais le serveur de reporting les a refusés. "
            "Les autres continuent d'être envoyés. Transmettez le motif au responsable ou au support."
            if rows
            else "Aucun enregistrement refusé par le serveur."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(rows), 4)
        self.table.setAccessibleName("Enregistrements refusés")
        self.table.setAccessibleDescription(
            "Une ligne par enregistrement refusé : son type, sa date, ce qu'il concerne, le motif."
        )
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["Type", "Date", "Objet", "Motif du refus"])
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        for index, row in enumerate(rows):
            moment = f"{row.moment.astimezone():%d/%m/%Y %H:%M}" if row.moment else ""
            for column, text in enumerate(
                (KIND_LABELS.get(row.kind, row.kind), moment, self._subject(row), row.reason)
            ):
                self.table.setItem(index, column, QTableWidgetItem(text))
        for column in (0, 1):
            self.table.resizeColumnToContents(column)
        self.table.setColumnWidth(2, 260)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText("Fermer (Échap)")
        close.setToolTip("Ferme cette liste ; les enregistrements refusés restent sur le poste.")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def _subject(self, row: RefusedRecord) -> str:
        """The situation of a contact or an escalation; the move and the cheques of a Pass numérique line."""
        if row.situation:
            return self.workspace.catalogue.label("situations", row.situation)
        parts = [EVENT_LABELS.get(row.event, row.event)] if row.event else []
        if row.cheques:
            parts.append(f"{row.cheques} chèque{'s' if row.cheques > 1 else ''}")
        return " : ".join(parts)
