"""Batch ingest: decode a request body within its limits, validate each item, upsert the batch by id.

A batch mixes record kinds (`contact`, `escalation`, `pass_ledger`, `pass_issuance`, `setting`: see
`app.models.record.RECORD_KINDS`). One bad record never blocks the others (each item gets its own
answer), and the batch is written in one transaction with a constant number of statements, whatever
its size: one upsert of the structure's counter (numbering the batch in its structure's feed, see
`app.server.pull`), on PostgreSQL one advisory lock (`_lock_ids`), one look-up of the batch's ids in
every kind's table (an id is unique across kinds; the rows of the few found are read to tell a
resend from a different record: same canonical JSON, `app.server.wire`), then one multi-row insert
per kind (contacts, escalations, Pass numérique ledger lines and issuances, versions of shared
settings), and the counts of current contacts the batch moves (`app.server.rollups`: two reads of
the records it touches, one upsert). A record is stored as columns only, no JSON copy: the wire
record is rebuilt from them.
"""

import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    String,
    Table,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from app.models.communes import load_communes
from app.models.record import (
    RECORD_KINDS,
    RecordError,
    validate_record,
)
from app.models.reference import Catalogue
from app.models.text import printable
from app.server import pass_stock, rollups
from app.server.accounts import Structure, Workstation
from app.server.content import catalogue as published_catalogue
from app.server.database import write_transaction
from app.server.schema import (
    escalations,
    pass_issuances,
    pass_ledger,
    records,
    setting_versions,
    structure_sequences,
    timestamp,
    utc_now,
)
from app.server.wire import FIXED, canonical, fields, wire_record

