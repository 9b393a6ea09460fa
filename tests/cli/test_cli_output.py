"""The command line shows stored labels, never lets them drive the terminal."""

import sqlite3
from contextlib import closing

from tests.conftest import run_cli

ESCAPES = "\x1b]0;titre\x07\x1b[2J\x1b[31m"


def test_contacts_list_prints_no_control_character_from_stored_labels(data_dir) -> None:
    run_cli("demo", "--contacts", "3", "--seed", "3", data_dir=data_dir, check=True)
    # As a database written before any guard, or edited by hand, could hold them.
    with closing(sqlite3.connect(data_dir / "bureau-virtuel.sqlite3")) as db, db:
        db.execute("UPDATE contacts SET agent = ?, place = ?", [f"Julie{ESCAPES}", f"Guise\x00{ESCAPES}"])
    listed = run_cli("contacts", "list", data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert line.isprintable(), repr(line)
        assert "Julie\ufffd]0;titre\ufffd\ufffd[2J\ufffd[31m" in line
