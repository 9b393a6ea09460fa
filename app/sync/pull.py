"""Pulling the structure's feed: the records the structure's other workstations sent to the server.

Pages are applied in one SQLite transaction together with the cursor that follows the last of them
(one page in an ordinary pass, the pages of about two seconds in a catch-up), so a pass killed at any
moment either applied them and moved past them, or did neither: nothing is skipped, nothing applied
twice (and a record already here is skipped anyway: the feed may be read again from the start after
a new enrolment). Pulled records are written as records of their workstation
(`origin`), without an outbox row (they are on the server already) and without a note (notes never
leave their workstation); a correction or a tombstone supersedes the local row as a local one would,
and Pass numérique lines move the cheques of the shared stock.

A record whose only fault is an id the local reference lists do not know yet (a situation added by a
newer catalogue than this workstation's: the server checked it against its own) is kept, shown by its
code until the newer reference arrives: the cursor moves past what is skipped, so this workstation's
figures of the structure would miss it for good. A record that does not validate otherwise (a damaged
answer), or that the local tables refuse (a correction of a contact unknown here), is skipped with a log
line: it never blocks the feed.
"""

import logging
import re
import sqlite3
import time
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
# How long pages are applied in one transaction during a catch-up (`_apply_group`), and so about how
# long a contact saved meanwhile on this workstation may wait for the pull to commit (its connection
# waits up to 5 s). Measured on 50,000 records (bench/RESULTS.md): a commit per page 12 s, five
# pages 7–8 s, ten 5.7–8 s, all of them 5–7 s; two seconds is about ten pages on an idle machine.
GROUP_SECONDS = 2.0
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


@dataclass(frozen=True)
class _Pulled:
    """A pulled item as read and validated: what is written, and who sent it when."""

    kind: str
    record: Any
    origin: str
    label: str | None
    received_at: str
    seq: int  # its place in the structure's feed (a Pass numérique line keeps it: the server's order)


Progress = Callable[[int, int], None]


def pull_all(
    workspace: Workspace,
    client: ServerClient,
    applied: Callable[[int], None],
    progress: Progress | None = None,
) -> None:
    """Pull and apply pages until caught up, telling `applied` how many records each committed page
    added (so that a pass cut midway still counts what it did), and `progress` (a joining
    workstation's bar) how far the cursor went of how far it has to go, in feed numbers, after each
    page — with the group's transaction open: `progress` must not write to the database; it may
    raise to stop the pull, and what was applied is committed first. Raises SyncError.

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
            while page is not None:  # None: a server from before the feed, or caught up
                page = _apply_group(workspace, client, fetcher, page, applied, progress, start)
    finally:
        workspace.db.execute(f"PRAGMA cache_size = {int(cache)}")


def _apply_group(
    workspace: Workspace,
    client: ServerClient,
    fetcher: ThreadPoolExecutor,
    page: PulledPage,
    applied: Callable[[int], None],
    progress: Progress | None,
    start: int,
) -> PulledPage | None:
    """Apply `page` and the pages that follow it in one transaction, for about GROUP_SECONDS, and
    move the cursor past the last; the page to go on with, None when caught up.

    Why a group: a catch-up writes at random places of every index of the contacts, so each commit
    writes (and fsyncs) most of the index pages again; one commit every two seconds instead of one a
    page is what brings a joining workstation under its target. A page failing undoes the whole group
    (nothing skipped, nothing applied twice: the cursor goes back with it); the server failing
    while the next page is fetched, or `progress` raising, commits what was applied, then raises."""
    db, counts, began = workspace.db, [], time.monotonic()
    failure: Exception | None = None
    with transaction(db):
        while True:
            ahead = fetcher.submit(client.pull_page, page.next_after, PAGE_RECORDS) if page.more else None
            counts.append(_apply_here(workspace, page))
            try:
                if progress is not None:
                    _report(progress, page, start)  # may raise to stop the pull (a join cancelled)
            except Exception as error:  # raised below, once what was applied is committed
                failure, following = error, None
                break
            if ahead is None:
                following = None
                break
            try:
                following = ahead.result()
            except Exception as error:  # raised below, once what was applied is committed
                failure, following = error, None
                break
            if following is None or time.monotonic() - began >= GROUP_SECONDS:
                break
            page = following
    for count in counts:
        applied(count)
    if failure is not None:
        raise failure
    return following


def _report(progress: Progress, page: PulledPage, start: int) -> None:
    """(done, total) since the pull started; the last page says done = total."""
    end = page.last_seq if page.more and page.last_seq is not None else page.next_after
    progress(page.next_after - start, max(end - start, page.next_after - start))


def apply_page(workspace: Workspace, page: PulledPage) -> int:
    """Apply one page and move the cursor past it, in one transaction; the number of records applied
    (contacts, escalations, Pass numérique: what the structure's figures count)."""
    with transaction(workspace.db):
        return _apply_here(workspace, page)


def _apply_here(workspace: Workspace, page: PulledPage) -> int:
    """`apply_page` inside the caller's transaction. The records are validated here rather than by
    the thread that fetched the page: both would hold the GIL, and SQLite, which lets go of it at
    every row, would wait for it (measured: a join a tenth slower)."""
    db, heard, applied = workspace.db, _Heard(), 0
    items = [_read(workspace, item) for item in page.records]
    structure = workspace.workstation.structure
    matricule = structure.matricule if structure else None
    known = _known_ids(workspace, items)
    # The whole page at once, its contacts in one go; only if a record is refused by the local
    # tables (rare) is it done again one savepoint per record, which costs a third more.
    db.execute("SAVEPOINT page")
    try:
        applied = _apply_together(workspace, items, matricule, heard, known)
    except (RecordError, sqlite3.IntegrityError) as error:
        _log.info("pulled page done again record by record, one was refused: %s", error)
        db.execute("ROLLBACK TO page")
        heard = _Heard()
        applied = sum(_apply_alone(workspace, item, matricule, heard, known) for item in items)
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


def _known_ids(workspace: Workspace, items: list[_Pulled | None]) -> set[str]:
    """The ids of the page's records already here, in one query per kind."""
    wanted: dict[str, list[str]] = {}
    for item in items:
        if item is not None:
            wanted.setdefault(_TABLES[item.kind], []).append(str(item.record.id))
    known: set[str] = set()
    for table, ids in wanted.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            known.update(
                row[0] for row in workspace.db.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk)
            )
    return known


