"""Type-ahead choice of the commune of residence in the official list: the record gets its INSEE
code, the agent reads "Nom (dép.)", so that two Saint-Denis are never confused. Optional: the list
shows only while the agent types, and the structure's département comes first."""

from PySide6.QtWidgets import QWidget

from app.models.communes import Commune, load_communes
from app.ui.type_ahead import TypeAheadPicker


class CommunePicker(TypeAheadPicker):
    def __init__(self, departement: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, list_only_while_typing=True)
        self.departement = departement
        self.edit.setPlaceholderText("Commune de résidence (facultatif) : tapez quelques lettres")
        self.edit.setAccessibleName("Commune de résidence")
        self.edit.setAccessibleDescription(
            "Facultatif, la commune seulement, jamais l'adresse. Tapez quelques lettres ; ↑ et ↓ "
            "parcourent les communes proposées, Entrée retient la surlignée."
        )
        self.list.setAccessibleName("Communes correspondantes")
        self.list.setAccessibleDescription(
            "Choisies au clavier depuis le champ Commune de résidence : ↑, ↓ puis Entrée."
        )
        self.list.setMaximumHeight(110)
        self._filter("")

    @property
    def commune(self) -> Commune | None:
        return self.value

    def residence_commune(self) -> str | None:
        """What the record carries: the chosen commune's code; text typed but not chosen as it is,
        for the record to refuse with its message; nothing when the field is empty."""
        if self.value is not None:
            return self.value.code
        return self.edit.text().strip() or None

    def set_code(self, code: str | None) -> None:
        """Show the commune of `code`; an empty field when there is none or the list no longer has it."""
        if code and code in load_communes():
            self.select(code)
        else:
            self.clear()

    def matches(self, text: str) -> list[tuple[str, str, str]]:
        if not text.strip():
            return []  # the list is read at the first letter, not when the form opens
        return [
            (commune.label, commune.code, f"Code INSEE {commune.code}")
            for commune in load_communes().search(text, departement=self.departement)
        ]

    def entry(self, key: str) -> tuple[Commune, str]:
        commune = load_communes().get(key)
        assert commune is not None  # a key the search gave
        return commune, commune.label
