"""Upgrading keeps the data: a database written by the first released schema (version 1) is opened by
today's code, migrated, used, and what was waiting in it reaches the real server once.

`tests/data/schema-v1.sqlite3` was made by the code of commit 10642da (the last with schema version 1)
through its own commands: `demo --contacts 60`, `contacts add`, then a correction (with a note), a
deletion, and a first batch of 20 records acknowledged by a server.
"""

import shutil
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from app.models.migrations import SCHEMA_VERSION
from app.models.pass_numerique import parse_cheque_numbers
from app.models.workspace import Workspace, open_workspace
from app.paths import DATABASE_NAME
from app.sync.engine import run_pass
from app.sync.status import read_status
from tests.conftest import ROOT
from tests.e2e.conftest import enrolled, local_states, server_counts

VERSION_1 = ROOT / "tests" / "data" / "schema-v1.sqlite3"


def read_v1(query: str) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{VERSION_1}?mode=ro", uri=True)) as db:
        return db.execute(query).fetchall()


@pytest.fixture
def upgraded(data_dir: Path) -> Workspace:
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(VERSION_1, data_dir / DATABASE_NAME)
    return open_workspace(data_dir)


def test_the_fixture_is_a_version_1_database() -> None:
    assert read_v1("PRAGMA user_version") == [(1,)]
    assert SCHEMA_VERSION > 1


def test_a_version_1_database_is_migrated_with_its_contacts_settings_and_queue(upgraded, data_dir) -> None:
    db = upgraded.db
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert len(list(data_dir.glob(f"{DATABASE_NAME}.avant-*"))) == 1, "the version 1 file is kept aside"

    # Every contact of version 1 is this workstation's own: no `origin` (migration 6).
    assert db.execute("SELECT * FROM contacts ORDER BY id").fetchall() == [
        (*row, None) for row in read_v1("SELECT * FROM contacts ORDER BY id")
    ]
    assert db.execute("SELECT record_id, kind, state FROM outbox ORDER BY record_id").fetchall() == read_v1(
        "SELECT record_id, kind, state FROM outbox ORDER BY record_id"
    )
    (pending,) = read_v1("SELECT count(*) FROM outbox WHERE state = 'pending'")[0]
    assert read_status(db).pending == pending > 0

    workstation = upgraded.workstation
    assert workstation.structure.name == "Thiérache Sambre et Oise" and workstation.structure.itinerant
    assert workstation.current_stop == "Guise"
    assert [agent.name for agent in workstation.agents()] == [
        row[0] for row in read_v1("SELECT name FROM agents")
    ]

    (corrected,) = read_v1("SELECT id FROM contacts WHERE note IS NOT NULL")[0]
    assert upgraded.contacts.get(corrected).duration_minutes == 25
    assert upgraded.contacts.note(corrected) == "Dossier complet, rappeler la CAF"
    (deleted,) = read_v1("SELECT supersedes FROM contacts WHERE deleted = 1")[0]
    current = {row[0] for row in db.execute("SELECT id FROM contacts WHERE superseded = 0 AND deleted = 0")}
    assert deleted not in current and corrected in current


def test_the_upgraded_workstation_records_contacts_and_pass_numerique(upgraded) -> None:
    before = read_status(upgraded.db).pending
    record = upgraded.contacts.add(
        {
            **upgraded.workstation.contact_defaults(),
            "situation": "declarer-impots",
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 10,
        }
    )
    assert upgraded.contacts.get(str(record.id)) is not None
    responsable = next(agent for agent in upgraded.workstation.agents() if agent.role == "responsable")
    upgraded.workstation.set_current_agent(responsable.id)  # only a responsable receives a booklet
    upgraded.passes.receive_booklet(
        structure=upgraded.workstation.structure.matricule,
        agent=responsable.name,
        funder="Département de l'Aisne",
        booklet="C-01",
        cheques=parse_cheque_numbers("1001-1005"),
        booklet_size=5,
        valid_until=date(2099, 12, 31),
    )
    assert upgraded.passes.summary().available == 5
    assert read_status(upgraded.db).pending == before + 2  # the contact and the ledger line


def test_what_a_version_1_database_was_still_holding_reaches_the_server_once(upgraded, server) -> None:
    (pending,) = read_v1("SELECT count(*) FROM outbox WHERE state = 'pending'")[0]
    (sent,) = read_v1("SELECT count(*) FROM outbox WHERE state = 'sent'")[0]
    enrolled(upgraded, server)
    report = run_pass(upgraded, force=True, pull_reference=False)
    assert report.error is None, report.summary()
    assert report.accepted == pending
    assert server_counts(server) == (pending, pending)  # the 20 acknowledged before are not sent again
    assert local_states(upgraded) == {"sent": pending + sent}


def test_the_upgraded_database_has_the_schema_of_a_new_one(upgraded, tmp_path: Path) -> None:
    """Every table, index and trigger of a new database, the same, after the migrations of an old one:
    the contacts' rebuild (migration 9) kept every index the history and the figures walk."""
    fresh = open_workspace(tmp_path / "neuf")
    try:
        schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        assert upgraded.db.execute(schema).fetchall() == fresh.db.execute(schema).fetchall()
        names = {row[0] for row in upgraded.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"contacts_by_time", "contacts_by_supersedes", "contact_partners_by_time"} <= names
    finally:
        fresh.close()
