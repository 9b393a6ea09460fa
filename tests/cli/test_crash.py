"""`kill -9` at any moment loses no committed contact and leaves a valid database."""

import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

from app.models.demo import BATCH
from tests.conftest import ROOT

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
    for attempt, delay in enumerate((0.05, 0.3, 0.7)):
        data_dir = tmp_path / f"run{attempt}"
        process = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(data_dir)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout.readline().strip() == "ready"
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        committed = [line.strip() for line in process.stdout if len(line.strip()) == 36]
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
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if path.exists():
            try:
                with closing(sqlite3.connect(path, timeout=1)) as probe:
                    if probe.execute("SELECT count(*) FROM contacts").fetchone()[0] >= 2 * BATCH:
                        break
            except sqlite3.OperationalError:
                pass
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