MAX_ITEMS = 500
MAX_BODY_BYTES = 1 << 20
MAX_DECOMPRESSED_BYTES = 8 << 20
CLOCK_SKEW_LIMIT_SECONDS = 300
_CHUNK = 64 * 1024
_INT32_MAX = 2**31 - 1
_UNBOUNDED_TEXT = 1 << 62  # a Text column: no length limit, still no NUL
_DIALECT_INSERTS: dict[str, Callable[[Table], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}
BODY_TOO_LARGE = "Envoi trop volumineux : 1 Mio au plus par lot. Envoyez moins d'enregistrements à la fois."
UNREADABLE_ITEM = "Enregistrement illisible : une valeur est hors des bornes acceptées ou contient des caractères invalides."
_log = logging.getLogger(__name__)


class BodyRefused(Exception):
    """A request body the server will not read: `status`, machine `code`, French `message`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def too_large(message: str) -> BodyRefused:
    return BodyRefused(413, "too_large", message)


def decode_items(raw: bytes, content_encoding: str | None) -> list[Any]:
    """The `records` list of a raw body (gzip or not), or BodyRefused."""
    if len(raw) > MAX_BODY_BYTES:
        raise too_large(BODY_TOO_LARGE)
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "gzip":
        text = _gunzip(raw)
    elif encoding == "identity":
        text = raw
    else:
        raise BodyRefused(400, "bad_request", f"Encodage non pris en charge : « {encoding} » (gzip attendu).")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise BodyRefused(400, "bad_request", "Corps de la requête illisible : JSON attendu.") from None
    items = body.get("records") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise BodyRefused(
            400, "bad_request", "Corps de la requête invalide : une liste « records » est attendue."
        )
    if len(items) > MAX_ITEMS:
        raise too_large(
            f"Trop d'enregistrements dans un même envoi ({len(items)}) : {MAX_ITEMS} au plus. Envoyez-les en plusieurs fois."
        )
    return items


def _gunzip(raw: bytes) -> bytes:
    # Decompressed piece by piece with a ceiling, so a small "gzip bomb" never fills the memory.
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = raw
    try:
        while not inflater.eof:
            piece = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            if not piece and not pending:
                break  # every byte read and the stream still open: truncated, refused below
            out += piece
            if len(out) > MAX_DECOMPRESSED_BYTES:
                raise too_large("Envoi trop volumineux une fois décompressé : 8 Mio au plus par lot.")
    except zlib.error:
        raise BodyRefused(400, "bad_request", "Corps de la requête compressé illisible (gzip).") from None
    if not inflater.eof or inflater.unused_data:
        raise BodyRefused(400, "bad_request", "Corps de la requête compressé incomplet ou mal formé (gzip).")
    return bytes(out)


class _Rejected(Exception):
    """An item refused on its own; `answer` is its result in the batch's answer."""

    def __init__(self, answer: dict[str, Any]) -> None:
        super().__init__(answer["reason"])
        self.answer = answer


@dataclass(frozen=True)
class _Kind:
    """What ingest needs to know of a record kind: its table, its own time, its words in French."""

    table: Table
    moment: str  # the field whose month on the agent's wall clock is `local_month`
    label: str  # in "Un autre enregistrement (contact) portant le même identifiant…"
    absent: str
    belongs: str  # subject of "… appartient à la structure « 59 »"
    conflict: str


KINDS: dict[str, _Kind] = {
    "contact": _Kind(
        table=records,
        moment="occurred_at",
        label="contact",
        absent="Contenu du contact absent ou mal formé.",
        belongs="Ce contact",
        conflict="Un autre contact portant le même identifiant a déjà été reçu.",
    ),
    "escalation": _Kind(
        table=escalations,
        moment="sent_at",
        label="sollicitation",
        absent="Contenu de la sollicitation absent ou mal formé.",
        belongs="Cette sollicitation",
        conflict="Une autre sollicitation portant le même identifiant a déjà été reçue.",
    ),
    "pass_ledger": _Kind(
        table=pass_ledger,
        moment="occurred_at",
        label="mouvement du registre Pass numérique",
        absent="Contenu du mouvement du registre Pass numérique absent ou mal formé.",
        belongs="Ce mouvement du registre Pass numérique",
        conflict="Un autre mouvement du registre Pass numérique portant le même identifiant a déjà été reçu.",
    ),
    "pass_issuance": _Kind(
        table=pass_issuances,
        moment="issued_at",
        label="remise de Pass numérique",
        absent="Contenu de la remise de Pass numérique absent ou mal formé.",
        belongs="Cette remise de Pass numérique",
        conflict="Une autre remise de Pass numérique portant le même identifiant a déjà été reçue.",
    ),
    "setting": _Kind(
        table=setting_versions,
        moment="changed_at",
        label="paramètre partagé",
        absent="Contenu du paramètre partagé absent ou mal formé.",
        belongs="Ce paramètre partagé",
        conflict="Une autre version de paramètre partagé portant le même identifiant a déjà été reçue.",
    ),
}
assert set(KINDS) == set(RECORD_KINDS), "every kind of app.models.record must be stored"
assert all(set(fields(kind)) - set(KINDS[kind].table.c.keys()) <= FIXED.keys() for kind in KINDS), (
    "every field of a record must have its column"
)
_QUOTED_KINDS = [f"« {kind} »" for kind in KINDS]
_EXPECTED_KINDS = f"{', '.join(_QUOTED_KINDS[:-1])} ou {_QUOTED_KINDS[-1]}"
# The key of the PostgreSQL advisory lock that makes an id unique across kinds (`_lock_ids`).
_IDS_LOCK = 72_450_015


def _row(kind: str, record: Any) -> dict[str, Any]:
    """The columns of `record` in its kind's table: its fields' JSON values (`app.server.wire`), the
    month of its own time on the agent's wall clock, and for the Pass numérique the number of cheques
    (what the figures sum)."""
    table = KINDS[kind].table
    row = {name: value for name, value in record.model_dump(mode="json").items() if name in table.c}
    at: datetime = getattr(record, KINDS[kind].moment)
    local = at + timedelta(minutes=record.utc_offset_minutes)
    row["local_month"] = f"{local.year:04d}-{local.month:02d}"
    if "cheques" in row:
        row["cheque_count"] = len(row["cheques"])
    return row


@dataclass(frozen=True)
class _Valid:
    index: int
    kind: str
    id: str
    row: dict[str, Any]  # the record's columns, from which its canonical JSON is made when needed


@dataclass(frozen=True)
class _Stored:
    """An id the database already held: its kind, `seq` and canonical JSON."""

    kind: str
    seq: int
    canonical: str


@dataclass
class _Batch:
    """The valid records of a batch to store, first occurrence of each id only, in batch order."""

    kinds: dict[str, str] = field(default_factory=dict)  # id -> kind
    rows: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {kind: {} for kind in KINDS})


