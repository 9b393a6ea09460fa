"""Counts of current contacts and escalations, and of the Pass numérique, per structure × month ×
dimension, kept at ingest, and the queries of the reporting that read them (a structure's Synthèse, a
département's or the nation's figures over any months).

Why roll-ups: at national scale (~10 million contacts a year) counting the contacts per page view takes
tens of seconds; a table of counts per structure and month (`schema.contact_counts`) answers in
milliseconds whatever the number of contacts.

Exactness: only current contacts (and escalations) count (`current`: not deleted, not superseded, not
outranked by a later (created_at, id) rival — the rule the workstations apply, `app.models.versions`). A new record
can only change whether these are current: itself, the version it supersedes and that version's other
successors (its rivals). So ingest asks, for those records only, which are current before and after it
writes the batch (`counting`), and moves each one that changed in or out of the counts (a batch that
supersedes nothing, almost every one, is not read back: `_new_current`). Being current
never comes back once lost, and a structure's batches are serialised by its counter lock, so the
counts are exactly those of a full recount (a test compares them).

The départements' counts (`departement_counts`) are the sums of their structures' counts, kept in the
same transaction, so that national and département figures read ~100 rows per month and value rather
than ~2,800. A structure that a newer ANCT list moves to another département takes its counts with it,
its escalations' deadlines counted again with the new département's holidays and time zone
(`move_structures`, in the import's transaction).

Escalations are counted the same way (sent, answered, answered late, per partner); whether a
still-waiting one (for an answer, or for a further one) is late depends on the moment of reading, so
those are kept apart with their deadline (`schema.waiting_escalations`) and counted when read. The Pass numérique records
are append-only: each new one adds to the counts, and the stock left is the running sum up to a month.
"""

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    any_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from app.models.escalations import ANSWERED, stored_clock
from app.models.record import COUNTED_FIELDS, COUNTED_FLAGS
from app.server.schema import (
    contact_counts,
    contact_weeks,
    departement_counts,
    departement_escalation_counts,
    departement_pass_counts,
    escalation_counts,
    escalations,
    pass_counts,
    records,
    structures,
    timestamp,
    waiting_escalations,
)
from app.server.scope import Scope, visible

# The counted dimensions of a contact, its own columns first; `total` and the flags have the value ''.
DIMENSIONS = ("total", "partner", *COUNTED_FIELDS, *COUNTED_FLAGS)
# Kept beside the counts for the Synthèses' duration and week table: the minutes with the public
# (value '', `n` their sum), and the contacts per weekday × hour of the agent's wall clock, the rule
# of local_month ("0-09": Monday, 9 h to 10 h; `weekday_hour`). A contact's hour is one of its keys,
# under WEEKDAY_HOUR, but it is kept in the structure's week (`schema.contact_weeks`, `_add_week`),
# not as a count.
MINUTES = "minutes"
WEEKDAY_HOUR = "weekday_hour"
# The counts of each kind: (per structure, per département).
COUNT_TABLES = (
    (contact_counts, departement_counts),
    (escalation_counts, departement_escalation_counts),
    (pass_counts, departement_pass_counts),
)
_IN_CHUNK = 500  # ids per IN (...) list

Key = tuple[str, str, str]  # (local_month, dimension, value)


@dataclass(frozen=True)
class _Current:
    """What a current record adds: its counts, and (a waiting escalation) its row of
    `waiting_escalations`."""

    keys: list[Key] | Counter[Key]  # each key once, or with what it adds
    waiting: dict[str, Any] | None = None


@dataclass(frozen=True)
class _Correctable:
    """A kind whose records are corrected by superseding versions: its table, the columns its counts
    read, what one current record adds, and its count tables."""

    table: Table
    columns: tuple[str, ...]
    adds: Callable[[Mapping[Any, Any], str, str], _Current]  # (row's columns, structure, département)
    counts: tuple[Table, Table]


