"""Every summary figure written one way, whichever of the screen, the PDF and the CSV shows it."""

from app.reports.numbers import (
    change,
    change_in_words,
    decimal,
    duration,
    number,
    percent,
    rounded,
    signed_change,
    time_spent,
)

NB = "\u00a0"


def test_halves_round_up_as_a_person_rounds() -> None:
    """Python's round() gives 30 for 30.5 (halves to even) where the PDF gave 31: one rule, up."""
    assert int(rounded(30.5)) == 31 and int(rounded(29.5)) == 30 and int(rounded(30.49)) == 30
    assert decimal(2.25) == "2,3" and decimal(2.35) == "2,4" and decimal(30.0) == "30,0"
    assert change(12.5) == "13" and change(0.44) == "0,4" and change(0.96) == "1"
    assert percent(1, 8) == "13\u202f%" and percent(1, 8, 1) == "12,5\u202f%" and percent(1, 0) == "—"


def test_durations_and_time_with_the_public() -> None:
    assert duration(30.5) == f"31{NB}min"
    assert duration(60) == f"1{NB}h" and duration(59.6) == f"1{NB}h"
    assert duration(65) == f"1{NB}h{NB}05"
    assert time_spent(45) == f"45{NB}min"  # not "1 h" on one side and "45 min" on the other
    assert time_spent(20_970) == f"environ 350{NB}h"
    assert number(1_234_567) == "1\u202f234\u202f567"


def test_a_change_against_the_period_before() -> None:
    assert signed_change(1_234, 1_100) == "+12\u202f%" and signed_change(1_096, 1_100) == "\u22120,4\u202f%"
    assert signed_change(1_100, 1_100) == "stable"
    assert signed_change(10_003, 10_000) == "quasi stable"  # 0,03 %: not "+0,0 %"
    assert signed_change(10_005, 10_000) == "+0,1\u202f%"  # 0,05 % rounds up


def test_a_change_in_words_as_the_screen_and_the_web_page_say_it() -> None:
    assert change_in_words(110, 100, "à octobre 2026", "en octobre 2026") == (
        "+10\u202f% par rapport à octobre 2026 (100 contacts)"
    )
    assert change_in_words(5, 1, "à l'année 2025", "en 2025", thin=NB) == (
        f"+400{NB}% par rapport à l'année 2025 (1 contact)"
    )
    assert change_in_words(5, 0, "à octobre 2026", "en octobre 2026") == (
        "aucun contact en octobre 2026 pour comparer"
    )
