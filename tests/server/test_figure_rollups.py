"""Every figure of the dashboard is read from counts kept at ingest (`app.server.rollups`): the
escalations' and the Pass numérique's counts are exactly a full recount, whatever the status changes
made on two workstations offline; migration 0011 fills them from the records already stored; a
département's and the nation's figures are the sums of their structures'; a structure's last batch
tells the silent ones; a structure moved to another département by a newer list takes its figures
with it."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import Connection, Engine, delete, select, update

from app.models.escalations import escalation_figures, stored_clock
from app.models.reference import load_catalogue
from app.registry.anct_list import ListedStructure
from app.server.accounts import Workstation, create_structure, issue_code
from app.server.accounts import enrol as enrol_in_database
from app.server.database import open_database, upgrade
from app.server.figures import MonthRange, figures, structure_list
from app.server.ingest import ingest
from app.server.registry import import_structures
from app.server.rollups import COUNT_TABLES, current
from app.server.schema import (
    escalations,
    pass_issuances,
    pass_ledger,
    structures,
    timestamp,
    waiting_escalations,
)
from app.server.scope import Scope
from app.server.summary import monthly_summary
from app.server.web.tables import figure_tables
from tests.server.helpers import (
    contact,
    downgrade,
    escalation,
    items,
    pass_issuance,
    pass_line,
    status_change,
    workstations,
)

# Sent on a Friday before a Moselle-only holiday (Good Friday 2026 is 3 April) and around ordinary
# weeks: the deadline, hence "late", depends on the département and on the moment of reading.
SENT = [
    datetime(2026, 4, 2, 8, 0, tzinfo=UTC),
    datetime(2026, 10, 30, 15, 0, tzinfo=UTC),
    datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
]
NOWS = [
    datetime(2026, 4, 7, 8, 30, tzinfo=UTC),
    datetime(2026, 11, 4, 12, 0, tzinfo=UTC),
    datetime(2027, 1, 1, tzinfo=UTC),
]
MONTHS = ("2026-04", "2026-10", "2026-11")


def _second_structure(engine: Engine, matricule: str, departement: str) -> Workstation:
    create_structure(engine, matricule, f"France services {matricule}", departement, False)
    issued = enrol_in_database(engine, issue_code(engine, matricule), str(uuid4()), f"poste-{matricule}")
    assert issued is not None
    return issued[1]


def _escalation_history(rng: random.Random, structure: str) -> list[dict]:
    """Escalations sent, answered (on time or late), closed, set back to waiting, deleted, and
    changed on two workstations offline (rivals, some at the same second)."""
    made = []
    for _ in range(12):
        sent = rng.choice(SENT) + timedelta(minutes=rng.randint(0, 90))
        made.append(
            escalation(structure=structure, sent_at=sent, created_at=sent, partner=rng.choice(["caf", "msa"]))
        )
    for _ in range(18):
        old = rng.choice(made)
        sent = datetime.fromisoformat(old["sent_at"])
        at = sent + timedelta(hours=rng.randint(1, 200))
        if rng.random() < 0.15:
            kept = {key: old[key] for key in ("structure", "partner", "situation", "sent_at", "channel")}
            made.append(escalation(**kept, created_at=at, supersedes=old["id"], deleted=True))
            continue
        status = rng.choice(["repondu", "clos", "en-attente"])
        answered = None if status == "en-attente" else at
        made.append(
            status_change(old, status, answered, created_at=rng.choice([at, sent + timedelta(hours=2)]))
        )
    rng.shuffle(made)
    return made


def _recount(connection: Connection, matricule: str, month: str, now: datetime) -> dict:
    """The escalation figures the way they were computed before the counts: every current
    escalation of the month through the workstation's `escalation_figures`."""
    query = (
        select(
            escalations.c.partner,
            escalations.c.status,
            escalations.c.sent_at,
            escalations.c.answered_at,
            escalations.c.created_at,
            structures.c.departement,
        )
        .join(structures, structures.c.matricule == escalations.c.structure)
        .where(escalations.c.structure == matricule, escalations.c.local_month == month, current(escalations))
    )
    return escalation_figures(connection.execute(query), now)


