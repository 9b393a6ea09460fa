"""How the web pages write numbers, times, months and départements (app/server/web/format.py)."""

import pytest

from app.reports.periods import Period
from app.server.figures import MonthRange
from app.server.web.format import (
    compared_to,
    departement_label,
    during,
    local_time,
    month_label,
    number,
    period_label,
    plural,
)


def test_numbers_group_digits_with_a_narrow_no_break_space() -> None:
    assert number(7) == "7"
    assert number(12345) == "12\u202f345"
    assert number(30_000_000) == "30\u202f000\u202f000"


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 structure"), (1, "1 structure"), (2, "2 structures"), (12345, "12\u202f345 structures")],
)
def test_zero_and_one_take_the_singular(n: int, expected: str) -> None:
    assert plural(n, "structure") == expected


def test_an_irregular_plural_is_given() -> None:
    assert plural(3, "journal", "journaux") == "3 journaux"


def test_a_departement_is_named_with_its_code() -> None:
    assert departement_label("02") == "Aisne (02)"
    assert departement_label("2A") == "Corse-du-Sud (2A)"
    assert departement_label("974") == "La Réunion (974)"
    assert departement_label("975") == "Saint-Pierre-et-Miquelon (975)"
    assert departement_label("99") == "99"


@pytest.mark.parametrize(
    ("stored", "departement", "expected"),
    [
        ("2026-12-04T10:12:00Z", None, "04/12/2026 à 11 h 12"),  # winter: UTC+1
        ("2026-07-04T10:12:00Z", "02", "04/07/2026 à 12 h 12"),  # summer: UTC+2
        ("2026-12-31T23:30:00Z", "59", "01/01/2027 à 0 h 30"),  # the next day in Paris
        ("2026-12-04T10:12:00Z", "974", "04/12/2026 à 14 h 12"),  # La Réunion: UTC+4
        ("2026-12-04T10:12:00Z", "971", "04/12/2026 à 6 h 12"),  # Guadeloupe: UTC-4
        ("2026-12-04T10:12:00Z", "976", "04/12/2026 à 13 h 12"),  # Mayotte: UTC+3
        (None, None, ""),
    ],
)
def test_times_are_shown_on_the_structures_own_clock(stored, departement, expected) -> None:
    assert local_time(stored, departement) == expected


def test_months_and_periods_are_written_in_words() -> None:
    assert month_label("2026-11") == "novembre 2026"
    assert period_label("2026-11", "2026-11") == "novembre 2026"
    assert period_label("2026-10", "2026-12") == "4e trimestre 2026"
    assert period_label("2026-01", "2026-03") == "1er trimestre 2026"
    assert period_label("2026-01", "2026-12") == "année 2026"
    assert period_label("2026-11", "2027-02") == "de novembre 2026 à février 2027"
    assert period_label("2026-08", "2026-09") == "d'août 2026 à septembre 2026"
    assert period_label("2026-02", "2026-04") == "de février 2026 à avril 2026"


def test_a_range_is_compared_with_the_months_before_as_the_synthese_compares_a_period() -> None:
    """A month, a quarter or a year is compared as `Period` compares it on the workstation's screen;
    any other range with as many months just before, and the same months a year before."""
    for text in ("2026-11", "2026-01", "2026-T4", "2026-T1", "2026"):
        period = Period.parse(text)
        months = MonthRange(period.months[0], period.months[-1])
        assert months.period == period
        for ours, theirs in (
            (months.previous(), period.previous()),
            (months.year_before(), period.year_before()),
        ):
            assert ours.months == theirs.months
            assert (compared_to(ours), during(ours)) == (theirs.compared_to, theirs.during)
    odd = MonthRange("2026-11", "2027-02")
    assert odd.period is None and MonthRange("2026-02", "2026-04").period is None
    assert odd.previous() == MonthRange("2026-07", "2026-10")
    assert odd.year_before() == MonthRange("2025-11", "2026-02")
    assert compared_to(odd.previous()) == "à la période de juillet 2026 à octobre 2026"
    assert during(odd.previous()) == "de juillet 2026 à octobre 2026"
