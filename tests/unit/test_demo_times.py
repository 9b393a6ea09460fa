"""The demonstration's contacts fall in opening hours, in the past — and a window with no weekday
in it (asked on a Saturday for one day, or on a Monday before opening) still ends."""

import random
from datetime import datetime, timedelta

import pytest

from app.models.demo import _opening_time


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 5, 11, 0),  # a Saturday: one day of window is a weekend day
        datetime(2026, 12, 6, 18, 0),  # a Sunday
        datetime(2026, 12, 7, 8, 30),  # a Monday before opening
    ],
    ids=["saturday", "sunday", "monday-early"],
)
@pytest.mark.timeout(10)  # before the fix, drawing looped for ever
def test_a_window_without_opening_hours_gives_the_hour_before(now: datetime) -> None:
    rng = random.Random(1)
    moments = [_opening_time(rng, now, 1) for _ in range(50)]
    assert all(now - timedelta(hours=1) <= moment < now for moment in moments)


def test_moments_are_weekday_opening_hours_in_the_past() -> None:
    rng = random.Random(2)
    now = datetime(2026, 12, 5, 11, 0)  # a Saturday, with the week before it in the window
    moments = [_opening_time(rng, now, 7) for _ in range(500)]
    assert all(moment < now and moment.weekday() < 5 and 9 <= moment.hour <= 16 for moment in moments)
    assert {moment.date() for moment in moments} == {(now - timedelta(days=n)).date() for n in range(1, 6)}, (
        "every weekday of the window"
    )