def ingest(
    engine: Engine, workstation: Workstation, items: list[Any], device_time: str | None
) -> dict[str, Any]:
    """Store a batch for `workstation`; the protocol's answer, one result per item in order."""
    received = utc_now()
    skew = _clock_skew(device_time, received)
    stamp: dict[str, Any] = {
        "structure": workstation.structure.matricule,
        "workstation_id": workstation.id,
        "received_at": timestamp(received),
        "clock_skew_seconds": skew,
        "clock_skewed": skew is not None and abs(skew) > CLOCK_SKEW_LIMIT_SECONDS,
    }
    catalogue = published_catalogue(engine)
    results: list[dict[str, Any]] = []
    valid: list[_Valid] = []
    batch = _Batch()
    for index, item in enumerate(items):
        try:
            kind, row = _prepared(item, catalogue, workstation)
        except _Rejected as rejected:
            results.append({**rejected.answer, "reason": printable(rejected.answer["reason"])})
            continue
        entry = _Valid(index, kind, row["id"], row)
        valid.append(entry)
        results.append({"id": entry.id, "status": "accepted"})
        if entry.id not in batch.kinds:  # the first occurrence in the batch is the one stored
            batch.kinds[entry.id] = kind
            batch.rows[kind][entry.id] = {**stamp, **row}
    if batch.kinds:
        inserted, stored, refused = _store(engine, batch, workstation.structure, stamp["received_at"])
        first: dict[str, _Valid] = {}
        for entry in valid:
            first.setdefault(entry.id, entry)
            if entry.id in refused:  # a move a Pass numérique cheque cannot make
                results[entry.index] = _rejection(entry.id, "conflict", refused[entry.id])
                continue
            if entry.id in inserted:
                original = first[entry.id]
                seq = batch.rows[original.kind][entry.id]["seq"]
                if entry is original:
                    results[entry.index]["seq"] = seq
                    continue
                kept = _Stored(original.kind, seq, _canonical(original))
            else:
                kept = stored[entry.id]
            if kept.kind == entry.kind and kept.canonical == _canonical(entry):
                results[entry.index] = {"id": entry.id, "status": "duplicate", "seq": kept.seq}
            elif kept.kind == entry.kind:
                results[entry.index] = _rejection(entry.id, "conflict", KINDS[entry.kind].conflict)
            else:
                results[entry.index] = _rejection(
                    entry.id,
                    "conflict",
                    f"Un autre enregistrement ({KINDS[kept.kind].label}) portant le même identifiant "
                    "a déjà été reçu.",
                )
    return {"received_at": timestamp(received), "results": results}


def _canonical(entry: _Valid) -> str:
    return canonical(wire_record(entry.kind, entry.row))


def _store(
    engine: Engine, batch: _Batch, structure: Structure, received_at: str
) -> tuple[set[str], dict[str, _Stored], dict[str, str]]:
    """Insert the records whose id is new; the ids inserted, what was already stored under the others,
    and the French reason of each Pass numérique record refused because a cheque of it cannot make its
    move (`app.server.pass_stock`; stored nowhere). A constant number of statements whatever the
    batch's size: the structure's counter, the lock on ids (PostgreSQL), one look-up of the batch's ids
    in every kind's table, then one multi-row insert per kind (its primary key skipping an id that a
    concurrent batch of another structure stored meanwhile) and the counts."""
    with write_transaction(engine) as connection:
        _number(connection, structure.matricule, batch, received_at)
        _lock_ids(connection, batch)
        stored = _stored(connection, batch.kinds)
        moves = pass_stock.moves(
            {record_id: kind for record_id, kind in batch.kinds.items() if record_id not in stored},
            batch.rows,
        )
        refused = pass_stock.refused_moves(connection, structure.matricule, moves)
        new = {
            kind: [
                row for record_id, row in rows.items() if record_id not in stored and record_id not in refused
            ]
            for kind, rows in batch.rows.items()
        }
        with rollups.counting(connection, structure.matricule, structure.departement, new) as inserted:
            for kind, rows in new.items():
                if rows:
                    inserted.update(_insert(connection, KINDS[kind].table, rows))
        # Stored meanwhile by a batch of another structure (its primary key made this insert skip it).
        raced = {
            record_id: kind
            for record_id, kind in batch.kinds.items()
            if record_id not in inserted and record_id not in stored and record_id not in refused
        }
        stored.update(_stored(connection, raced))
        pass_stock.record_moves(
            connection, structure.matricule, [move for move in moves if move.id in inserted]
        )
    return inserted, stored, refused


