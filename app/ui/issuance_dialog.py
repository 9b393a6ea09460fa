"""Handing Pass numérique cheques to a citizen, then printing the receipt.

The cheques whose validity ends first are proposed; the agent may type the numbers actually handed
over instead. The profile is anonymous (age band, commune, situation). After recording, the dialog
offers the receipt again (print or save); a handing out that does not come from a recorded contact
asks for the contact afterwards, pre-filled and flagged "Pass numérique remis".
"""

import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.pass_numerique import PassError, compact_numbers, euros, parse_cheque_numbers
from app.models.record import AUTONOMY_LEVELS, PassIssuanceRecord, RecordError
from app.models.workspace import Workspace
from app.ui.commune_picker import CommunePicker
from app.ui.notices import notice_label, show_notice
from app.ui.pass_dialogs import who
from app.ui.saving import save_or_say
from app.ui.tables import fit_to_text

DEFAULT_CHEQUES = 5


class IssuanceDialog(QDialog):
    def __init__(
        self,
        workspace: Workspace,
        parent: QWidget | None = None,
        *,
        cheques: int = 0,
        level: str | None = None,
        contact_id: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.contact_id = contact_id
        self.issuance: PassIssuanceRecord | None = None
        self.setWindowTitle("Remettre des chèques Pass numérique")
        catalogue = workspace.catalogue
        contact = workspace.contacts.get(contact_id) if contact_id else None

        self.count = QSpinBox()
        self.count.setRange(1, 20)
        self.count.setValue(cheques or DEFAULT_CHEQUES)
        self.count.setAccessibleName("Nombre de chèques")
        self.count.setAccessibleDescription(
            "Combien de chèques remettre ; les numéros proposés dessous suivent ce nombre."
        )
        self.numbers = QLineEdit()
        self.numbers.setAccessibleName("Numéros des chèques remis")
        self.numbers.setToolTip("Les chèques qui expirent en premier sont proposés ; corrigez si besoin.")
        self.preview = QLabel()
        self.preview.setAccessibleName("Chèques remis")
        self.age_band = QComboBox()
        self.age_band.setAccessibleName("Tranche d'âge")
        self.age_band.setAccessibleDescription(
            "La tranche d'âge de la personne, pour les statistiques anonymes."
        )
        self.age_band.addItem("Non renseignée", None)
        for band in catalogue.age_bands.values():
            self.age_band.addItem(band.label, band.id)
        structure = workspace.workstation.structure
        self.commune = CommunePicker(structure.departement if structure else None)
        self.commune.edit.setToolTip(
            "Facultatif : les lieux qualifiés de cette commune sont imprimés en premier sur le reçu."
        )
        self.situation = QComboBox()
        self.situation.setAccessibleName("Situation")
        self.situation.setAccessibleDescription("La situation sociale de la personne, sans la nommer.")
        for situation in catalogue.pass_situations.values():
            self.situation.addItem(situation.label, situation.id)
        self.situation.setCurrentIndex(self.situation.findData("non-renseigne"))
        self.level = QComboBox()
        self.level.setAccessibleName("Niveau d'autonomie numérique")
        self.level.setAccessibleDescription("Le niveau trouvé par l'évaluation, ou « Non évalué ».")
        self.level.addItem("Non évalué", None)
        for level_id, label in AUTONOMY_LEVELS.items():
            self.level.addItem(label, level_id)
        self.level.setCurrentIndex(max(0, self.level.findData(level)))
        if contact is not None:
            self.age_band.setCurrentIndex(max(0, self.age_band.findData(contact.age_band)))
            self.commune.set_code(contact.residence_commune)
        self.message = notice_label("Message")

        form = QFormLayout()
        form.addRow("&Nombre de chèques :", self.count)
        form.addRow("N&uméros remis :", self.numbers)
        form.addRow("", self.preview)
        form.addRow("Tranche d'â&ge :", self.age_band)
        form.addRow("&Commune :", self.commune)
        form.addRow("&Situation :", self.situation)
        form.addRow("Niveau d'&autonomie :", self.level)
        intro = QLabel(
            "Profil anonyme : aucun nom ni numéro de la personne. "
            + (
                f"Le contact du {contact.occurred_at.astimezone():%d/%m à %H:%M} "
                f"({catalogue.label('situations', contact.situation)}) sera marqué « Pass numérique remis »."
                if contact
                else "Après la remise, le contact vous sera proposé pré-rempli."
            )
        )
        intro.setObjectName("hint")
        intro.setWordWrap(True)
        self.hand_out_button = QPushButton("Remettre et imprimer le reçu")
        self.hand_out_button.setObjectName("primary")
        self.hand_out_button.setToolTip(
            "Enregistre la remise des chèques, puis imprime le reçu pour la personne (Entrée)."
        )
        self.hand_out_button.clicked.connect(self.hand_out)
        cancel = QPushButton("Annuler")
        cancel.setToolTip("Ferme sans rien remettre ni enregistrer (Échap).")
        cancel.clicked.connect(self.reject)
        entry_buttons = QHBoxLayout()
        entry_buttons.addStretch(1)
        entry_buttons.addWidget(cancel)
        entry_buttons.addWidget(self.hand_out_button)
        entry = QWidget()
        entry_layout = QVBoxLayout(entry)
        entry_layout.addWidget(intro)
        entry_layout.addLayout(form)
        entry_layout.addWidget(self.message)
        entry_layout.addLayout(entry_buttons)

        self.done_text = notice_label("Chèques remis", ok=True)
        self.done_text.show()
        reprint = QPushButton("&Imprimer le reçu")
        reprint.setToolTip("Choisit l'imprimante et imprime le reçu à remettre à la personne.")
        reprint.clicked.connect(self.print_receipt)
        save = QPushButton("&Enregistrer le reçu (PDF)…")
        save.setToolTip("Enregistre le reçu dans un fichier PDF.")
        save.clicked.connect(self._save_receipt)
        self.close_button = QPushButton("Terminer")
        self.close_button.setObjectName("primary")
        self.close_button.setToolTip("Ferme la remise des chèques (Entrée).")
        self.close_button.clicked.connect(self.accept)
        done_buttons = QHBoxLayout()
        done_buttons.addWidget(reprint)
        done_buttons.addWidget(save)
        done_buttons.addStretch(1)
        done_buttons.addWidget(self.close_button)
        done = QWidget()
        done_layout = QVBoxLayout(done)
        done_layout.addWidget(self.done_text)
        done_layout.addStretch(1)
        done_layout.addLayout(done_buttons)

        self.pages = QStackedWidget()
        self.pages.addWidget(entry)
        self.pages.addWidget(done)
        QVBoxLayout(self).addWidget(self.pages)
        # Sized by its text, never below what its layout needs (a fixed minimum width in pixels
        # kept Qt from widening it for a longer line at a large font).
        fit_to_text(self, 70, QSize(620, 0))
        # Entrée hands out: made default once the button is in the dialog, or Qt picks the first
        # button of the tab order (Annuler) when the dialog shows.
        self.hand_out_button.setDefault(True)
        self.count.valueChanged.connect(self._suggest)
        self.numbers.textChanged.connect(self._preview)
        self._suggest()

    def _suggest(self) -> None:
        suggested = self.workspace.passes.suggested(self.count.value())
        self.numbers.setText(compact_numbers([cheque.number for cheque in suggested]))
        # Nothing to hand out: the button would only lead to a refusal after the agent's typing.
        self.hand_out_button.setEnabled(bool(suggested))
        if not suggested:
            show_notice(
                self.message,
                "Aucun chèque utilisable en stock : un responsable doit d'abord recevoir un carnet "
                "(Pass numérique › Recevoir un carnet…).",
            )
        elif len(suggested) < self.count.value():
            show_notice(
                self.message,
                f"Il ne reste que {len(suggested)} chèque{'s' if len(suggested) > 1 else ''} "
                "utilisable(s) en stock.",
            )

    def _preview(self) -> None:
        try:
            numbers = parse_cheque_numbers(self.numbers.text())
        except PassError as error:
            self.preview.setText(f"⚠ {error}")
            return
        found = self.workspace.passes.cheques(numbers)
        known = [found[number] for number in numbers if number in found]
        value = sum(cheque.value_cents for cheque in known)
        text = f"{len(numbers)} chèque{'s' if len(numbers) > 1 else ''} · {euros(value)}"
        if known:
            text += f" · le premier expire le {min(cheque.valid_until for cheque in known):%d/%m/%Y}"
        self.preview.setText(text)

    def hand_out(self) -> None:
        try:
            self.issuance = self.workspace.passes.hand_out(
                **who(self.workspace),
                cheques=parse_cheque_numbers(self.numbers.text()),
                age_band=self.age_band.currentData(),
                residence_commune=self.commune.residence_commune(),
                social_situation=self.situation.currentData(),
                autonomy_level=self.level.currentData(),
                contact=self.contact_id,
            )
        except (PassError, RecordError) as error:
            show_notice(self.message, str(error))
            return
        count = len(self.issuance.cheques)
        self.done_text.setText(
            f"✓ {count} chèque{'s' if count > 1 else ''} remis ({euros(self.issuance.value_cents)}) : "
            f"{compact_numbers(self.issuance.cheques)}.\nImprimez le reçu (ou enregistrez-le en PDF) et remettez-le à la personne."
        )
        self.pages.setCurrentIndex(1)
        self.close_button.setDefault(True)  # Entrée ferme, now that the handing out is recorded
        self.close_button.setFocus()
        self.print_receipt()

    def contact_prefill(self) -> dict:
        """The contact to record after a handing out that did not come from a contact."""
        return {
            "pass_numerique": True,
            "age_band": self.age_band.currentData(),
            "residence_commune": self.commune.residence_commune(),
        }

    # --- receipt ------------------------------------------------------------------------------
    def write_receipt(self, path: Path) -> Path:
        from app.reports.pass_receipt_pdf import ReceiptContent, write_receipt_pdf

        structure, issuance = self.workspace.workstation.structure, self.issuance
        assert structure is not None and issuance is not None  # set up, and the cheques handed out
        content = ReceiptContent(
            structure=f"{structure.heading} — {structure.commune}",
            day=date.today(),
            agent=issuance.agent,
            cheques=self.workspace.passes.issued(str(issuance.id)),
            places=self.workspace.places.nearby(
                self.commune.commune.name if self.commune.commune else structure.commune
            ),
        )
        return write_receipt_pdf(content, path)

    def print_receipt(self) -> None:
        """Qt's print dialog; with no printer, « Enregistrer en PDF » instead."""
        from app.ui.printing import print_pdf  # QtPdf, loaded on the first printing

        with tempfile.TemporaryDirectory(prefix="bureau-virtuel-") as folder:
            path = self.write_receipt(Path(folder) / f"recu-pass-numerique-{date.today():%Y-%m-%d}.pdf")
            print_pdf(self, path, "le reçu", self._save_receipt)

    def _save_receipt(self) -> None:
        name = f"recu-pass-numerique-{date.today():%Y-%m-%d}.pdf"
        target, _ = QFileDialog.getSaveFileName(
            self, "Enregistrer le reçu", str(Path.home() / name), "PDF (*.pdf)"
        )
        if target:
            save_or_say(self, "le reçu", Path(target), self.write_receipt)
