"""The Alembic migrations build exactly the tables the code queries, on SQLite and PostgreSQL; the
stored form of times."""

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import column, create_engine, insert, select, table, text

from app.server.database import MIGRATIONS, open_database, upgrade
from app.server.ingest import KINDS, ingest
from app.server.pull import pull_page
from app.server.schema import contact_counts, metadata, records, structures, timestamp, workstations
from app.server.wire import canonical, wire_record
from tests.server.helpers import (
    contact,
    downgrade,
    escalation,
    items,
    pass_issuance,
    pass_line,
    setting,
)
from tests.server.helpers import workstations as enrolled_workstations


def test_migrations_match_the_schema_module(database_url) -> None:
    engine = open_database(database_url)
    try:
        upgrade(engine)  # a second upgrade is a no-op
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, metadata) == []
            head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
            assert context.get_current_revision() == head
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'serveur.sqlite3'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 2
    finally:
        engine.dispose()


WORKSTATION = "5d0f6a56-0c1e-4b8e-9a43-2f5c8d1e7b90"


def test_a_contact_stored_by_the_first_schema_is_served_as_it_was_received(database_url) -> None:
    """A contact stored at the first revision (its payload beside its columns) gets its number in the
    feed (0002, 0004) and its fields as columns (0012), from which it is rebuilt byte for byte."""
    stamp = "2026-11-10T09:45:00Z"
    wire = contact(partners=["msa", "caf"], age_band="60-74", first_visit=True, residence_commune="02361")
    payload = canonical(wire)
    columns = {
        **{
            name: wire[name]
            for name in ("id", "structure", "created_at", "occurred_at", "utc_offset_minutes")
        },
        **{name: wire[name] for name in ("agent", "place", "channel", "situation", "help_kind", "outcome")},
        "duration_minutes": wire["duration_minutes"],
        "workstation_id": WORKSTATION,
        "content_hash": hashlib.sha256(payload.encode()).hexdigest(),
        "payload": payload,
        "local_month": "2026-11",
        "non_recours": False,
        "pass_numerique": False,
        "deleted": False,
        "received_at": stamp,
        "clock_skewed": False,
    }
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            structure = {"matricule": "3", "name": "Guise", "departement": "02", "itinerant": False}
            connection.execute(insert(structures), {**structure, "created_at": stamp})
            workstation = {"id": WORKSTATION, "structure": "3", "installation_id": "i", "token_hash": "h"}
            connection.execute(insert(workstations), {**workstation, "enrolled_at": stamp})
            old_records = table("records", *(column(name) for name in columns))
            connection.execute(insert(old_records), columns)
            old_partners = table("record_partners", column("record_id"), column("partner"))
            connection.execute(
                insert(old_partners), [{"record_id": wire["id"], "partner": p} for p in wire["partners"]]
            )
    finally:
        engine.dispose()
    engine = open_database(database_url)
    try:
        with engine.connect() as connection:
            (row,) = connection.execute(select(records)).mappings().all()
        assert row["seq"] == 1
        assert canonical(wire_record("contact", row)) == payload
    finally:
        engine.dispose()


def test_stored_times_always_have_a_four_digit_year() -> None:
    assert timestamp(datetime(202, 11, 20, 10, 0, tzinfo=UTC)) == "0202-11-20T10:00:00Z"
    assert (
        timestamp(datetime(2026, 11, 20, 11, 0, tzinfo=timezone(timedelta(hours=1))))
        == "2026-11-20T10:00:00Z"
    )


