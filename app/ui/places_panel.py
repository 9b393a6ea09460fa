"""Pass numérique › Lieux qualifiés: where the cheques can be used, printed on the citizen's receipt.

The responsable keeps the directory, by hand or from a spreadsheet (CSV in and out).
"""

import itertools
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QLayout, QLineEdit, QWidget

from app.models.permissions import Rule
from app.models.qualified_places import PlaceError, QualifiedPlace
from app.models.workspace import Workspace
from app.ui.directory_panel import DirectoryPanel, DirectoryWords
from app.ui.enter_key import on_enter

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
WORDS = DirectoryWords(
    table_name="Lieux qualifiés",
    table_description=(
        "Les lieux où les chèques peuvent être utilisés, imprimés sur le reçu de la personne. "
        "Les flèches choisissent le lieu à retirer."
    ),
    headers=tuple(label for _field, label in _FIELDS),
    remove="Retirer le l&ieu sélectionné",
    remove_tip="Retire de la liste le lieu choisi dans le tableau.",
    import_caption="Importer un C&SV…",
    import_tip="Colonnes : nom;adresse;commune;telephone;horaires (remplace la liste)",
    export_caption="E&xporter en CSV…",
    export_tip="Enregistre la liste des lieux dans un fichier CSV, pour un tableur.",
    import_title="Importer les lieux qualifiés",
    import_warning="Import des lieux qualifiés",
    export_title="Exporter les lieux qualifiés",
    export_file="lieux-qualifies.csv",
    document="la liste des lieux qualifiés",
    unchanged="La liste n'a pas été modifiée.",
    imported=lambda count: f"{count} lieu{'x' if count > 1 else ''} importé{'s' if count > 1 else ''}.",
)


class PlacesPanel(DirectoryPanel):
    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(workspace, workspace.places, PlaceError, Rule.PLACES, WORDS, parent=parent)
        chain = (
            self.table,
            *self.edits.values(),
            self.add_button,
            self.remove_button,
            self.import_button,
            self.export_button,
        )
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    def _entry_layout(self) -> QLayout:
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
        self.add_button.setText("&Ajouter le lieu")
        self.add_button.setToolTip(
            "Ajoute à la liste le lieu décrit dans les champs (ou Entrée dans un champ)."
        )
        entry.addWidget(self.add_button, 1, 4, 1, 2, Qt.AlignmentFlag.AlignLeft)
        return entry

    def _fields(self) -> Sequence[QLineEdit]:
        return tuple(self.edits.values())

    def _entered(self) -> QualifiedPlace:
        return QualifiedPlace(**{field: edit.text() for field, edit in self.edits.items()})  # type: ignore[arg-type]  # the text fields, by field name

    def _cells(self, entry: QualifiedPlace) -> Sequence[str]:
        return tuple(getattr(entry, field) for field, _label in _FIELDS)

    def _hint(self, entries: list[QualifiedPlace]) -> str:
        if not entries:
            return (
                "Aucun lieu qualifié : ajoutez ceux de votre territoire, ils seront imprimés sur le reçu remis "
                "avec les chèques."
            )
        return "Les lieux de la commune de la personne sont imprimés en premier sur son reçu."
