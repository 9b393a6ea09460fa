"""The journal packed for the support: one zip file with the log, its rotated copies and the crash file."""

import os
import platform
import sys
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from app.journal.files import CRASH_NAME, LOG_NAME, journal_handler


def export_journal(folder: Path, target: Path) -> int:
    """Write `target` (a zip) with the journal files of `folder`; returns how many were packed.

    Written beside the target first, then renamed: a failure (OSError, for the caller to explain)
    never leaves half a zip under the name the agent chose.
    """
    handler = journal_handler()
    if handler is not None:
        handler.flush()
    files = sorted(folder.glob(f"{LOG_NAME}*")) + sorted(folder.glob(CRASH_NAME))
    partial = target.with_name(target.name + ".partiel")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("a-propos.txt", _about())
            for path in files:
                archive.write(path, path.name)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return len(files)


def _about() -> str:
    """The versions the support asks first."""
    try:
        application = version("bureau-virtuel")
    except PackageNotFoundError:
        application = "inconnue (copie de travail)"
    return (
        f"Bureau virtuel {application}\nSystème : {platform.platform()}\nPython : {sys.version.split()[0]}\n"
    )
