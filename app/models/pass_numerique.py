"""Pass numérique: the stock of cheques, its append-only ledger, and the cheques handed to citizens.

Passes are public money: every movement is a ledger line (`PassLedgerRecord`) written, with the new
state of its cheques and its outbox row, in one transaction; nothing is ever updated or deleted in the
ledger (triggers refuse it), and the database itself refuses a move a cheque cannot make (handed out
twice, cancelled once handed out, …). A handing out is also a `PassIssuanceRecord`: which cheques,
and an anonymous profile for reporting.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from app.models.communes import load_communes
from app.models.connection import Database
from app.models.contacts import ContactStore, local_offset_minutes
from app.models.database import db_time, parse_db_time, transaction, utc_now, write_records
from app.models.note_guard import value_problem
from app.models.permissions import Rule, acting_agent, require
from app.models.reference import Catalogue
from app.models.settings import get_setting, set_setting
from app.models.shared_settings import THRESHOLD_KEY, SharedSettings

if TYPE_CHECKING:
    from app.models.record import PassIssuanceRecord, PassLedgerRecord
    from app.models.workstation import Agent

DEFAULT_VALUE_CENTS = 10_00
EXPIRY_WARNING_DAYS = 30
DEFAULT_THRESHOLD = 10
MAX_CHEQUES = 100
_THRESHOLD_KEY = THRESHOLD_KEY
_STATE_LABELS = {"disponible": "en stock", "remis": "remis", "annule": "annulé"}
EVENT_LABELS = {"recu": "Réception", "remis": "Remise", "retour": "Retour en stock", "annule": "Annulation"}
_RANGE_WORDS = re.compile(r"\s*(?:\.\.|–|—|\bà\b|\bau\b|\s-\s)\s*")
_DASHED_RANGE = re.compile(r"^([A-Za-z]*)([0-9]+)-([A-Za-z]*)([0-9]+)$")
_NUMBERED = re.compile(r"^(.*?)([0-9]+)$")


# The Pass numérique records that count, here as on the server: all but this workstation's own that the
# server refused (a cheque handed out on another workstation first) — and a `remis` line of a refused
# handing out, which the server refuses too when it arrives. `l` is `pass_ledger`, `i` `pass_issuances`.
_REFUSED = "(SELECT record_id FROM outbox WHERE state = 'rejected')"
COUNTED_LEDGER = f"l.id NOT IN {_REFUSED} AND coalesce(l.issuance, '') NOT IN {_REFUSED}"
COUNTED_ISSUANCE = f"i.id NOT IN {_REFUSED}"
_RESOLVED = "(SELECT record_id FROM pass_resolutions)"
_MOVED_TO = {"remis": "remis", "retour": "disponible", "annule": "annule"}


class PassError(ValueError):
    """A movement the ledger refuses; the message is French and names the cheque."""


def euros(cents: int) -> str:
    """ "10 €", "12,50 €": amounts as the French write them."""
    whole, rest = divmod(cents, 100)
    text = f"{whole:,}".replace(",", "\u202f")
    return f"{text},{rest:02d} €" if rest else f"{text} €"


def parse_cheque_numbers(text: str) -> list[str]:
    """The cheque numbers a person typed: a list ("1001, 1003"), a range ("1001-1010", "PN0101 à
    PN0110"), or both; raise PassError in French."""
    normalised = _RANGE_WORDS.sub("~", text.strip())
    numbers: list[str] = []
    for token in re.split(r"[,;\s]+", normalised):
        if not token:
            continue
        if "~" in token:
            first, _, last = token.partition("~")
            numbers += _expand(first, last, token)
        elif match := _DASHED_RANGE.match(token):
            prefix, start, other_prefix, end = match.groups()
            if other_prefix not in ("", prefix) or len(start) != len(end) or int(end) < int(start):
                numbers.append(token)  # a number that contains a dash ("2026-0001"), not a range
            else:
                numbers += _expand(prefix + start, prefix + end, token)
        else:
            numbers.append(token)
    for number in numbers:
        if not re.fullmatch(r"[A-Za-z0-9-]{1,32}", number):
            raise PassError(f"Numéro de chèque invalide : « {number} » (lettres, chiffres et tirets).")
    if not numbers:
        raise PassError("Indiquez les numéros des chèques (par exemple 1001-1010, ou 1001, 1002).")
    duplicated = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicated:
        raise PassError(f"Numéro indiqué deux fois : {', '.join(duplicated)}.")
    if len(numbers) > MAX_CHEQUES:
        raise PassError(f"{len(numbers)} chèques : {MAX_CHEQUES} au plus à la fois.")
    return numbers


def compact_numbers(numbers: list[str] | tuple[str, ...]) -> str:
    """ "1001 à 1005, 1008": cheque numbers as a person reads them, consecutive runs joined."""
    parts: list[str] = []
    run: list[str] = []
    for number in numbers:
        if run and _follows(run[-1], number):
            run.append(number)
            continue
        if run:
            parts.append(_run_text(run))
        run = [number]
    if run:
        parts.append(_run_text(run))
    return ", ".join(parts)


def _follows(previous: str, number: str) -> bool:
    a, b = _NUMBERED.match(previous), _NUMBERED.match(number)
    return bool(a and b and a.group(1) == b.group(1) and int(b.group(2)) == int(a.group(2)) + 1)


def _run_text(run: list[str]) -> str:
    return run[0] if len(run) == 1 else f"{run[0]} à {run[-1]}"


def _expand(first: str, last: str, token: str) -> list[str]:
    start, end = _NUMBERED.match(first), _NUMBERED.match(last)
    if not start or not end or start.group(1) != end.group(1):
        raise PassError(f"Plage de numéros incompréhensible : « {token.replace('~', ' à ')} ».")
    prefix, low, high = start.group(1), int(start.group(2)), int(end.group(2))
    if high < low:
        raise PassError(f"Plage à l'envers : « {first} à {last} ».")
    if high - low + 1 > MAX_CHEQUES:
        raise PassError(f"Plage trop longue : {high - low + 1} chèques ({MAX_CHEQUES} au plus).")
    width = len(start.group(2))
    return [f"{prefix}{n:0{width}d}" for n in range(low, high + 1)]


@dataclass(frozen=True)
class Cheque:
    number: str
    funder: str
    booklet: str
    value_cents: int
    valid_until: date
    state: str  # disponible | remis | annule
    issuance: str | None

    def expired(self, today: date) -> bool:
        return self.valid_until < today


@dataclass(frozen=True)
class BookletStock:
    """One booklet as the stock screen shows it."""

    funder: str
    booklet: str
    value_cents: int
    valid_until: date
    total: int
    available: int
    handed_out: int
    cancelled: int

    def expired(self, today: date) -> bool:
        return self.valid_until < today

    def expires_soon(self, today: date) -> bool:
        return today <= self.valid_until <= today + timedelta(days=EXPIRY_WARNING_DAYS)


@dataclass(frozen=True)
class StockSummary:
    available: int  # usable: in stock and not expired
    value_cents: int
    expiring: int  # usable cheques whose validity ends within 30 days
    expired: int  # still in stock but past their validity: to cancel as "périmé"
    threshold: int

    @property
    def low(self) -> bool:
        return self.available < self.threshold


@dataclass(frozen=True)
class RefusedMove:
    """A Pass numérique record of this workstation the server refused, with its French reason (which
    names the cheque moved otherwise on another workstation first); `issuance` for a handing out."""

    record_id: str
    event: str  # remis (a handing out) | recu | retour | annule
    cheques: tuple[str, ...]
    reason: str
    issuance: PassIssuanceRecord | None


@dataclass(frozen=True)
class LedgerLine:
    occurred_at: datetime
    event: str
    funder: str
    booklet: str
    cheques: tuple[str, ...]
    value_cents: int
    reason: str | None
    agent: str


class PassStore:
    def __init__(self, db: Database, catalogue: Catalogue, contacts: ContactStore) -> None:
        self.db = db
        self.catalogue = catalogue
        self.contacts = contacts

    # Movements ------------------------------------------------------------------------------------

    def receive_booklet(
        self,
        *,
        structure: str,
        agent: str,
        funder: str,
        booklet: str,
        cheques: list[str],
        booklet_size: int,
        valid_until: date,
        value_cents: int = DEFAULT_VALUE_CENTS,
        received_on: date | None = None,
    ) -> PassLedgerRecord:
        """A booklet enters the stock; every cheque number must be new to the ledger."""
        require(acting_agent(self.db), Rule.PASS_STOCK, PassError)
        now = utc_now()
        moment = now if received_on in (None, now.astimezone().date()) else _local_noon(received_on)
        if valid_until < moment.astimezone().date():
            raise PassError(f"Ce carnet a expiré le {valid_until:%d/%m/%Y} : il ne peut pas entrer en stock.")
        for text, subject in ((funder, "Le nom du financeur"), (booklet, "Le numéro de carnet")):
            problem = value_problem(text, subject)
            if problem:
                raise PassError(problem)
        line = self._line(
            now,
            structure=structure,
            agent=agent,
            occurred_at=moment,
            event="recu",
            funder=" ".join(funder.split()),
            booklet=booklet.strip(),
            booklet_size=booklet_size,
            cheques=cheques,
            value_cents=value_cents,
            valid_until=valid_until,
        )
        with transaction(self.db):
            known = self.cheques(line.cheques)
            if known:
                cheque = next(iter(known.values()))
                raise PassError(
                    f"Le chèque n° {cheque.number} est déjà dans le registre (carnet {cheque.booklet}, "
                    f"{cheque.funder}) : vérifiez les numéros."
                )
            stamp = db_time(now)
            self.db.conn.executemany(
                "INSERT INTO pass_cheques (number, funder, booklet, value_cents, valid_until, state, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 'disponible', ?)",
                [
                    (n, line.funder, line.booklet, line.value_cents, line.valid_until.isoformat(), stamp)
                    for n in line.cheques
                ],
            )
            self._write_ledger(line)
        return line

    def hand_out(
        self,
        *,
        structure: str,
        agent: str,
        cheques: list[str],
        age_band: str | None = None,
        residence_commune: str | None = None,
        social_situation: str | None = None,
        autonomy_level: str | None = None,
        contact: str | None = None,
    ) -> PassIssuanceRecord:
        """Hand cheques to a citizen: one issuance, one ledger line per booklet, and the contact (if
        any) flagged "Pass numérique remis", all in one transaction."""
        profile = {
            "age_band": age_band,
            "residence_commune": residence_commune,
            "social_situation": social_situation,
            "autonomy_level": autonomy_level,
            "contact": contact,
        }
        with transaction(self.db):
            return self._hand_out(structure, agent, cheques, profile)

    def _hand_out(
        self, structure: str, agent: str, cheques: list[str], profile: dict[str, Any]
    ) -> PassIssuanceRecord:
        """`hand_out` inside the caller's transaction."""
        from app.models.record import new_id, validate_record

        now = utc_now()
        found = self._usable(cheques, now.astimezone().date(), "remis")
        issuance: PassIssuanceRecord = validate_record(
            {
                "id": new_id(),
                "created_at": now,
                "utc_offset_minutes": local_offset_minutes(),
                "structure": structure,
                "agent": agent,
                "issued_at": now,
                "cheques": cheques,
                "value_cents": sum(cheque.value_cents for cheque in found),
                **{name: value or None for name, value in profile.items()},
            },
            catalogue=self.catalogue,
            now=now,
            kind="pass_issuance",
            communes=load_communes(),
        )
        lines = [
            self._line(
                now, structure=structure, agent=agent, event="remis", issuance=issuance.id, cheques=group
            )
            for group in _by_booklet(found)
        ]
        contact = profile.get("contact")
        flag = self.contacts.prepare_pass_flag(contact) if contact else None
        self._insert("pass_issuances", "pass_issuance", issuance, "issued_at")
        self._move(issuance.cheques, "remis", str(issuance.id), None)
        for line in lines:
            self._write_ledger(line)
        if flag is not None:
            self.contacts.insert(*flag)
        return issuance

    def return_to_stock(
        self, *, structure: str, agent: str, cheques: list[str], reason: str
    ) -> list[PassLedgerRecord]:
        """Handed-out cheques back in stock (handed out by mistake, brought back unused)."""
        require(acting_agent(self.db), Rule.PASS_STOCK, PassError)
        return self._compensate(structure, agent, cheques, "retour", reason)

    def cancel(
        self, *, structure: str, agent: str, cheques: list[str], reason: str
    ) -> list[PassLedgerRecord]:
        """Cheques in stock that can no longer be handed out: lost, damaged, stolen or expired."""
        require(acting_agent(self.db), Rule.PASS_STOCK, PassError)
        return self._compensate(structure, agent, cheques, "annule", reason)

    def _compensate(
        self, structure: str, agent: str, numbers: list[str], event: str, reason: str
    ) -> list[PassLedgerRecord]:
        now = utc_now()
        found = self.cheques(numbers)
        self._refuse_unknown(numbers, found)
        wanted = "remis" if event == "retour" else "disponible"
        for number in numbers:
            cheque = found[number]
            if cheque.state != wanted:
                raise PassError(_wrong_state(cheque, event))
        groups = _by_booklet([found[number] for number in numbers])
        lines = [
            self._line(now, structure=structure, agent=agent, event=event, reason=reason, cheques=group)
            for group in groups
        ]
        with transaction(self.db):
            self._move(numbers, "disponible" if event == "retour" else "annule", None, reason)
            for line in lines:
                self._write_ledger(line)
        return lines

    def _usable(self, numbers: list[str], today: date, event: str) -> list[Cheque]:
        found = self.cheques(numbers)
        self._refuse_unknown(numbers, found)
        for number in numbers:
            cheque = found[number]
            if cheque.state != "disponible":
                raise PassError(_wrong_state(cheque, event))
            if cheque.expired(today):
                raise PassError(
                    f"Le chèque n° {number} a expiré le {cheque.valid_until:%d/%m/%Y} : il ne peut plus "
                    "être remis. Annulez-le (motif « Périmé »)."
                )
        return [found[number] for number in numbers]

    @staticmethod
    def _refuse_unknown(numbers: list[str], found: dict[str, Cheque]) -> None:
        unknown = [number for number in numbers if number not in found]
        if unknown:
            listed = ", ".join(unknown[:5]) + ("…" if len(unknown) > 5 else "")
            raise PassError(
                f"Chèque inconnu : n° {listed}. Il n'est pas dans le stock de la structure ; "
                "vérifiez le numéro ou enregistrez d'abord la réception du carnet."
            )

    def _move(self, numbers: list[str], state: str, issuance: str | None, reason: str | None) -> None:
        try:
            self.db.conn.executemany(
                "UPDATE pass_cheques SET state = ?, issuance = ?, reason = ?, updated_at = ? WHERE number = ?",
                [(state, issuance, reason, db_time(utc_now()), number) for number in numbers],
            )
        except sqlite3.IntegrityError as error:
            # Another window or process moved the cheque since we checked: the database refused.
            raise PassError(
                "Un de ces chèques vient d'être remis ou annulé sur ce poste : rien n'a été enregistré."
            ) from error

    def _line(self, now: datetime, *, cheques: list[Cheque] | list[str], **fields: Any) -> PassLedgerRecord:
        from app.models.record import new_id, validate_record

        if cheques and isinstance(cheques[0], Cheque):
            first = cheques[0]
            fields.update(funder=first.funder, booklet=first.booklet, value_cents=first.value_cents)
            fields["valid_until"] = first.valid_until
            cheques = [cheque.number for cheque in cheques]
        fields.setdefault("occurred_at", now)
        line: PassLedgerRecord = validate_record(
            {
                "id": new_id(),
                "created_at": now,
                "utc_offset_minutes": local_offset_minutes(),
                "cheques": cheques,
                **fields,
            },
            catalogue=self.catalogue,
            now=now,
            kind="pass_ledger",
        )
        return line

    def _write_ledger(self, line: PassLedgerRecord) -> None:
        self._insert("pass_ledger", "pass_ledger", line, "occurred_at")

    def _insert(self, table: str, kind: str, record: Any, moment: str, origin: str | None = None) -> None:
        """A record's row (inside the caller's transaction), with its outbox row when it is this
        workstation's own (`origin` None); never corrected, so no supersedes/deleted columns."""
        row = record.model_dump(mode="json", exclude={"supersedes", "deleted"})
        row.update(
            created_at=db_time(record.created_at),
            cheques=json.dumps(record.cheques),
            origin=origin,
            **{moment: db_time(getattr(record, moment))},
        )
        write_records(self.db, table, kind, [row])

    # Handings out the server refused ---------------------------------------------------------------

    def refused_moves(self) -> list[RefusedMove]:
        """This workstation's Pass numérique records the server refused (a cheque moved otherwise on
        another workstation first) that no responsable resolved yet, oldest first: each handing out
        (with its `remis` lines), and each other refused line."""
        rows = self.db.execute(
            """SELECT o.record_id, o.kind, o.last_error FROM outbox o
               LEFT JOIN pass_issuances i ON i.id = o.record_id LEFT JOIN pass_ledger l ON l.id = o.record_id
               WHERE o.state = 'rejected' AND o.kind IN ('pass_issuance', 'pass_ledger')
                 AND o.record_id NOT IN (SELECT record_id FROM pass_resolutions)
                 AND coalesce(l.issuance, '') NOT IN (SELECT record_id FROM outbox WHERE state = 'rejected')
               ORDER BY coalesce(i.issued_at, l.occurred_at), o.record_id"""
        ).fetchall()
        issuances = self.issuance_records([r[0] for r in rows if r[1] == "pass_issuance"]) if rows else {}
        lines = self.ledger_records([r[0] for r in rows if r[1] == "pass_ledger"]) if rows else {}
        found = []
        for record_id, kind, reason in rows:
            if kind == "pass_issuance":
                issuance = issuances[record_id]
                found.append(RefusedMove(record_id, "remis", tuple(issuance.cheques), reason or "", issuance))
            else:
                line = lines[record_id]
                found.append(RefusedMove(record_id, line.event, tuple(line.cheques), reason or "", None))
        return found

    def resolve_refused(
        self, record_id: str, *, structure: str, by: Agent | None, cheques: list[str] | None = None
    ) -> PassIssuanceRecord | None:
        """A responsable resolves a refused move: its cheques go back to the state the counted ledger
        gives them (the other workstation's move stands), and, for a handing out with `cheques`, the
        person is handed those cheques instead (a new handing out with the same anonymous profile,
        sent as any other). The refused records stay on the workstation, in the list of refused
        records and the ledger, counted nowhere. All in one transaction; the new handing out, if any."""
        by = require(by, Rule.PASS_REFUSED, PassError)
        refused = next((move for move in self.refused_moves() if move.record_id == record_id), None)
        if refused is None:
            raise PassError("Ce mouvement n'est pas (ou plus) à régulariser : actualisez la liste.")
        if cheques and refused.issuance is None:
            raise PassError("Seule une remise refusée peut être remplacée par d'autres chèques.")
        stamp = db_time(utc_now())
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO pass_resolutions (record_id, resolved_at, agent) VALUES (?, ?, ?)",
                [record_id, stamp, by.name],
            )
            self._settle(refused.cheques, stamp)
            replacement = None
            if cheques and refused.issuance is not None:
                profile = refused.issuance.model_dump(
                    mode="json",
                    include={
                        "age_band",
                        "residence_commune",
                        "social_situation",
                        "autonomy_level",
                        "contact",
                    },
                )
                replacement = self._hand_out(structure, by.name, cheques, profile)
                self.db.execute(
                    "UPDATE pass_resolutions SET replacement = ? WHERE record_id = ?",
                    [str(replacement.id), record_id],
                )
        return replacement

    def _settle(self, numbers: Iterable[str], stamp: str) -> None:
        """Give each cheque of `numbers` the state its ledger lines leave it in, replayed in the
        server's order, inside the caller's transaction: first the lines the server placed in the
        structure's feed (`pass_places`: pulled lines, and this workstation's own once acknowledged),
        by their place, then this workstation's lines it has not placed yet (waiting to be sent, or
        refused and not resolved yet), in the order they were made. A refused line a responsable
        resolved counts nowhere. Each line moves its cheques as the server's stock does
        (`app.server.pass_stock`): a reception only a cheque not seen yet, a handing out, a return or
        a cancellation whatever the state before. So once this workstation has sent and pulled
        everything, each cheque is in the server's state, whatever order the records arrived in here.
        `stamp` is the time written on a changed cheque (a resolution's time lets the database allow
        the move, `pass_cheques_moves`)."""
        wanted = sorted(set(numbers))
        for begin in range(0, len(wanted), 500):
            chunk = wanted[begin : begin + 500]
            marks = ", ".join("?" * len(chunk))
            targets: dict[str, tuple[str, str | None, str | None]] = {}
            for number, event, issuance, reason in self.db.execute(
                "SELECT m.number, l.event, l.issuance, l.reason FROM pass_moves m "
                "JOIN pass_ledger l ON l.id = m.record_id LEFT JOIN pass_places p ON p.record_id = l.id "
                f"WHERE m.number IN ({marks}) AND l.id NOT IN {_RESOLVED} "
                f"AND coalesce(l.issuance, '') NOT IN {_RESOLVED} "
                "ORDER BY m.number, p.seq IS NULL, p.seq, l.rowid",
                chunk,
            ):
                if event != "recu":
                    targets[number] = (_MOVED_TO[event], issuance if event == "remis" else None, reason)
                elif number not in targets:  # a second reception changes nothing, as on the server
                    targets[number] = ("disponible", None, None)
            current = {
                number: (state, issuance, reason)
                for number, state, issuance, reason in self.db.execute(
                    f"SELECT number, state, issuance, reason FROM pass_cheques WHERE number IN ({marks})",
                    chunk,
                )
            }
            for number, target in targets.items():
                if number in current and current[number] != target:
                    self._set_state(number, current[number][0], target, stamp)

    def _set_state(
        self, number: str, before: str, target: tuple[str, str | None, str | None], stamp: str
    ) -> None:
        state, issuance, reason = target
        if before == state:  # not a move: the database's guard of moves stays out of it
            self.db.execute(
                "UPDATE pass_cheques SET issuance = ?, reason = ?, updated_at = ? WHERE number = ?",
                [issuance, reason, stamp, number],
            )
            return
        if (before, state) == ("remis", "annule"):
            # Returned, then cancelled, on other workstations: the two moves, as the guard knows them.
            self._set_state(number, before, ("disponible", None, None), stamp)
        self.db.execute(
            "UPDATE pass_cheques SET state = ?, issuance = ?, reason = ?, updated_at = ? WHERE number = ?",
            [state, issuance, reason, stamp, number],
        )

    def unplaced_sent(self) -> list[str]:
        """This workstation's ledger lines the server acknowledged without giving their place (an
        older server, or before local migration 11), oldest first."""
        return [
            record_id
            for (record_id,) in self.db.execute(
                "SELECT l.id FROM pass_ledger l JOIN outbox o ON o.record_id = l.id "
                "WHERE o.state = 'sent' AND l.id NOT IN (SELECT record_id FROM pass_places) ORDER BY l.rowid"
            )
        ]

    def placed(self, places: dict[str, int]) -> None:
        """The places in the structure's feed that the server gave this workstation's records it
        stored (the ingest's answer), inside the caller's transaction: a Pass numérique ledger line's
        is kept, and its cheques take the state the server's order gives them (`_settle`)."""
        if not places:
            return
        rows = [(seq, record_id) for record_id, seq in places.items()]
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO pass_places (record_id, seq) SELECT id, ? FROM pass_ledger WHERE id = ?",
            rows,
        )
        moved = [
            number
            for begin in range(0, len(rows), 500)
            for (number,) in self.db.execute(
                "SELECT number FROM pass_moves WHERE record_id IN "
                f"({', '.join('?' * len(rows[begin : begin + 500]))})",
                [record_id for _, record_id in rows[begin : begin + 500]],
            )
        ]
        self._settle(moved, db_time(utc_now()))

    # Records of the structure's other workstations --------------------------------------------------

    def insert_pulled_issuance(self, issuance: PassIssuanceRecord, origin: str) -> None:
        """Another workstation's handing out, inside the caller's transaction; its cheques move with
        the `remis` lines that follow it."""
        self._insert("pass_issuances", "pass_issuance", issuance, "issued_at", origin)

    def insert_pulled_line(self, line: PassLedgerRecord, origin: str, seq: int) -> None:
        """Another workstation's ledger line, with its place `seq` in the structure's feed, inside the
        caller's transaction, and the move of its cheques in the shared stock: a booklet received
        there can be handed out here, a cheque handed out there is no longer in stock here. Its
        cheques take the state the server's order of their lines gives them (`_settle`): a move the
        server accepted after this workstation's own (a cheque returned elsewhere, then handed out
        here before this one heard of the first handing out) leaves them as the server has them."""
        self._insert("pass_ledger", "pass_ledger", line, "occurred_at", origin)
        self.db.execute("INSERT INTO pass_places (record_id, seq) VALUES (?, ?)", [str(line.id), seq])
        stamp = db_time(utc_now())
        if line.event == "recu":
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO pass_cheques (number, funder, booklet, value_cents, valid_until, state, "
                "updated_at) VALUES (?, ?, ?, ?, ?, 'disponible', ?)",
                [
                    (n, line.funder, line.booklet, line.value_cents, line.valid_until.isoformat(), stamp)
                    for n in line.cheques
                ],
            )
        self._settle(line.cheques, stamp)

    # Reading --------------------------------------------------------------------------------------

    def cheques(self, numbers: list[str]) -> dict[str, Cheque]:
        found: dict[str, Cheque] = {}
        for start in range(0, len(numbers), 500):
            chunk = numbers[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for values in self.db.execute(
                "SELECT number, funder, booklet, value_cents, valid_until, state, issuance "
                f"FROM pass_cheques WHERE number IN ({marks})",
                chunk,
            ):
                found[values[0]] = _cheque(values)
        return found

    def suggested(self, count: int, today: date | None = None) -> list[Cheque]:
        """The `count` usable cheques to hand out first: those whose validity ends soonest."""
        today = today or date.today()
        return [
            _cheque(values)
            for values in self.db.execute(
                "SELECT number, funder, booklet, value_cents, valid_until, state, issuance FROM pass_cheques "
                "WHERE state = 'disponible' AND valid_until >= ? ORDER BY valid_until, booklet, number LIMIT ?",
                [today.isoformat(), count],
            )
        ]

    def issued(self, issuance_id: str) -> list[Cheque]:
        """The cheques of a handing out, for its receipt."""
        record = self.issuance_records([issuance_id])[issuance_id]
        found = self.cheques(record.cheques)
        return [found[number] for number in record.cheques]

    def booklets(self) -> list[BookletStock]:
        """Every booklet ever received, those with cheques in stock first, soonest to expire first."""
        rows = self.db.execute(
            """SELECT funder, booklet, max(value_cents), max(valid_until), count(*),
                      sum(state = 'disponible'), sum(state = 'remis'), sum(state = 'annule')
               FROM pass_cheques GROUP BY funder, booklet
               ORDER BY sum(state = 'disponible') = 0, max(valid_until), funder, booklet"""
        )
        return [
            BookletStock(f, b, value, date.fromisoformat(until), total, available, out, cancelled)
            for f, b, value, until, total, available, out, cancelled in rows
        ]

    def summary(self, today: date | None = None) -> StockSummary:
        today = today or date.today()
        soon = today + timedelta(days=EXPIRY_WARNING_DAYS)
        available, value, expiring, expired = self.db.execute(
            """SELECT coalesce(sum(valid_until >= :today), 0),
                      coalesce(sum(CASE WHEN valid_until >= :today THEN value_cents END), 0),
                      coalesce(sum(valid_until >= :today AND valid_until <= :soon), 0),
                      coalesce(sum(valid_until < :today), 0)
               FROM pass_cheques WHERE state = 'disponible'""",
            {"today": today.isoformat(), "soon": soon.isoformat()},
        ).fetchone()
        return StockSummary(available, value, expiring, expired, self.threshold)

    def ledger(self, limit: int = 500) -> list[LedgerLine]:
        """The newest ledger lines first."""
        return [
            LedgerLine(
                parse_db_time(when), event, funder, booklet, tuple(json.loads(cheques)), value, reason, agent
            )
            for when, event, funder, booklet, cheques, value, reason, agent in self.db.execute(
                "SELECT occurred_at, event, funder, booklet, cheques, value_cents, reason, agent "
                "FROM pass_ledger ORDER BY occurred_at DESC, rowid DESC LIMIT ?",
                [limit],
            )
        ]

    @property
    def threshold(self) -> int:
        return int(get_setting(self.db, _THRESHOLD_KEY) or DEFAULT_THRESHOLD)

    def set_threshold(self, value: int) -> None:
        require(acting_agent(self.db), Rule.PASS_STOCK, PassError)
        if not 0 <= value <= 10_000:
            raise PassError("Le seuil d'alerte doit être compris entre 0 et 10 000 chèques.")
        with transaction(self.db):
            set_setting(self.db, _THRESHOLD_KEY, str(value))
            SharedSettings(self.db).change("pass.threshold", value)

    # Sync loaders -----------------------------------------------------------------------------------

    def ledger_records(self, ids: list[str]) -> dict[str, PassLedgerRecord]:
        from app.models.record import PassLedgerRecord

        return {row["id"]: PassLedgerRecord.from_row(row) for row in self._rows("pass_ledger", ids)}

    def issuance_records(self, ids: list[str]) -> dict[str, PassIssuanceRecord]:
        from app.models.record import PassIssuanceRecord

        return {row["id"]: PassIssuanceRecord.from_row(row) for row in self._rows("pass_issuances", ids)}

    def _rows(self, table: str, ids: list[str]) -> list[dict[str, Any]]:
        marks = ", ".join("?" * len(ids))
        rows = list(self.db.query(f"SELECT * FROM {table} WHERE id IN ({marks})", ids))
        for row in rows:
            row["cheques"] = json.loads(row["cheques"])
            del row["origin"]
        return rows


def _cheque(values: tuple[Any, ...]) -> Cheque:
    number, funder, booklet, value, until, state, issuance = values
    return Cheque(number, funder, booklet, value, date.fromisoformat(until), state, issuance)


def _by_booklet(cheques: list[Cheque]) -> list[list[Cheque]]:
    groups: dict[tuple[str, str], list[Cheque]] = defaultdict(list)
    for cheque in cheques:
        groups[cheque.funder, cheque.booklet].append(cheque)
    return list(groups.values())


def _wrong_state(cheque: Cheque, event: str) -> str:
    where = f"Le chèque n° {cheque.number}"
    if cheque.state == "remis" and event == "remis":
        return f"{where} a déjà été remis : un chèque ne peut être remis qu'une fois."
    if cheque.state == "annule":
        return f"{where} a été annulé : il ne peut plus être ni remis ni remis en stock."
    if event == "retour":
        return f"{where} est en stock : seul un chèque remis peut revenir en stock."
    return f"{where} est {_STATE_LABELS[cheque.state]} : seul un chèque en stock peut être annulé."


def _local_noon(day: date) -> datetime:
    return datetime.combine(day, time(12)).astimezone()
