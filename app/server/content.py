"""The national content the server publishes to its workstations (docs/SYNC_PROTOCOL.md "Contenu
national signé"): `publish-content` checks and signs a folder and stores the bundle in the database,
so that every server process serves the same newest version (`GET /api/v1/content`).

The server only carries the bundle: the workstations verify the editor's signature themselves. The
checks here spare the editor a publication every workstation would refuse: content that does not
pass `app.content.check`, a version not above the last published and the shipped one, a key that is
not the one the workstations ship.

The server validates incoming records, and labels its figures, with the union of the shipped
catalogue and the newest published one (`catalogue`): a workstation that took the newest bundle may
send its new situations and partners, and one still on an older content (or the shipped one) keeps
sending ids the newest may have dropped — the union accepts both, and the newest's labels win.
"""

import dataclasses
import hashlib
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, insert, select

from app.content.bundle import BundleError, Content, open_bundle, read_folder, shipped_content, sign
from app.content.check import check_content
from app.content.keys import editor_key, load_private_key
from app.models.reference import Catalogue, load_catalogue
from app.server.schema import content_bundles, timestamp, utc_now

REFRESH_SECONDS = 60.0

_generation = 0  # bumped by every publication in this process: every cached catalogue is stale
_generation_lock = threading.Lock()


@dataclass(frozen=True)
class Published:
    version: int
    date: str
    bundle: bytes
    etag: str


def publish(engine: Engine, folder: Path, key_path: Path) -> Content:
    """Check the content of `folder`, sign it with the private key in `key_path` and store it;
    BundleError (French) and nothing stored if anything is wrong."""
    key = load_private_key(key_path)
    content = read_folder(folder)
    check_content(content)
    shipped = shipped_content().version
    if content.version <= shipped:
        raise BundleError(
            f"version {content.version} pas plus récente que celle du contenu livré avec l'application "
            f"({shipped}) : augmentez « version » dans content.json"
        )
    bundle = sign(content, key)
    try:
        open_bundle(bundle, editor_key())
    except BundleError:
        raise BundleError(
            "cette clé privée ne correspond pas à la clé publique livrée avec l'application "
            "(resources/content_key.pub) : les postes refuseraient ce contenu"
        ) from None
    store(engine, content.version, content.date, bundle)
    return content


def store(engine: Engine, version: int, date: str, bundle: bytes) -> None:
    """Keep a bundle as the newest one; BundleError if its version is not above the last stored."""
    with engine.begin() as connection:
        latest = connection.execute(select(func.max(content_bundles.c.version))).scalar()
        if latest is not None and version <= latest:
            raise BundleError(
                f"version {version} déjà publiée ou plus ancienne que la dernière publiée ({latest}) : "
                "augmentez « version » dans content.json"
            )
        connection.execute(
            insert(content_bundles).values(
                version=version,
                date=date,
                bundle=bundle,
                etag=f'"{hashlib.sha256(bundle).hexdigest()}"',
                published_at=timestamp(utc_now()),
            )
        )
    global _generation
    with _generation_lock:
        _generation += 1


def current_etag(engine: Engine) -> str | None:
    """The ETag of the newest bundle (what the session's answer offers), None if none was published."""
    with engine.connect() as connection:
        return connection.execute(
            select(content_bundles.c.etag).order_by(content_bundles.c.version.desc()).limit(1)
        ).scalar()


def current(engine: Engine) -> Published | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(
                content_bundles.c.version,
                content_bundles.c.date,
                content_bundles.c.bundle,
                content_bundles.c.etag,
            )
            .order_by(content_bundles.c.version.desc())
            .limit(1)
        ).first()
    return Published(row.version, row.date, bytes(row.bundle), row.etag) if row else None


@dataclass
class _Cached:
    generation: int
    checked_at: float
    etag: str | None
    catalogue: Catalogue


_cached: "weakref.WeakKeyDictionary[Engine, _Cached]" = weakref.WeakKeyDictionary()
_cached_lock = threading.Lock()


def catalogue(engine: Engine, clock: Callable[[], float] = time.monotonic) -> Catalogue:
    """The catalogue the server checks and labels records with: the shipped one, with what the newest
    published bundle adds or relabels. Kept per process and engine, not read per batch: checked again
    after a publication in this process, or after `REFRESH_SECONDS` (one in another process), and
    built again only when the newest bundle's ETag changed."""
    with _cached_lock:
        now = clock()
        cached = _cached.get(engine)
        if cached and cached.generation == _generation and now - cached.checked_at < REFRESH_SECONDS:
            return cached.catalogue
        generation = _generation
        etag = current_etag(engine)
        if cached is None or etag != cached.etag:
            published = current(engine) if etag else None
            cached = _Cached(generation, now, published.etag if published else None, _built(published))
        else:
            cached = dataclasses.replace(cached, generation=generation, checked_at=now)
        _cached[engine] = cached
        return cached.catalogue


def _built(published: Published | None) -> Catalogue:
    """The shipped catalogue united with `published`'s, the newer version's entries winning. A bundle
    that no longer opens (the server now ships another editor key, as its workstations do) is left
    out, as the workstations leave it out: the ingest keeps working with the shipped catalogue."""
    shipped = shipped_content()
    if published is None:
        return load_catalogue(shipped)
    try:
        # Checked whole (`check_content`) and signed before it was stored by `publish`.
        content = open_bundle(published.bundle, editor_key())
    except BundleError:
        return load_catalogue(shipped)
    older, newer = sorted((shipped, content), key=lambda item: item.version)
    return _union(load_catalogue(older), load_catalogue(newer))


def _union(older: Catalogue, newer: Catalogue) -> Catalogue:
    """Every id of both catalogues, the newer's entry (label, theme) where both know it."""
    merged = {
        item.name: {**getattr(older, item.name), **getattr(newer, item.name)}
        for item in dataclasses.fields(Catalogue)
        if item.name not in ("defaults", "versions", "_search_cache")
    }
    return Catalogue(**merged, defaults=newer.defaults, versions=newer.versions)