def _can_still_be_late(connection: Connection) -> set[str]:
    """The current escalations waiting for an answer, or answered on time and waiting for a further
    one: those `waiting_escalations` keeps."""
    query = (
        select(
            escalations.c.id,
            escalations.c.status,
            escalations.c.sent_at,
            escalations.c.answered_at,
            escalations.c.created_at,
            structures.c.departement,
        )
        .join(structures, structures.c.matricule == escalations.c.structure)
        .where(current(escalations))
    )
    return {
        row.id
        for row in connection.execute(query)
        if row.status == "en-attente"
        or (
            row.status == "repondu"
            and not stored_clock(
                row.status, row.sent_at, row.answered_at, row.created_at, row.departement
            ).answered_late
        )
    }


def _escalation_keys(summary: dict) -> dict:
    return {key: summary[key] for key in summary if key.startswith("escalations_")}


def _departements_are_sums(connection: Connection) -> None:
    departement_of = dict(connection.execute(select(structures.c.matricule, structures.c.departement)).all())
    for by_structure, by_departement in COUNT_TABLES:
        summed: Counter = Counter()
        for structure, *key, n in connection.execute(select(by_structure)):
            summed[(departement_of[structure], *key)] += n
        kept = Counter({tuple(key): n for *key, n in connection.execute(select(by_departement)) if n})
        assert kept == Counter({key: n for key, n in summed.items() if n}), by_departement.name


@pytest.mark.parametrize("seed", range(4))
def test_escalation_counts_equal_a_full_recount(database_url, seed) -> None:
    rng = random.Random(seed)
    engine = open_database(database_url)
    try:
        aisne = workstations(engine, "accueil", "bus")
        moselle = _second_structure(engine, "57", "57")
        history = [(rng.choice(aisne), record) for record in _escalation_history(rng, "3")]
        history += [(moselle, record) for record in _escalation_history(rng, "57")]
        rng.shuffle(history)
        while history:
            size = rng.randint(1, 8)
            batch, history = history[:size], history[size:]
            for sender in {id(s): s for s, _ in batch}.values():
                records = [record for s, record in batch if s is sender]
                answer = ingest(engine, sender, items(*records, kind="escalation"), None)
                assert {result["status"] for result in answer["results"]} == {"accepted"}
        with engine.connect() as connection:
            for matricule in ("3", "57"):
                for month in MONTHS:
                    for now in NOWS:
                        expected = _recount(connection, matricule, month, now)
                        shown = _escalation_keys(monthly_summary(connection, matricule, month, now))
                        assert shown == expected, (matricule, month, now)
            waiting = set(connection.execute(select(waiting_escalations.c.id)).scalars())
            assert waiting == _can_still_be_late(connection)
            assert (
                sum(_recount(connection, "3", month, NOWS[-1])["escalations_sent"] for month in MONTHS) > 0
            )  # the scenario leaves something to count
            _departements_are_sums(connection)
    finally:
        engine.dispose()


def _pass_autumn(engine: Engine, sender: Workstation) -> None:
    """Booklets received in October and November, cheques handed out, returned and cancelled."""
    october = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    issued = pass_issuance(["A001", "A002"])
    records = [
        (
            "pass_ledger",
            pass_line("recu", [f"A{n:03d}" for n in range(1, 11)], booklet="A", occurred_at=october),
        ),
        (
            "pass_ledger",
            pass_line("recu", [f"B{n:03d}" for n in range(1, 6)], booklet="B", value_cents=20_00),
        ),
        ("pass_issuance", issued),
        ("pass_ledger", pass_line("remis", ["A001", "A002"], booklet="A", issuance=issued["id"])),
        ("pass_ledger", pass_line("annule", ["B001"], booklet="B", value_cents=20_00, reason="perdu")),
    ]
    for kind, record in records:
        answer = ingest(engine, sender, items(record, kind=kind), None)
        assert [result["status"] for result in answer["results"]] == ["accepted"], answer


