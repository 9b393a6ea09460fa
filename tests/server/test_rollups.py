"""The counts of current contacts kept at ingest (`app.server.rollups`) are exactly a full recount with
the rule of current versions, whatever the corrections, deletions, rival corrections and arrival
order (with their minutes and weekday × hour); migrations 0010 and 0018 fill them from the contacts
already stored; the reporting's queries read them
per structure, département and nation over any period."""

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import Engine, select

from app.server.accounts import create_structure, issue_code
from app.server.accounts import enrol as enrol_in_database
from app.server.database import open_database, upgrade
from app.server.ingest import ingest
from app.server.rollups import active_structures, by_departement, by_month, current
from app.server.schema import contact_counts, contact_weeks, departement_counts, records, structures
from app.server.scope import Scope
from tests.server.helpers import contact, downgrade, items, workstations

NATIONAL = Scope()
SITUATIONS = ["declarer-impots", "naissance", "demenagement", "chercher-emploi"]
PARTNERS = ["caf", "dgfip", "msa", "france-travail", "la-poste"]
# 31 October 23:30 UTC is November in Paris: a correction moving a contact across that edge moves its count.
MOMENTS = [
    datetime(2026, 10, 12, 9, 0, tzinfo=UTC),
    datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
    datetime(2026, 11, 10, 9, 30, tzinfo=UTC),
]


def _recount(engine: Engine) -> Counter:
    """The counts from scratch: every current contact, with the same rule the summaries always used."""
    counted: Counter = Counter()
    with engine.connect() as connection:
        rows = connection.execute(select(records).where(current(records))).mappings().all()
    for row in rows:
        key = (row["structure"], row["local_month"])
        counted[(*key, "total", "")] += 1
        for name in ("situation", "channel", "outcome", "place", "help_kind", "agent"):
            counted[(*key, name, row[name])] += 1
        for flag in ("non_recours", "pass_numerique"):
            if row[flag]:
                counted[(*key, flag, "")] += 1
        for partner in row["partners"]:
            counted[(*key, "partner", partner)] += 1
        local = datetime.fromisoformat(row["occurred_at"]) + timedelta(minutes=row["utc_offset_minutes"])
        counted[(*key, "weekday_hour", f"{local.weekday()}-{local.hour:02d}")] += 1
        counted[(*key, "minutes", "")] += row["duration_minutes"]
    return counted


def _kept(engine: Engine) -> Counter:
    """The structures' counts kept at ingest, with their weeks' hours as counts under `weekday_hour`;
    checks on the way that the départements' counts are their sums, and that no week keeps an
    hour at 0."""
    with engine.connect() as connection:
        rows = connection.execute(select(contact_counts)).all()
        weeks = connection.execute(select(contact_weeks)).all()
        kept_by_departement = connection.execute(select(departement_counts)).all()
        departement_of = dict(
            connection.execute(select(structures.c.matricule, structures.c.departement)).all()
        )
    kept = Counter({(s, month, dimension, value): n for s, month, dimension, value, n in rows if n})
    summed: Counter = Counter()
    for (structure, *key), n in kept.items():
        summed[(departement_of[structure], *key)] += n
    assert Counter({tuple(key): n for *key, n in kept_by_departement if n}) == summed
    for structure, month, hours in weeks:
        week = json.loads(hours)
        assert week and all(week.values()), "an emptied week or hour is deleted"
        kept.update({(structure, month, "weekday_hour", hour): n for hour, n in week.items()})
    return kept


def _version(rng: random.Random, base: datetime, **fields) -> dict:
    return contact(
        id=uuid4(),
        created_at=base,
        occurred_at=rng.choice(MOMENTS),
        situation=rng.choice(SITUATIONS),
        partners=rng.sample(PARTNERS, rng.randint(1, 3)),
        channel=rng.choice(["sur-place", "telephone"]),
        duration_minutes=rng.choice([1, 5, 15, 45, 90]),
        utc_offset_minutes=rng.choice([60, 240, -240]),  # Paris, La Réunion, Martinique
        non_recours=rng.random() < 0.3,
        pass_numerique=rng.random() < 0.3,
        **fields,
    )


def _ingest_history(engine: Engine, seed: int) -> None:
    """A `_history` sent in batches of 10, from two workstations in turn."""
    senders = workstations(engine, "accueil", "bus")
    history = _history(random.Random(seed))
    for start in range(0, len(history), 10):
        ingest(engine, senders[start % 2], items(*history[start : start + 10]), None)


def _history(rng: random.Random) -> list[dict]:
    """Originals, corrections, corrections of corrections, deletions and rival corrections of one
    version made on two workstations offline (some at the very same second: the id decides)."""
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    made: list[dict] = []
    for n in range(40):
        made.append(_version(rng, start + timedelta(minutes=n)))
    for _ in range(60):
        old = rng.choice(made)
        at = start + timedelta(hours=1, minutes=rng.randint(0, 30))
        if rng.random() < 0.2:
            made.append(contact(id=uuid4(), created_at=at, supersedes=old["id"], deleted=True))
        else:
            made.append(_version(rng, at, supersedes=old["id"]))
    rng.shuffle(made)
    return made


@pytest.mark.parametrize("seed", range(6))
def test_counts_kept_at_ingest_equal_a_full_recount(database_url, seed) -> None:
    rng = random.Random(seed)
    engine = open_database(database_url)
    try:
        senders = workstations(engine, "accueil", "bus")
        history = _history(rng)
        while history:
            size = rng.randint(1, 12)
            batch, history = history[:size], history[size:]
            answer = ingest(engine, rng.choice(senders), items(*batch), None)
            assert {result["status"] for result in answer["results"]} == {"accepted"}
        expected = _recount(engine)
        assert expected[("3", "2026-11", "total", "")] > 0  # the scenario leaves something to count
        assert _kept(engine) == expected
    finally:
        engine.dispose()


