"""One Pass numérique stock per structure: a move a cheque cannot make is refused, naming the cheque.

Every workstation of a structure moves cheques of the one shared stock. Two of them offline may both
hand out the same cheque, or one hand it out while the other cancels it or returns it: only the first
move to arrive is real. The server keeps the state of each cheque per structure
(`pass_cheque_states`: in stock, handed out by which handing out, or cancelled) and, within the ingest
transaction, after the structure's counter row is locked (so no other batch of the structure runs in
between), refuses with code `conflict` and a French reason naming the cheque a Pass numérique record
whose move the cheque cannot make: a reception of a cheque already received (the same booklet recorded
on two workstations), a handing out (an issuance or its `remis` line) of a cheque handed out by another
handing out or cancelled, a `retour` of a cheque in stock or cancelled, an `annule` of a cheque handed
out or cancelled. A refused record is stored nowhere, so that received = in stock +
handed out + cancelled holds cheque by cheque; the workstation that made it shows it, and its
responsable resolves it.

A cheque the server has not heard of yet (its booklet's reception still in another batch of the same
workstation) takes any move: a workstation's own records arrive in the order it made them.

The order of the stored moves (their `seq`) is the order workstations replay to know each cheque's
state (`app.models.pass_numerique.PassStore._settle`): the ingest's answer gives a workstation the
`seq` of its own records, the feed those of the others'.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from app.server.schema import pass_cheque_states

_DIALECT_INSERTS: dict[str, Callable[[Table], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}
_PASS_KINDS = ("pass_issuance", "pass_ledger")


@dataclass(frozen=True)
class _State:
    state: str  # disponible | remis | annule
    issuance: str | None  # the handing out that holds a `remis` cheque
    moved_at: str  # the server's stored time (`app.server.schema.timestamp`) of the move
    utc_offset_minutes: int
    received: bool  # a stored reception brought it


@dataclass(frozen=True)
class _Move:
    """What a Pass numérique record of a batch does to its cheques."""

    id: str
    event: str  # recu | remis | retour | annule (an issuance: remis)
    issuance: str | None
    cheques: list[str]
    moved_at: str
    utc_offset_minutes: int

    def after(self) -> _State:
        state = {"recu": "disponible", "remis": "remis", "retour": "disponible", "annule": "annule"}[
            self.event
        ]
        return _State(
            state,
            self.issuance if state == "remis" else None,
            self.moved_at,
            self.utc_offset_minutes,
            self.event == "recu",
        )


def moves(kinds: dict[str, str], rows: dict[str, dict[str, dict[str, Any]]]) -> list[_Move]:
    """The Pass numérique records among `kinds` (id -> kind, in batch order: the records not stored
    yet), with `rows` the batch's rows per kind, as ingest builds them."""
    found = []
    for record_id, kind in kinds.items():
        if kind not in _PASS_KINDS:
            continue
        row = rows[kind][record_id]
        cheques = row["cheques"]
        offset = row["utc_offset_minutes"]
        if kind == "pass_issuance":
            found.append(_Move(record_id, "remis", record_id, cheques, row["issued_at"], offset))
        else:
            holder = (row["issuance"] or record_id) if row["event"] == "remis" else None
            found.append(_Move(record_id, row["event"], holder, cheques, row["occurred_at"], offset))
    return found


def refused_moves(connection: Connection, structure: str, batch_moves: list[_Move]) -> dict[str, str]:
    """The id of each Pass numérique record of the batch whose move one of its cheques cannot make,
    with the French reason naming the cheque. `batch_moves` are those of records not stored yet (a
    resend is not judged again: ingest answers it `duplicate` or `conflict` by content)."""
    if not batch_moves:
        return {}
    states = _load(connection, structure, batch_moves)
    refused: dict[str, str] = {}
    for move in batch_moves:
        problem = next(
            (reason for number in move.cheques if (reason := _refusal(move, number, states.get(number)))),
            None,
        )
        if problem:
            refused[move.id] = problem
            continue
        _apply(states, move)
    return refused


def record_moves(connection: Connection, structure: str, stored: list[_Move]) -> None:
    """Write the states the batch's stored Pass numérique records leave their cheques in."""
    if not stored:
        return
    states = _load(connection, structure, stored)
    before = dict(states)
    for move in stored:
        _apply(states, move)
    changed = [
        {"structure": structure, "number": number, **vars(state)}
        for number, state in states.items()
        if before.get(number) != state
    ]
    if changed:
        statement = _DIALECT_INSERTS[connection.dialect.name](pass_cheque_states)
        excluded = statement.excluded
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[pass_cheque_states.c.structure, pass_cheque_states.c.number],
                set_={
                    name: excluded[name]
                    for name in ("state", "issuance", "moved_at", "utc_offset_minutes", "received")
                },
            ),
            changed,
        )


def _apply(states: dict[str, _State], move: _Move) -> None:
    for number in move.cheques:
        current = states.get(number)
        if current is None:
            states[number] = move.after()
        elif move.event == "recu":  # moved by a record that arrived before it: only received now
            states[number] = replace(current, received=True)
        else:
            states[number] = replace(move.after(), received=current.received)


def _refusal(move: _Move, number: str, current: _State | None) -> str | None:
    """Why `move` cannot move cheque `number` from its `current` state (None: it can)."""
    if current is None:
        return None
    when = _local(current)
    if move.event == "recu":
        if not current.received:
            return None  # its reception comes after a move of it: the workstation sent them so
        return (
            f"Le chèque {number} a déjà été reçu sur un autre poste (dernier mouvement le {when}) : "
            f"cette réception n'est pas comptée. {_ASK}"
        )
    if current.state == "annule":
        return (
            f"Le chèque {number} a été annulé sur un autre poste le {when} : ce mouvement n'est pas "
            f"compté. {_ASK}"
        )
    if move.event == "remis" and current.state == "remis" and current.issuance != move.issuance:
        return (
            f"Le chèque {number} a déjà été remis sur un autre poste le {when} : cette remise n'est pas "
            "comptée. Un responsable doit l'annuler, ou remettre un autre chèque à la personne."
        )
    if move.event == "annule" and current.state == "remis":
        return f"Le chèque {number} a été remis sur un autre poste le {when} : cette annulation n'est pas comptée. {_ASK}"
    if move.event == "retour" and current.state == "disponible":
        return (
            f"Le chèque {number} est déjà revenu en stock sur un autre poste le {when} : ce retour n'est "
            f"pas compté. {_ASK}"
        )
    return None


_ASK = "Un responsable doit le régulariser dans l'écran Pass numérique."


def _load(connection: Connection, structure: str, batch_moves: Iterable[_Move]) -> dict[str, _State]:
    numbers = sorted({number for move in batch_moves for number in move.cheques})
    table = pass_cheque_states.c
    states: dict[str, _State] = {}
    for start in range(0, len(numbers), 1000):
        rows = connection.execute(
            select(
                table.number,
                table.state,
                table.issuance,
                table.moved_at,
                table.utc_offset_minutes,
                table.received,
            ).where(table.structure == structure, table.number.in_(numbers[start : start + 1000]))
        )
        states.update((number, _State(*rest)) for number, *rest in rows)
    return states


def _local(state: _State) -> str:
    """ "03/12/2026 à 14 h 02": the move's time on the wall clock of the workstation that made it."""
    at = datetime.fromisoformat(state.moved_at.replace("Z", "+00:00"))
    return f"{at + timedelta(minutes=state.utc_offset_minutes):%d/%m/%Y à %H h %M}"
