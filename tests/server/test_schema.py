"""The Alembic migrations build exactly the tables the code queries, on SQLite and PostgreSQL; the
stored form of times."""

from datetime import UTC, datetime, timedelta, timezone

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, insert, select, text

from app.server.database import MIGRATIONS, open_database, upgrade
from app.server.schema import metadata, record_ids, records, structures, timestamp, workstations


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


def test_migration_0002_registers_the_ids_already_stored(database_url) -> None:
    """Contacts stored before escalations existed keep their ids: 0002 copies them into the registry."""
    stamp = "2026-11-10T09:45:00Z"
    contact = {
        "id": "0b5f3c52-8a4e-4c39-9d1e-6f0e2a7d1c11",
        "structure": "3",
        "workstation_id": "w",
        "content_hash": "a" * 64,
        "payload": "{}",
        "created_at": stamp,
        "occurred_at": stamp,
        "utc_offset_minutes": 60,
        "local_month": "2026-11",
        "agent": "Julie M.",
        "place": "Guise",
        "channel": "sur-place",
        "situation": "declarer-impots",
        "help_kind": "information",
        "outcome": "resolu",
        "duration_minutes": 15,
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
            workstation = {"id": "w", "structure": "3", "installation_id": "i", "token_hash": "h"}
            connection.execute(insert(workstations), {**workstation, "enrolled_at": stamp})
            connection.execute(insert(records), contact)
    finally:
        engine.dispose()
    engine = open_database(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(select(record_ids)).all() == [
                (contact["id"], "contact", "a" * 64, "3", "w", 1)
            ]
    finally:
        engine.dispose()


def test_stored_times_always_have_a_four_digit_year() -> None:
    assert timestamp(datetime(202, 11, 20, 10, 0, tzinfo=UTC)) == "0202-11-20T10:00:00Z"
    assert (
        timestamp(datetime(2026, 11, 20, 11, 0, tzinfo=timezone(timedelta(hours=1))))
        == "2026-11-20T10:00:00Z"
    )
