"""Pass numérique › Lieux qualifiés: where the cheques can be used, printed on the citizen's receipt.

The responsable keeps the directory, by hand or from a spreadsheet (CSV in and out).
"""

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.qualified_places import PlaceError, QualifiedPlace
from app.models.workspace import Workspace
from app.ui.tables import read_only_table

_FIELDS = (
    ("name", "Nom"),
    ("address", "Adresse"),
    ("commune", "Commune"),
    ("phone", "Téléphone"),
    ("hours", "Horaires"),
)


class PlacesPanel(QWidget):
    changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.table = read_only_table("Lieux qualifiés", [label for _field, label in _FIELDS])
        self.edits: dict[str, QLineEdit] = {}
        entry = QHBoxLayout()
        for field, label in _FIELDS:
            edit = QLineEdit()
            edit.setPlaceholderText(label)
            edit.setAccessibleName(f"{label} du lieu")
            self.edits[field] = edit
            entry.addWidget(edit, 2 if field in ("name", "address") else 1)
        self.add_button = QPushButton("Ajouter le lieu")
        self.add_button.clicked.connect(self._add)
        entry.addWidget(self.add_button)
        self.remove_button = QPushButton("Retirer le lieu sélectionné")
        self.remove_button.clicked.connect(self._remove)
        self.import_button = QPushButton("Importer un CSV…")
        self.import_button.setToolTip("Colonnes : nom;adresse;commune;telephone;horaires (remplace la liste)")
        self.import_button.clicked.connect(self._import)
        export = QPushButton("Exporter en CSV…")
        export.clicked.connect(self._export)
        self.notice = QLabel()
        self.notice.setObjectName("hint")
        self.notice.setWordWrap(True)
        actions = QHBoxLayout()
        for widget in (self.remove_button, self.import_button, export):
            actions.addWidget(widget)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(entry)
        layout.addLayout(actions)
        layout.addWidget(self.notice)

    def refresh(self) -> None:
        agent = self.workspace.workstation.current_agent
        manager = bool(agent and agent.is_manager)
        for widget in (self.add_button, self.remove_button, self.import_button, *self.edits.values()):
            widget.setEnabled(manager)
        places = self.workspace.places.list()
        if not manager:
            self.notice.setText("Seul un responsable peut modifier les lieux qualifiés.")
        elif not places:
            self.notice.setText(
                "Aucun lieu qualifié : ajoutez ceux de votre territoire, ils seront imprimés sur le reçu remis "
                "avec les chèques."
            )
        else:
            self.notice.setText(
                "Les lieux de la commune de la personne sont imprimés en premier sur son reçu."
            )
        self.table.setRowCount(len(places))
        for row, place in enumerate(places):
            for column, (field, _label) in enumerate(_FIELDS):
                cell = QTableWidgetItem(getattr(place, field))
                cell.setData(Qt.ItemDataRole.UserRole, place.id)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()

    def _add(self) -> None:
        place = QualifiedPlace(**{field: edit.text() for field, edit in self.edits.items()})
        try:
            self.workspace.places.save(place)
        except PlaceError as error:
            self.notice.setText(f"⚠ {error}")
            return
        for edit in self.edits.values():
            edit.clear()
        self.refresh()
        self.changed.emit()

    def _remove(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.workspace.places.delete(self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole))
            self.refresh()
            self.changed.emit()

    def import_file(self, path: Path) -> None:
        try:
            count = self.workspace.places.import_csv(path)
        except PlaceError as error:
            QMessageBox.warning(
                self, "Import des lieux qualifiés", f"{error}\n\nLa liste n'a pas été modifiée."
            )
            return
        self.refresh()
        self.notice.setText(f"{count} lieu{'x' if count > 1 else ''} importé{'s' if count > 1 else ''}.")
        self.changed.emit()

    def _import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Importer les lieux qualifiés", str(Path.home()), "CSV (*.csv)"
        )
        if name:
            self.import_file(Path(name))

    def _export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Exporter les lieux qualifiés", str(Path.home() / "lieux-qualifies.csv"), "CSV (*.csv)"
        )
        if name:
            Path(name).write_bytes(self.workspace.places.export_csv())