def current(table: Table) -> ColumnElement[bool]:
    """Whether a record of a correctable `table` (contacts, escalations) is current: not deleted, not
    superseded, and not outranked by a later (created_at, id) record superseding the same version (two
    workstations changed it offline) — the rule the workstations apply as they pull
    (`app.models.versions`)."""
    superseding = table.alias(f"superseding_{table.name}")
    rival = table.alias(f"rival_{table.name}")
    return and_(
        table.c.deleted.is_(False),
        ~exists().where(
            and_(superseding.c.structure == table.c.structure, superseding.c.supersedes == table.c.id)
        ),
        ~exists().where(
            and_(
                rival.c.structure == table.c.structure,
                rival.c.supersedes == table.c.supersedes,
                or_(
                    rival.c.created_at > table.c.created_at,
                    and_(rival.c.created_at == table.c.created_at, rival.c.id > table.c.id),
                ),
            )
        ),
    )


def contact_keys(row: Mapping[Any, Any]) -> Counter[Key]:
    """What a current contact adds to each count (`row`: its stored row's columns, or those ingest
    writes): 1 to each of its counts, its duration to the month's minutes."""
    month = row["local_month"]
    keys = Counter(
        [
            (month, "total", ""),
            *((month, name, row[name]) for name in COUNTED_FIELDS),
            *((month, flag, "") for flag in COUNTED_FLAGS if row[flag]),
            *((month, "partner", partner) for partner in row["partners"]),
            (month, WEEKDAY_HOUR, weekday_hour(row["occurred_at"], row["utc_offset_minutes"])),
        ]
    )
    keys[(month, MINUTES, "")] = row["duration_minutes"]
    return keys


def weekday_hour(occurred_at: str, utc_offset_minutes: int) -> str:
    """ "0-09" for a contact on a Monday between 9 h and 10 h on the agent's wall clock (its UTC time,
    stored as text, plus its own offset: the workstation's `app.reports.aggregation` rule)."""
    local = datetime.fromisoformat(occurred_at) + timedelta(minutes=utc_offset_minutes)
    return f"{local.weekday()}-{local.hour:02d}"


def escalation_adds(row: Mapping[Any, Any], structure: str, departement: str) -> _Current:
    """The counts a current escalation adds, and its waiting row if it can still become late (waiting
    for an answer, or for a further one: `app.models.escalations.escalation_clock`). One first
    answered late is late for good: counted under `answered_late`, never among the waiting ones, so
    that it is counted late once."""
    month = row["local_month"]
    keys = [(month, "sent", ""), (month, "partner", row["partner"])]
    clock = stored_clock(row["status"], row["sent_at"], row["answered_at"], row["created_at"], departement)
    waiting = None
    if row["status"] in ANSWERED:
        keys.append((month, "answered", ""))
    if clock.answered_late:
        keys.append((month, "answered_late", ""))
    elif clock.deadline is not None:
        waiting = {
            "id": row["id"],
            "structure": structure,
            "local_month": month,
            "deadline": timestamp(clock.deadline),
        }
    return _Current(keys, waiting)


def pass_keys(kind: str, row: dict[str, Any]) -> list[tuple[Key, int]]:
    """What a new Pass numérique record adds: an issuance one, a ledger line its cheques and their
    value under its movement."""
    month = row["local_month"]
    if kind == "pass_issuance":
        return [((month, "issuances", ""), 1)]
    cheques = row["cheque_count"]
    return [
        ((month, "cheques", row["event"]), cheques),
        ((month, "value_cents", row["event"]), cheques * row["value_cents"]),
    ]


_CONTACTS = _Correctable(
    records,
    ("partners", *COUNTED_FIELDS, *COUNTED_FLAGS, "occurred_at", "utc_offset_minutes", "duration_minutes"),
    lambda row, _structure, _departement: _Current(contact_keys(row)),
    (contact_counts, departement_counts),
)
_ESCALATIONS = _Correctable(
    escalations,
    ("partner", "status", "sent_at", "answered_at", "created_at"),
    escalation_adds,
    (escalation_counts, departement_escalation_counts),
)
_CORRECTABLE = {"contact": _CONTACTS, "escalation": _ESCALATIONS}


