"""The contact form: a typical contact is recorded in five keystrokes once it is open.

Everything knowable is pre-filled (now, agent, place, channel, kind of help, outcome); the agent
types a few letters of the situation, Enter picks it (and its partner), Enter saves.
Ctrl+Entrée saves and opens a fresh form for the next citizen.
"""

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models.record import MAX_DURATION_MINUTES, ContactRecord, RecordError
from app.models.reference import Choice, Situation
from app.models.visit import duration_minutes
from app.models.workspace import Workspace
from app.models.workstation import SetupError
from app.ui.commune_picker import CommunePicker
from app.ui.notices import notice_label, show_notice
from app.ui.situation_picker import SituationPicker
from app.ui.tables import fit_to_text

DURATION_REFRESH_MS = 15_000
PARTNER_HELP = "Cochez chaque partenaire concerné par la démarche."
SUGGESTED_HELP = "Partenaire habituel de la situation choisie. " + PARTNER_HELP
DURATION_HELP = (
    "Mesurée depuis le début de la visite : le premier parcours, site ou évaluation pour cette personne, "
    "ou « Nouvelle personne » (Ctrl+Maj+N). Alt+D puis la durée réelle pour la corriger."
)


def _combo(
    choices: dict[str, Choice],
    name: str,
    default: str | None = None,
    empty: str | None = None,
    description: str = "",
) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setToolTip(description)
    if empty is not None:
        combo.addItem(empty, None)
    for item_id, choice in choices.items():
        combo.addItem(choice.label, item_id)
    if default is not None:
        combo.setCurrentIndex(combo.findData(default))
    return combo