def _pass_recount(connection: Connection, matricule: str, month: str) -> dict:
    """The Pass numérique figures straight from the ledger and the issuances."""
    ledger = (
        connection.execute(select(pass_ledger).where(pass_ledger.c.structure == matricule)).mappings().all()
    )
    in_month = [line for line in ledger if line["local_month"] == month]

    def cheques(lines, event: str) -> int:
        return sum(line["cheque_count"] for line in lines if line["event"] == event)

    to_date = [line for line in ledger if line["local_month"] <= month]
    issuances = connection.execute(
        select(pass_issuances.c.id).where(
            pass_issuances.c.structure == matricule, pass_issuances.c.local_month == month
        )
    ).all()
    return {
        "pass_issuances": len(issuances),
        "pass_cheques_received": cheques(in_month, "recu"),
        "pass_cheques_handed_out": cheques(in_month, "remis"),
        "pass_value_handed_out_cents": sum(
            line["cheque_count"] * line["value_cents"] for line in in_month if line["event"] == "remis"
        ),
        "pass_cheques_returned": cheques(in_month, "retour"),
        "pass_cheques_cancelled": cheques(in_month, "annule"),
        "pass_stock_left": cheques(to_date, "recu")
        - cheques(to_date, "remis")
        + cheques(to_date, "retour")
        - cheques(to_date, "annule"),
    }


def test_pass_counts_equal_a_recount_of_the_ledger(database_url) -> None:
    engine = open_database(database_url)
    try:
        (sender,) = workstations(engine, "accueil")
        _pass_autumn(engine, sender)
        with engine.connect() as connection:
            for month in ("2026-09", "2026-10", "2026-11", "2026-12"):
                summary = monthly_summary(connection, "3", month)
                expected = _pass_recount(connection, "3", month)
                assert {key: summary[key] for key in expected} == expected, month
            assert monthly_summary(connection, "3", "2026-11")["pass_stock_left"] == 10 + 5 - 2 - 1
            _departements_are_sums(connection)
    finally:
        engine.dispose()


def _tables(connection: Connection) -> dict:
    kept = {
        table.name: sorted(tuple(row) for row in connection.execute(select(table)) if row.n)
        for tables in COUNT_TABLES
        for table in tables
    }
    kept["waiting"] = sorted(connection.execute(select(waiting_escalations)).all())
    return kept


def test_migration_0011_fills_the_counts_from_the_stored_records(database_url) -> None:
    engine = open_database(database_url)
    try:
        senders = workstations(engine, "accueil", "bus")
        moselle = _second_structure(engine, "57", "57")
        rng = random.Random(11)
        for start, record in enumerate(_escalation_history(rng, "3")):
            ingest(engine, senders[start % 2], items(record, kind="escalation"), None)
        ingest(engine, moselle, items(*_escalation_history(rng, "57"), kind="escalation"), None)
        ingest(engine, senders[0], items(contact(), contact(partners=["caf", "msa"])), None)
        _pass_autumn(engine, senders[1])
        with engine.connect() as connection:
            expected = _tables(connection)
            received = structure_list(connection, Scope())
        assert expected["escalation_counts"] and expected["pass_counts"] and expected["waiting"]
        downgrade(engine, "0010_contact_counts")
        upgrade(engine)
        with engine.connect() as connection:
            assert _tables(connection) == expected
            assert structure_list(connection, Scope()) == received
    finally:
        engine.dispose()


def test_national_and_departement_figures_are_the_sums_of_their_structures(database_url) -> None:
    engine = open_database(database_url)
    try:
        (aisne,) = workstations(engine, "accueil")
        aisne_bis = _second_structure(engine, "4", "02")
        moselle = _second_structure(engine, "57", "57")
        rng = random.Random(5)
        for sender, matricule in ((aisne, "3"), (aisne_bis, "4"), (moselle, "57")):
            october = datetime(2026, 10, 12, 9, 0, tzinfo=UTC)
            contacts = [
                contact(
                    structure=matricule,
                    situation=rng.choice(["naissance", "demenagement", "declarer-impots"]),
                )
                for _ in range(rng.randint(2, 6))
            ]
            contacts += [
                contact(structure=matricule, occurred_at=october, created_at=october, outcome="oriente")
            ]
            ingest(engine, sender, items(*contacts), None)
            ingest(engine, sender, items(*_escalation_history(rng, matricule), kind="escalation"), None)
        _pass_autumn(engine, aisne)
        period, now = MonthRange("2026-10", "2026-11"), datetime(2026, 11, 20, tzinfo=UTC)
        with engine.connect() as connection:
            per_structure = {
                m: figures(connection, Scope(structure=m), period, now) for m in ("3", "4", "57")
            }
            for scope, members in ((Scope(), ("3", "4", "57")), (Scope(frozenset({"02"})), ("3", "4"))):
                shown = figures(connection, scope, period, now)
                assert shown["structures"] == len(members)
                for key, value in shown.items():
                    parts = [per_structure[m][key] for m in members]
                    if key == "solved_on_the_spot_share":
                        continue
                    if isinstance(value, dict):
                        summed = sum((Counter(part) for part in parts), Counter())
                        assert value == dict(summed) or Counter(value) == summed, key
                    else:
                        assert value == sum(parts), key
                assert "by_agent" not in shown and "by_place" not in shown
            assert per_structure["3"]["by_agent"] == {"Julie M.": per_structure["3"]["total"]}
    finally:
        engine.dispose()


