"""Paramètres › Référents: the partners' referents, kept by the responsable, CSV in and out."""

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLayout, QLineEdit, QWidget

from app.models.permissions import Rule
from app.models.referents import Referent, ReferentError
from app.models.workspace import Workspace
from app.ui.directory_panel import DirectoryPanel, DirectoryWords

WORDS = DirectoryWords(
    table_name="Référents",
    table_description="Les référents des partenaires ; Suppr retire le référent sélectionné (responsable).",
    headers=("Partenaire", "Nom", "Téléphone", "E-mail", "Note"),
    remove="Retirer le référent sélectionné",
    remove_tip="Retire de l'annuaire le référent sélectionné dans la liste (Suppr).",
    import_caption="Importer un CSV…",
    import_tip="Remplace l'annuaire par celui d'un fichier CSV.",
    export_caption="Exporter en CSV…",
    export_tip="Enregistre l'annuaire dans un fichier CSV.",
    import_title="Importer les référents",
    import_warning="Import des référents",
    export_title="Exporter les référents",
    export_file="referents.csv",
    document="la liste des référents",
    unchanged="L'annuaire n'a pas été modifié.",
    imported=lambda count: f"{count} référent{'s' if count > 1 else ''} importé{'s' if count > 1 else ''}.",
)


class ReferentsPanel(DirectoryPanel):
    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(
            workspace,
            workspace.referents,
            ReferentError,
            Rule.REFERENTS,
            WORDS,
            "Référents des partenaires (deux par partenaire)",
            parent,
        )
        self.table.setMaximumHeight(180)

    def _entry_layout(self) -> QLayout:
        self.partner = QComboBox()
        self.partner.setAccessibleName("Partenaire du référent")
        self.partner.setToolTip("Le partenaire dont la personne est référente.")
        for partner_id, partner in self.workspace.catalogue.partners.items():
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
        self.add_button.setText("Ajouter")
        self.add_button.setToolTip(
            "Ajoute ce référent à l'annuaire de la structure, partagé par ses postes (deux par partenaire au plus)."
        )
        entry = QHBoxLayout()
        for widget in (self.partner, self.name, self.phone, self.email, self.note, self.add_button):
            entry.addWidget(widget)
        return entry

    def _fields(self) -> Sequence[QLineEdit]:
        return (self.name, self.phone, self.email, self.note)

    def _entered(self) -> Referent:
        return Referent(
            self.partner.currentData(),
            self.name.text(),
            self.phone.text(),
            self.email.text(),
            self.note.text(),
        )

    def _cells(self, entry: Referent) -> Sequence[str]:
        partner = self.workspace.catalogue.label("partners", entry.partner)
        return (partner, entry.name, entry.phone, entry.email, entry.note)
