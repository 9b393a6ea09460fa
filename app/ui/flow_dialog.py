"""Following a guided flow with the citizen: questions, then the checklist, then "Terminer".

"Terminer" hands the main window a pre-filled contact; closing the flow any other way records
nothing. "Situation complexe" shows the partner's referents and records an escalation.

Each step says when its content was last checked against its official page: discreetly under the
list for the chosen step, and, when that was more than 12 months ago (the rule is the model's,
`Step.needs_recheck`), in words and colour on the step itself, so nothing stale is repeated unseen.
"""

import itertools
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.flows import GROUPS, Answers, Flow, Step, contact_from_flow
from app.models.workspace import Workspace
from app.ui.saving import save_or_say
from app.ui.tables import fit_to_text, height_in_lines, on_row_enter, wrap_long_items
from app.ui.window_size import fit_to_screen, remember_geometry, restore_geometry

STEP_ROLE = Qt.ItemDataRole.UserRole
LABEL_ROLE = Qt.ItemDataRole.UserRole + 1  # a step's text without the "fait" mark
CHECKLIST_TITLE = "Étapes (cochez ce qui a été fait)"
DONE = "  ✔ fait"  # written after a ticked step: the tick is not told by the box's colour alone
RECHECK = "  ⚠ à revérifier"  # written after a step not checked for 12 months: not colour alone


def checked_note(step: Step, today: date) -> str:
    """What the agent is told about a step's last check against its official source."""
    checked = step.checked_on()
    host = step.source_url.split("//", 1)[-1].split("/", 1)[0]
    if checked is None:
        return f"À revérifier : date de vérification inconnue (source : {host or 'non indiquée'})"
    day = checked.strftime("%d/%m/%Y")
    if step.needs_recheck(today):
        return (
            f"À revérifier : vérifié le {day}, il y a plus de 12 mois — contrôlez sur {host} avant de le dire"
        )
    return f"vérifié le {day} sur {host}"


