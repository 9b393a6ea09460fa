"""Counts of current contacts per structure × month × dimension, kept at ingest, and the queries of the
reporting that read them (a structure's Synthèse, a département's or the nation's months).

Why roll-ups: at national scale (~10 million contacts a year) counting the contacts per page view takes
tens of seconds; a table of counts per structure and month (`schema.contact_counts`) answers in
milliseconds whatever the number of contacts.

Exactness: only current contacts count (`current`: not deleted, not superseded, not outranked by a
later (created_at, id) rival — the rule the workstations apply, `app.models.versions`). A new record
can only change whether these are current: itself, the version it supersedes and that version's other
successors (its rivals). So ingest asks, for those records only, which are current before and after it
writes the batch (`counting`), and moves each one that changed in or out of the counts. Being current
never comes back once lost, and a structure's batches are serialised by its counter lock, so the
counts are exactly those of a full recount (a test compares them).

The départements' counts (`departement_counts`) are the sums of their structures' counts, kept in the
same transaction, so that national and département figures read ~100 rows per month and value rather
than ~2,800. They follow the structure's département at ingest: a structure that a newer ANCT list
moves to another département keeps its past contacts in the former one.
"""

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Table, and_, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app.server.schema import contact_counts, departement_counts, records, structures

# The counted dimensions of a contact, its own columns first; `total` and the flags have the value ''.
COLUMN_DIMENSIONS = ("situation", "channel", "outcome", "place", "help_kind", "agent")
FLAGS = ("non_recours", "pass_numerique")
DIMENSIONS = ("total", "partner", *COLUMN_DIMENSIONS, *FLAGS)
_IN_CHUNK = 500  # ids per IN (...) list
_UPSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_QUARTER = re.compile(r"([0-9]{4})-[TQ]([1-4])")
_YEAR = re.compile(r"[0-9]{4}")

Key = tuple[str, str, str]  # (local_month, dimension, value)


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


@contextmanager
def counting(
    connection: Connection, structure: str, departement: str, contacts: list[dict]
) -> Iterator[None]:
    """Around the writing of a batch's new `contacts` (rows of `records`, all of `structure`, in
    `departement`): the counts moved by what the batch changes, in the same transaction. Must run under
    the structure's counter lock (`app.server.ingest._number`), which orders the batches of a
    structure; the département's rows are taken last, in key order, and held only until commit."""
    if not contacts:
        yield
        return
    ids = {row["id"] for row in contacts}
    versions = {row["supersedes"] for row in contacts if row["supersedes"]}
    before = _current_keys(connection, structure, set(), versions)  # the batch's ids are all new
    yield
    after = _current_keys(connection, structure, ids, versions)
    moves: Counter[Key] = Counter()
    for record_id in after.keys() - before.keys():
        moves.update(after[record_id])
    for record_id in before.keys() - after.keys():
        moves.subtract(before[record_id])
    _add(connection, structure, departement, {key: n for key, n in moves.items() if n})


def _current_keys(
    connection: Connection, structure: str, ids: set[str], versions: set[str]
) -> dict[str, list[Key]]:
    """The current ones among the records `ids`, the `versions` superseded and their successors, each
    with the counts it adds."""
    found: dict[str, list[Key]] = {}
    columns = [
        records.c.id,
        records.c.local_month,
        records.c.partners,
        *(records.c[name] for name in COLUMN_DIMENSIONS),
    ]
    touched = sorted(ids | versions)
    successors = sorted(versions)
    for chunk in _chunks(touched):  # no query at all for a batch of new contacts without corrections
        query = select(*columns, *(records.c[flag] for flag in FLAGS)).where(
            records.c.structure == structure, records.c.id.in_(chunk), current(records)
        )
        _collect(connection.execute(query), found)
    for chunk in _chunks(successors):
        query = select(*columns, *(records.c[flag] for flag in FLAGS)).where(
            records.c.structure == structure, records.c.supersedes.in_(chunk), current(records)
        )
        _collect(connection.execute(query), found)
    return found


def _collect(rows: Iterable, found: dict[str, list[Key]]) -> None:
    for row in rows:
        month = row.local_month
        keys = [(month, "total", "")]
        keys += [(month, name, row._mapping[name]) for name in COLUMN_DIMENSIONS]
        keys += [(month, flag, "") for flag in FLAGS if row._mapping[flag]]
        keys += [(month, "partner", partner) for partner in row.partners]
        found[row.id] = keys


