"""The outbox: which records still have to reach the server, and what became of each batch.

A row goes `pending → sending → sent | rejected`. Rows are claimed (marked `sending`) and their
outcome written in transactions of their own, so a crash leaves at worst rows in `sending`, which
the next pass puts back in the queue: nothing is lost, and the server's upsert by id makes a
second send harmless.
"""

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

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
    db: sqlite_utils.Database,
    loaders: dict[str, Callable[[list[str]], dict[str, Any]]],
    limit: int = BATCH_RECORDS,
    force: bool = False,
) -> list[Claimed]:
    """Mark up to `limit` due records as `sending` and return them ready to send, oldest first."""
    now = db_time(utc_now())
    due = "" if force else "AND (next_try_at IS NULL OR next_try_at <= ?)"
    with transaction(db):
        rows = db.execute(
            f"SELECT record_id, kind, attempts FROM outbox WHERE state = 'pending' {due} ORDER BY rowid LIMIT ?",
            [limit] if force else [now, limit],
        ).fetchall()
        records: dict[str, Any] = {}
        for kind, load in loaders.items():
            records.update(load([row[0] for row in rows if row[1] == kind]))
        batch, size = [], 0
        for record_id, kind, attempts in rows:
            item = {"kind": kind, "record": records[record_id].model_dump(mode="json")}
            size += len(json.dumps(item, separators=(",", ":")))
            if batch and size > BATCH_BYTES:
                break
            batch.append(Claimed(record_id, attempts, item))
        db.conn.executemany(
            "UPDATE outbox SET state = 'sending', updated_at = ? WHERE record_id = ?",
            [(now, claimed.record_id) for claimed in batch],
        )
    return batch


def record_results(db: sqlite_utils.Database, results: list[ItemResult]) -> tuple[int, int, int]:
    """Apply the server's per-item answer; (accepted, duplicates, rejected)."""
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
    duplicates = sum(1 for r in results if r.status == "duplicate")
    return len(sent) - duplicates, duplicates, len(rejected)


def backoff_delay(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, never sooner than the server's Retry-After."""
    delay = random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempts))
    return max(delay, retry_after or 0.0)


def release(
    db: sqlite_utils.Database,
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


def quarantine(db: sqlite_utils.Database, batch: list[Claimed], reason: str) -> None:
    """A record the server can never take (too large on its own): set aside, shown to the agent."""
    with transaction(db):
        db.conn.executemany(
            "UPDATE outbox SET state = 'rejected', last_error = ?, updated_at = ? WHERE record_id = ?",
            [(reason, db_time(utc_now()), claimed.record_id) for claimed in batch],
        )


def quarantined_rows(db: sqlite_utils.Database) -> list[tuple[str, str, str, str]]:
    """(id, occurred_at, situation, server's reason) of the records the server refused."""
    return db.execute(
        "SELECT c.id, c.occurred_at, c.situation, o.last_error FROM outbox o JOIN contacts c ON c.id = o.record_id "
        "WHERE o.state = 'rejected' ORDER BY c.occurred_at DESC"
    ).fetchall()
