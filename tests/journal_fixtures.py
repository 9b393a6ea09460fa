"""The journal started in a test's own data folder, and closed after it (it is process-wide)."""

import faulthandler
import sys
from pathlib import Path

import pytest

from app.journal.files import LOG_NAME, start_journal, stop_journal


@pytest.fixture(name="journal")
def journal_fixture(data_dir: Path):
    """The journal's folder; its log is `folder / LOG_NAME`."""
    folder = start_journal(data_dir)
    yield folder
    stop_journal()
    faulthandler.enable(sys.stderr)  # back to pytest's own


def read_log(folder: Path) -> str:
    return (folder / LOG_NAME).read_text(encoding="utf-8")
