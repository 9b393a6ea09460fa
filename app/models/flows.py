"""Guided life-event flows (docs/FLOWS.md): the bouquet de services as step-by-step guides.

A flow is data: questions that branch, then the checklist of steps, the documents to bring and what
makes a case complex. This module loads the files, checks them, works out what a given set of
answers shows, and what contact a finished flow amounts to.

What a step says, agents repeat to citizens, and the law changes every year: each step names the
official page it was checked against and the day it was, and a step not checked for a year is
shown as to be checked again (`Step.needs_recheck`).
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from dateutil.relativedelta import relativedelta

from app.content.bundle import Content, shipped_content
from app.models.reference import Catalogue
from app.models.whitelist import Whitelist

GROUPS = {
    "accompagnement": "Accompagnement",
    "numerique": "Numérique",
    "demarches": "Démarches",
}
RECHECK_AFTER = relativedelta(months=12)  # content older than this is shown « à revérifier »
# A step checked "today" in Paris is still yesterday in Guadeloupe or Guyane: a day's margin before a
# check date counts as in the future, so content is not refused for the time zone it is read in.
CLOCK_MARGIN = timedelta(days=1)
Answers = dict[str, str]


def parse_checked(value: str) -> date | None:
    """A step's `checked` date (AAAA-MM-JJ), or None when it is missing or not a real date."""
    if len(value) != 10:  # fromisoformat also takes "20261205" and week dates: not what editors write
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _holds(when: dict[str, Any] | None, answers: Answers) -> bool:
    """`when` is {question: answer} or {question: [answers]}; every question must match."""
    if not when:
        return True
    for question, expected in when.items():
        allowed = expected if isinstance(expected, list) else [expected]
        if answers.get(question) not in allowed:
            return False
    return True


@dataclass(frozen=True)
class Answer:
    id: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    answers: tuple[Answer, ...]
    when: dict[str, Any] | None = None


@dataclass(frozen=True)
class Step:
    id: str
    group: str
    text: str
    partner: str | None = None
    link: str | None = None
    when: dict[str, Any] | None = None
    source_url: str = ""  # the official page the text was checked against
    checked: str = ""  # the day it was checked, AAAA-MM-JJ

    def checked_on(self) -> date | None:
        return parse_checked(self.checked)

    def needs_recheck(self, today: date) -> bool:
        """Not checked against its source for more than 12 months (or no readable date at all):
        the law may have changed since, so the agent is told to check before repeating it."""
        checked = self.checked_on()
        return checked is None or checked + RECHECK_AFTER < today


@dataclass(frozen=True)
class Document:
    text: str
    when: dict[str, Any] | None = None


@dataclass(frozen=True)
class Complexity:
    text: str
    partner: str


@dataclass(frozen=True)
class Flow:
    situation: str
    version: int
    date: str
    source: str
    intro: str
    questions: tuple[Question, ...]
    steps: tuple[Step, ...]
    documents: tuple[Document, ...]
    complex: tuple[Complexity, ...]

    def questions_to_ask(self, answers: Answers) -> list[Question]:
        """The questions that apply given the answers so far (in order)."""
        return [q for q in self.questions if _holds(q.when, answers)]

    def next_question(self, answers: Answers) -> Question | None:
        return next((q for q in self.questions_to_ask(answers) if q.id not in answers), None)

    def steps_for(self, answers: Answers) -> list[Step]:
        return [step for step in self.steps if _holds(step.when, answers)]

    def documents_for(self, answers: Answers) -> list[Document]:
        return [document for document in self.documents if _holds(document.when, answers)]

    def branches(self) -> Iterator[Answers]:
        """Every complete set of answers a citizen can give (questions that do not apply are skipped)."""

        def walk(answers: Answers) -> Iterator[Answers]:
            question = self.next_question(answers)
            if question is None:
                yield answers
                return
            for answer in question.answers:
                yield from walk({**answers, question.id: answer.id})

        yield from walk({})


def contact_from_flow(
    flow: Flow, catalogue: Catalogue, done: list[Step], solicited: Sequence[str] = ()
) -> dict[str, Any]:
    """What a finished flow pre-fills in the contact form (docs/FLOWS.md, last section).

    `solicited`: the partners whose referent was solicited during the flow ("Situation complexe");
    they are partners of the contact as much as those of the ticked steps, or the per-partner counts
    would miss them. The duration is not the flow's: the contact form measures the visit
    (`app.models.visit`), which may have begun before the flow.
    """
    partners = list(dict.fromkeys([*(step.partner for step in done if step.partner), *solicited]))
    if not partners:
        partners = list(catalogue.situations[flow.situation].partners[:1])
    groups = {step.group for step in done}
    if solicited:
        help_kind = "orientation"
    elif "demarches" in groups:
        help_kind = "constitution-dossier"
    elif "numerique" in groups:
        help_kind = "demarche-en-ligne"
    else:
        help_kind = "information"
    return {
        "situation": flow.situation,
        "partners": partners,
        "help_kind": help_kind,
        "outcome": "attente-referent" if solicited else "resolu",
    }