def _insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> set[str]:
    """Insert `rows` into `table`, skipping an id already there; the ids inserted.

    On PostgreSQL, a `COPY` of the rows: the ids were looked up under the ids lock (`_lock_ids`), so
    only a batch of another structure storing the same id meanwhile can collide, and then the copy
    is undone (its savepoint) and the rows inserted one statement with `ON CONFLICT DO NOTHING`. Why
    not that statement every time: a multi-row insert of 500 contacts carries 13,000 parameters,
    which the driver parses on every call (a third of the ingest's time, issue 15), where a `COPY`
    streams the rows."""
    if connection.dialect.name == "postgresql":
        dbapi = connection.dialect.dbapi
        assert dbapi is not None  # a connected dialect has its driver
        try:
            with connection.begin_nested():
                _copy(connection, table, rows)
            return {row["id"] for row in rows}
        except dbapi.IntegrityError:  # the driver's own: the COPY bypasses SQLAlchemy
            pass
    statement = (
        _DIALECT_INSERTS[connection.dialect.name](table)
        .on_conflict_do_nothing(index_elements=[table.c.id])
        .returning(table.c.id)
    )
    return set(connection.execute(statement, rows).scalars())


def _copy(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """`COPY` `rows` into `table` (PostgreSQL), each value through its column type, as an insert would
    bind it (the partners and cheques joined, a setting's value as JSON text)."""
    dialect = connection.dialect
    names = list(rows[0])
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection's psycopg one
    cursor = driver.cursor()
    with cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    row[name] if process is None else process(row[name])
                    for name, process in zip(names, processors, strict=True)
                ]
            )


def _lock_ids(connection: Connection, batch: _Batch) -> None:
    """Make the look-up of the batch's ids in the other kinds' tables exact (PostgreSQL).

    An id is unique across kinds (an escalation may not reuse a contact's id), and no index spans
    the five tables. Within a structure, its counter lock already orders the batches; across
    structures, two batches in flight cannot see each other's rows, so a contact and an escalation of
    the same id could both be stored. Two batches that only store contacts need no such care: the
    contacts' primary key decides between them (`ON CONFLICT DO NOTHING` waits for the other
    transaction). So a batch of contacts only takes a shared advisory lock, which never waits for
    another such batch, and a batch with any other kind (escalations, Pass numérique, shared settings:
    a small part of the traffic) takes it exclusively: it runs alone among the batches of all
    structures, and each side's look-up sees what the other committed. One lock per batch, whatever
    its size (a lock per id would fill PostgreSQL's shared lock table under 32 concurrent batches of
    500). Taken after the counter row and before the counts' rows: every writer takes them in that
    order, so no cycle of waits. SQLite's single writer needs nothing."""
    if connection.dialect.name != "postgresql":
        return
    shared = all(kind == "contact" for kind in batch.kinds.values())
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    connection.execute(text(f"SELECT {function}(:key)"), {"key": _IDS_LOCK})


def _stored(connection: Connection, ids: dict[str, str]) -> dict[str, _Stored]:
    """Among `ids` (a batch's, at most MAX_ITEMS), those already stored in any kind's table, with
    their stored record: one look-up of every id in every table (their primary keys), then the rows
    of the few found (a resend)."""
    if not ids:
        return {}
    postgres = connection.dialect.name == "postgresql"
    legs = [
        select(kind.table.c.id, literal(name).label("kind"), kind.table.c.seq).where(
            rollups.among(kind.table.c.id, list(ids), postgres)
        )
        for name, kind in KINDS.items()
    ]
    found = {record_id: kind for record_id, kind, _seq in connection.execute(union_all(*legs))}
    stored: dict[str, _Stored] = {}
    for name, kind in KINDS.items():
        mine = [record_id for record_id, found_kind in found.items() if found_kind == name]
        if mine:
            query = select(kind.table).where(rollups.among(kind.table.c.id, mine, postgres))
            for row in connection.execute(query).mappings():
                stored[row["id"]] = _Stored(name, row["seq"], canonical(wire_record(name, row)))
    return stored


def _number(connection: Connection, structure: str, batch: _Batch, received_at: str) -> None:
    """Give each record of `batch` (all of `structure`) its `seq`, in batch order, from the structure's
    counter, and note when the structure last sent something (`received_at`: the dashboard's "silent"
    structures, without a max() over its records). Done first in the transaction: the counter row
    stays locked until commit, so the next batch of the structure waits, takes the numbers after these
    and commits after this one — a puller reading `seq > cursor` can never see a later number while an
    earlier one is still to come. An id already known keeps its first number; the one reserved here is
    a harmless gap."""
    count = len(batch.kinds)
    counter = _DIALECT_INSERTS[connection.dialect.name](structure_sequences).values(
        structure=structure, last_seq=count, last_received_at=received_at
    )
    last = connection.execute(
        counter.on_conflict_do_update(
            index_elements=[structure_sequences.c.structure],
            set_={"last_seq": structure_sequences.c.last_seq + count, "last_received_at": received_at},
        ).returning(structure_sequences.c.last_seq)
    ).scalar_one()
    for offset, (record_id, kind) in enumerate(batch.kinds.items()):
        batch.rows[kind][record_id]["seq"] = last - count + 1 + offset


