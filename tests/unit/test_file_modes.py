"""On a shared PC, the agent's data folder, database and backups are readable by the agent only; the
server's SQLite file too when the server creates it."""

import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from app.models.database import open_database
from app.models.workspace import open_workspace
from app.server.database import open_database as open_server_database

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask():
    """The usual 022 would hide a missing mode: with 000 every file would come out 0666/0777."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_a_new_data_folder_and_database_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "nouveau" / "donnees"
    workspace = open_workspace(folder)
    workspace.close()
    assert mode(folder) == 0o700
    files = list(folder.glob("bureau-virtuel.sqlite3*"))
    assert files and {file.name: mode(file) for file in files} == {file.name: 0o600 for file in files}


def test_an_existing_install_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "donnees"
    folder.mkdir(mode=0o755)
    open_workspace(folder).close()
    (folder / "bureau-virtuel.sqlite3").chmod(0o644)
    folder.chmod(0o755)
    workspace = open_workspace(folder)
    assert mode(folder) == 0o700
    assert mode(folder / "bureau-virtuel.sqlite3") == 0o600
    assert mode(folder / "bureau-virtuel.sqlite3-wal") == 0o600
    workspace.close()


def test_the_backup_before_an_upgrade_is_private(tmp_path: Path) -> None:
    path = tmp_path / "bv.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE keepme (x)")
    old.close()
    path.chmod(0o644)
    open_database(path).conn.close()
    backups = list(tmp_path.glob("bv.sqlite3.avant-*"))
    assert len(backups) == 1 and mode(backups[0]) == 0o600
    assert mode(path) == 0o600


def test_the_server_creates_its_sqlite_file_private(tmp_path: Path) -> None:
    path = tmp_path / "serveur" / "bv-serveur.sqlite3"
    engine = open_server_database(f"sqlite:///{path}")
    engine.dispose()
    assert mode(path.parent) == 0o700
    assert {file.name: mode(file) for file in path.parent.iterdir()} == {
        file.name: 0o600 for file in path.parent.iterdir()
    }


def test_the_server_leaves_an_existing_file_as_its_administrator_set_it(tmp_path: Path) -> None:
    path = tmp_path / "bv-serveur.sqlite3"
    path.touch(mode=0o640)
    open_server_database(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o640
