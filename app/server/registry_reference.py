"""The server's registry of structures as a reference file for the workstations
(`GET /api/v1/reference/structures`, docs/SYNC_PROTOCOL.md "Reference data").

Why: a workstation ships the ANCT's list of its release; the server imports newer ones
(`app.server.registry`), and a workstation reinstalled, or whose structure was renamed or closed,
needs the server's. The file is built from the `structures` table — the structures the ANCT's lists
put there (`listed`), open ones and closed ones with the date they closed — never from a structure
declared by hand, which no list vouches for.

It is built once and kept (2,845 rows make about 100 KB of JSON, 25 KB gzipped: building it per
session check would cost more than the check). Each server process keeps its own copy: an import
in this process drops it at once (`invalidate`, called by the import), and a copy older than
`REFRESH_SECONDS` is built again, so that the processes that did not run the import (another
`serve` worker, or the server while `import-structures` ran from the command line) follow within a
minute. The ETag is the SHA-256 of the content, so a copy built again from an unchanged registry has
the same ETag and no workstation downloads it twice.
"""

import gzip
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from app.models.text import french_day
from app.server.schema import structures

FILE_VERSION = 1
REFRESH_SECONDS = 60.0
# The columns of each structure's row, in this order (`fields` in the file names them, so a
# workstation reads a later server's file that adds columns).
FIELDS = (
    "matricule",
    "name",
    "departement",
    "commune",
    "insee_commune",
    "postal_code",
    "format",
    "itinerant",
    "principal",
    "closed",
)
LICENCE = "Licence Ouverte 2.0"
SOURCE = "ANCT — liste des structures France Services ({licence}), telle qu'importée par le serveur de reporting le {date}"
PUBLISHED_SOURCE = (
    "ANCT — liste des structures France Services ({licence}) publiée le {date}, "
    "importée par le serveur de reporting le {imported}"
)

_generation = 0  # bumped by every import in this process: every copy built before is stale
_generation_lock = threading.Lock()


def invalidate() -> None:
    """The registry changed in this process (an import): every copy is built again when next asked."""
    global _generation
    with _generation_lock:
        _generation += 1


@dataclass(frozen=True)
class ReferenceFile:
    body: bytes  # UTF-8 JSON
    gzipped: bytes  # the same, compressed once for every client that accepts gzip
    etag: str


def build(engine: Engine) -> ReferenceFile | None:
    """The file of the registry's listed structures, by matricule; None while no list was imported."""
    from app.server.registry import last_import  # that module imports this one (`invalidate`)

    with engine.connect() as connection:
        latest = last_import(connection)
        rows = connection.execute(
            select(
                *(structures.c[name] for name in FIELDS[:-1]),
                structures.c.closed_at,
                structures.c.created_at,
            ).where(structures.c.listed)
        ).all()
    if not rows:
        return None
    rows = sorted(rows, key=lambda row: row.matricule)
    # The ANCT's publication date of the list last imported, when known; else the last day the
    # registry recorded a change (a structure added or closed).
    changed = max(moment for row in rows for moment in (row.created_at, row.closed_at) if moment)[:10]
    if latest is not None and latest["published_on"]:
        date = latest["published_on"]
        source = PUBLISHED_SOURCE.format(
            licence=LICENCE, date=french_day(date), imported=french_day(latest["imported_at"][:10])
        )
    else:
        date = changed
        source = SOURCE.format(licence=LICENCE, date=french_day(date))
    document = {
        "version": FILE_VERSION,
        "date": date,
        "source": source,
        "licence": LICENCE,
        "fields": list(FIELDS),
        "structures": [
            [*row[: len(FIELDS) - 1], row.closed_at[:10] if row.closed_at else None] for row in rows
        ],
    }
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return ReferenceFile(body, gzip.compress(body, 9, mtime=0), f'"{hashlib.sha256(body).hexdigest()}"')


class RegistryReference:
    """One process's copy of the file, built again after an import here or `REFRESH_SECONDS`."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        self._built: tuple[int, float, ReferenceFile | None] | None = None

    def current(self) -> ReferenceFile | None:
        with self._lock:  # one build at a time; the others wait for it rather than build it too
            now = self._clock()
            if self._built is not None:
                generation, built_at, reference = self._built
                if generation == _generation and now - built_at < REFRESH_SECONDS:
                    return reference
            generation = _generation
            reference = build(self._engine)
            self._built = (generation, now, reference)
            return reference
