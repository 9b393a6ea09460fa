"""Type-ahead choice of a life situation: type a few letters, Enter picks the highlighted one.

Matching ignores accents and case and also looks at keywords ("carte grise", "ameli"); the list of
all situations shows from the start, the agent picks one for every contact.
"""

from PySide6.QtWidgets import QWidget

from app.models.reference import Catalogue, Situation
from app.ui.type_ahead import TypeAheadPicker


class SituationPicker(TypeAheadPicker):
    def __init__(self, catalogue: Catalogue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalogue = catalogue
        self.edit.setPlaceholderText("Tapez quelques lettres : impôts, carte grise, retraite, déménage…")
        self.edit.setAccessibleName("Situation")
        self.edit.setAccessibleDescription(
            "Tapez quelques lettres ; ↑ et ↓ parcourent les situations proposées, Entrée retient la surlignée."
        )
        self.list.setAccessibleName("Situations correspondantes")
        self.list.setAccessibleDescription(
            "Choisies au clavier depuis le champ Situation : ↑, ↓ puis Entrée."
        )
        self._filter("")

    @property
    def situation(self) -> Situation | None:
        return self.value

    def matches(self, text: str) -> list[tuple[str, str, str]]:
        return [
            (situation.label, situation.id, self.catalogue.label("themes", situation.theme))
            for situation in self.catalogue.find_situations(text)
        ]

    def entry(self, key: str) -> tuple[Situation, str]:
        situation = self.catalogue.situations[key]
        return situation, situation.label