def _add(connection: Connection, structure: str, departement: str, moves: dict[Key, int]) -> None:
    """Add `moves` to the structure's and the département's counts, rows in key order (one lock order
    for every writer: two batches of one département never wait for each other in a cycle)."""
    if not moves:
        return
    ordered = sorted(moves.items())
    upsert = _UPSERTS[connection.dialect.name]
    for table, owner, key in (
        (contact_counts, structure, "structure"),
        (departement_counts, departement, "departement"),
    ):
        rows = [
            {key: owner, "local_month": month, "dimension": dimension, "value": value, "n": n}
            for (month, dimension, value), n in ordered
        ]
        statement = upsert(table)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c[key], table.c.local_month, table.c.dimension, table.c.value],
                set_={"n": table.c.n + statement.excluded.n},
            ),
            rows,
        )


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


# --- Reading the counts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose contacts: one structure, some départements, or (neither) the whole nation."""

    structure: str | None = None
    departements: tuple[str, ...] = ()


NATIONAL = Scope()


def months(period: str) -> tuple[str, str]:
    """The first and last month (`YYYY-MM`) of a period: a month `2026-11`, a quarter `2026-T4` (or
    `2026-Q4`), a year `2026`, or a range `2026-03..2026-11`. ValueError (French) otherwise."""
    first, _, last = period.partition("..")
    if last:
        if not (_MONTH.fullmatch(first) and _MONTH.fullmatch(last)) or first > last:
            raise ValueError(f"Période invalide : « {period} » (AAAA-MM..AAAA-MM attendu, dans l'ordre).")
        return first, last
    if _MONTH.fullmatch(period):
        return period, period
    quarter = _QUARTER.fullmatch(period)
    if quarter:
        year, n = quarter.group(1), int(quarter.group(2))
        return f"{year}-{3 * n - 2:02d}", f"{year}-{3 * n:02d}"
    if _YEAR.fullmatch(period):
        return f"{period}-01", f"{period}-12"
    raise ValueError(
        f"Période invalide : « {period} » (un mois AAAA-MM, un trimestre AAAA-T1 à T4, une année AAAA "
        "ou AAAA-MM..AAAA-MM attendu)."
    )


def _where(table: Table, scope: Scope, dimension: str, first: str, last: str) -> list[ColumnElement[bool]]:
    conditions = [
        table.c.dimension == dimension,
        table.c.local_month >= first,
        table.c.local_month <= last,
        table.c.n != 0,
    ]
    if scope.structure is not None:
        conditions.append(table.c.structure == scope.structure)
    elif scope.departements:
        conditions.append(table.c.departement.in_(scope.departements))
    return conditions


def by_month(
    connection: Connection, scope: Scope, dimension: str, first: str, last: str
) -> dict[str, dict[str, int]]:
    """Per month of [first, last] that has contacts, the count of current contacts per value of
    `dimension` (one of DIMENSIONS; `total` and the flags have the single value ''). A structure's are
    read from its own counts, the others' from the départements' (about 100 rows per value)."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    table = contact_counts if scope.structure is not None else departement_counts
    query = (
        select(table.c.local_month, table.c.value, func.sum(table.c.n))
        .where(*_where(table, scope, dimension, first, last))
        .group_by(table.c.local_month, table.c.value)
        .order_by(table.c.local_month, table.c.value)
    )
    found: dict[str, dict[str, int]] = {}
    for month, value, count in connection.execute(query):
        if count:
            found.setdefault(month, {})[value] = int(count)
    return found


def by_departement(
    connection: Connection, dimension: str, first: str, last: str
) -> dict[str, dict[str, int]]:
    """Per département, the count of current contacts of [first, last] per value of `dimension` (the
    map's colours, the national table of départements)."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    table = departement_counts
    query = (
        select(table.c.departement, table.c.value, func.sum(table.c.n))
        .where(*_where(table, NATIONAL, dimension, first, last))
        .group_by(table.c.departement, table.c.value)
    )
    found: dict[str, dict[str, int]] = {}
    for departement, value, count in connection.execute(query):
        if count:
            found.setdefault(departement, {})[value] = int(count)
    return found


def by_structure(connection: Connection, scope: Scope, first: str, last: str) -> dict[str, int]:
    """Per structure of `scope` with contacts in [first, last], its count of current contacts."""
    conditions = _where(contact_counts, Scope(structure=scope.structure), "total", first, last)
    if scope.departements:
        in_scope = select(structures.c.matricule).where(structures.c.departement.in_(scope.departements))
        conditions.append(contact_counts.c.structure.in_(in_scope))
    query = (
        select(contact_counts.c.structure, func.sum(contact_counts.c.n))
        .where(*conditions)
        .group_by(contact_counts.c.structure)
    )
    return {structure: int(count) for structure, count in connection.execute(query) if count}
