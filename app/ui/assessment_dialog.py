"""The autonomy assessment: ten everyday digital skills, a level, and what to offer the person.

One group of three answers per question: 1, 2 or 3 answers the question in hand and goes to the
next one, as in the flows (arrow keys and Tab work too); the result appears as soon as every question is answered. Nothing is stored: the level travels only
with a handing out of cheques, in its anonymous profile.
"""

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.models.autonomy import Assessment, AssessmentError, assess, load_questionnaire
from app.models.workspace import Workspace
from app.ui.notices import notice_label
from app.ui.window_size import fit_to_screen


class AssessmentDialog(QDialog):
    issue_requested = Signal(object)  # the Assessment, when the agent goes on to hand out cheques

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.questionnaire = load_questionnaire()
        self.assessment: Assessment | None = None
        self.setWindowTitle("Évaluer l'autonomie numérique")
        fit_to_screen(self, QSize(760, 720))
        intro = QLabel(
            "Posez chaque question à la personne et notez sa réponse. Le niveau et la recommandation "
            "s'affichent quand toutes les questions ont une réponse. Rien n'est enregistré."
        )
        intro.setWordWrap(True)
        intro.setObjectName("hint")
        self.groups: dict[str, QButtonGroup] = {}
        questions = QWidget()
        questions_layout = QVBoxLayout(questions)
        for number, question in enumerate(self.questionnaire.questions, start=1):
            box = QGroupBox(f"{number}. {question.text}")
            box.setAccessibleName(f"Question {number} : {question.text}")
            row = QHBoxLayout(box)
            group = QButtonGroup(box)
            for key, (value, label) in enumerate(self.questionnaire.answers, start=1):
                radio = QRadioButton(f"{key}. {label}")
                radio.setAccessibleName(f"{label} — question {number}")
                radio.setAccessibleDescription(question.text)
                radio.setToolTip(f"Touche {key}")
                group.addButton(radio, value)
                row.addWidget(radio)
            row.addStretch(1)
            group.idClicked.connect(self._update)
            self.groups[question.id] = group
            questions_layout.addWidget(box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(questions)
        scroll.setAccessibleName("Questions de l'évaluation")
        scroll.setAccessibleDescription(
            "Les dix questions : les touches 1, 2 ou 3 répondent et passent à la suivante ; Tab passe "
            "d'une question à l'autre, les flèches ou Espace choisissent la réponse."
        )
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes straight to the answers; it scrolls to them
        self.result_label = notice_label("Résultat de l'évaluation", ok=True)
        self.pending = QLabel()
        self.pending.setAccessibleName("Questions sans réponse")
        self.issue_button = QPushButton("&Remettre un Pass numérique…")
        self.issue_button.setObjectName("primary")
        self.issue_button.setToolTip(
            "Passe à la remise de chèques, avec le niveau trouvé et le nombre de chèques conseillé (Alt+R)."
        )
        self.issue_button.clicked.connect(self._issue)
        close = QPushButton("&Fermer")
        # Enter on an answer must not close the questionnaire: only the issue button, once it is
        # recommended, is the default (without this, Qt makes the first button after the focus
        # the default when the dialog shows).
        close.setAutoDefault(False)
        self.issue_button.setAutoDefault(False)
        close.setToolTip("Ferme l'évaluation ; rien n'est enregistré (Échap).")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pending, 1)
        buttons.addWidget(close)
        buttons.addWidget(self.issue_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)
        self._update()

    def answer(self, question_id: str, value: int) -> None:
        self.groups[question_id].button(value).click()

    def keyPressEvent(self, event) -> None:
        """1, 2, 3: the answer of that rank to the question in hand (the one with the focus, else the
        first unanswered), then the focus on the next unanswered question."""
        rank = event.key() - Qt.Key.Key_1
        if not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier and 0 <= rank < len(
            self.questionnaire.answers
        ):
            ids = list(self.groups)
            focused = self.focusWidget()
            current = next((qid for qid, group in self.groups.items() if focused in group.buttons()), None)
            current = current or next((qid for qid in ids if self.groups[qid].checkedId() < 0), None)
            if current is not None:
                self.answer(current, self.questionnaire.answers[rank][0])
                after = ids[ids.index(current) + 1 :] + ids[: ids.index(current)]
                following = next((qid for qid in after if self.groups[qid].checkedId() < 0), None)
                group = self.groups[following or current]
                button = group.checkedButton() or group.buttons()[0]
                button.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        super().keyPressEvent(event)

    def _answers(self) -> dict[str, int]:
        return {qid: group.checkedId() for qid, group in self.groups.items() if group.checkedId() >= 0}

    def _update(self, _value: int = 0) -> None:
        try:
            self.assessment = assess(self.questionnaire, self._answers())
        except AssessmentError as error:
            self.assessment = None
            self.pending.setText(str(error))
        self.result_label.setVisible(self.assessment is not None)
        self.issue_button.setEnabled(self.assessment is not None)
        if self.assessment is None:
            return
        found = self.assessment
        self.pending.setText("")
        self.result_label.setText(
            f"Niveau : {found.level_label} ({found.score}/{found.maximum})\n{found.advice}"
        )
        self.issue_button.setDefault(found.recommend_pass)

    def _issue(self) -> None:
        if self.assessment is not None:
            self.issue_requested.emit(self.assessment)
            self.accept()
