"""Pass numérique dialogs for the stock: receive a booklet, cancel cheques or put them back in stock.

Each shows, as the numbers are typed, what will be recorded ("10 chèques : 1001 à 1010 · 100 €") or
what is wrong, in French; nothing is written until the agent confirms.
"""

from datetime import date, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models.pass_numerique import (
    DEFAULT_VALUE_CENTS,
    PassError,
    compact_numbers,
    euros,
    parse_cheque_numbers,
)
from app.models.record import RecordError
from app.models.workspace import Workspace
from app.ui.notices import notice_label, show_notice

_FUNDERS = ("Conseil départemental", "État (ANCT)", "Commune ou intercommunalité", "CAF")


def _date_edit(day: date, name: str, description: str) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day), calendarPopup=True)  # type: ignore[call-overload]  # a Qt property as keyword: PySide6 takes it, its stubs do not
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setAccessibleName(name)
    edit.setAccessibleDescription(
        f"{description} Tapez la date (jj/mm/aaaa) ou changez-la avec les flèches haut et bas."
    )
    return edit


def who(workspace: Workspace) -> dict[str, str]:
    """The structure and the agent every Pass numérique movement is recorded under."""
    defaults = workspace.workstation.contact_defaults()
    return {"structure": defaults["structure"], "agent": defaults["agent"]}


