import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from app.models.database import DatabaseUnavailable, open_database, reset_interrupted_sends, transaction
from app.models.migrations import SCHEMA_VERSION
from app.models.workspace import open_workspace
from tests.conftest import FIXED


def test_new_database_is_migrated_in_wal_mode(tmp_path: Path) -> None:
    db = open_database(tmp_path / "bv.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"contacts", "contact_partners", "outbox", "agents", "settings"} <= {
        row["name"] for row in db.query("SELECT name FROM sqlite_master WHERE type = ?", ["table"])
    }
    # As sqlite-utils set it, which the schema's triggers were written with.
    assert db.execute("PRAGMA recursive_triggers").fetchone()[0] == 1
    db.conn.close()


def test_reopening_keeps_data_and_does_not_migrate_twice(desk) -> None:
    desk.contacts.add(
        {
            **desk.workstation.contact_defaults(),
            "situation": "declarer-impots",
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 5,
        }
    )
    path = desk.path
    desk.close()
    again = open_workspace(path.parent)
    assert again.db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1
    assert not list(path.parent.glob("*.avant-*")), "no backup when nothing is upgraded"
    again.close()


def test_upgrade_from_an_older_version_keeps_a_backup_and_the_data(tmp_path: Path) -> None:
    path = tmp_path / "bv.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE keepme (x)")
    old.execute("INSERT INTO keepme VALUES (42)")
    old.commit()
    old.close()  # user_version 0: a database from before the first migration
    db = open_database(path)
    assert db.execute("SELECT x FROM keepme").fetchone()[0] == 42
    db.conn.close()
    backups = list(tmp_path.glob("bv.sqlite3.avant-*"))
    assert len(backups) == 1
    with closing(sqlite3.connect(backups[0])) as backup:
        assert backup.execute("SELECT x FROM keepme").fetchone()[0] == 42


def test_a_corrupt_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bv.sqlite3"
    garbage = b"this is not a database, but it is someone's only copy\n" * 100
    path.write_bytes(garbage)
    with pytest.raises(DatabaseUnavailable, match="illisible ou endommagée"):
        open_database(path)
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bv.sqlite3"]


def test_a_damaged_sqlite_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bv.sqlite3"
    open_database(path).conn.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # smash the schema page, keep the header
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseUnavailable):
        open_database(path)
    assert path.read_bytes() == bytes(data)


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bv.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(DatabaseUnavailable, match="version plus récente"):
        open_database(path)


def test_a_failed_user_action_writes_nothing(tmp_path: Path) -> None:
    db = open_database(tmp_path / "bv.sqlite3")
    with pytest.raises(RuntimeError), transaction(db):
        db.execute("INSERT INTO settings VALUES ('a', '1')")
        raise RuntimeError("crash in the middle")
    assert db.execute("SELECT count(*) FROM settings").fetchone()[0] == 0
    db.conn.close()


def test_sends_interrupted_by_a_crash_go_back_to_the_queue(desk) -> None:
    record = desk.contacts.add(
        {
            **desk.workstation.contact_defaults(),
            "situation": "naissance",
            "channel": "telephone",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 4,
        }
    )
    desk.db.execute("UPDATE outbox SET state = 'sending' WHERE record_id = ?", [str(record.id)])
    assert reset_interrupted_sends(desk.db) == 1
    assert desk.db.execute("SELECT state FROM outbox").fetchone()[0] == "pending"


def test_workstation_setup_is_all_or_nothing(workspace) -> None:
    from app.models.workstation import SetupError

    with pytest.raises(SetupError):
        workspace.workstation.set_up(FIXED, [], None, [("Camille", "responsable"), ("camille", "agent")])
    assert workspace.workstation.structure is None
    assert workspace.workstation.agents() == []
