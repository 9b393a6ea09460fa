"""Where the application finds its shipped resources and keeps the agent's data.

Resources sit beside the package in a checkout or an editable install, and at the root of a
PyInstaller bundle (`sys._MEIPASS`); `BUREAU_VIRTUEL_RESOURCES` overrides both.
"""

import os
import sys
from pathlib import Path

DATABASE_NAME = "bureau-virtuel.sqlite3"


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