def test_a_resent_batch_moves_no_count(database_url) -> None:
    engine = open_database(database_url)
    try:
        (sender,) = workstations(engine, "accueil")
        original = contact()
        correction = contact(supersedes=original["id"], situation="naissance")
        ingest(engine, sender, items(original, correction), None)
        ingest(engine, sender, items(original, correction), None)  # the answer was lost: sent again
        assert _kept(engine)[("3", "2026-11", "total", "")] == 1
        assert _kept(engine) == _recount(engine)
    finally:
        engine.dispose()


def test_a_contact_whose_correction_came_first_is_not_counted(database_url) -> None:
    """A batch that supersedes nothing is not read back (`rollups._new_current`): its contact is
    still left out when a correction of it, sent first from another workstation, is stored."""
    engine = open_database(database_url)
    try:
        first, second = workstations(engine, "accueil", "bus")
        original = contact()
        correction = contact(supersedes=original["id"], situation="naissance")
        ingest(engine, first, items(correction), None)
        ingest(engine, second, items(original, contact(situation="demenagement")), None)
        kept = _kept(engine)
        assert kept[("3", "2026-11", "total", "")] == 2
        assert kept[("3", "2026-11", "situation", "declarer-impots")] == 0
        assert kept == _recount(engine)
    finally:
        engine.dispose()


def test_migration_0009_fills_the_counts_from_the_stored_contacts(database_url) -> None:
    engine = open_database(database_url)
    try:
        _ingest_history(engine, 99)
        expected = _recount(engine)
        downgrade(engine, "0009_web_accounts")
        upgrade(engine)
        assert _kept(engine) == expected
    finally:
        engine.dispose()


def test_migration_0018_fills_the_minutes_and_the_week_from_the_stored_contacts(database_url) -> None:
    engine = open_database(database_url)
    try:
        _ingest_history(engine, 18)
        expected = _recount(engine)
        assert any(key[2] == "weekday_hour" for key in expected)
        downgrade(engine, "0017_compact_counts")
        with engine.connect() as connection:
            dimensions = set(connection.execute(select(contact_counts.c.dimension).distinct()).scalars())
        assert "minutes" not in dimensions
        upgrade(engine)
        assert _kept(engine) == expected
    finally:
        engine.dispose()


def test_national_departement_and_structure_figures(database_url) -> None:
    engine = open_database(database_url)
    try:
        (aisne,) = workstations(engine, "accueil")  # structure 3, Aisne (02)
        create_structure(engine, "59", "Maubeuge", "59", False)
        issued = enrol_in_database(engine, issue_code(engine, "59"), str(uuid4()), "nord")
        assert issued is not None
        nord = issued[1]
        ingest(engine, aisne, items(contact(), contact(partners=["caf", "msa"])), None)
        october = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
        ingest(
            engine,
            nord,
            items(
                contact(structure="59", partners=["caf"]),
                contact(structure="59", occurred_at=october, created_at=october),
            ),
            None,
        )
        with engine.connect() as connection:
            first, last = "2026-10", "2026-12"
            assert by_month(connection, NATIONAL, "total", first, last) == {
                "2026-10": {"": 1},
                "2026-11": {"": 3},
            }
            assert by_month(connection, NATIONAL, "partner", first, last) == {
                "2026-10": {"dgfip": 1},
                "2026-11": {"caf": 2, "dgfip": 1, "msa": 1},
            }
            assert by_month(connection, Scope(frozenset({"02"})), "total", first, last) == {
                "2026-11": {"": 2}
            }
            assert by_month(connection, Scope(structure="59"), "total", "2026-11", "2026-11") == {
                "2026-11": {"": 1}
            }
            assert by_departement(connection, NATIONAL, first, last) == {"02": {"": 2}, "59": {"": 2}}
            assert by_departement(connection, Scope(frozenset({"59"})), first, last, per_month=True) == {
                "59": {"2026-10": 1, "2026-11": 1}
            }
            assert by_departement(connection, Scope(structure="59"), first, last) == {}
    finally:
        engine.dispose()


def test_a_count_fallen_to_zero_is_not_shown(database_url) -> None:
    """A contact corrected into another month leaves a zero in the first month: no such value shown;
    the structure's rows at zero are deleted (its `total` row means contacts: the active structures),
    the département's kept and skipped."""
    engine = open_database(database_url)
    try:
        (sender,) = workstations(engine, "accueil")
        original = contact()
        october = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
        ingest(engine, sender, items(original), None)
        ingest(engine, sender, items(contact(supersedes=original["id"], occurred_at=october)), None)
        with engine.connect() as connection:
            assert by_month(connection, NATIONAL, "situation", "2026-10", "2026-11") == {
                "2026-10": {"declarer-impots": 1}
            }
            assert connection.execute(select(contact_counts).where(contact_counts.c.n == 0)).all() == []
            totals = select(contact_counts.c.local_month).where(contact_counts.c.dimension == "total")
            assert connection.execute(totals).scalars().all() == ["2026-10"]
            assert active_structures(connection, NATIONAL, "2026-11", "2026-11") == 0
            assert active_structures(connection, NATIONAL, "2026-10", "2026-10") == 1
            zeros = connection.execute(select(departement_counts).where(departement_counts.c.n == 0)).all()
            assert {row.local_month for row in zeros} == {"2026-11"}  # kept, and skipped
    finally:
        engine.dispose()