def parse_flow(data: dict[str, Any]) -> Flow:
    return Flow(
        situation=data["situation"],
        version=data["version"],
        date=data["date"],
        source=data["source"],
        intro=data.get("intro", ""),
        questions=tuple(
            Question(
                q["id"], q["text"], tuple(Answer(a["id"], a["label"]) for a in q["answers"]), q.get("when")
            )
            for q in data.get("questions", [])
        ),
        steps=tuple(
            Step(
                s["id"],
                s["group"],
                s["text"],
                s.get("partner"),
                s.get("link"),
                s.get("when"),
                s.get("source_url") or "",
                s.get("checked") or "",
            )
            for s in data["steps"]
        ),
        documents=tuple(Document(d["text"], d.get("when")) for d in data.get("documents", [])),
        complex=tuple(Complexity(c["text"], c["partner"]) for c in data.get("complex", [])),
    )


@cache
def load_flows(content: Content | None = None) -> dict[str, Flow]:
    """Every flow of `content` (the national content in use), else of the shipped content
    (`resources/flows/`), by situation id."""
    content = content or shipped_content()
    flows = {}
    for path in content.flow_files():
        flow = parse_flow(content.json(path))
        flows[flow.situation] = flow
    return flows


def check_flow(
    flow: Flow, catalogue: Catalogue, whitelist: Whitelist, file_name: str = "", today: date | None = None
) -> list[str]:
    """Everything wrong with a flow, in words a content editor understands (empty: all good)."""
    problems = []
    today = today or date.today()
    if file_name and file_name != f"{flow.situation}.json":
        problems.append(f"le fichier devrait s'appeler {flow.situation}.json")
    if flow.situation not in catalogue.situations:
        problems.append(f"situation inconnue : {flow.situation}")
    asked: dict[str, set[str]] = {}
    for question in flow.questions:
        if question.id in asked:
            problems.append(f"question en double : {question.id}")
        if not 2 <= len(question.answers) <= 4:
            problems.append(f"la question {question.id} doit avoir 2 à 4 réponses")
        problems += _check_when(question.when, asked, f"question {question.id}")
        asked[question.id] = {answer.id for answer in question.answers}
    if len(flow.questions) > 5:
        problems.append("5 questions au plus")
    step_ids = [step.id for step in flow.steps]
    if len(set(step_ids)) != len(step_ids):
        problems.append("identifiants d'étapes en double")
    for step in flow.steps:
        if step.group not in GROUPS:
            problems.append(f"étape {step.id} : groupe inconnu {step.group}")
        if step.partner is not None and step.partner not in catalogue.partners:
            problems.append(f"étape {step.id} : partenaire inconnu {step.partner}")
        if step.group == "numerique" and not step.link:
            problems.append(f"étape {step.id} : une étape numérique a besoin d'un lien")
        if step.link and not whitelist.allows(step.link):
            problems.append(f"étape {step.id} : lien hors liste blanche ou non https : {step.link}")
        problems += _check_when(step.when, asked, f"étape {step.id}")
        problems += _check_provenance(step, today)
    for document in flow.documents:
        problems += _check_when(document.when, asked, f"pièce « {document.text[:30]} »")
    if not flow.complex:
        problems.append("indiquer au moins un cas complexe")
    for case in flow.complex:
        if case.partner not in catalogue.partners:
            problems.append(f"cas complexe : partenaire inconnu {case.partner}")
    if not problems:
        for answers in flow.branches():
            if len(flow.steps_for(answers)) < 3 or not flow.documents_for(answers):
                problems.append(f"la branche {answers} laisse moins de 3 étapes ou aucune pièce")
    return problems


def _check_provenance(step: Step, today: date) -> list[str]:
    """A step says where its content comes from (an https page) and when it was last checked."""
    problems = []
    if not step.source_url:
        problems.append(f"étape {step.id} : indiquer la page officielle vérifiée (source_url)")
    else:
        parts = urlsplit(step.source_url)
        if parts.scheme != "https" or not parts.hostname:
            problems.append(f"étape {step.id} : la source doit être une adresse https : {step.source_url}")
    checked = step.checked_on()
    if not step.checked:
        problems.append(f"étape {step.id} : indiquer la date de vérification (checked, AAAA-MM-JJ)")
    elif checked is None:
        problems.append(
            f"étape {step.id} : date de vérification illisible (AAAA-MM-JJ attendu) : {step.checked}"
        )
    elif checked > today + CLOCK_MARGIN:
        problems.append(f"étape {step.id} : date de vérification dans le futur : {step.checked}")
    return problems


def _check_when(when: dict[str, Any] | None, asked: dict[str, set[str]], where: str) -> list[str]:
    problems = []
    for question, expected in (when or {}).items():
        if question not in asked:
            problems.append(f"{where} : condition sur une question inconnue ou posée après : {question}")
            continue
        for answer in expected if isinstance(expected, list) else [expected]:
            if answer not in asked[question]:
                problems.append(f"{where} : réponse inconnue {question}={answer}")
    return problems
