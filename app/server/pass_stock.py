"""One Pass numérique stock per structure: the same cheque handed out on two workstations is refused.

Every workstation of a structure hands out cheques of the one shared stock. Two of them offline may
hand out the same cheque; only one of those handings out is real. The server keeps, per structure,
which handing out holds each handed-out cheque (`pass_cheque_holders`); within the ingest transaction,
after the structure's counter row is locked (so no other batch of the structure runs in between), a
`pass_issuance` or a `remis` line whose cheque is held by another handing out is refused with code
`conflict` and a French reason naming the cheque, and is stored nowhere: the first to arrive counts,
the second is shown on the workstation that made it, whose responsable resolves it. A `retour` line
frees its cheques.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from app.server.schema import pass_cheque_holders, record_ids

_DIALECT_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
_PASS_KINDS = ("pass_issuance", "pass_ledger")


@dataclass(frozen=True)
class _Holder:
    issuance: str
    handed_out_at: str  # the server's stored time (`app.server.schema.timestamp`)
    utc_offset_minutes: int


@dataclass(frozen=True)
class _Move:
    """What a Pass numérique record of a batch does to the holders of its cheques."""

    id: str
    claims: _Holder | None  # a handing out (an issuance or its `remis` line): who holds the cheques
    frees: bool  # a `retour` line
    cheques: list[str]


def moves(ids: dict[str, dict], rows: dict[str, dict[str, dict]]) -> list[_Move]:
    """The batch's Pass numérique records that move cheques between holders, in batch order (`ids` is
    the batch's id registry rows, `rows` its rows per kind, as ingest builds them)."""
    found = []
    for record_id, registered in ids.items():
        if registered["kind"] not in _PASS_KINDS:
            continue
        row = rows[registered["kind"]][record_id]
        cheques = json.loads(row["payload"])["cheques"]
        if registered["kind"] == "pass_issuance":
            found.append(_Move(record_id, _holder(record_id, row, "issued_at"), False, cheques))
        elif row["event"] == "remis":
            found.append(
                _Move(record_id, _holder(row["issuance"] or record_id, row, "occurred_at"), False, cheques)
            )
        elif row["event"] == "retour":
            found.append(_Move(record_id, None, True, cheques))
    return found


def _holder(issuance: str, row: dict, moment: str) -> _Holder:
    return _Holder(issuance, row[moment], row["utc_offset_minutes"])


def refused_handouts(connection: Connection, structure: str, batch_moves: list[_Move]) -> dict[str, str]:
    """The id of each handing out of the batch whose cheque another handing out already holds, with the
    French reason naming the cheque. Records already stored (a resend) are not judged again: ingest
    answers them `duplicate` or `conflict` by content."""
    if not batch_moves:
        return {}
    known = set(
        connection.execute(
            select(record_ids.c.id).where(record_ids.c.id.in_([move.id for move in batch_moves]))
        ).scalars()
    )
    fresh = [move for move in batch_moves if move.id not in known]
    holders = _load(connection, structure, fresh)
    refused: dict[str, str] = {}
    for move in fresh:
        if move.frees:
            for number in move.cheques:
                holders.pop(number, None)
            continue
        assert move.claims is not None
        taken = next(
            (n for n in move.cheques if n in holders and holders[n].issuance != move.claims.issuance), None
        )
        if taken is not None:
            refused[move.id] = _reason(taken, holders[taken])
            continue
        holders.update(dict.fromkeys(move.cheques, move.claims))
    return refused


def record_handouts(connection: Connection, structure: str, stored: list[_Move]) -> None:
    """Write the holders the batch's stored Pass numérique records leave, in batch order: who holds each
    cheque handed out, and no holder for a cheque back in stock."""
    if not stored:
        return
    holders = _load(connection, structure, stored)
    before = dict(holders)
    for move in stored:
        for number in move.cheques:
            if move.frees:
                holders.pop(number, None)
            elif move.claims is not None and number not in holders:
                holders[number] = move.claims
    freed = [number for number in before if number not in holders]
    claimed = [
        {
            "structure": structure,
            "number": number,
            "issuance": holder.issuance,
            "handed_out_at": holder.handed_out_at,
            "utc_offset_minutes": holder.utc_offset_minutes,
        }
        for number, holder in holders.items()
        if number not in before
    ]
    if freed:
        connection.execute(
            delete(pass_cheque_holders).where(
                pass_cheque_holders.c.structure == structure, pass_cheque_holders.c.number.in_(freed)
            )
        )
    if claimed:
        connection.execute(_DIALECT_INSERTS[connection.dialect.name](pass_cheque_holders), claimed)


def _load(connection: Connection, structure: str, batch_moves: Iterable[_Move]) -> dict[str, _Holder]:
    numbers = sorted({number for move in batch_moves for number in move.cheques})
    holders: dict[str, _Holder] = {}
    for start in range(0, len(numbers), 1000):
        chunk = numbers[start : start + 1000]
        rows = connection.execute(
            select(
                pass_cheque_holders.c.number,
                pass_cheque_holders.c.issuance,
                pass_cheque_holders.c.handed_out_at,
                pass_cheque_holders.c.utc_offset_minutes,
            ).where(pass_cheque_holders.c.structure == structure, pass_cheque_holders.c.number.in_(chunk))
        )
        holders.update((number, _Holder(*rest)) for number, *rest in rows)
    return holders


def _reason(number: str, holder: _Holder) -> str:
    """ "Le chèque 40103 a déjà été remis sur un autre poste le 03/12/2026 à 14 h 02 …", on the wall
    clock of the workstation that handed it out first."""
    at = datetime.fromisoformat(holder.handed_out_at.replace("Z", "+00:00"))
    local = at + timedelta(minutes=holder.utc_offset_minutes)
    return (
        f"Le chèque {number} a déjà été remis sur un autre poste le {local:%d/%m/%Y à %H h %M} : cette "
        "remise n'est pas comptée. Un responsable doit l'annuler, ou remettre un autre chèque à la personne."
    )