def _prepared(item: Any, catalogue: Catalogue, workstation: Workstation) -> tuple[str, dict[str, Any]]:
    """The item's kind and its row, or _Rejected. Whatever the record layer lets through
    or raises, one item never fails the batch: an unexpected error (a date at the calendar's edge, a
    character the database cannot store) rejects that item only, and a value the tables cannot hold
    is refused here rather than by the database, where it would abort the whole transaction."""
    record_id = None
    try:
        record_id = _item_id(item)
        kind, record = _validated(item, catalogue, workstation)
        row = _row(kind, record)
        if not _storable(KINDS[kind].table, row):
            raise _Rejected(_rejection(record_id, "invalid", UNREADABLE_ITEM))
    except _Rejected:
        raise
    except Exception as error:  # whatever it is, this item only is refused
        _log.warning("item refused on an unexpected %s", type(error).__name__)
        raise _Rejected(_rejection(record_id, "invalid", UNREADABLE_ITEM)) from None
    return kind, row


def _storable(table: Table, row: dict[str, Any]) -> bool:
    """Whether every value of `row` fits its column on SQLite and PostgreSQL alike: text without NUL
    or lone surrogates and within its length, integers within 32 bits."""
    limits = _limits(table)
    for name, value in row.items():
        limit = limits.get(name)
        if limit is None:
            continue
        if type(value) is str:
            if len(value) > limit or "\x00" in value or (not value.isascii() and not _encodable(value)):
                return False
        elif type(value) is int and not -limit - 1 <= value <= limit:
            return False
    return True


@cache
def _limits(table: Table) -> dict[str, int]:
    """Per column of `table` that needs a check: its maximum text length or integer value."""
    limits = {}
    for column in table.columns:
        if isinstance(column.type, String):
            limits[column.name] = column.type.length or _UNBOUNDED_TEXT
        elif isinstance(column.type, Integer):
            limits[column.name] = _INT32_MAX
    return limits


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _item_id(item: Any) -> str | None:
    record = item.get("record") if isinstance(item, dict) else None
    return _uuid_or_none(record.get("id") if isinstance(record, dict) else None)


def _validated(item: Any, catalogue: Catalogue, workstation: Workstation) -> tuple[str, Any]:
    """The item's kind and its record, validated with the shared definition, or _Rejected."""
    record = item.get("record") if isinstance(item, dict) else None
    record_id = _item_id(item)
    kind = item.get("kind") if isinstance(item, dict) else None
    if not isinstance(kind, str) or kind not in KINDS:
        raise _Rejected(
            _rejection(
                record_id, "invalid", f"Type d'élément inconnu : « {kind} » ({_EXPECTED_KINDS} attendu)."
            )
        )
    if not isinstance(record, dict):
        raise _Rejected(_rejection(record_id, "invalid", KINDS[kind].absent))
    try:
        validated = validate_record(record, catalogue=catalogue, kind=kind, communes=load_communes())
    except RecordError as error:
        raise _Rejected(_rejection(record_id, "invalid", str(error))) from None
    mine = workstation.structure.matricule
    if validated.structure != mine:
        raise _Rejected(
            _rejection(
                str(validated.id),
                "wrong_structure",
                f"{KINDS[kind].belongs} appartient à la structure « {validated.structure} », "
                f"pas à celle de ce poste (« {mine} »).",
            )
        )
    return kind, validated


def _rejection(record_id: str | None, code: str, reason: str) -> dict[str, Any]:
    return {"id": record_id, "status": "rejected", "code": code, "reason": reason}


def _uuid_or_none(value: Any) -> str | None:
    try:
        return str(UUID(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _clock_skew(device_time: str | None, received: datetime) -> int | None:
    """Device clock minus server clock in seconds, None when the device did not say (or said nonsense)."""
    if not device_time:
        return None
    try:
        device = datetime.fromisoformat(device_time.strip())
    except ValueError:
        return None
    if device.tzinfo is None:
        return None
    skew = round((device - received).total_seconds())
    return max(-_INT32_MAX, min(_INT32_MAX, skew))
