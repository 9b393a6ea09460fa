"""Where the application finds its shipped resources and keeps the agent's data.

Resources sit beside the package in a checkout or an editable install, and at the root of a
PyInstaller bundle (`sys._MEIPASS`); `BUREAU_VIRTUEL_RESOURCES` overrides both.
"""

import os
import sys
from pathlib import Path

DATABASE_NAME = "bureau-virtuel.sqlite3"
# The data folder and the files in it are the agent's alone: a shared PC has other accounts.
PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def resources_dir() -> Path:
    """The folder holding `reference/`, `structures/` and the other shipped data."""
    override = os.environ.get("BUREAU_VIRTUEL_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parent.parent
    return base / "resources"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--data-dir`, else `BUREAU_VIRTUEL_DATA_DIR`, else the platform's per-user data folder."""
    chosen = explicit or os.environ.get("BUREAU_VIRTUEL_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("bureau-virtuel", "France Services"))


def database_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    return data_dir(explicit) / DATABASE_NAME


def private_folder(path: Path) -> Path:
    """Create `path` (and its parents) if needed, readable by its owner only (0700).

    An existing folder is tightened too: installs from before this rule have 0755 folders.
    """
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER_MODE)
    _owner_only(path)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if absent (0600), and take group and others' rights off an existing one.

    Created with that mode rather than changed afterwards, so that no one can open it in between;
    SQLite gives its -wal and -shm files the mode of the database file.
    """
    os.close(os.open(path, os.O_CREAT | os.O_RDONLY, PRIVATE_FILE_MODE))
    _owner_only(path)
    return path


def _owner_only(path: Path) -> None:
    # What belongs to another account (a shared folder given with --data-dir) is not ours to change;
    # on Windows, chmod only sets the read-only flag, which this keeps as it is.
    status = path.stat()
    if hasattr(os, "getuid") and status.st_uid != os.getuid():
        return
    if status.st_mode & 0o077:
        path.chmod(status.st_mode & 0o700)
