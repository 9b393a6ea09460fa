from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.models.business_time import answer_deadline, is_business_day, public_holidays

PARIS = ZoneInfo("Europe/Paris")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_easter_based_holidays_are_computed() -> None:
    holidays_2026 = public_holidays(2026)
    assert date(2026, 4, 6) in holidays_2026  # Easter Monday (Easter: 5 April 2026)
    assert date(2026, 5, 14) in holidays_2026  # Ascension
    assert date(2026, 5, 25) in holidays_2026  # Whit Monday
    assert date(2027, 3, 29) in public_holidays(2027)  # Easter Monday 2027
    assert len(holidays_2026) == 11
    assert date(2026, 4, 3) in public_holidays(2026, "67") and date(2026, 4, 3) not in holidays_2026


@pytest.mark.parametrize(
    ("sent", "deadline"),
    [
        (at(2026, 11, 17, 10, 0), at(2026, 11, 20, 10, 0)),  # Tuesday → Friday, nothing in between
        (at(2026, 11, 20, 10, 0), at(2026, 11, 25, 10, 0)),  # Friday → Wednesday, across a weekend
        (at(2026, 11, 21, 15, 0), at(2026, 11, 26, 0, 0)),  # sent on a Saturday: counting starts Monday
        (at(2026, 7, 13, 9, 30), at(2026, 7, 17, 9, 30)),  # across 14 July (a Tuesday)
        (at(2027, 10, 29, 11, 0), at(2027, 11, 4, 11, 0)),  # across a weekend and 1 November 2027 (Monday)
        (at(2026, 11, 9, 16, 0), at(2026, 11, 13, 16, 0)),  # across 11 November (a Wednesday)
        (at(2026, 4, 2, 14, 0), at(2026, 4, 8, 14, 0)),  # across the Easter weekend and Easter Monday
        (at(2026, 4, 2, 14, 0), at(2026, 4, 9, 14, 0)),  # the same in Alsace: Good Friday too
    ],
    ids=["weekdays", "weekend", "saturday", "14-juillet", "toussaint", "11-novembre", "paques", "alsace"],
)
def test_72_business_hours(sent: datetime, deadline: datetime, request: pytest.FixtureRequest) -> None:
    departement = "67" if request.node.callspec.id == "alsace" else "02"
    assert answer_deadline(sent, departement) == deadline


def test_weekends_and_holidays_are_not_business_days() -> None:
    assert not is_business_day(date(2026, 11, 21))
    assert not is_business_day(date(2026, 12, 25))
    assert is_business_day(date(2026, 11, 23))


@pytest.mark.parametrize(
    ("departement", "holiday"),
    [
        ("971", date(2026, 5, 27)),  # Guadeloupe: abolition of slavery
        ("972", date(2026, 5, 22)),  # Martinique
        ("973", date(2026, 6, 10)),  # Guyane
        ("974", date(2027, 12, 20)),  # La Réunion
        ("976", date(2026, 4, 27)),  # Mayotte
        ("57", date(2025, 12, 26)),  # Moselle: Saint Étienne
    ],
)
def test_local_holidays_are_not_business_days(departement: str, holiday: date) -> None:
    assert holiday.weekday() < 5
    assert not is_business_day(holiday, departement)
    assert is_business_day(holiday, "02")  # not a holiday in metropolitan France


def test_overseas_deadlines_skip_their_holidays_on_their_own_clock() -> None:
    """Sent on Tuesday 26 May 2026 at 9:00 in Guadeloupe (13:00 UTC): the 27th does not count there."""
    sent = datetime(2026, 5, 26, 13, 0, tzinfo=ZoneInfo("UTC"))
    guadeloupe = answer_deadline(sent, "971")
    assert guadeloupe == datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("America/Guadeloupe"))  # Monday
    assert answer_deadline(sent, "02") == at(2026, 5, 29, 15, 0)  # Paris: Friday


@pytest.mark.parametrize(
    ("sent", "deadline"),
    [
        # The Friday before the last Sunday of October: 25 October 2026 has 25 hours on the wall clock.
        (at(2026, 10, 23, 10, 0), at(2026, 10, 28, 10, 0)),
        # The Friday before the last Sunday of March: 29 March 2026 has 23 hours.
        (at(2026, 3, 27, 10, 0), at(2026, 4, 1, 10, 0)),
    ],
    ids=["october", "march"],
)
def test_a_deadline_across_a_daylight_saving_change_keeps_the_wall_clock(
    sent: datetime, deadline: datetime
) -> None:
    assert sent.utcoffset() != deadline.utcoffset()
    assert answer_deadline(sent, "02") == deadline
    # Whatever zone the computing machine gives the sending time in, the deadline is the same instant.
    assert answer_deadline(sent.astimezone(ZoneInfo("UTC")), "02") == deadline
    assert answer_deadline(sent.astimezone(ZoneInfo("Asia/Tokyo")), "02") == deadline
