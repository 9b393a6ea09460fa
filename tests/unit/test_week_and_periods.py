"""The period arithmetic and the weekday × hour profile the Synthèses screen, the PDF and the CSV
share (app.reports.periods, app.reports.week): one place decides, tested here without Qt."""

from datetime import date

import pytest

from app.reports.periods import Period
from app.reports.week import WEEKDAYS, week_profile


@pytest.mark.parametrize(
    ("kind", "day", "expected"),
    [
        ("month", date(2026, 11, 30), Period("month", 2026, 11)),
        ("quarter", date(2026, 11, 30), Period("quarter", 2026, 4)),
        ("quarter", date(2026, 4, 1), Period("quarter", 2026, 2)),
        ("year", date(2026, 1, 1), Period("year", 2026)),
    ],
)
def test_the_period_containing_a_day(kind, day: date, expected: Period) -> None:
    assert Period.containing(kind, day) == expected
    assert expected.start <= day <= expected.last_day


@pytest.mark.parametrize(
    ("period", "following", "last_day"),
    [
        (Period("month", 2026, 11), Period("month", 2026, 12), date(2026, 11, 30)),
        (Period("month", 2026, 12), Period("month", 2027, 1), date(2026, 12, 31)),
        (Period("month", 2028, 2), Period("month", 2028, 3), date(2028, 2, 29)),
        (Period("quarter", 2026, 4), Period("quarter", 2027, 1), date(2026, 12, 31)),
        (Period("year", 2026), Period("year", 2027), date(2026, 12, 31)),
    ],
)
def test_next_period_and_last_day(period: Period, following: Period, last_day: date) -> None:
    assert period.next() == following
    assert following.previous() == period
    assert period.last_day == last_day


def test_an_empty_period_has_no_profile() -> None:
    assert week_profile({}) is None
    assert week_profile({(0, 9): 0}) is None


def test_weekdays_always_a_weekend_day_when_open_and_every_hour_between_the_first_and_last() -> None:
    cells = {(0, 9): 2, (2, 14): 5, (5, 11): 1, (2, 9): 5}
    week = week_profile(cells)
    assert week is not None
    assert week.days == [0, 1, 2, 3, 4, 5]  # Saturday had contacts, Sunday not
    assert week.hours == list(range(9, 15))  # the quiet hours 10, 12, 13 included
    assert week.per_day == {0: 2, 1: 0, 2: 10, 3: 0, 4: 0, 5: 1}
    assert week.per_hour[9] == 7 and week.per_hour[12] == 0 and week.per_hour[14] == 5
    assert week.total == sum(cells.values()) == 13
    assert week.busiest_slot == (2, 9)  # of two slots with 5, the earlier in the week
    assert week.busiest_day == 2 and week.busiest_hour == 9
    assert WEEKDAYS[week.busiest_day] == "mercredi"


def test_a_period_compared_to_reads_the_same_on_the_screen_and_in_the_pdf() -> None:
    assert Period("month", 2026, 10).compared_to == "à octobre 2026"
    assert Period("quarter", 2026, 3).compared_to == "au 3e trimestre 2026"
    assert Period("year", 2025).compared_to == "à l'année 2025"
