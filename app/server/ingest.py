"""Batch ingest: decode a request body within its limits, validate each item, upsert the batch by id.

A batch mixes record kinds (`contact`, `escalation`, `pass_ledger`, `pass_issuance`, `setting`: see
`app.models.record.RECORD_KINDS`). One bad record never blocks the others (each item gets its own
answer), and the batch is written in one transaction with a constant number of statements, whatever
its size: one upsert of the structure's counter (numbering the batch in its structure's feed, see
`app.server.pull`), one multi-row insert into the id registry that skips known ids (an id is unique
across kinds), one select of the ids it skipped to tell a duplicate from a conflict, then one
multi-row insert per table (contacts, their partners, escalations, Pass numérique ledger lines and
issuances, versions of shared settings), and the counts of current contacts the batch moves
(`app.server.rollups`: two reads of the records it touches, one upsert).
"""

import hashlib
import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, Integer, String, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from app.models.communes import load_communes
from app.models.record import (
    RECORD_KINDS,
    ContactRecord,
    EscalationRecord,
    PassIssuanceRecord,
    PassLedgerRecord,
    RecordError,
    SettingRecord,
    validate_record,
)
from app.models.reference import load_catalogue
from app.models.text import printable
from app.server import pass_stock, rollups
from app.server.accounts import Workstation
from app.server.database import write_transaction
from app.server.schema import (
    escalations,
    pass_issuances,
    pass_ledger,
    record_ids,
    record_partners,
    records,
    setting_versions,
    structure_sequences,
    timestamp,
    utc_now,
)

MAX_ITEMS = 500
MAX_BODY_BYTES = 1 << 20
MAX_DECOMPRESSED_BYTES = 8 << 20
CLOCK_SKEW_LIMIT_SECONDS = 300
_CHUNK = 64 * 1024
_INT32_MAX = 2**31 - 1
_UNBOUNDED_TEXT = 1 << 62  # a Text column: no length limit, still no NUL
_DIALECT_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
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

    def __init__(self, answer: dict) -> None:
        super().__init__(answer["reason"])
        self.answer = answer


@dataclass(frozen=True)
class _Kind:
    """What ingest needs to know of a record kind: its table, its columns, its words in French."""

    table: Table
    columns: Callable[[Any], dict]
    children: Callable[[Any], list[dict]]  # rows of `child_table` that belong to the record
    child_table: Table | None
    label: str  # in "Un autre enregistrement (contact) portant le même identifiant…"
    absent: str
    belongs: str  # subject of "… appartient à la structure « 59 »"
    conflict: str


def _contact_columns(contact: ContactRecord) -> dict:
    return {
        **_common_columns(contact, "occurred_at"),
        **_correction_columns(contact),
        "place": contact.place,
        "channel": contact.channel,
        "situation": contact.situation,
        "help_kind": contact.help_kind,
        "outcome": contact.outcome,
        "duration_minutes": contact.duration_minutes,
        "non_recours": contact.non_recours,
        "pass_numerique": contact.pass_numerique,
    }


def _escalation_columns(escalation: EscalationRecord) -> dict:
    return {
        **_common_columns(escalation, "sent_at"),
        **_correction_columns(escalation),
        "partner": escalation.partner,
        "situation": escalation.situation,
        "channel": escalation.channel,
        "status": escalation.status,
        "answered_at": timestamp(escalation.answered_at) if escalation.answered_at else None,
    }


def _pass_ledger_columns(line: PassLedgerRecord) -> dict:
    return {
        **_common_columns(line, "occurred_at"),
        "event": line.event,
        "funder": line.funder,
        "booklet": line.booklet,
        "cheque_count": len(line.cheques),
        "value_cents": line.value_cents,
        "valid_until": line.valid_until.isoformat(),
        "reason": line.reason,
        "issuance": str(line.issuance) if line.issuance else None,
    }


