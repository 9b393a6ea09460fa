"""Pass numérique › Lieux qualifiés: where the cheques can be used, printed on the citizen's receipt.

The responsable keeps the directory, by hand or from a spreadsheet (CSV in and out).
"""

import itertools
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
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
from app.ui.enter_key import on_enter
from app.ui.tables import chosen_row, read_only_table

_FIELDS = (
    ("name", "Nom"),
    ("address", "Adresse"),
    ("commune", "Commune"),
    ("phone", "Téléphone"),
    ("hours", "Horaires"),
)
_CAPTIONS = {
    "name": "&Nom",
    "address": "A&dresse",
    "commune": "Co&mmune",
    "phone": "Télé&phone",
    "hours": "&Horaires",
}
_EXAMPLES = {
    "name": "ex. Médiathèque",
    "address": "ex. 2 rue Centrale",
    "commune": "ex. Bellegarde",
    "phone": "ex. 04 50 00 00 00",
    "hours": "ex. mardi 14 h – 18 h",
}


class PlacesPanel(QWidget):
    changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.table = read_only_table(
            "Lieux qualifiés",
            [label for _field, label in _FIELDS],
            "Les lieux où les chèques peuvent être utilisés, imprimés sur le reçu de la personne. "
            "Les flèches choisissent le lieu à retirer.",
        )
        self.edits: dict[str, QLineEdit] = {}
        # Each field after its visible caption (the caption is its name), three to a row, the add
        # button after the last: the fields keep room for their text at a large font.
        entry = QGridLayout()
        for index, (field, label) in enumerate(_FIELDS):
            edit = QLineEdit()
            edit.setPlaceholderText(_EXAMPLES[field])
            edit.setAccessibleName(f"{label} du lieu")
            edit.setAccessibleDescription(f"{label} du nouveau lieu qualifié ; Entrée l'ajoute à la liste.")
            on_enter(edit, self._add)
            caption = QLabel(f"{_CAPTIONS[field]} :")
            caption.setBuddy(edit)
            self.edits[field] = edit
            row, column = divmod(index, 3)
            entry.addWidget(caption, row, 2 * column)
            entry.addWidget(edit, row, 2 * column + 1)
        for column in (1, 3, 5):
            entry.setColumnStretch(column, 1)
        self.add_button = QPushButton("&Ajouter le lieu")
        self.add_button.setToolTip(
            "Ajoute à la liste le lieu décrit dans les champs (ou Entrée dans un champ)."
        )
        self.add_button.clicked.connect(self._add)
        entry.addWidget(self.add_button, 1, 4, 1, 2, Qt.AlignmentFlag.AlignLeft)
        self.remove_button = QPushButton("Retirer le l&ieu sélectionné")
        self.remove_button.setToolTip("Retire de la liste le lieu choisi dans le tableau.")
        self.remove_button.clicked.connect(self._remove)
        self.import_button = QPushButton("Importer un C&SV…")
        self.import_button.setToolTip("Colonnes : nom;adresse;commune;telephone;horaires (remplace la liste)")
        self.import_button.clicked.connect(self._import)
        export = QPushButton("E&xporter en CSV…")
        export.setToolTip("Enregistre la liste des lieux dans un fichier CSV, pour un tableur.")
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
        chain = (
            self.table,
            *self.edits.values(),
            self.add_button,
            self.remove_button,
            self.import_button,
            export,
        )
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

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
        place = QualifiedPlace(**{field: edit.text() for field, edit in self.edits.items()})  # type: ignore[arg-type]  # the text fields, by field name
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
        row = chosen_row(self.table)
        if row is not None:
            try:
                self.workspace.places.delete(self.table.item(row, 0).data(Qt.ItemDataRole.UserRole))  # type: ignore[union-attr]  # the selected row's cell
            except PlaceError as error:  # only a responsable changes the structure's directory
                self.notice.setText(f"⚠ {error}")
                return
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
