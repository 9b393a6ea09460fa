"""Recording contacts and finding them again.

A record is never edited: a correction is a new record that `supersedes` the old one, and a removal
is a tombstone (a superseding record flagged `deleted`), so the server can replay any history. The
`superseded` column is local, derived state that keeps "current contacts" one index away.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from app.models.communes import load_communes
from app.models.connection import Database
from app.models.database import db_time, parse_db_time, transaction, utc_now, write_records
from app.models.note_guard import identifier_problem
from app.models.permissions import Rule, refusal
from app.models.reference import Catalogue
from app.models.versions import supersede
from app.models.workstation import Workstation

if TYPE_CHECKING:
    from app.models.record import ContactRecord

PAGE_SIZE = 200
_CURRENT = "c.superseded = 0 AND c.deleted = 0"
_REFUSED = "Ce contact a déjà été corrigé ou supprimé, ou n'existe pas."


def local_offset_minutes(moment: datetime | None = None) -> int:
    offset = (moment or datetime.now()).astimezone().utcoffset() or timedelta()
    return int(offset.total_seconds() // 60)


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()


# The history's periods that end today: how many days before today each begins.
_DAYS_BACK = {"today": 0, "7d": 6, "30d": 29, "90d": 90}


def history_period(key: str, today: date) -> tuple[date | None, date | None]:
    """First and last day of the history's period `key` — "today", "7d", "month" (this month so
    far), "30d", "90d" — on the agent's local days; (None, None) for any other (the whole history).
    Decided here, not in the Contacts screen, as every other period is decided outside the screens."""
    if key == "month":
        return today.replace(day=1), today
    if key in _DAYS_BACK:
        return today - timedelta(days=_DAYS_BACK[key]), today
    return None, None


@dataclass(frozen=True)
class ContactFilter:
    """What the history shows: dates are the agent's local days, both ends included."""

    start: date | None = None
    end: date | None = None
    partner: str | None = None
    situation: str | None = None
    agent: str | None = None
    outcome: str | None = None
    place: str | None = None

    def query(self, select: str) -> tuple[str, list[Any], str, str]:
        """SQL `SELECT select FROM … WHERE …` for current contacts, its parameters, and the time and
        id columns to order and page by.

        With a partner filter the query walks `contact_partners_by_time` (partner, time) and joins
        the contact by primary key; otherwise it walks the contacts' own partial indexes.
        """
        contact_filters = [
            (column, getattr(self, column)) for column in ("situation", "agent", "outcome", "place")
        ]
        contact_filters = [(column, value) for column, value in contact_filters if value]
        if self.partner:
            time_column, id_column = "p.occurred_at", "p.contact_id"
            needs_contact = bool(contact_filters) or select != "count(*)"
            source = "contact_partners p CROSS JOIN contacts c" if needs_contact else "contact_partners p"
            clauses, params = ["p.partner = ?", "p.current = 1"], [self.partner]
            if needs_contact:
                clauses.append("c.id = p.contact_id")
        else:
            time_column, id_column = "c.occurred_at", "c.id"
            source, clauses, params = "contacts c", [_CURRENT], []
        if self.start:
            clauses.append(f"{time_column} >= ?")
            params.append(db_time(local_day_start(self.start)))
        if self.end:
            clauses.append(f"{time_column} < ?")
            params.append(db_time(local_day_start(self.end + timedelta(days=1))))
        for column, value in contact_filters:
            clauses.append(f"c.{column} = ?")
            params.append(value)
        return f"SELECT {select} FROM {source} WHERE {' AND '.join(clauses)}", params, time_column, id_column


@dataclass(frozen=True)
class ContactRow:
    """A current contact as the history and `contacts list` show it."""

    id: str
    occurred_at: datetime
    agent: str
    place: str
    channel: str
    situation: str
    partners: tuple[str, ...]
    help_kind: str
    outcome: str
    duration_minutes: int
    note: str
    origin: str | None = None  # the workstation it was recorded on, None for this one

    @property
    def cursor(self) -> tuple[str, str]:
        return db_time(self.occurred_at), self.id

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "occurred_at": db_time(self.occurred_at),
            "situation": self.situation,
            "partners": list(self.partners),
            "channel": self.channel,
            "help_kind": self.help_kind,
            "outcome": self.outcome,
            "place": self.place,
            "agent": self.agent,
            "duration_minutes": self.duration_minutes,
        }


_ROW_COLUMNS = (
    "c.id, c.occurred_at, c.agent, c.place, c.channel, c.situation, c.partners, "
    "c.help_kind, c.outcome, c.duration_minutes, c.note, c.origin"
)


