"""Escalations: complex cases sent to a partner's referent, and whether the answer is late.

The case itself (the citizen's file) lives in Administration+; here we keep only which partner,
which situation, when, how, and its status: enough to follow up and to report, nothing personal.
A status change is a new record superseding the previous one, synced like contacts.

When an escalation is late, as Administration+ counts it (`escalation_clock`): without an answer, 72
business hours after it was sent; once answered (`repondu`), 15 business days after the latest
answer was recorded, unless a further answer comes. A further answer is a new version of the
answered escalation: `repondu` again (the referent answered again: the 15 days start over from
that version's `created_at`) or `clos` (nothing more is expected). An escalation first answered
after its 72 hours stays late. Business time is the structure's (`app.models.business_time`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.models.business_time import answer_deadline, follow_up_deadline
from app.models.connection import Database
from app.models.contacts import local_offset_minutes
from app.models.database import db_time, parse_db_time, transaction, utc_now, write_records
from app.models.reference import Catalogue
from app.models.versions import supersede

if TYPE_CHECKING:
    from app.models.record import EscalationRecord

_COLUMNS = "id, partner, situation, sent_at, channel, status, answered_at, agent, created_at"
WAITING = "en-attente"
FIRST_ANSWER = "repondu"  # answered, a further answer expected
ANSWERED = frozenset({FIRST_ANSWER, "clos"})
DUE_SOON = timedelta(hours=24)
# What Accueil and Parcours say of them (here, so that Accueil does not load the Parcours screen).
DUE_SOON_TEXT = "à échéance dans moins de 24 h"


@dataclass(frozen=True)
class Clock:
    """Where an escalation stands against its deadlines: whether its first answer came after the 72
    business hours (late for good), and the moment it becomes late if nothing changes (None: closed)."""

    answered_late: bool
    deadline: datetime | None

    def is_overdue(self, now: datetime) -> bool:
        """Past its deadline at `now`, an answer still expected: what the agent has to chase."""
        return self.deadline is not None and now > self.deadline

    def is_late(self, now: datetime) -> bool:
        """Late as the reports count it: overdue, or first answered after its 72 business hours."""
        return self.answered_late or self.is_overdue(now)

    def is_due_soon(self, now: datetime) -> bool:
        """Overdue in less than 24 hours (« à échéance dans moins de 24 h »)."""
        return self.deadline is not None and timedelta(0) <= self.deadline - now < DUE_SOON


def escalation_clock(
    status: str, sent_at: datetime, answered_at: datetime | None, recorded_at: datetime, departement: str
) -> Clock:
    """The clock of the current version of an escalation, recorded (`created_at`) at `recorded_at`:
    the workstation's list and summaries and the server's counts all ask this one function."""
    first = answer_deadline(sent_at, departement)
    if status == WAITING:
        return Clock(False, first)
    late = answered_at is not None and answered_at > first
    if status == FIRST_ANSWER:
        return Clock(late, follow_up_deadline(recorded_at, departement))
    return Clock(late, None)


def stored_clock(
    status: str, sent_at: str, answered_at: str | None, created_at: str, departement: str
) -> Clock:
    """`escalation_clock` of an escalation read from a database (times as stored)."""
    return escalation_clock(
        status,
        parse_db_time(sent_at),
        parse_db_time(answered_at) if answered_at else None,
        parse_db_time(created_at),
        departement,
    )


@dataclass(frozen=True)
class EscalationRow:
    id: str
    partner: str
    situation: str
    sent_at: datetime
    channel: str
    status: str
    answered_at: datetime | None
    agent: str
    clock: Clock

    @property
    def deadline(self) -> datetime | None:
        """When it becomes late if nothing changes; None once closed."""
        return self.clock.deadline

    def is_overdue(self, now: datetime) -> bool:
        """Past its deadline, an answer still expected: shown « EN RETARD » on the workstation (one
        answered late is no longer to chase, though the reports count it late)."""
        return self.clock.is_overdue(now)

    def is_due_soon(self, now: datetime) -> bool:
        return self.clock.is_due_soon(now)


@dataclass(frozen=True)
class EscalationVersion:
    """One version of an escalation as its history shows it: the sending or a change of status, by
    whom, on which workstation (`origin`, None for this one), whether it is the current one, and
    whether it was `outranked`: nothing changed it, yet a later change of the same version (made on
    another workstation while both were offline) is current instead."""

    id: str
    created_at: datetime
    status: str
    answered_at: datetime | None
    agent: str
    origin: str | None
    current: bool
    outranked: bool


# Every version of the escalation a version belongs to: up to its first record, then down every branch
# (two workstations offline may each change one version: the escalation's history is a tree), in time
# order, a change after the version it changes when both have the same second.
_HISTORY = """WITH RECURSIVE up(id, supersedes, depth) AS (
        SELECT id, supersedes, 0 FROM escalations WHERE id = ?
        UNION SELECT e.id, e.supersedes, up.depth - 1 FROM escalations e JOIN up ON e.id = up.supersedes
    ), down(id, depth) AS (
        SELECT id, depth FROM up
        UNION SELECT e.id, down.depth + 1 FROM escalations e JOIN down ON e.supersedes = down.id
    )
    SELECT e.id, created_at, status, answered_at, agent, origin, superseded = 0 AND deleted = 0,
        superseded = 1 AND NOT EXISTS (SELECT 1 FROM escalations later WHERE later.supersedes = e.id)
    FROM escalations e JOIN down ON down.id = e.id ORDER BY created_at, down.depth, e.id"""


class EscalationStore:
    def __init__(self, db: Database, catalogue: Catalogue) -> None:
        self.db = db
        self.catalogue = catalogue

    def create(self, fields: dict[str, Any]) -> EscalationRecord:
        """A new escalation, waiting for an answer; `fields`: structure, agent, partner, situation,
        channel, and optionally sent_at (default now)."""
        now = utc_now()
        data = {"sent_at": now, "status": WAITING, **fields}
        return self._add(data, now)

    def set_status(self, escalation_id: str, status: str, agent: str) -> EscalationRecord:
        from app.models.record import RecordError

        old = self.records([escalation_id]).get(escalation_id)
        if old is None:
            raise RecordError("supersedes", "Cette sollicitation n'existe pas.")
        now = utc_now()
        answered = None if status == WAITING else (old.answered_at or now)
        keep = old.carried_over()
        return self._add(
            {**keep, "agent": agent, "status": status, "answered_at": answered, "supersedes": old.id}, now
        )

    def _add(self, data: dict[str, Any], now: datetime) -> EscalationRecord:
        from app.models.record import new_id, validate_record

        data.update(id=new_id(), created_at=now, utc_offset_minutes=local_offset_minutes())
        record: EscalationRecord = validate_record(data, catalogue=self.catalogue, now=now, kind="escalation")
        with transaction(self.db):
            self.insert(record)
        return record

    def insert(self, record: EscalationRecord, origin: str | None = None) -> None:
        """Write a record inside the caller's transaction, superseding the one it updates: this
        workstation's own with its outbox row, another's (`origin`, pulled from the server) without.
        Of two changes of one version (two workstations offline), the later is current
        (`app.models.versions`)."""
        row = record.model_dump(mode="json")
        row.update(
            created_at=db_time(record.created_at),
            sent_at=db_time(record.sent_at),
            answered_at=db_time(record.answered_at) if record.answered_at else None,
            origin=origin,
        )
        if record.supersedes:  # changed on two workstations offline: the later change is current
            outranked, _ = supersede(
                self.db,
                "escalations",
                row["supersedes"],
                (row["created_at"], row["id"]),
                "Cette sollicitation a déjà été mise à jour.",
                pulled=origin is not None,
            )
            row["superseded"] = int(outranked)
        write_records(self.db, "escalations", "escalation", [row])

    def records(self, ids: list[str]) -> dict[str, EscalationRecord]:
        from app.models.record import EscalationRecord

        found = {}
        marks = ", ".join("?" * len(ids))
        for row in self.db.query(f"SELECT * FROM escalations WHERE id IN ({marks})", ids):
            del row["superseded"], row["origin"]
            found[row["id"]] = EscalationRecord.from_row(row)
        return found

    def history(self, escalation_id: str) -> list[EscalationVersion]:
        """Every version of the escalation `escalation_id` is a version of, oldest first: the sending
        and each change of status, including one outranked by a later change made on another
        workstation while both were offline (kept, counted nowhere)."""
        return [
            EscalationVersion(
                id=row[0],
                created_at=parse_db_time(row[1]),
                status=row[2],
                answered_at=parse_db_time(row[3]) if row[3] else None,
                agent=row[4],
                origin=row[5],
                current=bool(row[6]),
                outranked=bool(row[7]),
            )
            for row in self.db.execute(_HISTORY, [escalation_id])
        ]

    def current(self, departement: str = "") -> list[EscalationRow]:
        """Current escalations, newest first, with their clock (`departement`: the structure's)."""
        rows = []
        for values in self.db.execute(
            f"SELECT {_COLUMNS} FROM escalations WHERE superseded = 0 AND deleted = 0 ORDER BY sent_at DESC"
        ):
            sent_at = parse_db_time(values[3])
            answered_at = parse_db_time(values[6]) if values[6] else None
            clock = escalation_clock(values[5], sent_at, answered_at, parse_db_time(values[8]), departement)
            rows.append(
                EscalationRow(
                    values[0],
                    values[1],
                    values[2],
                    sent_at,
                    values[4],
                    values[5],
                    answered_at,
                    values[7],
                    clock,
                )
            )
        return rows

    def late_count(self, departement: str = "", now: datetime | None = None) -> int:
        """Current escalations overdue at `now` (the home screen's figure)."""
        now = now or utc_now()
        return sum(1 for row in self.current(departement) if row.is_overdue(now))

    def due_soon_count(self, departement: str = "", now: datetime | None = None) -> int:
        """Current escalations late in less than 24 hours (the home screen's figure)."""
        now = now or utc_now()
        return sum(1 for row in self.current(departement) if row.is_due_soon(now))


def escalation_figures(
    rows: Iterable[tuple[str, str, str, str | None, str, str]], now: datetime
) -> dict[str, Any]:
    """The reporting figures of escalations given as (partner, status, sent_at, answered_at,
    created_at, département) with stored times: the workstation's summaries and the server's count
    with this one function, so they agree. Late: late at `now` by `escalation_clock`."""
    sent = answered = late = 0
    partners: Counter[str] = Counter()
    for partner, status, sent_at, answered_at, created_at, departement in rows:
        sent += 1
        partners[partner] += 1
        answered += status in ANSWERED
        late += stored_clock(status, sent_at, answered_at, created_at, departement).is_late(now)
    return {
        "escalations_sent": sent,
        "escalations_answered": answered,
        "escalations_late": late,
        "escalations_by_partner": dict(sorted(partners.items(), key=lambda pair: (-pair[1], pair[0]))),
    }
