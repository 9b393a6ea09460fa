"""Records the server refused, with its reason: set aside, never deleted, shown to the agent."""

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

from app.models.database import parse_db_time
from app.models.workspace import Workspace
from app.sync.outbox import quarantined_rows


class QuarantineDialog(QDialog):
    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Contacts refusés par le serveur")
        self.resize(900, 400)
        rows = quarantined_rows(workspace.db)
        intro = QLabel(
            "Ces contacts restent enregistrés sur le poste mais le serveur de reporting les a refusés. "
            "Les autres contacts continuent d'être envoyés. Transmettez le motif au responsable ou au support."
            if rows
            else "Aucun contact refusé par le serveur."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(rows), 3)
        self.table.setAccessibleName("Contacts refusés")
        self.table.setAccessibleDescription("Une ligne par contact refusé : sa date, sa situation, le motif.")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["Date du contact", "Situation", "Motif du refus"])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        for index, (_record_id, occurred_at, situation, reason) in enumerate(rows):
            moment = parse_db_time(occurred_at).astimezone()
            for column, text in enumerate(
                (f"{moment:%d/%m/%Y %H:%M}", workspace.catalogue.label("situations", situation), reason or "")
            ):
                self.table.setItem(index, column, QTableWidgetItem(text))
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(1, 260)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText("Fermer (Échap)")
        close.setToolTip("Ferme cette liste ; les contacts refusés restent sur le poste.")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
