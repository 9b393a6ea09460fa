"""The visit of the person at the desk: how long a contact lasted.

Agents record a contact at the end of the visit, so the form's opening says nothing of its length
(the duration was then almost always 1 min). The visit starts with the first action for that
person — a flow, the portal, an autonomy assessment, or an explicit « Nouvelle personne » — and
ends when its contact is saved. The start is kept in the database (not in a window), so the
contact form and `bureau-virtuel contacts add` measure the same visit by the same rule.
"""

import math
from datetime import UTC, datetime, timedelta

from app.models.connection import Database
from app.models.database import transaction, utc_now
from app.models.record import MAX_DURATION_MINUTES
from app.models.settings import get_setting, set_setting

VISIT_KEY = "visit_started_at"
# A visit begun longer ago than a contact can last was abandoned (a flow closed, the citizen
# gone): it does not lengthen the next person's contact.
STALE_AFTER = timedelta(minutes=MAX_DURATION_MINUTES)


def duration_minutes(start: datetime, end: datetime) -> int:
    """Whole minutes from `start` to `end`, begun minutes counted, within a contact's bounds."""
    minutes = math.ceil((end - start).total_seconds() / 60)
    return min(MAX_DURATION_MINUTES, max(1, minutes))


class Visit:
    """The current visit's start, shared by every window and command of the workstation."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def started_at(self, now: datetime | None = None) -> datetime | None:
        """When the current visit began, or None (none begun, or abandoned: `STALE_AFTER`)."""
        stored = get_setting(self.db, VISIT_KEY)
        if stored is None:
            return None
        start = datetime.fromisoformat(stored)
        now = now or utc_now()
        return start if timedelta(0) <= now - start <= STALE_AFTER else None

    def begin(self, now: datetime | None = None) -> datetime:
        """A first action for a person: starts a visit unless one is under way; its start."""
        now = now or utc_now()
        return self.started_at(now) or self.new_person(now)

    def new_person(self, now: datetime | None = None) -> datetime:
        """« Nouvelle personne »: a visit starts now, whatever was under way."""
        now = now or utc_now()
        with transaction(self.db):
            set_setting(self.db, VISIT_KEY, now.astimezone(UTC).isoformat())
        return now

    def end(self) -> None:
        """The visit's contact is saved: the next action starts the next person's visit."""
        with transaction(self.db):
            self.db.execute("DELETE FROM settings WHERE key = ?", [VISIT_KEY])

    def counted_from(self, opened: datetime, now: datetime | None = None) -> datetime:
        """Where the duration of a contact whose form opened at `opened` counts from: the visit's
        start, or the form's opening when it is earlier or no visit is under way."""
        start = self.started_at(now)
        return opened if start is None else min(start, opened)

    def minutes(self, now: datetime | None = None) -> int:
        """The duration to propose for a contact saved at `now` without a form (the command line):
        from the visit's start, else 1 min."""
        now = now or utc_now()
        return duration_minutes(self.counted_from(now, now), now)
