"""Paramètres › Référents: the partners' referents, kept by the responsable, CSV in and out."""

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.referents import Referent, ReferentError
from app.models.workspace import Workspace
from app.ui.tables import read_only_table


class ReferentsPanel(QGroupBox):
    changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__("Référents des partenaires (deux par partenaire)", parent)
        self.workspace = workspace
        self.table = read_only_table("Référents", ["Partenaire", "Nom", "Téléphone", "E-mail", "Note"])
        self.table.setMaximumHeight(180)
        self.table.setTabKeyNavigation(False)  # arrows inside, Tab out
        self.table.setAccessibleDescription(
            "Les référents des partenaires ; Suppr retire le référent sélectionné (responsable)."
        )
        QShortcut(
            QKeySequence(Qt.Key.Key_Delete),
            self.table,
            self._remove,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        self.partner = QComboBox()
        self.partner.setAccessibleName("Partenaire du référent")
        self.partner.setToolTip("Le partenaire dont la personne est référente.")
        for partner_id, partner in workspace.catalogue.partners.items():
            self.partner.addItem(partner.label, partner_id)
        self.name = QLineEdit()
        self.phone = QLineEdit()
        self.email = QLineEdit()
        self.note = QLineEdit()
        for edit, label in (
            (self.name, "Nom"),
            (self.phone, "Téléphone"),
            (self.email, "E-mail"),
            (self.note, "Note"),
        ):
            edit.setPlaceholderText(label)
            edit.setAccessibleName(f"{label} du référent")
            edit.setToolTip(f"{label} du référent à ajouter (professionnel).")
        self.add_button = QPushButton("Ajouter")
        self.add_button.setToolTip(
            "Ajoute ce référent à l'annuaire de la structure, partagé par ses postes (deux par partenaire au plus)."
        )
        self.add_button.clicked.connect(self._add)
        self.remove_button = QPushButton("Retirer le référent sélectionné")
        self.remove_button.setToolTip("Retire de l'annuaire le référent sélectionné dans la liste (Suppr).")
        self.remove_button.clicked.connect(self._remove)
        self.import_button = QPushButton("Importer un CSV…")
        self.import_button.setToolTip("Remplace l'annuaire par celui d'un fichier CSV.")
        self.import_button.clicked.connect(self._import)
        export = QPushButton("Exporter en CSV…")
        export.setToolTip("Enregistre l'annuaire dans un fichier CSV.")
        export.clicked.connect(self._export)
        self.notice = QLabel()
        self.notice.setObjectName("hint")
        self.notice.setWordWrap(True)
        entry = QHBoxLayout()
        for widget in (self.partner, self.name, self.phone, self.email, self.note, self.add_button):
            entry.addWidget(widget)
        actions = QHBoxLayout()
        for widget in (self.remove_button, self.import_button, export):
            actions.addWidget(widget)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(entry)
        layout.addLayout(actions)
        layout.addWidget(self.notice)

    def refresh(self) -> None:
        agent = self.workspace.workstation.current_agent
        manager = bool(agent and agent.is_manager)
        for widget in (
            self.add_button,
            self.remove_button,
            self.import_button,
            self.name,
            self.phone,
            self.email,
            self.note,
        ):
            widget.setEnabled(manager)
        self.notice.setText("" if manager else "Seul un responsable peut modifier l'annuaire des référents.")
        referents = self.workspace.referents.list()
        self.table.setRowCount(len(referents))
        for row, referent in enumerate(referents):
            values = (
                self.workspace.catalogue.label("partners", referent.partner),
                referent.name,
                referent.phone,
                referent.email,
                referent.note,
            )
            for column, text in enumerate(values):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, referent.id)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()

    def _add(self) -> None:
        referent = Referent(
            self.partner.currentData(),
            self.name.text(),
            self.phone.text(),
            self.email.text(),
            self.note.text(),
        )
        try:
            self.workspace.referents.save(referent)
        except ReferentError as error:
            self.notice.setText(f"⚠ {error}")
            return
        for edit in (self.name, self.phone, self.email, self.note):
            edit.clear()
        self.refresh()
        self.changed.emit()

    def _remove(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            try:
                self.workspace.referents.delete(
                    self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)  # type: ignore[union-attr]  # the selected row's cell
                )
            except ReferentError as error:  # only a responsable changes the structure's directory
                self.notice.setText(f"⚠ {error}")
                return
            self.refresh()
            self.changed.emit()

    def import_file(self, path: Path) -> None:
        try:
            count = self.workspace.referents.import_csv(path)
        except ReferentError as error:
            QMessageBox.warning(self, "Import des référents", f"{error}\n\nL'annuaire n'a pas été modifié.")
            return
        self.refresh()
        self.notice.setText(f"{count} référent{'s' if count > 1 else ''} importé{'s' if count > 1 else ''}.")
        self.changed.emit()

    def _import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Importer les référents", str(Path.home()), "CSV (*.csv)")
        if name:
            self.import_file(Path(name))

    def _export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Exporter les référents", str(Path.home() / "referents.csv"), "CSV (*.csv)"
        )
        if name:
            Path(name).write_bytes(self.workspace.referents.export_csv())
