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
