"""The workstation's copy of the national content: the last bundle it accepted, beside its database.

A bundle received from the server is used only if the editor's key signed it, its version is newer
than the content in use, and it passes the whole check (`app.content.check`). It is then written
to a temporary file, flushed to disk and renamed over the previous one: a power cut or a kill leaves
the old bundle or the new one, never a mix. At each start the stored bundle is verified again (a
disk can fail, a file can be edited by hand) and, if it no longer holds or this release ships newer
content, the shipped content serves: a bad bundle never stops the workstation.
"""

import os
from functools import lru_cache
from pathlib import Path

from app.content.bundle import BundleError, Content, open_bundle, shipped_content

CONTENT_FOLDER = "content"  # beside the database
BUNDLE_FILE = "bundle.json"


def bundle_path(data_folder: Path) -> Path:
    return data_folder / CONTENT_FOLDER / BUNDLE_FILE


def content_in_use(data_folder: Path) -> Content:
    """The stored bundle's content if it still verifies and is newer than the shipped content; else
    the shipped content."""
    path = bundle_path(data_folder)
    try:
        status = path.stat()
    except OSError:
        return shipped_content()
    return _stored(path, status.st_mtime_ns, status.st_size) or shipped_content()


@lru_cache(maxsize=4)  # read again when the file changes: its time or size is in the key
def _stored(path: Path, _mtime_ns: int, _size: int) -> Content | None:
    # Cryptography, and the whole check (every flow parsed), only when a received bundle is stored.
    from app.content.check import check_content
    from app.content.keys import editor_key

    try:
        content = open_bundle(path.read_bytes(), editor_key())
        check_content(content)
    except (OSError, BundleError):
        return None
    return content if content.version > shipped_content().version else None


def accept(data_folder: Path, raw: bytes) -> Content:
    """Verify, check and store a bundle received from the server; its content. BundleError (French)
    if it is refused, and the content in use stays as it was."""
    from app.content.check import check_content
    from app.content.keys import editor_key

    content = open_bundle(raw, editor_key())
    current = content_in_use(data_folder)
    if content.version <= current.version:
        raise BundleError(
            f"version {content.version} pas plus récente que celle utilisée par le poste ({current.version})"
        )
    check_content(content)
    path = bundle_path(data_folder)
    path.parent.mkdir(exist_ok=True)
    partial = path.with_name(BUNDLE_FILE + ".partiel")
    with partial.open("wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return content
