"""Escalations: complex cases sent to a partner's referent, and whether the answer is late.

The case itself (the citizen's file) lives in Administration+; here we keep only which partner,
which situation, when, how, and its status: enough to follow up and to report, nothing personal.
A status change is a new record superseding the previous one, synced like contacts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import sqlite_utils

from app.models.business_time import answer_deadline
from app.models.contacts import local_offset_minutes
from app.models.database import db_time, parse_db_time, transaction, utc_now
from app.models.reference import Catalogue
from app.models.versions import supersede

if TYPE_CHECKING:
    from app.models.record import EscalationRecord

_COLUMNS = "id, partner, situation, sent_at, channel, status, answered_at, agent"
WAITING = "en-attente"
ANSWERED = frozenset({"repondu", "clos"})


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
    deadline: datetime

    def is_late(self, now: datetime) -> bool:
        """Still waiting after 72 business hours, or answered after them."""
        if self.status == WAITING:
            return now > self.deadline
        return self.answered_at is not None and self.answered_at > self.deadline


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
    def __init__(self, db: sqlite_utils.Database, catalogue: Catalogue) -> None:
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
        self.db.execute(
            f"INSERT INTO escalations ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        if origin is None:
            self.db.execute(
                "INSERT INTO outbox (record_id, kind, updated_at) VALUES (?, 'escalation', ?)",
                [row["id"], row["created_at"]],
            )

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

    def current(self, departement: str = "", waiting_only: bool = False) -> list[EscalationRow]:
        """Current escalations, newest first, with their answer deadline."""
        rows = []
        waiting = "AND status = 'en-attente'" if waiting_only else ""
        for values in self.db.execute(
            f"SELECT {_COLUMNS} FROM escalations WHERE superseded = 0 AND deleted = 0 {waiting} ORDER BY sent_at DESC"
        ):
            sent_at = parse_db_time(values[3])
            deadline = answer_deadline(sent_at.astimezone(), departement)
            rows.append(
                EscalationRow(
                    values[0],
                    values[1],
                    values[2],
                    sent_at,
                    values[4],
                    values[5],
                    parse_db_time(values[6]) if values[6] else None,
                    values[7],
                    deadline,
                )
            )
        return rows

    def late_count(self, departement: str = "", now: datetime | None = None) -> int:
        """Escalations still waiting past their deadline (the home screen's figure)."""
        now = now or utc_now()
        return sum(1 for row in self.current(departement, waiting_only=True) if row.is_late(now))


def stored_deadline(sent_at: str, offset: int, departement: str) -> datetime:
    """The answer deadline of an escalation sent at the stored time `sent_at`: 72 business hours on
    the wall clock of its sending (`offset` minutes from UTC), with the département's holidays."""
    local_sent = parse_db_time(sent_at).astimezone(timezone(timedelta(minutes=offset)))
    return answer_deadline(local_sent, departement)


def answered_late(answered_at: str | None, deadline: datetime) -> bool:
    """Whether an answered escalation was answered after its deadline (`answered_at` stored)."""
    return answered_at is not None and parse_db_time(answered_at) > deadline


def escalation_figures(
    rows: Iterable[tuple[str, str, str, str | None, int, str]], now: datetime
) -> dict[str, Any]:
    """The reporting figures of escalations given as (partner, status, sent_at, answered_at,
    utc_offset_minutes, département) with stored times: the workstation's summaries and the server's
    count with this one function, so they agree.

    Late: still waiting past the deadline at `now`, or answered after it. Business days are the
    agent's: the deadline is counted on the wall clock of the sending (the record's own offset), with
    the holidays of the structure's département.
    """
    sent = answered = late = 0
    partners: Counter[str] = Counter()
    for partner, status, sent_at, answered_at, offset, departement in rows:
        sent += 1
        partners[partner] += 1
        deadline = stored_deadline(sent_at, offset, departement)
        if status in ANSWERED:
            answered += 1
            late += answered_late(answered_at, deadline)
        elif status == WAITING and deadline < now:
            late += 1
    return {
        "escalations_sent": sent,
        "escalations_answered": answered,
        "escalations_late": late,
        "escalations_by_partner": dict(sorted(partners.items(), key=lambda pair: (-pair[1], pair[0]))),
    }
