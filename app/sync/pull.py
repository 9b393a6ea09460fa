"""Pulling the structure's feed: the records the structure's other workstations sent to the server.

Each page is applied in one SQLite transaction together with the cursor that follows it, so a pass
killed at any moment either applied a page and moved past it, or did neither: nothing is skipped,
nothing applied twice (and a record already here is skipped anyway: the feed may be read again from
the start after a new enrolment). Pulled records are written as records of their workstation
(`origin`), without an outbox row (they are on the server already) and without a note (notes never
leave their workstation); a correction or a tombstone supersedes the local row as a local one would,
and Pass numérique lines move the cheques of the shared stock.

A record that does not validate here (a reference list older than the sender's, a damaged answer), or
that the local tables refuse (a correction of a contact unknown here), is skipped with a log line: it never
blocks the feed.
"""

import logging
import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app.models.communes import load_communes
from app.models.database import transaction
from app.models.record import RecordError, validate_record
from app.models.settings import get_setting, set_setting
from app.models.workspace import Workspace
from app.sync.status import LAST_PULL, PULL_CURSOR
from app.sync.transport import PulledPage, ServerClient, feed_place, server_text

PAGE_RECORDS = 1000
PULL_CACHE_KIB = -64 * 1024  # SQLite's page cache during a pull: 64 MiB (negative: in KiB)
_TABLES = {
    "contact": "contacts",
    "escalation": "escalations",
    "pass_ledger": "pass_ledger",
    "pass_issuance": "pass_issuances",
    "setting": "setting_versions",
}
# The server's stored times (`app.server.schema.timestamp`), which sort as text.
_SERVER_TIME = re.compile(r"\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-6]\dZ")
_log = logging.getLogger(__name__)


@dataclass
class _Heard:
    """The workstations a page came from: label and the server's time of their latest record."""

    workstations: dict[str, tuple[str | None, str]] = field(default_factory=dict)

    def note(self, workstation: str, label: str | None, received_at: str) -> None:
        _, latest = self.workstations.get(workstation, (None, ""))
        self.workstations[workstation] = (label, max(latest, received_at))


Progress = Callable[[int, int], None]


def pull_all(
    workspace: Workspace,
    client: ServerClient,
    applied: Callable[[int], None],
    progress: Progress | None = None,
) -> None:
    """Pull and apply pages until caught up, telling `applied` how many records each page added (so
    that a pass cut midway still counts what it did), and `progress` (a joining workstation's bar)
    how far the cursor went of how far it has to go, in feed numbers, after each page. Raises
    SyncError.

    The next page is fetched while the current one is applied (the server's work and the transfer
    overlap SQLite's); it is asked for with the cursor the current page leads to, so nothing changes
    if applying fails: the page fetched ahead is dropped, the cursor stays where it was."""
    start = int(get_setting(workspace.db, PULL_CURSOR, 0))
    page = client.pull_page(start, PAGE_RECORDS)
    # A catch-up inserts at random places of every index of the contacts (random ids, times spread
    # over years): a larger page cache while it lasts saves a tenth of its time.
    (cache,) = workspace.db.execute("PRAGMA cache_size").fetchone()
    workspace.db.execute(f"PRAGMA cache_size = {PULL_CACHE_KIB}")
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull") as fetcher:
            while page is not None:  # None: a server from before the feed
                ahead = fetcher.submit(client.pull_page, page.next_after, PAGE_RECORDS) if page.more else None
                applied(apply_page(workspace, page))
                if progress is not None:
                    _report(progress, page, start)
                if ahead is None:
                    break
                page = ahead.result()
    finally:
        workspace.db.execute(f"PRAGMA cache_size = {int(cache)}")


def _report(progress: Progress, page: PulledPage, start: int) -> None:
    """(done, total) since the pull started; the last page says done = total."""
    end = page.last_seq if page.more and page.last_seq is not None else page.next_after
    progress(page.next_after - start, max(end - start, page.next_after - start))


