"""Where the journal lives, and starting it: one rotating file per workstation, for the GUI and the CLI.

With `--data-dir` or `BUREAU_VIRTUEL_DATA_DIR` the journal goes into that folder's `journal/`, so
that a portable install or a test keeps everything in one place; otherwise in the platform's log
folder (platformdirs). Files are readable by the user only: even redacted, a journal is nobody else's.
"""

import faulthandler
import logging
import os
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO

from app.journal.redaction import RedactingFilter

LOG_NAME = "bureau-virtuel.log"
CRASH_NAME = "bureau-virtuel-plantages.log"  # faulthandler's tracebacks of fatal errors
MAX_BYTES = 1024 * 1024
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d %(threadName)s] %(message)s"

_crash_file: IO[str] | None = None


def journal_dir(explicit_data_dir: str | os.PathLike[str] | None = None) -> Path:
    """`<data dir>/journal` when the data folder is chosen, else the platform's per-user log folder."""
    chosen = explicit_data_dir or os.environ.get("BUREAU_VIRTUEL_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser() / "journal"
    from platformdirs import user_log_dir

    return Path(user_log_dir("bureau-virtuel", "France Services"))


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler whose files are created (and kept) with mode 0600."""

    def _open(self) -> TextIOWrapper:
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.baseFilename, 0o600)  # a file left by an older version, or a different umask
        return open(descriptor, "a", encoding=self.encoding, errors=self.errors)


def start_journal(explicit_data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Log to the journal (replacing a journal started earlier in this process) and send fatal errors'
    tracebacks to the file beside it. Returns the folder. Raises OSError if it cannot be written."""
    global _crash_file
    folder = journal_dir(explicit_data_dir)
    # The journal may be the first to create the data folder: never with looser rights than the data.
    for missing in reversed([folder, *folder.parents]):
        if not missing.is_dir():
            missing.mkdir(mode=0o700, exist_ok=True)  # exist_ok: another process may be starting too
    os.chmod(folder, 0o700)
    handler = PrivateRotatingFileHandler(
        folder / LOG_NAME, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())
    # Kept open for the life of the process: faulthandler writes to its descriptor when Python dies.
    crash = open(os.open(folder / CRASH_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a")  # noqa: SIM115
    stop_journal()
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    faulthandler.enable(crash)
    _crash_file = crash
    return folder


def journal_handler() -> PrivateRotatingFileHandler | None:
    return next((h for h in logging.getLogger().handlers if isinstance(h, PrivateRotatingFileHandler)), None)


def journal_folder() -> Path | None:
    """The folder of the journal this process writes, if it was started."""
    handler = journal_handler()
    return Path(handler.baseFilename).parent if handler else None


def stop_journal() -> None:
    """Close the journal and its crash file (before starting another one, or at the end of a test)."""
    global _crash_file
    handler = journal_handler()
    if handler is not None:
        logging.getLogger().removeHandler(handler)
        handler.close()
    if _crash_file is not None:
        faulthandler.disable()
        _crash_file.close()
        _crash_file = None