class FlowDialog(QDialog):
    finished_with_contact = Signal(dict)  # the contact form's pre-fill
    open_url = Signal(str)  # a step's site, for the portal's browser

    def __init__(self, workspace: Workspace, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.flow = flow
        self.answers: Answers = {}
        self.solicited: list[str] = []  # the partners whose referent was solicited ("Situation complexe")
        catalogue = workspace.catalogue
        situation = catalogue.situations[flow.situation]
        self.setWindowTitle(f"Parcours — {situation.label}")
        if not restore_geometry(self, workspace.db, "flow"):
            fit_to_screen(self, QSize(1180, 800))

        title = QLabel(situation.label)
        title.setObjectName("screenTitle")
        intro = QLabel(flow.intro)
        intro.setWordWrap(True)
        source = QLabel(f"Source : {flow.source} (version {flow.version} du {flow.date})")
        source.setObjectName("hint")
        source.setWordWrap(True)

        self.question_box = QGroupBox("Questions")
        self.question_layout = QVBoxLayout(self.question_box)
        self.answered = QLabel()
        self.answered.setWordWrap(True)
        self.question_text = QLabel()
        self.question_text.setWordWrap(True)
        self.question_text.setObjectName("question")
        self.answer_row = QHBoxLayout()
        self.restart = QPushButton("Re&prendre les questions")
        self.restart.setToolTip("Efface les réponses données et repose les questions depuis la première.")
        self.restart.clicked.connect(self._restart)
        self.question_layout.addWidget(self.answered)
        self.question_layout.addWidget(self.question_text)
        self.question_layout.addLayout(self.answer_row)
        self.question_layout.addWidget(self.restart, alignment=Qt.AlignmentFlag.AlignLeft)

        self.checklist = QTreeWidget()
        self.checklist.setHeaderHidden(True)
        wrap_long_items(self.checklist)  # a long step is read whole, not cut with "…"
        height_in_lines(self.checklist, minimum=8)
        self.checklist.setAccessibleName("Étapes à suivre")
        self.checklist.setAccessibleDescription(
            "Les étapes de la démarche : Espace coche ou décoche l'étape faite (« fait » s'écrit après "
            "elle) ; Entrée ouvre le site de l'étape."
        )
        self.checklist.itemDoubleClicked.connect(self._open_link)
        self.checklist.itemChanged.connect(self._step_changed)
        on_row_enter(self.checklist, lambda _index: self._open_link(self.checklist.currentItem()))
        self.documents = QListWidget()
        self.documents.setAccessibleName("Pièces à fournir")
        self.documents.setAccessibleDescription("Les pièces que la personne doit réunir pour cette démarche.")
        height_in_lines(self.documents, maximum=6)  # was 110 px, which clipped a larger font
        self.open_link_button = open_link = QPushButton("&Ouvrir le site de l'étape")
        open_link.setToolTip(
            "Ouvre, dans le navigateur de la visite, le site de l'étape choisie (ou Entrée sur l'étape)."
        )
        open_link.clicked.connect(lambda: self._open_link(self.checklist.currentItem()))
        # The chosen step's last check: small while it is recent, a warning once it is not.
        self.step_checked = QLabel()
        self.step_checked.setObjectName("hint")
        self.step_checked.setWordWrap(True)
        self.step_checked.setAccessibleName("Vérification de l'étape choisie")
        self.step_recheck = QLabel()
        self.step_recheck.setObjectName("warning")
        self.step_recheck.setWordWrap(True)
        self.step_recheck.setAccessibleName("Étape à revérifier")
        self.checklist.currentItemChanged.connect(self._show_checked)
        save_pdf = QPushButton("&Enregistrer la liste des pièces (PDF)…")
        save_pdf.setToolTip("Enregistre la liste des pièces à fournir dans un fichier PDF.")
        save_pdf.clicked.connect(self._save_pdf)
        print_pdf = QPushButton("&Imprimer la liste des pièces")
        print_pdf.setToolTip("Choisit l'imprimante et imprime la liste des pièces à remettre à la personne.")
        print_pdf.clicked.connect(self._print_pdf)
        self.complex_button = QPushButton("Situation comple&xe…")
        self.complex_button.setToolTip(
            "Montre les référents du partenaire et enregistre une sollicitation pour un cas complexe."
        )
        self.complex_button.clicked.connect(self._complex)
        self.finish_button = QPushButton("Terminer (Ctrl+Entrée)")
        self.finish_button.setObjectName("primary")
        self.finish_button.setToolTip(
            "Termine le parcours et ouvre le contact pré-rempli à enregistrer (Ctrl+Entrée)."
        )
        self.finish_button.clicked.connect(self.finish)
        self.abandon_button = abandon = QPushButton("Abandonner (Échap)")
        abandon.setToolTip("Ferme le parcours sans rien enregistrer (Échap).")
        abandon.clicked.connect(self.reject)
        self._fixed_tab_order = [
            self.restart,
            self.checklist,
            open_link,
            self.documents,
            print_pdf,
            save_pdf,
            self.complex_button,
            abandon,
            self.finish_button,
        ]
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.finish)  # type: ignore[call-overload]  # a Qt signal as keyword: PySide6 takes it, its stubs do not

        self.checklist_box = QGroupBox(CHECKLIST_TITLE)
        checklist_layout = QVBoxLayout(self.checklist_box)
        checklist_layout.addWidget(self.checklist)
        link_row = QHBoxLayout()
        link_row.addWidget(open_link)
        link_row.addWidget(self.step_checked, 1)
        link_row.addWidget(self.step_recheck, 1)
        checklist_layout.addLayout(link_row)
        self.documents_box = QGroupBox("Pièces à fournir")
        documents_layout = QVBoxLayout(self.documents_box)
        documents_layout.addWidget(self.documents)
        pdf_row = QHBoxLayout()
        pdf_row.addWidget(print_pdf)
        pdf_row.addWidget(save_pdf)
        pdf_row.addStretch(1)
        documents_layout.addLayout(pdf_row)

        buttons = QHBoxLayout()
        buttons.addWidget(self.complex_button)
        buttons.addStretch(1)
        buttons.addWidget(abandon)
        buttons.addWidget(self.finish_button)
        # Everything but the buttons scrolls: at a large font, the dialog scrolls rather than
        # squeezing the steps to a line or clipping the text (Tab scrolls to the control it reaches).
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(title)
        body_layout.addWidget(intro)
        body_layout.addWidget(self.question_box)
        body_layout.addWidget(self.checklist_box, 3)
        body_layout.addWidget(self.documents_box, 1)
        body_layout.addWidget(source)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self._show_state()

    # --- questions ----------------------------------------------------------------------------
    def answer(self, question_id: str, answer_id: str) -> None:
        self.answers[question_id] = answer_id
        self._show_state()

    def _restart(self) -> None:
        self.answers = {}
        self._show_state()

    def _show_state(self) -> None:
        while self.answer_row.count():
            widget = self.answer_row.takeAt(0).widget()  # type: ignore[union-attr]  # an index below count()
            if widget is not None:
                widget.hide()  # at once: deleteLater alone leaves it painted until the next loop turn
                widget.deleteLater()
        labels = {q.id: q for q in self.flow.questions}
        self.answered.setText(
            "<br>".join(
                f"{labels[qid].text} <b>{next(a.label for a in labels[qid].answers if a.id == aid)}</b>"
                for qid, aid in self.answers.items()
            )
        )
        question = self.flow.next_question(self.answers)
        self.question_text.setVisible(question is not None)
        self.restart.setVisible(bool(self.answers))
        answer_buttons: list[QPushButton] = []
        if question is not None:
            self.question_text.setText(question.text)
            for number, answer in enumerate(question.answers, start=1):
                button = QPushButton(f"{number}. {answer.label}")
                button.setShortcut(QKeySequence(str(number)))
                button.setAccessibleName(answer.label)
                button.setAccessibleDescription(f"Réponse {number} (touche {number}) à : {question.text}")
                button.clicked.connect(lambda _=False, q=question.id, a=answer.id: self.answer(q, a))
                self.answer_row.addWidget(button)
                button.show()
                answer_buttons.append(button)
            self.answer_row.addStretch(1)
        self.question_box.setTitle("Questions" if question is not None else "Réponses")
        ready = question is None
        for widget in (self.checklist_box, self.documents_box, self.finish_button, self.complex_button):
            widget.setEnabled(ready)
        self._fill_checklist(ready)
        chain = [*answer_buttons, *self._fixed_tab_order]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)
        # The keyboard goes on where the agent is: the next question's first answer, then the steps.
        (answer_buttons[0] if answer_buttons else self.checklist).setFocus()

    def _fill_checklist(self, ready: bool) -> None:
        self.checklist.clear()
        self.documents.clear()
        if not ready:
            self._count_done()
            self._show_checked(None)
            return
        catalogue = self.workspace.catalogue
        today = date.today()
        for group, title in GROUPS.items():
            steps = [step for step in self.flow.steps_for(self.answers) if step.group == group]
            if not steps:
                continue
            parent = QTreeWidgetItem([title])
            parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = parent.font(0)
            font.setBold(True)
            parent.setFont(0, font)
            self.checklist.addTopLevelItem(parent)
            for step in steps:
                partner = f" — {catalogue.label('partners', step.partner)}" if step.partner else ""
                link = "  ↗ (site)" if step.link else ""
                stale = step.needs_recheck(today)
                item = QTreeWidgetItem([f"{step.text}{partner}{link}{RECHECK if stale else ''}"])
                if stale:
                    item.setForeground(0, self._warning_brush())
                item.setData(0, STEP_ROLE, step)
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable
                )
                item.setCheckState(0, Qt.CheckState.Unchecked)
                item.setToolTip(0, "\n".join(filter(None, [step.text, step.link, checked_note(step, today)])))
                item.setData(0, LABEL_ROLE, item.text(0))
                parent.addChild(item)
        self.checklist.expandAll()
        first = self.step_items()[:1]
        if first:
            self.checklist.setCurrentItem(first[0])
        self._count_done()
        self._show_checked(self.checklist.currentItem())
        for document in self.flow.documents_for(self.answers):
            self.documents.addItem(f"☐ {document.text}")

    # --- checklist ----------------------------------------------------------------------------
    def _warning_brush(self) -> QBrush:
        """Dark amber on a light list, light amber on a dark one (the high-contrast theme)."""
        dark = self.checklist.palette().base().color().lightness() < 128
        return QBrush(QColor("#ffcc66" if dark else "#8a4b00"))

    def _show_checked(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None = None) -> None:
        step = item.data(0, STEP_ROLE) if item is not None else None
        note = checked_note(step, date.today()) if step is not None else ""
        stale = step is not None and step.needs_recheck(date.today())
        self.step_checked.setText("" if stale else note)
        self.step_recheck.setText(f"⚠ {note}" if stale else "")
        self.step_checked.setVisible(bool(note) and not stale)
        self.step_recheck.setVisible(stale)

    def step_items(self) -> list[QTreeWidgetItem]:
        return [
            self.checklist.topLevelItem(i).child(j)  # type: ignore[union-attr,misc]  # an index below childCount()
            for i in range(self.checklist.topLevelItemCount())
            for j in range(self.checklist.topLevelItem(i).childCount())  # type: ignore[union-attr]  # an index below topLevelItemCount()
        ]

    def visible_steps(self) -> list[Step]:
        return [item.data(0, STEP_ROLE) for item in self.step_items()]

    def tick(self, step_id: str, done: bool = True) -> None:
        for item in self.step_items():
            if item.data(0, STEP_ROLE).id == step_id:
                item.setCheckState(0, Qt.CheckState.Checked if done else Qt.CheckState.Unchecked)

    def done(self, result: int) -> None:
        """Terminer, Abandonner or Échap: the next flow opens where this one was."""
        remember_geometry(self, self.workspace.db, "flow")
        super().done(result)

    def done_steps(self) -> list[Step]:
        return [
            item.data(0, STEP_ROLE)
            for item in self.step_items()
            if item.checkState(0) == Qt.CheckState.Checked
        ]

    def _step_changed(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        """A step ticked or not: "✔ fait" written after it, and the count in the box's title."""
        label = item.data(0, LABEL_ROLE)
        if label is None:
            return
        wanted = label + (DONE if item.checkState(0) == Qt.CheckState.Checked else "")
        if item.text(0) != wanted:
            item.setText(0, wanted)  # itemChanged again, which finds the text right and stops
            return
        self._count_done()

    def _count_done(self) -> None:
        steps = self.step_items()
        done = sum(1 for item in steps if item.checkState(0) == Qt.CheckState.Checked)
        self.checklist_box.setTitle(
            f"{CHECKLIST_TITLE} — {done} sur {len(steps)} fait{'s' if done > 1 else ''}"
            if steps
            else CHECKLIST_TITLE
        )

    def _open_link(self, item: QTreeWidgetItem | None) -> None:
        step = item.data(0, STEP_ROLE) if item is not None else None
        if step is None or not step.link:
            return
        self.open_url.emit(step.link)

    # --- documents PDF ------------------------------------------------------------------------
    def write_pdf(self, path: Path) -> Path:
        from app.reports.documents_pdf import DocumentList, write_documents_pdf

        structure = self.workspace.workstation.structure
        place = self.workspace.workstation.place
        online = [
            f"{step.text} ({step.link.split('//', 1)[-1].split('/', 1)[0]})"
            for step in self.flow.steps_for(self.answers)
            if step.group == "numerique" and step.link
        ]
        content = DocumentList(
            situation=self.workspace.catalogue.situations[self.flow.situation].label,
            documents=[document.text for document in self.flow.documents_for(self.answers)],
            steps_at_home=online,
            structure=f"{structure.heading} — {place}" if structure else "France Services",
            source=self.flow.source,
            day=date.today(),
        )
        return write_documents_pdf(content, path)

    def _save_pdf(self) -> None:
        name = f"pieces-a-fournir-{self.flow.situation}.pdf"
        target, _ = QFileDialog.getSaveFileName(
            self, "Enregistrer la liste des pièces", str(Path.home() / name), "PDF (*.pdf)"
        )
        if target:
            save_or_say(self, "la liste des pièces", Path(target), self.write_pdf)

    def _print_pdf(self) -> None:
        """Qt's print dialog; with no printer, « Enregistrer en PDF » instead."""
        from app.ui.printing import print_pdf  # QtPdf, loaded on the first printing

        with tempfile.TemporaryDirectory(prefix="bureau-virtuel-") as folder:
            path = self.write_pdf(Path(folder) / f"pieces-a-fournir-{self.flow.situation}.pdf")
            print_pdf(self, path, "la liste des pièces", self._save_pdf)

    # --- complex case and end -----------------------------------------------------------------
    def _complex(self) -> None:
        dialog = ComplexCaseDialog(self.workspace, self.flow, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.solicited.append(dialog.partner.currentData())

    def finish(self) -> None:
        if not self.finish_button.isEnabled():
            QMessageBox.information(self, "Parcours", "Répondez d'abord aux questions.")
            return
        prefill = contact_from_flow(self.flow, self.workspace.catalogue, self.done_steps(), self.solicited)
        self.accept()
        self.finished_with_contact.emit(prefill)


class ComplexCaseDialog(QDialog):
    """What makes this case complex, the partner's referents, and recording the escalation."""

    def __init__(self, workspace: Workspace, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.flow = flow
        catalogue = workspace.catalogue
        self.setWindowTitle("Situation complexe")
        cases = QLabel(
            "<ul>"
            + "".join(
                f"<li>{case.text} → <b>{catalogue.label('partners', case.partner)}</b></li>"
                for case in flow.complex
            )
            + "</ul>"
        )
        cases.setWordWrap(True)
        cases.setAccessibleName("Cas complexes de cette situation")
        self.partner = QComboBox()
        self.partner.setAccessibleName("Partenaire sollicité")
        self.partner.setAccessibleDescription(
            "Le partenaire à qui la sollicitation est adressée ; ses référents s'affichent dessous."
        )
        for partner_id in dict.fromkeys(case.partner for case in flow.complex):
            self.partner.addItem(catalogue.label("partners", partner_id), partner_id)
        self.channel = QComboBox()
        self.channel.setAccessibleName("Canal de la sollicitation")
        self.channel.setAccessibleDescription("Le moyen par lequel le référent est sollicité.")
        for channel_id, channel in catalogue.escalation_channels.items():
            self.channel.addItem(channel.label, channel_id)
        self.referents = QLabel()
        self.referents.setWordWrap(True)
        self.referents.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.referents.setAccessibleName("Référents du partenaire")
        self.partner.currentIndexChanged.connect(self._show_referents)
        hint = QLabel(
            "Écrivez au référent dans Administration+ (le dossier de la personne y reste). "
            "Ici, seule la sollicitation est suivie : partenaire, date, canal, statut — aucune donnée sur la personne."
        )
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        self.record_button = record = QPushButton("&Enregistrer la sollicitation")
        record.setObjectName("primary")
        record.setToolTip("Enregistre la sollicitation (partenaire, date, canal) pour la suivre (Entrée).")
        record.clicked.connect(self.record)
        cancel = QPushButton("Annuler")
        cancel.setToolTip("Revient au parcours sans rien enregistrer (Échap).")
        cancel.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Partenaire :", self.partner)
        form.addRow("Référents :", self.referents)
        form.addRow("&Canal :", self.channel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(record)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Cette situation est complexe quand :"))
        layout.addWidget(cases)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        fit_to_text(self, 70, QSize(720, 460))
        record.setDefault(True)  # Entrée records, Échap cancels (set once the button is in the dialog)
        self._show_referents()

    def _show_referents(self) -> None:
        referents = self.workspace.referents.list(self.partner.currentData())
        if not referents:
            self.referents.setText("Aucun référent enregistré pour ce partenaire (Paramètres › Référents).")
            return
        self.referents.setText(
            "<br>".join(
                f"<b>{r.name}</b> {r.phone} {r.email}" + (f" — <i>{r.note}</i>" if r.note else "")
                for r in referents
            )
        )

    def record(self) -> None:
        from app.models.record import RecordError

        defaults = self.workspace.workstation.contact_defaults()
        try:
            self.workspace.escalations.create(
                {
                    "structure": defaults["structure"],
                    "agent": defaults["agent"],
                    "partner": self.partner.currentData(),
                    "situation": self.flow.situation,
                    "channel": self.channel.currentData(),
                }
            )
        except RecordError as error:
            QMessageBox.warning(self, "Situation complexe", str(error))
            return
        self.accept()