def _usable(item: _Pulled | None, matricule: str | None, heard: _Heard, known: set[str]) -> _Pulled | None:
    """The read item if it is to be written: None if unreadable, another structure's or already
    here (its id in `known`); the workstation it came from is heard anyway."""
    if item is None:
        return None
    heard.note(item.origin, item.label, item.received_at)
    if item.record.structure != matricule:
        _log.warning("pulled record %s skipped: another structure's", item.record.id)
        return None
    return None if str(item.record.id) in known else item


def _apply_together(
    workspace: Workspace, items: list[_Pulled | None], matricule: str | None, heard: _Heard, known: set[str]
) -> int:
    """Write a page's usable items, its contacts together (`ContactStore.insert_many`, in the page's
    order); how many count (a version of a shared setting is written, not counted). A refusal of
    the local tables is raised, for the page to be done again item by item."""
    contacts, applied = [], 0
    for read in items:
        item = _usable(read, matricule, heard, known)
        if item is None:
            continue
        if item.kind == "contact":
            contacts.append((item.record, "", item.origin))
        else:
            _write(workspace, item)
        applied += item.kind != "setting"
    workspace.contacts.insert_many(contacts)
    return applied


def _apply_alone(
    workspace: Workspace, read: _Pulled | None, matricule: str | None, heard: _Heard, known: set[str]
) -> bool:
    """Write one read item in a savepoint of its own, skipped if the local tables refuse it; whether
    it was written and counts."""
    item = _usable(read, matricule, heard, known)
    if item is None:
        return False
    workspace.db.execute("SAVEPOINT pulled")
    try:
        _write(workspace, item)
    except (RecordError, sqlite3.IntegrityError) as error:
        workspace.db.execute("ROLLBACK TO pulled")
        _log.warning(
            "pulled %s %s skipped, refused by the local tables: %s", item.kind, item.record.id, error
        )
        return False
    finally:
        workspace.db.execute("RELEASE pulled")
    return item.kind != "setting"


def _read(workspace: Workspace, item: Any) -> _Pulled | None:
    """A pulled item read and its record validated, None (with a log line) if it is unusable."""
    try:
        kind = item["kind"]
        if kind not in _TABLES:
            raise ValueError(kind)
        record = _validated(workspace, item["record"], kind)
        sender = item["workstation"]
        origin = str(UUID(sender["id"]))
        received_at = item["received_at"]
        if not isinstance(received_at, str) or not _SERVER_TIME.fullmatch(received_at):
            raise ValueError("received_at")
        seq = feed_place(item["seq"])
        if seq is None:
            raise ValueError("seq")
        return _Pulled(kind, record, origin, server_text(sender.get("label"), 80), received_at, seq)
    except (RecordError, KeyError, TypeError, ValueError, AttributeError) as error:  # whatever the page holds
        _log.warning("pulled record skipped, unreadable: %s", type(error).__name__)
        return None


def _validated(workspace: Workspace, data: Any, kind: str) -> Any:
    """The pulled record, checked against the local catalogue; if only its ids are unknown here, checked
    without them (everything else still holds: fields, sizes, no personal data). Shared settings are
    the exception: a referent of a partner unknown here is of no use to this workstation."""
    communes = load_communes()
    try:
        return validate_record(data, catalogue=workspace.catalogue, kind=kind, communes=communes)
    except RecordError as error:
        if kind == "setting":
            raise
        record = validate_record(data, catalogue=None, kind=kind, communes=communes)
        _log.info("pulled %s %s kept, newer reference than this workstation's: %s", kind, record.id, error)
        return record


def _write(workspace: Workspace, item: _Pulled) -> None:
    kind, record, origin = item.kind, item.record, item.origin
    if kind == "contact":
        workspace.contacts.insert(record, "", origin)
    elif kind == "escalation":
        workspace.escalations.insert(record, origin)
    elif kind == "setting":
        workspace.shared.insert_pulled(record, origin)
    elif kind == "pass_ledger":
        workspace.passes.insert_pulled_line(record, origin, item.seq)
    else:
        workspace.passes.insert_pulled_issuance(record, origin)
