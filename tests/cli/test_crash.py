"""`kill -9` at any moment loses no committed contact and leaves a valid database."""

import signal
import sqlite3
import subprocess
import sys
from contextlib import closing

from app.models.demo import BATCH
from tests.conftest import ROOT
from tests.waiting import wait_until

SAVER = """
import sys
from app.models.workspace import open_workspace
from app.models.demo import ensure_demo_setup
ws = open_workspace(sys.argv[1])
ensure_demo_setup(ws)
fields = {**ws.workstation.contact_defaults(), "situation": "rembourser-soins", "channel": "sur-place",
          "help_kind": "demarche-en-ligne", "outcome": "resolu", "duration_minutes": 6}
print("ready", flush=True)
while True:
    record = ws.contacts.add(fields)
    print(record.id, flush=True)
"""


def check_database(path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    orphans = db.execute(
        "SELECT count(*) FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.record_id = c.id)"
        " OR NOT EXISTS (SELECT 1 FROM contact_partners p WHERE p.contact_id = c.id)"
    ).fetchone()[0]
    assert orphans == 0, "a contact without its outbox or partner rows was half-written"
    return db


def test_kill_while_saving_loses_no_committed_contact(tmp_path) -> None:
    # Killed after the first contact, after a few, after many: on a condition (contacts acknowledged),
    # not after a delay that means a different moment on every machine.
    for attempt, acknowledged in enumerate((1, 20, 200)):
        data_dir = tmp_path / f"run{attempt}"
        process = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(data_dir)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout.readline().strip() == "ready"
        committed = [process.stdout.readline().strip() for _ in range(acknowledged)]
        process.send_signal(signal.SIGKILL)
        process.wait()
        committed += [line.strip() for line in process.stdout if len(line.strip()) == 36]
        assert len(committed) >= acknowledged and all(len(line) == 36 for line in committed)
        process.stdout.close()
        with closing(check_database(data_dir / "bureau-virtuel.sqlite3")) as db:
            stored = {row[0] for row in db.execute("SELECT id FROM contacts")}
        assert set(committed) <= stored
        assert len(stored) - len(committed) <= 1, "at most the one being acknowledged when killed"


def test_kill_during_demo_leaves_whole_batches(tmp_path) -> None:
    data_dir = tmp_path / "demo"
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "demo", "--contacts", "500000", "--data-dir", str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    path = data_dir / "bureau-virtuel.sqlite3"

    def two_batches_stored() -> bool:
        if not path.exists():
            return False
        try:
            with closing(sqlite3.connect(path, timeout=1)) as probe:
                return probe.execute("SELECT count(*) FROM contacts").fetchone()[0] >= 2 * BATCH
        except sqlite3.OperationalError:  # the file is there but its tables are not yet
            return False

    wait_until(two_batches_stored, 60, "two batches of demo contacts stored")
    process.send_signal(signal.SIGKILL)
    process.wait()
    with closing(check_database(path)) as db:
        count = db.execute("SELECT count(*) FROM contacts").fetchone()[0]
        assert count >= 2 * BATCH and count % BATCH == 0
        assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == count
    reopened = subprocess.run(
        [sys.executable, "-m", "app", "contacts", "list", "--data-dir", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(reopened.stdout.splitlines()) == count
