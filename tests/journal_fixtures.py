"""The journal started in a test's own data folder, and closed after it (it is process-wide)."""

import faulthandler
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.journal.files import LOG_NAME, start_journal, stop_journal


@contextmanager
def started_journal(data_dir: Path) -> Iterator[Path]:
    """The journal of `data_dir` while in the block; then closed, and faulthandler back to pytest's."""
    try:
        yield start_journal(data_dir)
    finally:
        stop_journal()
        faulthandler.enable(sys.stderr)


@pytest.fixture(name="journal")
def journal_fixture(data_dir: Path) -> Iterator[Path]:
    """The journal's folder; its log is `folder / LOG_NAME`."""
    with started_journal(data_dir) as folder:
        yield folder


def read_log(folder: Path) -> str:
    return (folder / LOG_NAME).read_text(encoding="utf-8")