def apply_page(workspace: Workspace, page: PulledPage) -> int:
    """Apply one page and move the cursor past it, in one transaction; the number of records applied
    (contacts, escalations, Pass numérique: what the structure's figures count)."""
    db, heard, applied = workspace.db, _Heard(), 0
    structure = workspace.workstation.structure
    matricule = structure.matricule if structure else None
    with transaction(db):
        known = _known_ids(workspace, page.records)
        # The whole page at once; only if a record is refused by the local tables (rare) is it
        # done again one savepoint per record, which costs a third more.
        db.execute("SAVEPOINT page")
        try:
            applied = sum(
                _apply(workspace, item, matricule, heard, known, alone=False) for item in page.records
            )
        except (RecordError, sqlite3.IntegrityError):
            db.execute("ROLLBACK TO page")
            heard = _Heard()
            applied = sum(
                _apply(workspace, item, matricule, heard, known, alone=True) for item in page.records
            )
        db.execute("RELEASE page")
        db.conn.executemany(
            "INSERT INTO other_workstations (id, label, last_heard_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET label = excluded.label, "
            "last_heard_at = max(last_heard_at, excluded.last_heard_at)",
            [(workstation, label, at) for workstation, (label, at) in heard.workstations.items()],
        )
        set_setting(db, PULL_CURSOR, page.next_after)
        if not page.more:
            set_setting(db, LAST_PULL, page.server_time)
    return applied


def _known_ids(workspace: Workspace, items: list[Any]) -> set[str]:
    """The ids of the page's records already here (of the kind each claims), in one query per kind."""
    wanted: dict[str, list[str]] = {}
    for item in items:
        record = item.get("record") if isinstance(item, dict) else None
        kind = item.get("kind") if isinstance(item, dict) else None
        if (
            isinstance(record, dict)
            and isinstance(record.get("id"), str)
            and isinstance(kind, str)
            and kind in _TABLES
        ):
            wanted.setdefault(_TABLES[kind], []).append(record["id"])
    known: set[str] = set()
    for table, ids in wanted.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            known.update(
                row[0] for row in workspace.db.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk)
            )
    return known


def _apply(
    workspace: Workspace, item: Any, matricule: str | None, heard: _Heard, known: set[str], *, alone: bool
) -> bool:
    """Write one pulled item unless it is already here (its id in `known`) or unusable; whether it
    was written and is a record that counts (a version of a shared setting is written, not counted).
    `alone`: in a savepoint of its own, skipped if the local tables refuse it; otherwise their
    refusal is raised."""
    try:
        kind, record, origin, label, received_at, seq = _read(workspace, item)
    except (RecordError, KeyError, TypeError, ValueError, AttributeError) as error:  # whatever the page holds
        _log.warning("pulled record skipped, unreadable: %s", type(error).__name__)
        return False
    heard.note(origin, label, received_at)
    if record.structure != matricule:
        _log.warning("pulled record %s skipped: another structure's", record.id)
        return False
    if str(record.id) in known:
        return False
    if not alone:
        _write(workspace, kind, record, origin, seq)
        return kind != "setting"
    workspace.db.execute("SAVEPOINT pulled")
    try:
        _write(workspace, kind, record, origin, seq)
    except (RecordError, sqlite3.IntegrityError) as error:
        workspace.db.execute("ROLLBACK TO pulled")
        _log.warning("pulled %s %s skipped, refused by the local tables: %s", kind, record.id, error)
        return False
    finally:
        workspace.db.execute("RELEASE pulled")
    return kind != "setting"


def _read(workspace: Workspace, item: Any) -> tuple[str, Any, str, str | None, str, int]:
    """(kind, validated record, origin workstation id, its label, server time of reception, place in
    the structure's feed)."""
    kind = item["kind"]
    if kind not in _TABLES:
        raise ValueError(kind)
    record = validate_record(
        item["record"], catalogue=workspace.catalogue, kind=kind, communes=load_communes()
    )
    sender = item["workstation"]
    origin = str(UUID(sender["id"]))
    received_at = item["received_at"]
    if not isinstance(received_at, str) or not _SERVER_TIME.fullmatch(received_at):
        raise ValueError("received_at")
    seq = feed_place(item["seq"])
    if seq is None:
        raise ValueError("seq")
    return kind, record, origin, server_text(sender.get("label"), 80), received_at, seq


def _write(workspace: Workspace, kind: str, record: Any, origin: str, seq: int) -> None:
    if kind == "contact":
        workspace.contacts.insert(record, "", origin)
    elif kind == "escalation":
        workspace.escalations.insert(record, origin)
    elif kind == "setting":
        workspace.shared.insert_pulled(record, origin)
    elif kind == "pass_ledger":
        workspace.passes.insert_pulled_line(record, origin, seq)
    else:
        workspace.passes.insert_pulled_issuance(record, origin)