def test_migration_0012_keeps_every_record_of_every_kind(database_url) -> None:
    """Records of every kind stored by the schema before 0012 (its payload, content hash, id registry
    and partner rows, as 0012's downgrade writes them back) come out of 0012 as they went in: the same
    canonical JSON, the same `seq`, the partners in their order; a resend is still a duplicate."""
    engine = open_database(database_url)
    try:
        (sender,) = enrolled_workstations(engine, "accueil")
        cheques = [f"M{n}" for n in range(1, 6)]
        batch = [
            *items(contact(partners=["msa", "caf"], age_band="60-74", residence_commune="02361")),
            *items(escalation(), kind="escalation"),
            *items(pass_line("recu", cheques), kind="pass_ledger"),
            *items(pass_issuance(["M1", "M2"], residence_commune="02361"), kind="pass_issuance"),
            *items(setting("stops", ["Guise", "Château-Thierry"]), kind="setting"),
        ]
        answer = ingest(engine, sender, batch, None)
        assert [result["status"] for result in answer["results"]] == ["accepted"] * len(batch)
        downgrade(engine, "0010_contact_counts")
        with engine.connect() as connection:
            registry = {
                record_id: content_hash
                for record_id, content_hash in connection.execute(
                    text("SELECT id, content_hash FROM record_ids")
                )
            }
            for item in batch:
                table = KINDS[item["kind"]].table.name
                payload = connection.execute(
                    text(f"SELECT payload FROM {table} WHERE id = :id"), {"id": item["record"]["id"]}
                ).scalar_one()
                assert payload == canonical(item["record"])
                assert registry[item["record"]["id"]] == hashlib.sha256(payload.encode()).hexdigest()
            partners = connection.execute(text("SELECT partner FROM record_partners ORDER BY 1")).scalars()
            assert list(partners) == ["caf", "msa"]
        upgrade(engine)
        with engine.connect() as connection:
            for item, result in zip(batch, answer["results"], strict=True):
                table = KINDS[item["kind"]].table
                row = (
                    connection.execute(select(table).where(table.c.id == item["record"]["id"]))
                    .mappings()
                    .one()
                )
                assert canonical(wire_record(item["kind"], row)) == canonical(item["record"])
                assert row["seq"] == result["seq"]
        again = ingest(engine, sender, batch, None)
        assert [result["status"] for result in again["results"]] == ["duplicate"] * len(batch)
    finally:
        engine.dispose()


def test_migration_0017_keeps_the_contacts_and_their_counts(database_url) -> None:
    """Contacts stored as text times before 0017 come out of it, and back through its downgrade, as
    they went in: the same feed page byte for byte, the same counts; the times are text at 0016 and
    `timestamptz` after on PostgreSQL; a resend is still a duplicate."""
    engine = open_database(database_url)
    try:
        reader, sender = enrolled_workstations(engine, "lecteur", "accueil")
        first = contact(partners=["msa", "caf"], age_band="60-74", first_visit=True)
        batch = items(
            first,
            contact(
                id=uuid4(),
                supersedes=first["id"],
                created_at=datetime(2026, 11, 12, 23, 59, 59, tzinfo=UTC),
                occurred_at=datetime(2026, 10, 31, 23, 30, 1, tzinfo=UTC),
                partners=["caf"],
            ),
            contact(occurred_at=datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)),
        )
        answer = ingest(engine, sender, batch, None)
        assert [result["status"] for result in answer["results"]] == ["accepted"] * len(batch)

        def state() -> tuple[list[dict], list[tuple]]:
            page = json.loads(pull_page(engine, reader, 0))
            with engine.connect() as connection:
                counts = connection.execute(select(contact_counts).order_by(*contact_counts.primary_key))
                return page["records"], [tuple(row) for row in counts]

        before = state()
        assert [item["record"] for item in before[0]] == [item["record"] for item in batch]

        def stored_type() -> str:
            query = "SELECT data_type FROM information_schema.columns WHERE table_name = 'records' "
            query += "AND column_name = 'occurred_at' AND table_schema = current_schema()"
            with engine.connect() as connection:
                return connection.execute(text(query)).scalar_one()

        downgrade(engine, "0016_registry_imports")
        with engine.connect() as connection:
            times = connection.execute(text("SELECT created_at, occurred_at, received_at FROM records"))
            assert sorted(tuple(row) for row in times) == sorted(
                (item["record"]["created_at"], item["record"]["occurred_at"], answer["received_at"])
                for item in batch
            )
        if engine.dialect.name == "postgresql":
            assert stored_type() == "character varying"
        upgrade(engine)
        if engine.dialect.name == "postgresql":
            assert stored_type() == "timestamp with time zone"
        assert state() == before
        again = ingest(engine, sender, batch, None)
        assert [result["status"] for result in again["results"]] == ["duplicate"] * len(batch)
    finally:
        engine.dispose()