@contextmanager
def counting(
    connection: Connection, structure: str, departement: str, new: dict[str, list[dict[str, Any]]]
) -> Iterator[set[str]]:
    """Around the writing of a batch's `new` rows per kind (all of `structure`, in `departement`):
    the counts moved by what the batch changes, in the same transaction. The caller adds the ids it
    inserted to the set this yields (a row of `new` that it did not insert was stored meanwhile by
    another structure's batch). Must run under the structure's counter lock
    (`app.server.ingest._number`), which orders the batches of a structure; the département's rows
    are taken last, in key order, and held only until commit."""
    touched = {
        kind: (
            {row["id"] for row in new.get(kind, [])},
            {row["supersedes"] for row in new.get(kind, []) if row["supersedes"]},
        )
        for kind in _CORRECTABLE
    }
    before = {
        kind: _current(connection, _CORRECTABLE[kind], structure, departement, set(), versions)
        for kind, (_ids, versions) in touched.items()  # the batch's ids are all new
    }
    inserted: set[str] = set()
    yield inserted
    for kind, (ids, versions) in touched.items():
        spec = _CORRECTABLE[kind]
        if versions:
            after = _current(connection, spec, structure, departement, ids & inserted, versions)
        else:
            after = _new_current(connection, spec, structure, departement, new.get(kind, []), inserted)
        moves: Counter[Key] = Counter()
        for record_id in after.keys() - before[kind].keys():
            moves.update(after[record_id].keys)
        for record_id in before[kind].keys() - after.keys():
            moves.subtract(before[kind][record_id].keys)
        _add(connection, spec.counts, structure, departement, moves)
        _wait(connection, before[kind], after)
    passes: Counter[Key] = Counter()
    for kind in ("pass_ledger", "pass_issuance"):
        for row in new.get(kind, []):
            for key, n in pass_keys(kind, row):
                passes[key] += n
    _add(connection, (pass_counts, departement_pass_counts), structure, departement, passes)


def _current(
    connection: Connection,
    spec: _Correctable,
    structure: str,
    departement: str,
    ids: set[str],
    versions: set[str],
) -> dict[str, _Current]:
    """The current ones among the records `ids`, the `versions` superseded and their successors, each
    with what it adds."""
    if not ids and not versions:
        return {}  # no query at all for a batch without records of this kind
    table = spec.table
    columns = [table.c.id, table.c.local_month, *(table.c[name] for name in spec.columns)]
    found: dict[str, _Current] = {}
    for column, values in ((table.c.id, sorted(ids | versions)), (table.c.supersedes, sorted(versions))):
        for chunk in _chunks(values):
            query = select(*columns).where(table.c.structure == structure, column.in_(chunk), current(table))
            for row in connection.execute(query).mappings():
                found[row["id"]] = spec.adds(row, structure, departement)
    return found


def _new_current(
    connection: Connection,
    spec: _Correctable,
    structure: str,
    departement: str,
    rows: list[dict[str, Any]],
    inserted: set[str],
) -> dict[str, _Current]:
    """What `_current` finds among a batch's new `rows` of a kind when none of them supersedes
    anything (almost every batch), without reading them back: each one inserted is current unless it
    is deleted or a stored record already supersedes it (a correction that came first). Without a
    `supersedes` it has no rival. One look-up on the superseded index, none when nothing was
    inserted."""
    mine = [row for row in rows if row["id"] in inserted and not row["deleted"]]
    if not mine:
        return {}
    table = spec.table
    postgres = connection.dialect.name == "postgresql"
    superseded = set(
        connection.execute(
            select(table.c.supersedes).where(
                table.c.structure == structure,
                among(table.c.supersedes, [row["id"] for row in mine], postgres),
            )
        ).scalars()
    )
    return {row["id"]: spec.adds(row, structure, departement) for row in mine if row["id"] not in superseded}


