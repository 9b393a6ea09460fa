"""What the workstation knows of its sync state, readable without loading the network stack.

The GUI shows it at start-up; importing `requests` and `keyring` for that would slow the start.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlite_utils

from app.models.database import parse_db_time
from app.models.settings import get_setting

if TYPE_CHECKING:
    from app.sync.engine import SyncReport

SERVER_URL = "sync.server_url"
LAST_SUCCESS = "sync.last_success_at"
UNAUTHORIZED = "sync.unauthorized"


@dataclass(frozen=True)
class SyncStatus:
    server_url: str | None
    last_success: datetime | None
    unauthorized: bool
    pending: int
    quarantined: int


def read_status(db: sqlite_utils.Database) -> SyncStatus:
    last = get_setting(db, LAST_SUCCESS)
    return SyncStatus(
        server_url=get_setting(db, SERVER_URL),
        last_success=parse_db_time(last) if last else None,
        unauthorized=bool(get_setting(db, UNAUTHORIZED, False)),
        pending=pending_count(db),
        quarantined=quarantined_count(db),
    )


def pending_count(db: sqlite_utils.Database) -> int:
    """Records not yet acknowledged by the server (quarantined ones excluded)."""
    return db.execute("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')").fetchone()[0]


def quarantined_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM outbox WHERE state = 'rejected'").fetchone()[0]


@dataclass(frozen=True)
class RefusedRecord:
    """A record of any kind the server refused, with what the agent needs to recognise it."""

    record_id: str
    kind: str  # contact | escalation | pass_ledger | pass_issuance (the outbox's kinds)
    moment: datetime | None  # when it happened (None if the record is missing or its date unreadable)
    situation: str | None  # contacts and escalations
    event: str | None  # Pass numérique ledger lines: recu, remis, retour, annule
    cheques: int | None  # Pass numérique ledger lines and issuances
    reason: str


def refused_records(db: sqlite_utils.Database) -> list[RefusedRecord]:
    """Every record the server refused, newest first, whatever its kind (the quarantine screen)."""
    rows = db.execute(
        """SELECT o.record_id, o.kind, coalesce(c.occurred_at, e.sent_at, l.occurred_at, i.issued_at),
                  coalesce(c.situation, e.situation), l.event,
                  CASE WHEN json_valid(coalesce(l.cheques, i.cheques)) THEN json_array_length(coalesce(l.cheques, i.cheques)) END, o.last_error
           FROM outbox o
           LEFT JOIN contacts c ON o.kind = 'contact' AND c.id = o.record_id
           LEFT JOIN escalations e ON o.kind = 'escalation' AND e.id = o.record_id
           LEFT JOIN pass_ledger l ON o.kind = 'pass_ledger' AND l.id = o.record_id
           LEFT JOIN pass_issuances i ON o.kind = 'pass_issuance' AND i.id = o.record_id
           WHERE o.state = 'rejected'
           ORDER BY 3 DESC, o.rowid DESC"""
    ).fetchall()
    return [
        RefusedRecord(
            record_id,
            kind,
            _moment(moment),
            situation,
            event,
            cheques,
            reason or "",
        )
        for record_id, kind, moment, situation, event, cheques, reason in rows
    ]


def _moment(value: str | None) -> datetime | None:
    """A stored date, or None when it is missing or unreadable (such a record is quarantined
    precisely because it could not be read: the screen must still list it)."""
    try:
        return parse_db_time(value) if value else None
    except ValueError:
        return None


def journal_line(report: "SyncReport") -> str:
    """What a pass (a `SyncReport`) leaves in the journal: counts and flags, never a record's content."""
    flags = [name for name in ("unauthorized", "busy", "offline") if getattr(report, name)]
    if not report.enrolled:
        flags.append("not enrolled")
    return (
        f"sync pass: {report.accepted} accepted, {report.duplicates} duplicates, {report.rejected} rejected, "
        f"{report.pending} pending, {report.quarantined} quarantined"
        + (f"; {', '.join(flags)}" if flags else "")
        + (f"; error: {report.error}" if report.error else "")
    )
