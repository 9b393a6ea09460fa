"""Business time in France: when is an escalation to a partner's referent late?

Referents are expected to answer within 72 business hours: hours of weekends and public holidays do
not count. Holidays are computed, not listed by hand, so no year ever runs out: the fixed ones, and
those that follow Easter (Easter Monday, Ascension, Whit Monday). Alsace-Moselle (57, 67, 68) also
has Good Friday and 26 December.
"""

from datetime import date, datetime, time, timedelta
from functools import cache

from dateutil.easter import easter

ANSWER_DELAY = timedelta(hours=72)
ALSACE_MOSELLE = {"57", "67", "68"}
_FIXED = ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))


@cache
def public_holidays(year: int, departement: str = "") -> frozenset[date]:
    sunday = easter(year)
    days = {date(year, month, day) for month, day in _FIXED}
    days |= {sunday + timedelta(days=1), sunday + timedelta(days=39), sunday + timedelta(days=50)}
    if departement in ALSACE_MOSELLE:
        days |= {sunday - timedelta(days=2), date(year, 12, 26)}
    return frozenset(days)


def is_business_day(day: date, departement: str = "") -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year, departement)


def add_business_time(start: datetime, amount: timedelta, departement: str = "") -> datetime:
    """`start` plus `amount`, counting only the hours of business days (in `start`'s time zone)."""
    cursor, remaining = start, amount
    while True:
        next_midnight = datetime.combine(cursor.date() + timedelta(days=1), time(), cursor.tzinfo)
        if is_business_day(cursor.date(), departement):
            available = next_midnight - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        cursor = next_midnight


def answer_deadline(sent_at: datetime, departement: str = "") -> datetime:
    return add_business_time(sent_at, ANSWER_DELAY, departement)
