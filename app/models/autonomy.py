"""The short digital-autonomy assessment that comes before a Pass numérique (charter § 1.3).

The charter asks agents to identify each person's difficulties with digital tools before handing
out cheques; passes are public money, so the level recorded with a handing out must come from the
same ten questions for everybody. Questions, thresholds, cheque counts and trainings are data, in
`resources/pass_numerique/autonomy.json`, so that a change of doctrine is an edit of that file.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.models.record import AUTONOMY_LEVELS
from app.paths import resources_dir


class AssessmentError(ValueError):
    """Answers that cannot be scored; the message is French."""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    theme: str


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    training: str  # the workshop a qualified place offers for it, as the advice names it


@dataclass(frozen=True)
class Level:
    id: str  # one of record.AUTONOMY_LEVELS, as stored with a handing out
    label: str
    below_percent: int | None  # the score share this level stops at; None for the top level
    recommend_pass: bool
    cheques: int
    advice: str  # a template with {cheques} and {trainings}


@dataclass(frozen=True)
class Questionnaire:
    questions: tuple[Question, ...]
    answers: tuple[tuple[int, str], ...]  # (value, French label), the same for every question
    themes: dict[str, Theme]  # in the order trainings are suggested
    levels: tuple[Level, ...]  # lowest first
    source: str

    @property
    def maximum(self) -> int:
        return len(self.questions) * max(value for value, _ in self.answers)


@dataclass(frozen=True)
class Assessment:
    level: str
    level_label: str
    score: int
    maximum: int
    recommend_pass: bool
    cheques: int  # how many to hand out; 0 when no pass is recommended
    trainings: list[str]  # for every theme with an answer short of "on their own"
    advice: str  # one sentence for the agent


@cache
def load_questionnaire(root: Path | None = None) -> Questionnaire:
    path = (root or resources_dir()) / "pass_numerique" / "autonomy.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return Questionnaire(
        questions=tuple(Question(q["id"], q["text"], q["theme"]) for q in data["questions"]),
        answers=tuple((a["value"], a["label"]) for a in data["answers"]),
        themes={t["id"]: Theme(t["id"], t["label"], t["training"]) for t in data["themes"]},
        levels=tuple(
            Level(
                level["id"],
                AUTONOMY_LEVELS[level["id"]],
                level["below_percent"],
                level["pass"],
                level["cheques"] if level["pass"] else 0,
                level["advice"],
            )
            for level in data["levels"]
        ),
        source=data["source"],
    )


def assess(questionnaire: Questionnaire, answers: dict[str, int]) -> Assessment:
    """Score the answers (question id → answer value; None counts as unanswered) and say what to
    offer: the level, the cheques, and the trainings of every theme the person needs help with."""
    known = {question.id for question in questionnaire.questions}
    unknown = sorted(answers.keys() - known)
    if unknown:
        raise AssessmentError(f"Question inconnue : {', '.join(unknown)}.")
    values = {value for value, _ in questionnaire.answers}
    for question_id, value in answers.items():
        if value is not None and value not in values:
            raise AssessmentError(f"Réponse impossible à la question « {question_id} » : {value}.")
    missing = sum(answers.get(question.id) is None for question in questionnaire.questions)
    if missing:
        raise AssessmentError(f"Répondez à toutes les questions ({missing} sans réponse).")
    score = sum(answers[question.id] for question in questionnaire.questions)
    maximum = questionnaire.maximum
    level = next(
        level
        for level in questionnaire.levels
        if level.below_percent is None or score * 100 < level.below_percent * maximum
    )
    alone = max(values)
    weak = {question.theme for question in questionnaire.questions if answers[question.id] < alone}
    trainings = [theme.training for theme in questionnaire.themes.values() if theme.id in weak]
    return Assessment(
        level=level.id,
        level_label=level.label,
        score=score,
        maximum=maximum,
        recommend_pass=level.recommend_pass,
        cheques=level.cheques,
        trainings=trainings,
        advice=level.advice.format(cheques=level.cheques, trainings=_french_list(trainings)),
    )


def _french_list(items: list[str]) -> str:
    """ "a, b et c" """
    return f"{', '.join(items[:-1])} et {items[-1]}" if len(items) > 1 else "".join(items)