def among(column: ColumnElement[Any], ids: list[str], postgres: bool) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL as `= ANY(array)`, one parameter instead of one per id (the
    driver parses every parameter of a statement on each call)."""
    if postgres:
        return column == any_(cast(bindparam("ids", ids), postgresql.ARRAY(postgresql.UUID(as_uuid=False))))
    return column.in_(ids)


def _wait(connection: Connection, before: dict[str, _Current], after: dict[str, _Current]) -> None:
    """Keep `waiting_escalations` to the current waiting escalations."""
    gone = sorted(key for key in before.keys() - after.keys() if before[key].waiting)
    for chunk in _chunks(gone):
        connection.execute(delete(waiting_escalations).where(waiting_escalations.c.id.in_(chunk)))
    came = [waiting for key in sorted(after.keys() - before.keys()) if (waiting := after[key].waiting)]
    if came:
        connection.execute(insert(waiting_escalations), came)


def _add(
    connection: Connection, tables: tuple[Table, Table], structure: str, departement: str, moves: Counter[Key]
) -> None:
    """Add `moves` to the structure's and the département's counts of `tables`, rows in key order
    (one lock order for every writer: two batches of one département never wait for each other in a
    cycle)."""
    week = {key: n for key, n in moves.items() if key[1] == WEEKDAY_HOUR}
    if week:
        _add_week(connection, structure, week)
        moves = Counter({key: n for key, n in moves.items() if key[1] != WEEKDAY_HOUR})
    for table, owner in zip(tables, (structure, departement), strict=True):
        _upsert(connection, table, owner, moves)


def _add_week(connection: Connection, structure: str, moves: dict[Key, int]) -> None:
    """Add `moves` (keys under WEEKDAY_HOUR) to the structure's weeks: each month's row read, added
    to and written back, or deleted once empty. The structure's batches are serialised by its
    counter lock, so no other writer is on these rows."""
    table = contact_weeks
    per_month: dict[str, Counter[str]] = {}
    for (month, _dimension, hour), n in moves.items():
        per_month.setdefault(month, Counter())[hour] += n
    months = sorted(per_month)
    stored = dict(
        connection.execute(
            select(table.c.local_month, table.c.hours).where(
                table.c.structure == structure, table.c.local_month.in_(months)
            )
        ).all()
    )
    written, emptied = [], []
    for month in months:
        hours = Counter(json.loads(stored.get(month, "{}")))
        hours.update(per_month[month])
        kept = {hour: n for hour, n in sorted(hours.items()) if n}
        if kept:
            written.append({"structure": structure, "local_month": month, "hours": json.dumps(kept)})
        elif month in stored:
            emptied.append(month)
    if emptied:
        connection.execute(
            delete(table).where(table.c.structure == structure, table.c.local_month.in_(emptied))
        )
    if written:
        statement = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.structure, table.c.local_month],
                set_={"hours": statement.excluded.hours},
            ),
            written,
        )


def _upsert(connection: Connection, table: Table, owner: str, moves: Counter[Key]) -> None:
    """Add `moves` to `owner`'s rows of `table`, in key order. One statement: on PostgreSQL the keys
    travel as four arrays (`unnest`), as many parameters for ~1,300 keys (a batch spread over three
    years) as for one, where a row per key made ~1,300 statements. A structure's row that falls to 0
    goes (`_drop_zeros`)."""
    ordered = sorted((key, n) for key, n in moves.items() if n)
    if not ordered:
        return
    key = "structure" if "structure" in table.c else "departement"
    names = [key, "local_month", "dimension", "value", "n"]
    postgres = connection.dialect.name == "postgresql"
    statement: sqlite.Insert | postgresql.Insert
    if postgres:
        months, dimensions, values = ([k[i] for k, _n in ordered] for i in range(3))
        ns = [n for _k, n in ordered]
        keys = (
            func.unnest(
                cast(bindparam("months", months), postgresql.ARRAY(table.c.local_month.type)),
                cast(bindparam("dimensions", dimensions), postgresql.ARRAY(table.c.dimension.type)),
                cast(bindparam("values", values), postgresql.ARRAY(table.c.value.type)),
                cast(bindparam("ns", ns), postgresql.ARRAY(table.c.n.type)),
            )
            .table_valued("local_month", "dimension", "value", "n", with_ordinality="ordinal")
            .render_derived()
        )
        rows = select(literal(owner, table.c[key].type), *(keys.c[name] for name in names[1:]))
        statement = postgresql.insert(table).from_select(names, rows.order_by(keys.c.ordinal))
    else:
        statement = sqlite.insert(table)
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in names[:-1]],
        set_={"n": table.c.n + statement.excluded.n},
    )
    if postgres:
        connection.execute(upsert)
    else:  # one row per key: SQLite has no arrays to unnest
        connection.execute(upsert, [dict(zip(names, (owner, *k, n), strict=True)) for k, n in ordered])
    if key == "structure":
        _drop_zeros(connection, table, owner, sorted({k[0] for k, n in ordered if n < 0}))


def _drop_zeros(connection: Connection, table: Table, structure: str, months: list[str]) -> None:
    """Delete the structure's rows of `table` fallen to 0 in `months` (a record corrected into another
    month, deleted, or outranked). So a `total` row of `contact_counts` exists only while the
    structure has current contacts in its month: the active structures are read from its small
    index alone (`active_structures`), `n` being in no index of the structures' counts. Their batches
    are serialised by the structure's counter lock, so no other writer is on these rows."""
    if months:
        connection.execute(
            delete(table).where(
                table.c.structure == structure, table.c.local_month.in_(months), table.c.n == 0
            )
        )


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


