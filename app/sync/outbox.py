"""The outbox: which records still have to reach the server, and what became of each batch.

A row goes `pending → sending → sent | rejected`. Rows are claimed (marked `sending`) and their
outcome written in transactions of their own, so a crash leaves at worst rows in `sending`, which
the next pass puts back in the queue: nothing is lost, and the server's upsert by id makes a
second send harmless.
"""

import json
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from app.models.connection import Database
from app.models.database import db_time, transaction, utc_now
from app.sync.transport import ItemResult

BATCH_RECORDS = 200
BATCH_BYTES = 512 * 1024
BACKOFF_BASE = 30.0  # seconds
BACKOFF_CAP = 3600.0


@dataclass(frozen=True)
class Claimed:
    record_id: str
    attempts: int
    item: dict[str, Any]  # {"kind": ..., "record": {...}} as sent


def claim_batch(
    db: Database,
    loaders: dict[str, Callable[[list[str]], dict[str, Any]]],
    limit: int = BATCH_RECORDS,
    force: bool = False,
) -> list[Claimed]:
    """Mark up to `limit` due records as `sending` and return them ready to send, oldest first.

    A record that cannot be read back or validated (a row damaged on disk, a date written by an
    older version) is quarantined with a French reason instead of blocking every pass: the rest of
    the queue goes.
    """
    now = db_time(utc_now())
    due = "" if force else "AND (next_try_at IS NULL OR next_try_at <= ?)"
    while True:
        with transaction(db):
            rows = db.execute(
                f"SELECT record_id, kind, attempts FROM outbox WHERE state = 'pending' {due} ORDER BY rowid LIMIT ?",
                [limit] if force else [now, limit],
            ).fetchall()
            items, unreadable = _load_items(rows, loaders)
            batch: list[Any] = []
            size = 0
            for record_id, _kind, attempts in rows:
                if record_id not in items:
                    continue
                size += len(json.dumps(items[record_id], separators=(",", ":")))
                if batch and size > BATCH_BYTES:
                    break
                batch.append(Claimed(record_id, attempts, items[record_id]))
            db.conn.executemany(
                "UPDATE outbox SET state = 'sending', updated_at = ? WHERE record_id = ?",
                [(now, claimed.record_id) for claimed in batch],
            )
            db.conn.executemany(
                "UPDATE outbox SET state = 'rejected', last_error = ?, updated_at = ? WHERE record_id = ?",
                [(reason, now, record_id) for record_id, reason in unreadable.items()],
            )
        if batch or not unreadable:  # a batch made only of unreadable records: look further
            return batch


def _load_items(
    rows: list[tuple[str, str, int]], loaders: dict[str, Callable[[list[str]], dict[str, Any]]]
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """({id: item as sent}, {id: why it cannot be sent}) for the outbox `rows`.

    Each kind is loaded in one query; only when that fails are its records loaded one by one, to
    find the culprit. A database error is not the record's fault and is raised.
    """
    items: dict[str, dict[str, Any]] = {}
    unreadable: dict[str, str] = {}
    for kind, load in loaders.items():
        ids = [row[0] for row in rows if row[1] == kind]
        if not ids:
            continue
        try:
            items.update(_items(kind, ids, load))
        except sqlite3.Error:
            raise
        except Exception:  # whatever is wrong with one record must not stop the others
            for record_id in ids:
                try:
                    items.update(_items(kind, [record_id], load))
                except sqlite3.Error:
                    raise
                except Exception as error:
                    unreadable[record_id] = _unreadable_reason(error)
    for record_id, kind, _attempts in rows:
        if record_id not in items and record_id not in unreadable:
            unreadable[record_id] = (
                f"Enregistrement introuvable sur ce poste (type « {kind} ») : il ne peut pas être envoyé."
            )
    return items, unreadable


def _items(
    kind: str, ids: list[str], load: Callable[[list[str]], dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    return {
        record_id: {"kind": kind, "record": record.model_dump(mode="json")}
        for record_id, record in load(ids).items()
    }


def _unreadable_reason(error: Exception) -> str:
    """French, naming the faulty fields but never their values (they may hold anything)."""
    details = error.errors() if isinstance(error, ValidationError) else []
    fields = sorted({str(detail["loc"][0]) for detail in details if detail["loc"]})
    which = f" (champ{'s' if len(fields) > 1 else ''} {', '.join(fields)})" if fields else ""
    return (
        f"Enregistrement illisible ou invalide sur ce poste{which} : il ne peut pas être envoyé. "
        "Signalez-le au support ; les autres enregistrements partent normalement."
    )


def record_results(
    db: Database,
    results: list[ItemResult],
    placed: Callable[[dict[str, int]], None] | None = None,
) -> tuple[int, int, int]:
    """Apply the server's per-item answer; (accepted, duplicates, rejected). `placed` is told, in the
    same transaction, the place in the structure's feed the server gave each record it stored."""
    now = db_time(utc_now())
    sent = [(now, r.id) for r in results if r.status in ("accepted", "duplicate")]
    rejected = [
        (now, f"{r.reason or 'Refusé par le serveur.'}", r.id) for r in results if r.status == "rejected"
    ]
    with transaction(db):
        db.conn.executemany(
            "UPDATE outbox SET state = 'sent', updated_at = ?, last_error = NULL, next_try_at = NULL "
            "WHERE record_id = ?",
            sent,
        )
        db.conn.executemany(
            "UPDATE outbox SET state = 'rejected', updated_at = ?, last_error = ? WHERE record_id = ?",
            rejected,
        )
        if placed is not None:
            placed({r.id: r.seq for r in results if r.id and r.seq is not None and r.status != "rejected"})
    duplicates = sum(1 for r in results if r.status == "duplicate")
    return len(sent) - duplicates, duplicates, len(rejected)


def backoff_delay(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, never sooner than the server's Retry-After."""
    delay = random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempts))
    return max(delay, retry_after or 0.0)


def release(
    db: Database,
    batch: list[Claimed],
    error: str,
    *,
    count_attempt: bool = True,
    retry_after: float | None = None,
) -> None:
    """Put a batch that did not go through back in the queue, due again after a backoff."""
    now = utc_now()
    rows = []
    for claimed in batch:
        attempts = claimed.attempts + 1 if count_attempt else claimed.attempts
        due: datetime = (
            now + timedelta(seconds=backoff_delay(attempts, retry_after)) if count_attempt else now
        )
        rows.append((attempts, db_time(due), error, db_time(now), claimed.record_id))
    with transaction(db):
        db.conn.executemany(
            "UPDATE outbox SET state = 'pending', attempts = ?, next_try_at = ?, last_error = ?, updated_at = ? "
            "WHERE record_id = ? AND state = 'sending'",
            rows,
        )


def quarantine(db: Database, batch: list[Claimed], reason: str) -> None:
    """A record the server can never take (too large on its own): set aside, shown to the agent."""
    with transaction(db):
        db.conn.executemany(
            "UPDATE outbox SET state = 'rejected', last_error = ?, updated_at = ? WHERE record_id = ?",
            [(reason, db_time(utc_now()), claimed.record_id) for claimed in batch],
        )