def _pass_issuance_columns(issuance: PassIssuanceRecord) -> dict:
    return {
        **_common_columns(issuance, "issued_at"),
        "cheque_count": len(issuance.cheques),
        "value_cents": issuance.value_cents,
        "age_band": issuance.age_band,
        "social_situation": issuance.social_situation,
        "autonomy_level": issuance.autonomy_level,
        "contact": str(issuance.contact) if issuance.contact else None,
    }


def _setting_columns(version: SettingRecord) -> dict:
    return {**_common_columns(version, "changed_at"), **_correction_columns(version), "item": version.item}


def _common_columns(record: Any, moment: str) -> dict:
    """The columns every kind has (`app.server.schema._record_table`); `moment` names the record's own
    time, and `local_month` is its month on the agent's wall clock."""
    at: datetime = getattr(record, moment)
    local = at + timedelta(minutes=record.utc_offset_minutes)
    return {
        "id": str(record.id),
        "created_at": timestamp(record.created_at),
        moment: timestamp(at),
        "utc_offset_minutes": record.utc_offset_minutes,
        "local_month": f"{local.year:04d}-{local.month:02d}",
        "agent": record.agent,
    }


def _correction_columns(record: Any) -> dict:
    """The columns of a kind that can be corrected or deleted (the Pass numérique kinds cannot)."""
    return {"supersedes": str(record.supersedes) if record.supersedes else None, "deleted": record.deleted}


KINDS: dict[str, _Kind] = {
    "contact": _Kind(
        table=records,
        columns=_contact_columns,
        children=lambda contact: [
            {"record_id": str(contact.id), "partner": partner} for partner in contact.partners
        ],
        child_table=record_partners,
        label="contact",
        absent="Contenu du contact absent ou mal formé.",
        belongs="Ce contact",
        conflict="Un autre contact portant le même identifiant a déjà été reçu.",
    ),
    "escalation": _Kind(
        table=escalations,
        columns=_escalation_columns,
        children=lambda _escalation: [],
        child_table=None,
        label="sollicitation",
        absent="Contenu de la sollicitation absent ou mal formé.",
        belongs="Cette sollicitation",
        conflict="Une autre sollicitation portant le même identifiant a déjà été reçue.",
    ),
    "pass_ledger": _Kind(
        table=pass_ledger,
        columns=_pass_ledger_columns,
        children=lambda _line: [],
        child_table=None,
        label="mouvement du registre Pass numérique",
        absent="Contenu du mouvement du registre Pass numérique absent ou mal formé.",
        belongs="Ce mouvement du registre Pass numérique",
        conflict="Un autre mouvement du registre Pass numérique portant le même identifiant a déjà été reçu.",
    ),
    "pass_issuance": _Kind(
        table=pass_issuances,
        columns=_pass_issuance_columns,
        children=lambda _issuance: [],
        child_table=None,
        label="remise de Pass numérique",
        absent="Contenu de la remise de Pass numérique absent ou mal formé.",
        belongs="Cette remise de Pass numérique",
        conflict="Une autre remise de Pass numérique portant le même identifiant a déjà été reçue.",
    ),
    "setting": _Kind(
        table=setting_versions,
        columns=_setting_columns,
        children=lambda _version: [],
        child_table=None,
        label="paramètre partagé",
        absent="Contenu du paramètre partagé absent ou mal formé.",
        belongs="Ce paramètre partagé",
        conflict="Une autre version de paramètre partagé portant le même identifiant a déjà été reçue.",
    ),
}
assert set(KINDS) == set(RECORD_KINDS), "every kind of app.models.record must be stored"
_QUOTED_KINDS = [f"« {kind} »" for kind in KINDS]
_EXPECTED_KINDS = f"{', '.join(_QUOTED_KINDS[:-1])} ou {_QUOTED_KINDS[-1]}"


@dataclass(frozen=True)
class _Valid:
    index: int
    kind: str
    id: str
    content_hash: str