def _record_buttons(
    dialog: QDialog, ok: str, ok_tip: str, cancel: str
) -> tuple[QDialogButtonBox, QPushButton]:
    """The dialog's two buttons: `ok` records (`dialog.record`), `cancel` closes with nothing recorded.
    The first is returned too, to become the default once it is laid out in the dialog."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok_button.setText(ok)
    ok_button.setToolTip(ok_tip)
    close = buttons.button(QDialogButtonBox.StandardButton.Cancel)
    close.setText(cancel)
    close.setToolTip("Ferme sans rien enregistrer (Échap).")
    buttons.accepted.connect(dialog.record)  # type: ignore[attr-defined]  # every dialog given here has its `record`
    buttons.rejected.connect(dialog.reject)
    return buttons, ok_button


class ReceiveBookletDialog(QDialog):
    """A booklet enters the stock (responsable)."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Recevoir un carnet de Pass numérique")
        self.funder = QComboBox()
        self.funder.setEditable(True)
        self.funder.setAccessibleName("Financeur")
        self.funder.setAccessibleDescription(
            "Qui finance le carnet : choisissez dans la liste ou tapez son nom."
        )
        known = [line.funder for line in workspace.passes.ledger(200) if line.event == "recu"]
        for name in dict.fromkeys([*known, *_FUNDERS]):
            self.funder.addItem(name)
        self.booklet = QLineEdit()
        self.booklet.setAccessibleName("Numéro du carnet")
        self.booklet.setAccessibleDescription("Le numéro imprimé sur le carnet.")
        self.booklet_size = QComboBox()
        self.booklet_size.setAccessibleName("Chèques par carnet")
        self.booklet_size.setAccessibleDescription("Combien de chèques compte ce carnet.")
        self.booklet_size.addItem("10 chèques", 10)
        self.booklet_size.addItem("5 chèques", 5)
        self.numbers = QLineEdit()
        self.numbers.setAccessibleName("Numéros des chèques")
        self.numbers.setAccessibleDescription(
            "Les numéros des chèques du carnet, par exemple 1001-1010, ou 1001, 1002, 1003 ; "
            "l'aperçu dessous dit ce qui sera enregistré."
        )
        self.numbers.setPlaceholderText("ex. 1001-1010, ou 1001, 1002, 1003…")
        self.value = QSpinBox()
        self.value.setRange(1, 100)
        self.value.setValue(DEFAULT_VALUE_CENTS // 100)
        self.value.setSuffix(" €")
        self.value.setAccessibleName("Valeur d'un chèque en euros")
        self.value.setAccessibleDescription("La valeur imprimée sur chaque chèque, en euros.")
        today = date.today()
        self.valid_until = _date_edit(
            today + timedelta(days=365), "Fin de validité", "Le dernier jour où les chèques sont acceptés."
        )
        self.received_on = _date_edit(today, "Date de réception", "Le jour où le carnet est arrivé.")
        self.received_on.setMaximumDate(QDate.currentDate())
        self.preview = QLabel()
        self.preview.setAccessibleName("Aperçu")
        self.preview.setWordWrap(True)
        self.message = notice_label("Message")
        form = QFormLayout()
        form.addRow("&Financeur :", self.funder)
        form.addRow("N° du &carnet :", self.booklet)
        form.addRow("C&hèques par carnet :", self.booklet_size)
        form.addRow("&Numéros des chèques :", self.numbers)
        form.addRow("&Valeur d'un chèque :", self.value)
        form.addRow("Fin de valid&ité :", self.valid_until)
        form.addRow("&Reçu le :", self.received_on)
        buttons, self.ok_button = _record_buttons(
            self,
            "&Enregistrer la réception",
            "Fait entrer le carnet dans le stock et l'inscrit au registre (Entrée).",
            "Annuler",
        )
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.ok_button.setDefault(True)  # Entrée records (set once the button is in the dialog)
        for signal in (
            self.numbers.textChanged,
            self.value.valueChanged,
            self.booklet_size.currentIndexChanged,
        ):
            signal.connect(self._preview)
        self._preview()

    def _preview(self) -> None:
        if not self.numbers.text().strip():
            self.preview.setText(
                f"Carnet de {self.booklet_size.currentData()} chèques de {self.value.value()} €."
            )
            return
        try:
            numbers = parse_cheque_numbers(self.numbers.text())
        except PassError as error:
            self.preview.setText(f"⚠ {error}")
            return
        count = len(numbers)
        warning = (
            ""
            if count == self.booklet_size.currentData()
            else f" — ⚠ un carnet en compte {self.booklet_size.currentData()}"
        )
        self.preview.setText(
            f"{count} chèque{'s' if count > 1 else ''} : {compact_numbers(numbers)} · "
            f"{euros(count * self.value.value() * 100)}{warning}"
        )

    def record(self) -> None:
        try:
            numbers = parse_cheque_numbers(self.numbers.text())
            self.workspace.passes.receive_booklet(
                **who(self.workspace),
                funder=self.funder.currentText(),
                booklet=self.booklet.text(),
                cheques=numbers,
                booklet_size=self.booklet_size.currentData(),
                valid_until=self.valid_until.date().toPython(),  # type: ignore[arg-type]  # QDate.toPython() is a datetime.date
                value_cents=self.value.value() * 100,
                received_on=self.received_on.date().toPython(),  # type: ignore[arg-type]  # QDate.toPython() is a datetime.date
            )
        except (PassError, RecordError) as error:
            show_notice(self.message, str(error))
            return
        self.accept()


class MovementDialog(QDialog):
    """Cancel cheques in stock ("annule") or put handed-out cheques back in stock ("retour")."""

    def __init__(self, workspace: Workspace, event: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.movement = event
        cancel = event == "annule"
        self.setWindowTitle("Annuler des chèques" if cancel else "Remettre des chèques en stock")
        intro = QLabel(
            "Les chèques annulés (perdus, abîmés, volés, périmés) sortent définitivement du stock. "
            "Le registre garde la trace de l'annulation."
            if cancel
            else "Des chèques remis reviennent en stock (remis par erreur, rapportés non utilisés). "
            "La remise reste inscrite au registre, suivie du retour."
        )
        intro.setWordWrap(True)
        self.numbers = QLineEdit()
        self.numbers.setAccessibleName("Numéros des chèques")
        self.numbers.setAccessibleDescription(
            "Les numéros des chèques concernés, par exemple 1004, ou 1004-1006."
        )
        self.numbers.setPlaceholderText("ex. 1004, ou 1004-1006")
        self.reason = QComboBox()
        self.reason.setAccessibleName("Motif")
        self.reason.setAccessibleDescription(
            "Pourquoi ces chèques sont annulés." if cancel else "Pourquoi ces chèques reviennent en stock."
        )
        reasons = (
            workspace.catalogue.pass_cancel_reasons if cancel else workspace.catalogue.pass_return_reasons
        )
        for reason in reasons.values():
            self.reason.addItem(reason.label, reason.id)
        self.message = notice_label("Message")
        form = QFormLayout()
        form.addRow("&Numéros des chèques :", self.numbers)
        form.addRow("&Motif :", self.reason)
        buttons, self.ok_button = _record_buttons(
            self,
            "&Annuler ces chèques" if cancel else "&Remettre en stock",
            "Sort définitivement ces chèques du stock et l'inscrit au registre (Entrée)."
            if cancel
            else "Remet ces chèques en stock et l'inscrit au registre (Entrée).",
            "Fermer sans rien changer",
        )
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.ok_button.setDefault(True)  # Entrée records (set once the button is in the dialog)

    def record(self) -> None:
        move = (
            self.workspace.passes.cancel
            if self.movement == "annule"
            else self.workspace.passes.return_to_stock
        )
        try:
            move(
                **who(self.workspace),
                cheques=parse_cheque_numbers(self.numbers.text()),
                reason=self.reason.currentData(),
            )
        except (PassError, RecordError) as error:
            show_notice(self.message, str(error))
            return
        self.accept()
