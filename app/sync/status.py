"""What the workstation knows of its sync state, readable without loading the network stack.

The GUI shows it at start-up; importing `requests` and `keyring` for that would slow the start.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.models.connection import Database
from app.models.database import parse_db_time
from app.models.settings import get_setting

if TYPE_CHECKING:
    from app.sync.engine import SyncReport

SERVER_URL = "sync.server_url"
LAST_SUCCESS = "sync.last_success_at"
UNAUTHORIZED = "sync.unauthorized"
PULL_CURSOR = "sync.pull_after"  # the structure's feed is read after this number (app.sync.pull)
PULL_NOT_BEFORE = "sync.pull_not_before"  # the server's Retry-After, for the feed too
LAST_PULL = "sync.last_pull_at"  # the server's time when this workstation last caught up with it
SILENT_DAYS = 7  # another workstation not heard from for longer is named


@dataclass(frozen=True)
class SyncStatus:
    server_url: str | None
    last_success: datetime | None
    unauthorized: bool
    pending: int
    quarantined: int


def read_status(db: Database) -> SyncStatus:
    last = get_setting(db, LAST_SUCCESS)
    return SyncStatus(
        server_url=get_setting(db, SERVER_URL),
        last_success=parse_db_time(last) if last else None,
        unauthorized=bool(get_setting(db, UNAUTHORIZED, False)),
        pending=pending_count(db),
        quarantined=quarantined_count(db),
    )


def pending_count(db: Database) -> int:
    """Records not yet acknowledged by the server (quarantined ones excluded)."""
    return int(db.execute("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')").fetchone()[0])


def quarantined_count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM outbox WHERE state = 'rejected'").fetchone()[0])


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


def refused_records(db: Database) -> list[RefusedRecord]:
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


@dataclass(frozen=True)
class Freshness:
    """How fresh the other workstations' records here are: when this workstation last caught up with
    the structure's feed (server time), and the other workstations not heard from for more than
    SILENT_DAYS, with when they last were (their latest record's arrival on the server)."""

    last_pull: datetime | None
    silent: list[tuple[str, datetime]]

    def sentence(self) -> str | None:
        """ "Données des autres postes à jour au 04/12 à 14 h 02." and the silent workstations
        named, in local time; None before the first pull."""
        if self.last_pull is None:
            return None
        text = f"Données des autres postes à jour au {_day_time(self.last_pull)}."
        for label, heard in self.silent:
            text += f" Aucune nouvelle du poste « {label} » depuis le {heard.astimezone():%d/%m}."
        return text


def freshness(db: Database, now: datetime | None = None) -> Freshness:
    """The workstation's `Freshness` at `now` (default: the real now)."""
    now = now or datetime.now().astimezone()
    last = get_setting(db, LAST_PULL)
    silent = [
        (label or "sans nom", parse_db_time(heard))
        for label, heard in db.execute(
            "SELECT label, last_heard_at FROM other_workstations ORDER BY last_heard_at, label"
        )
        if now - parse_db_time(heard) > timedelta(days=SILENT_DAYS)
    ]
    return Freshness(parse_db_time(last) if last else None, silent)


def _day_time(moment: datetime) -> str:
    local = moment.astimezone()
    return f"{local:%d/%m} à {local.hour} h {local.minute:02d}"


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
