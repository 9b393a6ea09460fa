import json

import pytest

from app.models.autonomy import AssessmentError, assess, load_questionnaire
from app.models.record import AUTONOMY_LEVELS
from app.paths import resources_dir

QUESTIONNAIRE = load_questionnaire()


def answer(value: int, **others: int) -> dict[str, int]:
    """Every question answered `value`, except those named (dashes written as underscores)."""
    answers = {question.id: value for question in QUESTIONNAIRE.questions}
    answers.update({name.replace("_", "-"): other for name, other in others.items()})
    return answers


def test_the_shipped_questionnaire_is_well_formed() -> None:
    data = json.loads((resources_dir() / "pass_numerique" / "autonomy.json").read_text(encoding="utf-8"))
    assert {"version", "date", "source"} <= data.keys()
    questions = QUESTIONNAIRE.questions
    assert len(questions) == 10 and len({q.id for q in questions}) == 10
    assert all(q.text.endswith("?") and q.theme in QUESTIONNAIRE.themes for q in questions)
    assert {q.theme for q in questions} == set(QUESTIONNAIRE.themes), "every theme has a question"
    assert QUESTIONNAIRE.answers == ((0, "Non, jamais"), (1, "Avec de l'aide"), (2, "Oui, seul(e)"))
    assert all(theme.training.startswith("atelier ") for theme in QUESTIONNAIRE.themes.values())
    levels = QUESTIONNAIRE.levels
    assert [level.id for level in levels] == list(AUTONOMY_LEVELS)
    assert [level.below_percent for level in levels] == [40, 75, None]
    assert [(level.recommend_pass, level.cheques) for level in levels] == [(True, 10), (True, 5), (False, 0)]
    assert load_questionnaire() is QUESTIONNAIRE, "read once"


def test_someone_who_never_did_any_of_it_is_a_beginner_with_ten_cheques() -> None:
    result = assess(QUESTIONNAIRE, answer(0))
    assert (result.level, result.level_label, result.score, result.maximum) == ("debutant", "Débutant", 0, 20)
    assert result.recommend_pass and result.cheques == 10
    assert result.trainings == [theme.training for theme in QUESTIONNAIRE.themes.values()]
    assert result.advice.startswith("Proposez un Pass numérique de 10 chèques")
    assert result.advice.endswith(" et atelier sécurité en ligne.")


def test_someone_who_does_it_all_alone_needs_no_pass() -> None:
    result = assess(QUESTIONNAIRE, answer(2))
    assert (result.level, result.level_label, result.score) == ("autonome", "Autonome", 20)
    assert not result.recommend_pass and result.cheques == 0 and result.trainings == []
    assert "Pas de Pass numérique" in result.advice and "Les Bons Clics" in result.advice


def test_help_needed_on_a_few_themes_gives_five_cheques_and_those_trainings_in_theme_order() -> None:
    # Alone with the device, e-mail and documents; needs help or never did the rest: 14/20 = 70 %.
    result = assess(QUESTIONNAIRE, answer(2, creer_compte=1, formulaire=0, franceconnect=0, arnaque=1))
    assert (result.level, result.score) == ("intermediaire", 14)
    assert result.recommend_pass and result.cheques == 5
    assert result.trainings == ["atelier démarches en ligne", "atelier sécurité en ligne"]
    assert result.advice.endswith(": atelier démarches en ligne et atelier sécurité en ligne.")


def test_the_thresholds_are_strict_below_and_inclusive_above() -> None:
    assert assess(QUESTIONNAIRE, answer(0, souris=2, clavier=2, envoyer_email=2, piece_jointe=2)).level == (
        "intermediaire"
    ), "8/20 = 40 % is no longer a beginner"
    assert assess(QUESTIONNAIRE, answer(2, arnaque=0, scanner=0, formulaire=1)).level == "autonome", "15/20"
    assert assess(QUESTIONNAIRE, answer(2, arnaque=0, scanner=0, formulaire=0)).level == "intermediaire"


def test_every_question_needs_a_valid_answer() -> None:
    answers = answer(1)
    for question in QUESTIONNAIRE.questions[:3]:
        del answers[question.id]
    with pytest.raises(AssessmentError, match=r"^Répondez à toutes les questions \(3 sans réponse\)\.$"):
        assess(QUESTIONNAIRE, answers)
    with pytest.raises(AssessmentError, match=r"\(1 sans réponse\)"):
        assess(QUESTIONNAIRE, {**answer(1), "arnaque": None})
    with pytest.raises(AssessmentError, match="Réponse impossible"):
        assess(QUESTIONNAIRE, answer(1, arnaque=3))
    with pytest.raises(AssessmentError, match="Question inconnue : pigeon"):
        assess(QUESTIONNAIRE, {**answer(1), "pigeon": 1})