def test_contacts_by_theme_of_the_catalogue(database_url) -> None:
    engine = open_database(database_url)
    try:
        (sender,) = workstations(engine, "accueil")
        situations = ["naissance", "naissance", "declarer-impots", "demenagement", "preparer-retraite"]
        ingest(engine, sender, items(*(contact(situation=s) for s in situations)), None)
        with engine.connect() as connection:
            shown = figures(connection, Scope(), MonthRange("2026-11", "2026-11"))
        assert shown["by_theme"] == {
            "etat-civil-famille": 2,
            "budget": 1,
            "formation-emploi-retraite": 1,
            "logement-mobilite-courrier": 1,
        }
        (themes,) = [
            table
            for table in figure_tables(shown, load_catalogue(), MonthRange("2026-11", "2026-11"))
            if table.slug == "theme"
        ]
        assert themes.headers == ("Thème", "Contacts", "Part")
        assert themes.rows[0] == ("État civil et famille", 2, "40\u202f%")
        assert themes.numeric_columns == {1, 2}, "the shares right-aligned with the counts"
    finally:
        engine.dispose()


def test_each_breakdown_is_labelled_from_its_own_list(database_url) -> None:
    """« autre » is a partner and a situation, « justice » a partner and a theme: the partners' table
    names the partners, not the situation or the theme that share their code."""
    engine = open_database(database_url)
    try:
        (sender,) = workstations(engine, "accueil")
        sent = [contact(situation="autre", partners=["autre"]), contact(partners=["justice"])]
        ingest(engine, sender, items(*sent), None)
        with engine.connect() as connection:
            shown = figures(connection, Scope(), MonthRange("2026-11", "2026-11"))
        tables = {
            table.slug: {label: n for label, n, _share in table.rows}
            for table in figure_tables(shown, load_catalogue(), MonthRange("2026-11", "2026-11"))
            if table.slug in ("partner", "situation")
        }
        assert tables["partner"] == {"Autre organisme (partenaire local)": 1, "Ministère de la Justice": 1}
        assert tables["situation"]["Autre demande"] == 1
    finally:
        engine.dispose()


def test_silent_structures_from_the_last_batch_received(database_url) -> None:
    engine = open_database(database_url)
    try:
        (sender,) = workstations(engine, "accueil")
        _second_structure(engine, "57", "57")
        answer = ingest(engine, sender, items(contact()), None)
        received = datetime.fromisoformat(answer["received_at"])
        with engine.connect() as connection:
            rows = {row["matricule"]: row for row in structure_list(connection, Scope(), now=received)}
            later = structure_list(connection, Scope(), now=received + timedelta(days=15))
        assert rows["3"]["last_record_at"] == timestamp(received) and not rows["3"]["silent"]
        assert rows["57"]["last_record_at"] is None and rows["57"]["silent"]  # enrolled, never sent
        assert [row["silent"] for row in later] == [True, True]
    finally:
        engine.dispose()


