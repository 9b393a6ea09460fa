"""A responsable resolves a Pass numérique move the server refused (the same cheque moved otherwise on
another workstation first): the other workstation's move stands, and a refused handing out may be
replaced by other cheques for the same person. The rules are the model's (`PassStore.resolve_refused`)."""

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.models.pass_numerique import (
    EVENT_LABELS,
    PassError,
    RefusedMove,
    compact_numbers,
    parse_cheque_numbers,
)
from app.models.workspace import Workspace


def describe(move: RefusedMove) -> str:
    """ "Remise des chèques 40103, 40104 : <the server's reason>"."""
    return f"{EVENT_LABELS[move.event]} des chèques {compact_numbers(move.cheques)} : {move.reason}"


class ResolveRefusedDialog(QDialog):
    def __init__(self, workspace: Workspace, move: RefusedMove, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.refused_move = move
        self.setWindowTitle("Régulariser un mouvement refusé")
        what = QLabel(describe(move))
        what.setWordWrap(True)
        self.cancel_choice = QRadioButton(
            "A&nnuler ce mouvement : le mouvement de l'autre poste est le bon, les chèques reprennent son état"
        )
        self.cancel_choice.setChecked(True)
        self.replace_choice = QRadioButton("Remettre d'&autres chèques à la personne :")
        self.replacement = QLineEdit()
        self.replacement.setAccessibleName("Chèques remis à la place")
        self.replacement.setPlaceholderText("par exemple 40104, 40105")
        for widget in (self.replace_choice, self.replacement):
            widget.setEnabled(move.issuance is not None)
        self.replacement.textEdited.connect(lambda _text: self.replace_choice.setChecked(True))
        self.error = QLabel()
        self.error.setObjectName("warning")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Erreur")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Régulariser")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Fermer (Échap)")
        buttons.accepted.connect(self.resolve)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for part in (what, self.cancel_choice, self.replace_choice, self.replacement, self.error, buttons):
            layout.addWidget(part)

    def resolve(self) -> None:
        workstation = self.workspace.workstation
        structure = workstation.structure
        try:
            cheques = (
                parse_cheque_numbers(self.replacement.text()) if self.replace_choice.isChecked() else None
            )
            self.workspace.passes.resolve_refused(
                self.refused_move.record_id,
                structure=structure.matricule if structure else "",
                by=workstation.current_agent,
                cheques=cheques,
            )
        except PassError as error:
            self.error.setText(str(error))
            return
        self.accept()