def _row(values: tuple[Any, ...]) -> ContactRow:
    return ContactRow(
        id=values[0],
        occurred_at=parse_db_time(values[1]),
        agent=values[2],
        place=values[3],
        channel=values[4],
        situation=values[5],
        partners=tuple(json.loads(values[6])),
        help_kind=values[7],
        outcome=values[8],
        duration_minutes=values[9],
        note=values[10] or "",
        origin=values[11],
    )


class ContactStore:
    """Contacts of this workstation, each written with its outbox row in one transaction."""

    def __init__(self, db: Database, catalogue: Catalogue) -> None:
        self.db = db
        self.catalogue = catalogue

    def prepare(self, fields: Mapping[str, Any], note: str = "") -> ContactRecord:
        """Validate a new record built from `fields`; raise `RecordError` in French if it is wrong."""
        from app.models.record import RecordError, new_id, validate_record

        problem = identifier_problem(note)
        if problem:
            raise RecordError("note", problem)
        now = utc_now()
        data = {"occurred_at": now, **fields, "id": new_id(), "created_at": now}
        data.setdefault("utc_offset_minutes", local_offset_minutes())
        situation = self.catalogue.situations.get(data.get("situation") or "")
        if situation is None:
            message = (
                f"Situation inconnue : « {data['situation']} »."
                if data.get("situation")
                else "Choisissez une situation."
            )
            raise RecordError("situation", message)
        if not data.get("partners"):
            data["partners"] = list(situation.partners[:1])
        self._check_place(data.get("place"), data.get("supersedes"))
        if data.get("supersedes") is not None:
            self._check_corrector(str(data["supersedes"]))
        record: ContactRecord = validate_record(
            data, catalogue=self.catalogue, now=now, communes=load_communes()
        )
        return record

    def _check_corrector(self, old_id: str) -> None:
        """Only a responsable corrects or deletes a contact recorded on another workstation of the
        structure (pulled from the server): the agents of one workstation answer for their own."""
        from app.models.record import RecordError

        old = self.db.execute("SELECT origin FROM contacts WHERE id = ?", [old_id]).fetchone()
        if old is None or old[0] is None:
            return
        reason = refusal(Workstation(self.db).current_agent, Rule.OTHER_WORKSTATION_CONTACT)
        if reason is not None:
            raise RecordError("supersedes", reason)

    def _check_place(self, place: Any, supersedes: Any) -> None:
        """A contact happens at the structure's commune or at one of the bus's stops, never at a
        typed place (where a name could be written); a correction may keep the place of the contact
        it corrects, a stop since removed from the round. An empty place is the record's to refuse."""
        from app.models.record import RecordError

        places = Workstation(self.db).places()
        if not place or place in places:
            return
        if supersedes is not None:
            old = self.db.execute("SELECT place FROM contacts WHERE id = ?", [str(supersedes)]).fetchone()
            if old is not None and old[0] == place:
                return
        if not places:
            raise RecordError(
                "place", "Le poste n'est pas encore configuré : choisissez d'abord la structure."
            )
        raise RecordError("place", f"Lieu inconnu pour ce poste. Lieux possibles : {', '.join(places)}.")

    def add(self, fields: Mapping[str, Any], note: str = "") -> ContactRecord:
        record = self.prepare(fields, note)
        with transaction(self.db):
            self.insert(record, note)
        return record

    def add_many(self, records: list[tuple[ContactRecord, str]]) -> None:
        """Several prepared records in one transaction (demo data, imports)."""
        with transaction(self.db):
            self.insert_many([(record, note, None) for record, note in records])

    def correct(self, old_id: str, fields: Mapping[str, Any], note: str = "") -> ContactRecord:
        return self.add({**fields, "supersedes": old_id}, note)

    def prepare_pass_flag(self, old_id: str) -> tuple[ContactRecord, str] | None:
        """The correction that flags a contact "Pass numérique remis" and its note, for the caller to
        `insert` in its own transaction; None if the contact is already flagged."""
        from app.models.record import RecordError

        old = self.get(old_id)
        if old is None:
            raise RecordError("contact", "Ce contact n'existe pas.")
        if old.pass_numerique:
            return None
        keep = old.carried_over()
        note = self.note(old_id)
        return self.prepare({**keep, "pass_numerique": True, "supersedes": old_id}, note), note

    def delete(self, old_id: str) -> ContactRecord:
        """Remove a mistaken contact by recording a tombstone that supersedes it."""
        from app.models.record import RecordError

        old = self.get(old_id)
        if old is None:
            raise RecordError("supersedes", "Ce contact n'existe pas.")
        keep = old.carried_over()
        return self.add({**keep, "supersedes": old_id, "deleted": True})

    def insert(self, record: ContactRecord, note: str, origin: str | None = None) -> None:
        """Write a prepared record, inside the caller's transaction: this workstation's own with its
        outbox row; one of another workstation (`origin`, pulled from the server) without, since it
        is already on the server, and without a note, since notes never leave their workstation.
        Either way a correction or a tombstone supersedes the contact it replaces."""
        self.insert_many([(record, note, origin)])

    def insert_many(self, records: Iterable[tuple[ContactRecord, str, str | None]]) -> None:
        """Write prepared (record, note, origin) in their order, inside the caller's transaction, each
        as `insert` says. The rows are written together, one `executemany` per table, which is what
        makes a page of the structure's feed or a batch of demo contacts cheap; the rows waiting are
        written before a correction or a tombstone looks for the contact it supersedes, which may be
        among them."""
        waiting: list[tuple[dict[str, Any], list[str], bool]] = []
        for record, note, origin in records:
            superseded = False
            if record.supersedes:
                self._write(waiting)
                waiting = []
                superseded = self._supersede(record, origin)
            waiting.append((self._row(record, note, origin, superseded), record.partners, record.deleted))
        self._write(waiting)

    def _supersede(self, record: ContactRecord, origin: str | None) -> bool:
        """Retire what `record` outranks (`app.models.versions.supersede`: the contact it corrects or
        deletes, or a rival correction made offline elsewhere); whether `record` itself is outranked."""
        outranked, retired = supersede(
            self.db,
            "contacts",
            str(record.supersedes),
            (db_time(record.created_at), str(record.id)),
            _REFUSED,
            pulled=origin is not None,
        )
        for record_id in retired:
            self._retire(record_id)
        return outranked

    @staticmethod
    def _row(record: ContactRecord, note: str, origin: str | None, superseded: bool) -> dict[str, Any]:
        """The `contacts` row of a record: the wire fields, then what only this workstation keeps."""
        row = record.model_dump(mode="json")
        row.update(
            created_at=db_time(record.created_at),
            occurred_at=db_time(record.occurred_at),
            partners=json.dumps(record.partners),
            note=None if origin else note.strip() or None,
            origin=origin,
            superseded=int(superseded),
        )
        return row

    def _write(self, rows: list[tuple[dict[str, Any], list[str], bool]]) -> None:
        """Insert (row, partners, deleted) with their `contact_partners` rows (current unless the
        contact is a tombstone or superseded) and, for this workstation's own, their outbox rows."""
        if not rows:
            return
        # every row has the record's fields, in the model's order
        write_records(self.db, "contacts", "contact", [row for row, _, _ in rows])
        self.db.conn.executemany(
            "INSERT INTO contact_partners (contact_id, partner, occurred_at, current) VALUES (?, ?, ?, ?)",
            [
                (row["id"], partner, row["occurred_at"], int(not deleted and not row["superseded"]))
                for row, partners, deleted in rows
                for partner in partners
            ],
        )

    def _retire(self, record_id: str) -> None:
        self.db.execute("UPDATE contact_partners SET current = 0 WHERE contact_id = ?", [record_id])

    def get(self, record_id: str) -> ContactRecord | None:
        return self.records([record_id]).get(record_id)

    def records(self, record_ids: list[str]) -> dict[str, ContactRecord]:
        """Records by id as they travel (no note, no local flags), in one query."""
        from app.models.record import ContactRecord

        found = {}
        marks = ", ".join("?" * len(record_ids))
        for row in self.db.query(f"SELECT * FROM contacts WHERE id IN ({marks})", record_ids):
            del row["note"], row["superseded"], row["origin"]
            row["partners"] = json.loads(row["partners"])
            found[row["id"]] = ContactRecord.from_row(row)
        return found

    def workstation_labels(self) -> dict[str, str]:
        """The label of each other workstation of the structure whose records were pulled here."""
        return {
            workstation: label or "autre poste"
            for workstation, label in self.db.execute("SELECT id, label FROM other_workstations")
        }

    def note(self, record_id: str) -> str:
        row = self.db.execute("SELECT note FROM contacts WHERE id = ?", [record_id]).fetchone()
        return (row[0] or "") if row else ""

    def page(
        self, where: ContactFilter, after: tuple[str, str] | None = None, limit: int = PAGE_SIZE
    ) -> list[ContactRow]:
        """The newest current contacts matching `where`, older than the `after` cursor."""
        sql, params, time_column, id_column = where.query(_ROW_COLUMNS)
        if after is not None:
            sql += f" AND ({time_column}, {id_column}) < (?, ?)"
            params += list(after)
        cursor = self.db.execute(
            f"{sql} ORDER BY {time_column} DESC, {id_column} DESC LIMIT ?",
            [*params, limit],
        )
        return [_row(values) for values in cursor]

    def iter_current(self, where: ContactFilter) -> Iterator[ContactRow]:
        after = None
        while page := self.page(where, after, 1000):
            yield from page
            after = page[-1].cursor

    def count(self, where: ContactFilter) -> int:
        sql, params, _, _ = where.query("count(*)")
        return int(self.db.execute(sql, params).fetchone()[0])
