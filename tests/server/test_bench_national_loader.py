"""The national bench's loader (`bench/national.py`) generates its contacts inside PostgreSQL and
computes their counts in SQL rather than through ingest: its figures at 30 million contacts only
mean something if it leaves the state ingest would. Its `--check` compares the counts it left with a
full recount by the server's own rule, and the départements' counts with their structures' sums."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.conftest import POSTGRES_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason="the bench runs on PostgreSQL only")
def test_the_loaded_contacts_counts_equal_a_full_recount() -> None:
    run = subprocess.run(
        [sys.executable, "bench/national.py", "--contacts", "3000", "--check", "--skip-ingest"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "contacts' counts and weeks = a full recount" in run.stdout
    assert ": False" not in run.stdout