# --- Reading the counts --------------------------------------------------------------------------


def _scoped(tables: tuple[Table, Table], scope: Scope) -> tuple[Table, list[ColumnElement[bool]]]:
    """The table of `tables` that answers `scope`, and the conditions that keep it to the scope: a
    structure's own counts, or the départements' (about 100 rows per month and value nationally)."""
    by_structure, by_departement = tables
    if scope.structure is not None:
        in_scope = select(structures.c.matricule).where(visible(scope))
        return by_structure, [by_structure.c.structure.in_(in_scope)]
    if scope.departements is not None:
        return by_departement, [by_departement.c.departement.in_(sorted(scope.departements))]
    return by_departement, []


def sums(
    connection: Connection,
    tables: tuple[Table, Table],
    scope: Scope,
    first: str | None,
    last: str,
    dimensions: Iterable[str],
) -> dict[str, dict[str, int]]:
    """Per dimension of `dimensions`, the counts of `scope` over the months [first, last] (`first`
    None: every month up to `last`) per value, zeros left out. One query."""
    table, conditions = _scoped(tables, scope)
    conditions += [table.c.dimension.in_(list(dimensions)), table.c.local_month <= last]
    if first is not None:
        conditions.append(table.c.local_month >= first)
    query = (
        select(table.c.dimension, table.c.value, func.sum(table.c.n))
        .where(*conditions)
        .group_by(table.c.dimension, table.c.value)
    )
    found: dict[str, dict[str, int]] = {}
    for dimension, value, count in connection.execute(query):
        if count:
            found.setdefault(dimension, {})[value] = int(count)
    return found


def week(connection: Connection, scope: Scope, first: str, last: str) -> dict[str, int]:
    """The current contacts of a structure's `scope` over the months [first, last] per weekday × hour
    ("0-09"), in that order."""
    table = contact_weeks
    in_scope = select(structures.c.matricule).where(visible(scope))
    rows = connection.execute(
        select(table.c.hours).where(table.c.structure.in_(in_scope), table.c.local_month.between(first, last))
    ).scalars()
    hours: Counter[str] = Counter()
    for row in rows:
        hours.update(json.loads(row))
    return dict(sorted(hours.items()))


def late_waiting(connection: Connection, scope: Scope, first: str, last: str, now: datetime) -> int:
    """How many current escalations of `scope` sent in [first, last] still wait past their deadline
    at `now` (read from the waiting ones only)."""
    table = waiting_escalations
    conditions = [
        table.c.local_month >= first,
        table.c.local_month <= last,
        table.c.deadline < timestamp(now),
    ]
    if scope.structure is not None or scope.departements is not None:
        conditions.append(table.c.structure.in_(select(structures.c.matricule).where(visible(scope))))
    return connection.execute(select(func.count()).where(*conditions)).scalar_one()