class ContactDialog(QDialog):
    """New contact, or correction of an existing one (`existing`), saved through `ContactStore`."""

    saved = Signal(object)  # ContactRecord

    def __init__(
        self,
        workspace: Workspace,
        parent: QWidget | None = None,
        *,
        existing: ContactRecord | None = None,
        prefill: dict | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.catalogue = workspace.catalogue
        self.existing = existing
        self.setWindowTitle("Corriger un contact" if existing else "Nouveau contact")
        self._build()
        # Sized by its text, never under what its layout needs: a fixed minimum width in pixels
        # overrode the layout's, which cut the partners' names and the time at 150 %.
        fit_to_text(self, 110, QSize(1000, 0))
        self._reset(existing, prefill)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._refresh_duration)
        self.finished.connect(self._timer.stop)  # the visit is read from the database: not once closed
        if existing is None:
            self._timer.start(DURATION_REFRESH_MS)

    # --- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        catalogue, defaults = self.catalogue, self.catalogue.defaults
        self.error = notice_label("Message d'erreur")

        self.situation = SituationPicker(catalogue)
        self.situation.chosen.connect(self._situation_chosen)

        partners_box = QWidget()
        grid = QGridLayout(partners_box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.partner_boxes: dict[str, QCheckBox] = {}
        for index, (partner_id, partner) in enumerate(catalogue.partners.items()):
            box = QCheckBox(partner.label)
            box.setAccessibleName(f"Partenaire {partner.label}")
            box.setAccessibleDescription(PARTNER_HELP)
            self.partner_boxes[partner_id] = box
            grid.addWidget(box, index // 3, index % 3)

        self.help_kind = _combo(
            catalogue.help_kinds,
            "Type d'aide",
            defaults["help_kind"],
            description="Ce que l'agent a fait pour la personne.",
        )
        self.channel = _combo(
            catalogue.channels, "Canal", defaults["channel"], description="Comment la personne a été reçue."
        )
        self.outcome = _combo(
            catalogue.outcomes,
            "Issue",
            defaults["outcome"],
            description="Où en est la démarche à la fin du contact.",
        )
        self.occurred_at = QDateTimeEdit()
        self.occurred_at.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.occurred_at.setCalendarPopup(True)
        self.occurred_at.setAccessibleName("Date et heure du contact")
        self.occurred_at.setToolTip("Maintenant par défaut ; à changer pour un contact saisi après coup.")
        self.duration = QSpinBox()
        self.duration.setRange(1, MAX_DURATION_MINUTES)  # what a record accepts, no more
        self.duration.setSuffix(" min")
        self.duration.setAccessibleName("Durée en minutes")
        self.duration.setToolTip(DURATION_HELP)
        self.duration.setAccessibleDescription(DURATION_HELP)
        self.duration.valueChanged.connect(self._duration_edited)  # the agent's, never the clock's
        self.place = QComboBox()  # a choice, never typed: a typed place could hold a name
        self.place.setAccessibleName("Lieu")
        self.place.setToolTip("Où le contact a lieu : l'arrêt du bus ou la commune du site.")
        self.agent = QComboBox()
        self.agent.setAccessibleName("Agent")
        self.agent.setToolTip("L'agent qui a reçu la personne.")

        self.age_band = _combo(
            catalogue.age_bands,
            "Tranche d'âge",
            empty="Âge : non renseigné",
            description="Facultatif ; jamais de date de naissance.",
        )
        self.first_visit = QCheckBox("Première visite")
        self.first_visit.setToolTip("La personne vient pour la première fois dans cette France Services.")
        structure = self.workspace.workstation.structure
        self.residence = CommunePicker(structure.departement if structure else None)
        self.residence.edit.setToolTip("Facultatif : la commune seulement, jamais l'adresse.")
        # « facultatif » is the group box's title here: without it, the hint stays whole at 150 %.
        self.residence.edit.setPlaceholderText("Commune de résidence : tapez quelques lettres")
        self.non_recours = QCheckBox("Non-recours aux droits détecté")
        self.non_recours.setToolTip("La personne ne touchait pas une aide à laquelle elle a droit.")
        self.pass_numerique = QCheckBox("Pass numérique remis")
        self.pass_numerique.setToolTip("Des chèques Pass numérique ont été remis pendant ce contact.")
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Note locale")
        self.note.setAccessibleDescription(
            "Reste sur ce poste, jamais transmise ; ni nom, ni numéro, ni téléphone, ni e-mail. Tab en sort."
        )
        self.note.setPlaceholderText(
            "Note pour ce poste uniquement, jamais transmise. "
            "N'écrivez ni nom, ni numéro (sécurité sociale, fiscal, allocataire), ni téléphone, ni e-mail."
        )
        self.note.setFixedHeight(60)
        self.note.setTabChangesFocus(True)

        form = QFormLayout()
        form.addRow("&Situation :", self.situation)
        form.addRow("Partenaires :", partners_box)
        rows = (
            (("Aide :", self.help_kind), ("Canal :", self.channel), ("Issue :", self.outcome)),
            (
                ("Le :", self.occurred_at),
                ("&Durée :", self.duration),
                ("Lieu :", self.place),
                ("Agent :", self.agent),
            ),
        )
        for fields in rows:
            row = QHBoxLayout()
            for label, widget in fields:
                caption = QLabel(label)
                caption.setBuddy(widget)
                row.addWidget(caption)
                row.addWidget(widget, 1)
            form.addRow(row)

        profile = QGroupBox("Profil anonyme et repérages (facultatif)")
        profile_layout = QGridLayout(profile)
        profile_layout.addWidget(self.age_band, 0, 0, Qt.AlignmentFlag.AlignTop)
        profile_layout.addWidget(self.first_visit, 0, 1, Qt.AlignmentFlag.AlignTop)
        profile_layout.addWidget(self.residence, 0, 2)
        profile_layout.addWidget(self.non_recours, 1, 0)
        profile_layout.addWidget(self.pass_numerique, 1, 1)

        buttons = QDialogButtonBox()
        self.save_button = QPushButton("Enregistrer (Entrée)")
        self.save_button.setDefault(True)
        self.save_button.setToolTip("Enregistre le contact et ferme le formulaire.")
        self.save_and_new_button = QPushButton("Enregistrer et nouveau (Ctrl+Entrée)")
        self.save_and_new_button.setAutoDefault(False)
        self.save_and_new_button.setToolTip(
            "Enregistre le contact et ouvre un formulaire vide pour le suivant."
        )
        cancel = buttons.addButton("Annuler (Échap)", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        cancel.setToolTip("Ferme le formulaire sans rien enregistrer.")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        if self.existing is None:
            buttons.addButton(self.save_and_new_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(lambda: self._save(again=False))
        self.save_and_new_button.clicked.connect(lambda: self._save(again=True))
        cancel.clicked.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=lambda: self._save(again=self.existing is None))  # type: ignore[call-overload]  # a Qt signal as keyword: PySide6 takes it, its stubs do not

        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addLayout(form)
        layout.addWidget(profile)
        note_caption = QLabel("&Note locale (jamais transmise) :")
        note_caption.setBuddy(self.note)
        layout.addWidget(note_caption)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    # --- state --------------------------------------------------------------------------------
    def _reset(self, existing: ContactRecord | None, prefill: dict | None = None) -> None:
        """Fill the form with defaults (new contact) or with `existing` (correction)."""
        workstation = self.workspace.workstation
        # Read once: the clock below then never touches the database.
        self._counted_from = self.workspace.visit.counted_from(datetime.now(UTC))
        self._duration_touched = existing is not None or "duration_minutes" in (prefill or {})
        self.error.setVisible(False)
        self._error_field = ""  # the field the message under the title is about
        self.place.clear()
        places = workstation.places()
        if existing is not None and existing.place not in places:
            places.append(existing.place)  # a stop since removed: the correction keeps it
        self.place.addItems(places)
        self.agent.clear()
        for agent in workstation.agents():
            self.agent.addItem(agent.name)
        values = existing.model_dump() if existing else {}
        values.update(prefill or {})
        defaults = self.catalogue.defaults
        self.help_kind.setCurrentIndex(
            self.help_kind.findData(values.get("help_kind", defaults["help_kind"]))
        )
        self.channel.setCurrentIndex(self.channel.findData(values.get("channel", defaults["channel"])))
        self.outcome.setCurrentIndex(self.outcome.findData(values.get("outcome", defaults["outcome"])))
        moment = values.get("occurred_at") or datetime.now().astimezone()
        self.occurred_at.setDateTime(QDateTime(moment.astimezone()))  # type: ignore[arg-type]  # PySide6 converts a datetime
        with QSignalBlocker(self.duration):
            self.duration.setValue(values.get("duration_minutes") or self.elapsed_minutes())
        self.place.setCurrentText(values.get("place") or workstation.place)
        current = workstation.current_agent
        self.agent.setCurrentText(values.get("agent") or (current.name if current else ""))
        self.age_band.setCurrentIndex(self.age_band.findData(values.get("age_band")))
        self.first_visit.setChecked(bool(values.get("first_visit")))
        self.residence.set_code(values.get("residence_commune"))
        self.non_recours.setChecked(bool(values.get("non_recours")))
        self.pass_numerique.setChecked(bool(values.get("pass_numerique")))
        self.note.setPlainText(self.workspace.contacts.note(str(existing.id)) if existing else "")
        for box in self.partner_boxes.values():
            box.setChecked(False)
        self.situation.edit.clear()
        self.situation._filter("")
        # A contact pulled from a workstation with a newer catalogue may name a situation unknown
        # here: the agent chooses one before saving a correction ("Choisissez une situation").
        if values.get("situation") in self.workspace.catalogue.situations:
            self.situation.select(values["situation"])  # ticks the situation's main partner…
        if values.get("partners"):  # … which the given partners replace (a flow's, a contact's)
            for partner_id, box in self.partner_boxes.items():
                box.setChecked(partner_id in values["partners"])
        self.situation.setFocus()

    def _situation_chosen(self, situation: Situation | None) -> None:
        if situation is None:
            return
        if self._error_field in ("situation", "partners"):  # « Choisissez une situation » is answered
            self.error.setVisible(False)
        for box in self.partner_boxes.values():
            box.setChecked(False)
        if situation.partners:
            self.partner_boxes[situation.partners[0]].setChecked(True)
        for partner_id, box in self.partner_boxes.items():
            suggested = partner_id in situation.partners
            box.setProperty("suggested", suggested)  # bold: a screen reader hears the description
            box.setAccessibleDescription(SUGGESTED_HELP if suggested else PARTNER_HELP)
            box.style().unpolish(box)
            box.style().polish(box)

    def _duration_edited(self, _value: int = 0) -> None:
        self._duration_touched = True

    def elapsed_minutes(self) -> int:
        """The visit's duration so far (the model's rule: `Visit.counted_from`, `duration_minutes`)."""
        return duration_minutes(self._counted_from, datetime.now(UTC))

    def _refresh_duration(self) -> None:
        if not self._duration_touched and self.isVisible():
            with QSignalBlocker(self.duration):
                self.duration.setValue(self.elapsed_minutes())

    def fields(self) -> dict:
        situation = self.situation.situation
        return {
            "structure": self.workspace.workstation.contact_defaults()["structure"],
            "agent": self.agent.currentText().strip(),
            "place": self.place.currentText().strip(),
            "situation": situation.id if situation else None,
            "partners": [pid for pid, box in self.partner_boxes.items() if box.isChecked()],
            "help_kind": self.help_kind.currentData(),
            "channel": self.channel.currentData(),
            "outcome": self.outcome.currentData(),
            "occurred_at": self.occurred_at.dateTime().toPython().astimezone(),  # type: ignore[attr-defined]  # QDateTime.toPython() is a datetime
            "duration_minutes": self.duration.value() if self._duration_touched else self.elapsed_minutes(),
            "age_band": self.age_band.currentData(),
            "first_visit": True if self.first_visit.isChecked() else None,
            "residence_commune": self.residence.residence_commune(),
            "non_recours": self.non_recours.isChecked(),
            "pass_numerique": self.pass_numerique.isChecked(),
        }

    def _save(self, again: bool) -> None:
        note = self.note.toPlainText()
        try:
            fields = self.fields()
            store = self.workspace.contacts
            if self.existing is not None:
                record = store.correct(str(self.existing.id), fields, note)
            else:
                record = store.add(fields, note)
                self.workspace.visit.end()  # the next person's visit starts with the next action
        except (RecordError, SetupError) as error:
            self._show_error(str(error), getattr(error, "field", ""))
            return
        self.saved.emit(record)
        if again:
            self._reset(None)
            show_notice(self.error, "Contact enregistré. Nouveau contact :", ok=True)
        else:
            self.accept()

    def _show_error(self, message: str, field: str) -> None:
        self._error_field = field
        show_notice(self.error, message)
        focus = {
            "situation": self.situation,
            "note": self.note,
            "occurred_at": self.occurred_at,
            "duration_minutes": self.duration,
            "place": self.place,
            "agent": self.agent,
            "residence_commune": self.residence,
        }.get(field)
        if field == "partners":
            focus = next(iter(self.partner_boxes.values()))
        if focus is not None:
            focus.setFocus()

    def keyPressEvent(self, event) -> None:
        # Enter anywhere but the note saves, as the default button would; keep the note multi-line.
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers()
            and not self.note.hasFocus()
        ):
            self._save(again=False)
            return
        super().keyPressEvent(event)
