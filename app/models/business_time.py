"""Business time in France: when is an escalation to a partner's referent late?

Referents are expected to answer within 72 business hours, then, once they have answered, to answer
again within 15 business days (`app.models.escalations`). Hours of weekends and public holidays do
not count. The public holidays are those of the `holidays` library for the structure's département
(Alsace-Moselle's Good Friday and 26 December, the overseas abolition-of-slavery days, …): a
maintained list, so no year ever runs out and no local holiday is forgotten.

Business time runs on the structure's own wall clock (`time_zone`), not on the clock of whichever
machine computes it: the workstation and the server, given the same sending time in UTC and the
same département, find the same deadline, also across a daylight-saving change (a business day is
a calendar day of the wall clock, whether it has 23, 24 or 25 hours).
"""

from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

ANSWER_DELAY = timedelta(hours=72)
FOLLOW_UP_DELAY = timedelta(days=15)
PARIS = "Europe/Paris"
# The zones of the départements and collectivités that do not live on Paris's clock.
_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}
# The `holidays` library's subdivision of France for the départements that have holidays of their
# own (ISO 3166-2:FR codes); every other département has the national ones.
_SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "975": "PM",
    "976": "976",
    "977": "BL",
    "978": "MF",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}


def time_zone(departement: str | None = None) -> "ZoneInfo":
    """The zone people of a département read their clocks in: Paris, or an overseas one's own.
    (zoneinfo is imported here, at the first deadline: the workstation's first screen has none.)"""
    from zoneinfo import ZoneInfo

    return ZoneInfo(_ZONES.get(departement or "", PARIS))


def local_moment(stored: str | None, departement: str | None = None) -> datetime | None:
    """A stored UTC time (« 2026-12-04T10:12:00Z ») in the zone of `departement` (Paris when None),
    None for none: what the reporting's tables and listings show a structure's times in."""
    if not stored:
        return None
    return datetime.fromisoformat(stored).astimezone(time_zone(departement))


@cache
def public_holidays(year: int, departement: str = "") -> frozenset[date]:
    """The public holidays of `year` in `departement` (the national ones for an unknown code)."""
    import holidays  # its calendars and metadata (~40 ms) on the first deadline, not at start-up

    calendar = holidays.country_holidays("FR", subdiv=_SUBDIVISIONS.get(departement), years=year)
    return frozenset(calendar)


def is_business_day(day: date, departement: str = "") -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year, departement)


def add_business_time(start: datetime, amount: timedelta, departement: str = "") -> datetime:
    """`start` (an aware time) plus `amount`, counting only the hours of the département's business
    days on its wall clock; the result is in the département's zone."""
    zone = time_zone(departement)
    cursor, remaining = start.astimezone(zone).replace(tzinfo=None), amount
    while True:
        next_midnight = datetime.combine(cursor.date() + timedelta(days=1), time())
        if is_business_day(cursor.date(), departement):
            available = next_midnight - cursor
            if remaining <= available:
                return (cursor + remaining).replace(tzinfo=zone)
            remaining -= available
        cursor = next_midnight


def answer_deadline(sent_at: datetime, departement: str = "") -> datetime:
    """When an escalation sent at `sent_at` and not answered becomes late."""
    return add_business_time(sent_at, ANSWER_DELAY, departement)


def follow_up_deadline(answered_at: datetime, departement: str = "") -> datetime:
    """When an escalation answered at `answered_at` becomes late without a further answer."""
    return add_business_time(answered_at, FOLLOW_UP_DELAY, departement)