def by_month(
    connection: Connection, scope: Scope, dimension: str, first: str, last: str
) -> dict[str, dict[str, int]]:
    """Per month of [first, last] that has contacts, the count of current contacts of `scope` per value
    of `dimension` (one of DIMENSIONS; `total` and the flags have the single value '')."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    table, conditions = _scoped(COUNT_TABLES[0], scope)
    query = (
        select(table.c.local_month, table.c.value, func.sum(table.c.n))
        .where(*conditions, table.c.dimension == dimension, table.c.local_month.between(first, last))
        .group_by(table.c.local_month, table.c.value)
        .order_by(table.c.local_month, table.c.value)
    )
    found: dict[str, dict[str, int]] = {}
    for month, value, count in connection.execute(query):
        if count:
            found.setdefault(month, {})[value] = int(count)
    return found


def by_departement(
    connection: Connection, scope: Scope, first: str, last: str, per_month: bool = False
) -> dict[str, dict[str, int]]:
    """Per département of `scope` with contacts in [first, last], its count of current contacts
    (under the key '') or, `per_month`, its count per month (the map's colours, the public page)."""
    table = departement_counts
    month = table.c.local_month if per_month else literal("")
    conditions = [table.c.dimension == "total", table.c.local_month.between(first, last)]
    if scope.structure is not None:
        return {}  # a structure's scope has no département's figures
    if scope.departements is not None:
        conditions.append(table.c.departement.in_(sorted(scope.departements)))
    query = (
        select(table.c.departement, month, func.sum(table.c.n))
        .where(*conditions)
        .group_by(table.c.departement, month)
    )
    found: dict[str, dict[str, int]] = {}
    for departement, key, count in connection.execute(query):
        if count:
            found.setdefault(departement, {})[key] = int(count)
    return found


def active_structures(connection: Connection, scope: Scope, first: str, last: str) -> int:
    """How many structures of `scope` did anything in [first, last]: a contact, an escalation, a
    Pass numérique issuance or ledger line. The contacts' `total` rows of the period (one per
    structure and month, from their partial index alone) answer for almost every structure;
    only the others are looked up in the escalations' and the Pass numérique's counts."""
    with_contacts = select(contact_counts.c.structure).where(  # no row at 0 (`_drop_zeros`)
        contact_counts.c.dimension == "total", contact_counts.c.local_month.between(first, last)
    )

    def any_count(table: Table, dimensions: tuple[str, ...]) -> ColumnElement[bool]:
        return exists().where(
            table.c.structure == structures.c.matricule,
            table.c.local_month.between(first, last),
            table.c.dimension.in_(dimensions),
        )

    active = or_(
        structures.c.matricule.in_(with_contacts),
        any_count(escalation_counts, ("sent",)),
        any_count(pass_counts, ("issuances", "cheques")),
    )
    query = select(func.count()).select_from(structures).where(visible(scope), active)
    return connection.execute(query).scalar_one()


def move_structures(connection: Connection, moved: list[tuple[str, str, str]]) -> None:
    """Structures moved to another département by a newer ANCT list, as (structure, former, new):
    their counts leave the former département's and join the new one's, in the import's
    transaction. Rows are taken table by table in the order of ingest, and within a table in
    (département, key) order, so an import never waits in a cycle with a batch. Their escalations'
    deadlines are first counted again with the new département's holidays and time zone
    (`_recount_deadlines`)."""
    for by_structure, by_departement in COUNT_TABLES:
        if by_structure is escalation_counts:
            _recount_deadlines(connection, moved)
        per_departement: dict[str, Counter[Key]] = {}
        for structure, former, new in moved:
            rows = connection.execute(
                select(
                    by_structure.c.local_month,
                    by_structure.c.dimension,
                    by_structure.c.value,
                    by_structure.c.n,
                ).where(by_structure.c.structure == structure, by_structure.c.n != 0)
            )
            for month, dimension, value, n in rows:
                per_departement.setdefault(former, Counter())[(month, dimension, value)] -= n
                per_departement.setdefault(new, Counter())[(month, dimension, value)] += n
        for departement in sorted(per_departement):
            _upsert(connection, by_departement, departement, per_departement[departement])


def _recount_deadlines(connection: Connection, moved: list[tuple[str, str, str]]) -> None:
    """The current escalations of structures moved as (structure, former, new), counted again with
    the new département's business time: their waiting rows get the new deadlines, and a first
    answer that the new holidays make late (or on time) moves in (or out of) `answered_late`, in the
    structure's and the former département's counts, which the move then carries to the new one."""
    table = _ESCALATIONS.table
    columns = [table.c.id, table.c.local_month, *(table.c[name] for name in _ESCALATIONS.columns)]
    for structure, former, new in sorted(moved):
        moves: Counter[Key] = Counter()
        waiting = []
        rows = connection.execute(select(*columns).where(table.c.structure == structure, current(table)))
        for row in rows.mappings():
            before, after = escalation_adds(row, structure, former), escalation_adds(row, structure, new)
            moves.update(after.keys)
            moves.subtract(before.keys)
            if after.waiting:
                waiting.append(after.waiting)
        _add(connection, _ESCALATIONS.counts, structure, former, moves)
        connection.execute(delete(waiting_escalations).where(waiting_escalations.c.structure == structure))
        if waiting:
            connection.execute(insert(waiting_escalations), waiting)
