"""Paramètres › "Corriger la structure…": the first start's structure and format pages again, for a
responsable who picked the wrong structure, or whose structure became itinerant (or fixed).

The rules (only a responsable, never on an enrolled workstation, the records that go with it) are
the model's: Workstation.correct_structure.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard

from app.models import reattribution
from app.models.workspace import Workspace
from app.models.workstation import SetupError
from app.ui.notices import notice_label, show_notice
from app.ui.setup_wizard import FormatPage, StructurePage, chosen_structure, name_buttons


class StructureCorrection(QWizard):
    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Corriger la structure du poste")
        name_buttons(
            self,
            ("&Enregistrer", "Demande confirmation, puis enregistre la structure."),
            "Ferme sans rien changer.",
        )
        self.structure_page = StructurePage(
            workspace.structure_list
        )  # FormatPage reads the wizard's structure_page
        self.format_page = FormatPage()
        self.format_page.stops.list.addItems(workspace.workstation.stops)
        self._show_current()
        self.error = notice_label("Message d'erreur")
        self.format_page.layout().addWidget(self.error)  # type: ignore[union-attr]  # the wizard page's own layout
        # The pages by name, as SetupWizard has them: no "agents" page, so the format page is the last.
        self.page_ids = {
            "structure": self.addPage(self.structure_page),
            "format": self.addPage(self.format_page),
        }
        self.setMinimumSize(720, 520)
        self.moved = 0

    def _show_current(self) -> None:
        """Start from the structure as it is: selected in the list, or typed as it was typed."""
        current = self.workspace.workstation.structure
        if current is None:
            return
        page = self.structure_page
        page.search.setText(current.name)
        for row in range(page.results.count()):
            listed = page.results.item(row).data(Qt.ItemDataRole.UserRole)
            if listed.matricule == current.matricule:
                page.results.setCurrentRow(row)
                return
        page.manual.setChecked(True)
        page.name.setText(current.name)
        page.commune.setText(current.commune)
        page.departement.setText(current.departement)
        page.matricule.setText(current.matricule)

    def accept(self) -> None:
        structure = chosen_structure(self.structure_page, self.format_page)
        workstation = self.workspace.workstation
        if structure is None:
            return
        current = workstation.structure
        kind = "itinérante" if structure.itinerant else "site fixe"
        question = (
            f"La structure de ce poste, « {current.name} » (n° {current.matricule}), devient "
            f"« {structure.name} » (n° {structure.matricule}), {kind}."
            if current
            else f"La structure de ce poste devient « {structure.name} » (n° {structure.matricule}), {kind}."
        )
        unsent = reattribution.plan(self.workspace.db, structure.matricule).count
        if unsent:
            question += (
                f" {unsent} enregistrement{'s' if unsent > 1 else ''} fait{'s' if unsent > 1 else ''} sur ce "
                f"poste sous une autre structure lui {'seront' if unsent > 1 else 'sera'} "
                f"rattaché{'s' if unsent > 1 else ''}."
            )
        answer = QMessageBox.question(
            self,
            "Corriger la structure",
            question + " Confirmer ?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.moved = workstation.correct_structure(
                structure,
                self.format_page.stops.stops(),
                self.format_page.current.currentText() or None,
                workstation.current_agent,
            )
        except SetupError as error:
            show_notice(self.error, str(error))
            return
        super().accept()