@dataclass
class _Batch:
    """The valid records of a batch to store, first occurrence of each id only."""

    ids: dict[str, dict] = field(default_factory=dict)  # rows of `record_ids`
    rows: dict[str, dict[str, dict]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    children: dict[str, list[dict]] = field(default_factory=dict)


def ingest(engine: Engine, workstation: Workstation, items: list[Any], device_time: str | None) -> dict:
    """Store a batch for `workstation`; the protocol's answer, one result per item in order."""
    received = utc_now()
    skew = _clock_skew(device_time, received)
    stamp = {
        "structure": workstation.structure.matricule,
        "workstation_id": workstation.id,
        "received_at": timestamp(received),
        "clock_skew_seconds": skew,
        "clock_skewed": skew is not None and abs(skew) > CLOCK_SKEW_LIMIT_SECONDS,
    }
    catalogue = load_catalogue()
    results: list[dict] = []
    valid: list[_Valid] = []
    batch = _Batch()
    for index, item in enumerate(items):
        try:
            kind, record, row, children = _prepared(item, catalogue, workstation)
        except _Rejected as rejected:
            results.append({**rejected.answer, "reason": printable(rejected.answer["reason"])})
            continue
        entry = _Valid(index, kind, str(record.id), row["content_hash"])
        valid.append(entry)
        results.append({"id": entry.id, "status": "accepted"})
        if entry.id not in batch.ids:  # the first occurrence in the batch is the one stored
            batch.ids[entry.id] = {
                "id": entry.id,
                "kind": kind,
                "content_hash": entry.content_hash,
                "structure": stamp["structure"],
                "workstation_id": workstation.id,
            }
            batch.rows[kind][entry.id] = {**stamp, **row}
            batch.children[entry.id] = children
    if batch.ids:
        inserted, stored, refused = _store(
            engine, batch, workstation.structure.departement, stamp["received_at"]
        )
        first_index: dict[str, int] = {}
        for entry in valid:
            first_index.setdefault(entry.id, entry.index)
            if entry.id in refused:  # a move a Pass numérique cheque cannot make
                results[entry.index] = _rejection(entry.id, "conflict", refused[entry.id])
                continue
            stored_kind, stored_hash, seq = stored[entry.id]
            if entry.id in inserted and entry.index == first_index[entry.id]:
                results[entry.index]["seq"] = seq
                continue
            if (stored_kind, stored_hash) == (entry.kind, entry.content_hash):
                results[entry.index] = {"id": entry.id, "status": "duplicate", "seq": seq}
            elif stored_kind == entry.kind:
                results[entry.index] = _rejection(entry.id, "conflict", KINDS[entry.kind].conflict)
            else:
                results[entry.index] = _rejection(
                    entry.id,
                    "conflict",
                    f"Un autre enregistrement ({KINDS[stored_kind].label}) portant le même identifiant "
                    "a déjà été reçu.",
                )
    return {"received_at": timestamp(received), "results": results}


def _store(
    engine: Engine, batch: _Batch, departement: str, received_at: str
) -> tuple[set[str], dict[str, tuple[str, str, int]], dict[str, str]]:
    """Insert the records whose id is new; the ids inserted, the stored kind, content hash and `seq`
    (the place in the structure's feed) of every id stored, and the French reason of each Pass numérique record refused because a cheque of it
    cannot make its move (`app.server.pass_stock`; stored nowhere). A constant number of statements: the
    id registry first (its unique constraint decides, across kinds and concurrent batches), then one
    multi-row insert per table."""
    with write_transaction(engine) as connection:
        structure = next(iter(batch.ids.values()))["structure"]
        _number(connection, list(batch.ids.values()), received_at)
        moves = pass_stock.moves(batch.ids, batch.rows)
        refused = pass_stock.refused_moves(connection, structure, moves)
        for record_id in refused:
            del batch.ids[record_id]
        if not batch.ids:
            return set(), {}, refused
        statement = (
            _DIALECT_INSERTS[connection.dialect.name](record_ids)
            .on_conflict_do_nothing(index_elements=[record_ids.c.id])
            .returning(record_ids.c.id)
        )
        inserted = set(connection.execute(statement, list(batch.ids.values())).scalars())
        stored = {
            record_id: (row["kind"], row["content_hash"], row["seq"])
            for record_id, row in batch.ids.items()
            if record_id in inserted
        }
        known = [record_id for record_id in batch.ids if record_id not in inserted]
        if known:
            found = select(
                record_ids.c.id, record_ids.c.kind, record_ids.c.content_hash, record_ids.c.seq
            ).where(record_ids.c.id.in_(known))
            stored.update(
                (record_id, (kind, content_hash, seq))
                for record_id, kind, content_hash, seq in connection.execute(found)
            )
        new = {
            kind: [row for record_id, row in rows.items() if record_id in inserted]
            for kind, rows in batch.rows.items()
        }
        with rollups.counting(connection, structure, departement, new):
            for kind, rows in new.items():
                if rows:
                    connection.execute(insert(KINDS[kind].table), rows)
                table = KINDS[kind].child_table
                children = [child for row in rows for child in batch.children[row["id"]]]
                if table is not None and children:
                    connection.execute(insert(table), children)
        pass_stock.record_moves(connection, structure, [move for move in moves if move.id in inserted])
    return inserted, stored, refused


def _number(connection: Connection, ids: list[dict], received_at: str) -> None:
    """Give each row of `ids` (all of one structure) its `seq`, in batch order, from the structure's
    counter, and note when the structure last sent something (`received_at`: the dashboard's "silent"
    structures, without a max() over its records). Done first in the transaction: the counter row
    stays locked until commit, so the next batch of the structure waits, takes the numbers after these
    and commits after this one — a puller reading `seq > cursor` can never see a later number while an
    earlier one is still to come. An id already known keeps its first number; the one reserved here is
    a harmless gap."""
    structure = ids[0]["structure"]
    counter = _DIALECT_INSERTS[connection.dialect.name](structure_sequences).values(
        structure=structure, last_seq=len(ids), last_received_at=received_at
    )
    last = connection.execute(
        counter.on_conflict_do_update(
            index_elements=[structure_sequences.c.structure],
            set_={"last_seq": structure_sequences.c.last_seq + len(ids), "last_received_at": received_at},
        ).returning(structure_sequences.c.last_seq)
    ).scalar_one()
    for offset, row in enumerate(ids):
        row["seq"] = last - len(ids) + 1 + offset


def _prepared(item: Any, catalogue, workstation: Workstation) -> tuple[str, Any, dict, list[dict]]:
    """The item's kind, its record, its row (with payload and content hash) and its child rows, or
    _Rejected. Whatever the record layer lets through or raises, one item never fails the batch: an
    unexpected error (a date at the calendar's edge, a character the database cannot store) rejects
    that item only, and a value the tables cannot hold is refused here rather than by the database,
    where it would abort the whole transaction."""
    record_id = None
    try:
        record_id = _item_id(item)
        kind, record = _validated(item, catalogue, workstation)
        canonical = json.dumps(record.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        row = {
            **KINDS[kind].columns(record),
            "content_hash": hashlib.sha256(canonical.encode()).hexdigest(),
            "payload": canonical,
        }
        children = KINDS[kind].children(record)
        child_table = KINDS[kind].child_table
        if not _storable(KINDS[kind].table, row) or not all(
            child_table is not None and _storable(child_table, child) for child in children
        ):
            raise _Rejected(_rejection(record_id, "invalid", UNREADABLE_ITEM))
    except _Rejected:
        raise
    except Exception as error:  # whatever it is, this item only is refused
        _log.warning("item refused on an unexpected %s", type(error).__name__)
        raise _Rejected(_rejection(record_id, "invalid", UNREADABLE_ITEM)) from None
    return kind, record, row, children


def _storable(table: Table, row: dict) -> bool:
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


def _validated(item: Any, catalogue, workstation: Workstation) -> tuple[str, Any]:
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


def _rejection(record_id: str | None, code: str, reason: str) -> dict:
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
