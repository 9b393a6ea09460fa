"""Batch ingest: decode a request body within its limits, validate each item, upsert the batch by id.

One bad record never blocks the others (each item gets its own answer), and the batch is written in
one transaction with a constant number of statements, whatever its size: one multi-row insert that
skips known ids, one select of the ids it skipped to tell a duplicate from a conflict, one insert of
the partners.
"""

import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from app.models.record import ContactRecord, RecordError, validate_record
from app.models.reference import load_catalogue
from app.server.accounts import Workstation
from app.server.database import write_transaction
from app.server.schema import record_partners, records, timestamp, utc_now

MAX_ITEMS = 500
MAX_BODY_BYTES = 1 << 20
MAX_DECOMPRESSED_BYTES = 8 << 20
CLOCK_SKEW_LIMIT_SECONDS = 300
_CHUNK = 64 * 1024
_INT32_MAX = 2**31 - 1
_DIALECT_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
BODY_TOO_LARGE = "Envoi trop volumineux : 1 Mio au plus par lot. Envoyez moins de contacts à la fois."


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
            f"Trop de contacts dans un même envoi ({len(items)}) : {MAX_ITEMS} au plus. Envoyez-les en plusieurs fois."
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
class _Valid:
    index: int
    id: str
    content_hash: str


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
    rows: dict[str, dict] = {}  # by id, first occurrence in the batch
    partners: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        try:
            contact = _contact(item, catalogue, workstation)
        except _Rejected as rejected:
            results.append(rejected.answer)
            continue
        canonical = json.dumps(contact.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        entry = _Valid(index, str(contact.id), hashlib.sha256(canonical.encode()).hexdigest())
        valid.append(entry)
        results.append({"id": entry.id, "status": "accepted"})
        if entry.id not in rows:
            rows[entry.id] = {
                **stamp,
                **_columns(contact),
                "content_hash": entry.content_hash,
                "payload": canonical,
            }
            partners[entry.id] = list(contact.partners)
    if rows:
        inserted, hashes = _store(engine, rows, partners)
        first_index = {}
        for entry in valid:
            first_index.setdefault(entry.id, entry.index)
            if entry.id in inserted and entry.index == first_index[entry.id]:
                continue
            if hashes[entry.id] == entry.content_hash:
                results[entry.index] = {"id": entry.id, "status": "duplicate"}
            else:
                results[entry.index] = _rejection(
                    entry.id, "conflict", "Un autre contact portant le même identifiant a déjà été reçu."
                )
    return {"received_at": timestamp(received), "results": results}


def _store(
    engine: Engine, rows: dict[str, dict], partners: dict[str, list[str]]
) -> tuple[set[str], dict[str, str]]:
    """Insert the rows whose id is new; the ids inserted and the stored content hash of every id."""
    with write_transaction(engine) as connection:
        statement = (
            _DIALECT_INSERTS[connection.dialect.name](records)
            .on_conflict_do_nothing(index_elements=[records.c.id])
            .returning(records.c.id)
        )
        inserted = set(connection.execute(statement, list(rows.values())).scalars())
        hashes = {record_id: rows[record_id]["content_hash"] for record_id in inserted}
        known = [record_id for record_id in rows if record_id not in inserted]
        if known:
            hashes.update(
                connection.execute(
                    select(records.c.id, records.c.content_hash).where(records.c.id.in_(known))
                ).all()
            )
        if inserted:
            connection.execute(
                insert(record_partners),
                [
                    {"record_id": record_id, "partner": partner}
                    for record_id in rows
                    if record_id in inserted
                    for partner in partners[record_id]
                ],
            )
    return inserted, hashes


def _contact(item: Any, catalogue, workstation: Workstation) -> ContactRecord:
    record = item.get("record") if isinstance(item, dict) else None
    record_id = _uuid_or_none(record.get("id") if isinstance(record, dict) else None)
    kind = item.get("kind") if isinstance(item, dict) else None
    if kind != "contact":
        raise _Rejected(
            _rejection(record_id, "invalid", f"Type d'élément inconnu : « {kind} » (« contact » attendu).")
        )
    if not isinstance(record, dict):
        raise _Rejected(_rejection(record_id, "invalid", "Contenu du contact absent ou mal formé."))
    try:
        contact = validate_record(record, catalogue=catalogue)
    except RecordError as error:
        raise _Rejected(_rejection(record_id, "invalid", str(error))) from None
    mine = workstation.structure.matricule
    if contact.structure != mine:
        raise _Rejected(
            _rejection(
                str(contact.id),
                "wrong_structure",
                f"Ce contact appartient à la structure « {contact.structure} », pas à celle de ce poste (« {mine} »).",
            )
        )
    return contact


def _columns(contact: ContactRecord) -> dict:
    local = contact.occurred_at + timedelta(minutes=contact.utc_offset_minutes)
    return {
        "id": str(contact.id),
        "created_at": timestamp(contact.created_at),
        "occurred_at": timestamp(contact.occurred_at),
        "utc_offset_minutes": contact.utc_offset_minutes,
        "local_month": f"{local.year:04d}-{local.month:02d}",
        "agent": contact.agent,
        "place": contact.place,
        "channel": contact.channel,
        "situation": contact.situation,
        "help_kind": contact.help_kind,
        "outcome": contact.outcome,
        "duration_minutes": contact.duration_minutes,
        "non_recours": contact.non_recours,
        "pass_numerique": contact.pass_numerique,
        "supersedes": str(contact.supersedes) if contact.supersedes else None,
        "deleted": contact.deleted,
    }


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
