"""Opening the local SQLite database: checks, pragmas, migrations and the one-transaction helper.

The file is the agent's only copy of unsynced contacts, so nothing here ever rewrites or replaces a
file it cannot read: it raises `DatabaseUnavailable` with a French message and leaves the file alone.
"""

import shutil
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.models.connection import Database
from app.models.migrations import MIGRATIONS, SCHEMA_VERSION
from app.paths import private_file, private_folder

SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseUnavailable(Exception):
    """The database cannot be used; `str(error)` is a French message for the agent."""


def _check_readable(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise DatabaseUnavailable(
            f"Impossible de lire la base de données « {path} » ({error.strerror}). "
            "Vérifiez les droits d'accès au dossier ; le fichier n'a pas été modifié."
        ) from error
    if header and header != SQLITE_HEADER:
        raise DatabaseUnavailable(_damaged(path))


def _damaged(path: Path) -> str:
    return (
        f"La base de données « {path} » est illisible ou endommagée. Elle n'a pas été modifiée : "
        "conservez ce fichier et contactez votre support pour la récupérer. Pour travailler en "
        "attendant, lancez l'application avec un autre dossier de données (--data-dir)."
    )


def open_database(path: Path) -> Database:
    """Open (creating if absent) and migrate the database at `path`; the folder is the agent's only
    (0700), the database and its backups too (0600)."""
    private_folder(path.parent)
    existed = path.exists() and path.stat().st_size > 0
    if existed:
        _check_readable(path)
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        if file == path or file.exists():
            private_file(file)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        db = Database(conn)
        conn.execute("PRAGMA busy_timeout = 5000")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise DatabaseUnavailable(
                f"La base de données « {path} » a été créée par une version plus récente de "
                "Bureau virtuel. Installez la dernière version ; le fichier n'a pas été modifié."
            )
        if existed and version < SCHEMA_VERSION:
            _backup(conn, path, version)
        conn.execute("PRAGMA journal_mode = wal")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(db, version)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise DatabaseUnavailable(_damaged(path)) from error
    except DatabaseUnavailable:
        conn.close()
        raise
    return db


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Keep a copy of the database as it was before an upgrade."""
    target = path.with_name(f"{path.name}.avant-v{SCHEMA_VERSION}-depuis-v{version}")
    if target.exists():
        return
    partial = private_file(target.with_suffix(".partiel"))
    with sqlite3.connect(partial) as copy:
        conn.backup(copy)
    copy.close()
    shutil.move(partial, target)


def _migrate(db: Database, version: int) -> None:
    """Each migration in its own transaction, with foreign keys off (SQLite's way to rebuild a table,
    which cannot be switched inside a transaction) and checked before it commits."""
    if version == SCHEMA_VERSION:
        return
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        for number in range(version, SCHEMA_VERSION):
            with transaction(db):
                for statement in MIGRATIONS[number]:
                    if callable(statement):
                        statement(db)
                    else:
                        db.execute(statement)
                if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
                    raise sqlite3.DatabaseError(f"migration {number + 1} broke a foreign key")
                db.execute(f"PRAGMA user_version = {number + 1}")
    finally:
        db.execute("PRAGMA foreign_keys = ON")


@contextmanager
def transaction(db: Database) -> Iterator[None]:
    """One user action, one transaction: all of it is written, or none of it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def write_records(db: Database, table: str, kind: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert records' rows into `table` inside the caller's transaction, each of this workstation's
    own (`origin` None) with its outbox row of `kind`, so that a record is never written without
    being queued, nor queued without being written. A record pulled from another workstation is
    already on the server: no outbox row. Every row has the same columns, in the same order; one
    `executemany` per table, which keeps a page of the structure's feed cheap."""
    if not rows:
        return
    columns = list(rows[0])
    db.conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [[row[column] for column in columns] for row in rows],
    )
    db.conn.executemany(
        "INSERT INTO outbox (record_id, kind, updated_at) VALUES (?, ?, ?)",
        [(row["id"], kind, row["created_at"]) for row in rows if row["origin"] is None],
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


DB_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def db_time(moment: datetime) -> str:
    """UTC, to the second, in a form that sorts as text: how every time is stored."""
    return moment.astimezone(UTC).strftime(DB_TIME_FORMAT)


def parse_db_time(value: str) -> datetime:
    return datetime.strptime(value, DB_TIME_FORMAT).replace(tzinfo=UTC)


def reset_interrupted_sends(db: Database) -> int:
    """At start-up, a batch that was being sent when the app died goes back to the queue."""
    with transaction(db):
        cursor = db.execute(
            "UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'sending'",
            [db_time(utc_now())],
        )
    return cursor.rowcount