def test_a_structure_moved_to_another_departement_takes_its_figures(database_url) -> None:
    engine = open_database(database_url)
    try:
        (sender,) = workstations(engine, "accueil")  # structure 3, in the Aisne (02)
        ingest(engine, sender, items(contact(), contact(partners=["caf"])), None)
        ingest(engine, sender, items(escalation(), kind="escalation"), None)
        _pass_autumn(engine, sender)
        period = MonthRange("2026-10", "2026-11")
        with engine.connect() as connection:
            before = figures(connection, Scope(frozenset({"02"})), period)
        assert before["total"] == 2 and before["escalations_sent"] == 1 and before["pass_stock_left"] == 12
        # A newer list puts it in the Nord.
        import_structures(engine, [ListedStructure("3", "Thiérache Sambre et Oise", "59", itinerant=True)])
        with engine.connect() as connection:
            after = {code: figures(connection, Scope(frozenset({code})), period) for code in ("02", "59")}
            _departements_are_sums(connection)
        assert after["02"]["total"] == 0 and after["02"]["escalations_sent"] == 0
        assert after["02"]["pass_stock_left"] == 0
        assert {key: after["59"][key] for key in before} == before
    finally:
        engine.dispose()


def test_a_moved_structure_counts_its_deadlines_with_the_new_departements_holidays(database_url) -> None:
    """Sent on Thursday 2 April 2026 at 10:00 in Paris: in the Aisne the 72 business hours end on
    Wednesday 8 April (Easter Monday off), in Moselle on Thursday 9 (Good Friday off too). One still
    waits; the other was answered on Wednesday 8 at 12:00, late in the Aisne, on time in Moselle."""
    engine = open_database(database_url)
    try:
        (sender,) = workstations(engine, "accueil")  # structure 3, in the Aisne (02)
        sent = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
        waiting, answered = (escalation(sent_at=sent, created_at=sent) for _ in range(2))
        change = status_change(answered, "repondu", datetime(2026, 4, 8, 10, 0, tzinfo=UTC))
        for record in (waiting, answered, change):
            ingest(engine, sender, items(record, kind="escalation"), None)
        deadline = select(waiting_escalations.c.deadline).where(waiting_escalations.c.id == waiting["id"])
        with engine.connect() as connection:
            assert connection.execute(deadline).scalar_one() == "2026-04-08T08:00:00Z"
            assert monthly_summary(connection, "3", "2026-04", sent)["escalations_late"] == 1
        import_structures(engine, [ListedStructure("3", "Thiérache Sambre et Oise", "57", itinerant=True)])
        with engine.connect() as connection:
            assert connection.execute(deadline).scalar_one() == "2026-04-09T08:00:00Z"
            for now in (sent, datetime(2026, 4, 8, 12, 0, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)):
                expected = _recount(connection, "3", "2026-04", now)
                assert _escalation_keys(monthly_summary(connection, "3", "2026-04", now)) == expected
            assert _recount(connection, "3", "2026-04", sent)["escalations_late"] == 0
            assert _waiting_ids(connection) == _can_still_be_late(connection)
            _departements_are_sums(connection)
    finally:
        engine.dispose()


def _waiting_ids(connection: Connection) -> set[str]:
    return set(connection.execute(select(waiting_escalations.c.id)).scalars())


def test_migration_0015_counts_the_deadlines_again_with_the_new_rule(database_url) -> None:
    """Counts left by the former rule (a waiting row's deadline off by the machine's offset, an
    answered escalation not waiting for a further answer, an answer late by the former holidays) are
    counted again: the tables become those ingest keeps with the new rule."""
    engine = open_database(database_url)
    try:
        senders = workstations(engine, "accueil", "bus")
        moselle = _second_structure(engine, "57", "57")
        rng = random.Random(15)
        ingest(engine, senders[0], items(*_escalation_history(rng, "3"), kind="escalation"), None)
        ingest(engine, moselle, items(*_escalation_history(rng, "57"), kind="escalation"), None)
        with engine.connect() as connection:
            expected = _tables(connection)
        assert expected["waiting"] and expected["escalation_counts"]
        with engine.begin() as connection:
            connection.execute(update(waiting_escalations).values(deadline="2026-01-01T00:00:00Z"))
            connection.execute(delete(waiting_escalations).where(waiting_escalations.c.structure == "57"))
            for table in COUNT_TABLES[1]:
                connection.execute(
                    update(table).where(table.c.dimension == "answered_late").values(n=table.c.n + 1)
                )
        with engine.connect() as connection:
            assert _tables(connection) != expected
        downgrade(engine, "0014_content")
        upgrade(engine)
        with engine.connect() as connection:
            assert _tables(connection) == expected
            _departements_are_sums(connection)
    finally:
        engine.dispose()
