"""Opening the server database: one engine per process, migrated to the latest schema before use.

SQLite gets WAL (readers never wait for the ingest), foreign keys and `synchronous=FULL`: an
acknowledged batch lets the workstation forget its copy, so a commit must survive a power cut.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from app.paths import PRIVATE_FOLDER_MODE, private_file

ENV_DATABASE = "BUREAU_VIRTUEL_SERVER_DATABASE"
DATABASE_NAME = "bureau-virtuel-server.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_SECONDS = 30
# Serialises concurrent first start-ups on PostgreSQL (any constant shared by all server processes).
_MIGRATION_LOCK = 72_450_001


class UnknownSchema(Exception):
    """The database was migrated by a newer server; `str(error)` is a French sentence."""


def default_url() -> str:
    """`$BUREAU_VIRTUEL_SERVER_DATABASE`, else a SQLite file in the user's data folder."""
    chosen = os.environ.get(ENV_DATABASE)
    if chosen:
        return chosen
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('bureau-virtuel', 'France Services')) / DATABASE_NAME}"


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def open_database(url: str) -> Engine:
    """An engine on `url`, its schema upgraded to the latest migration."""
    engine = _create_engine(url)
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def upgrade(engine: Engine) -> None:
    """Apply every pending Alembic migration, in one transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, "head")
        except CommandError as error:
            raise UnknownSchema(
                f"schéma de base inconnu de cette version du serveur ({error}) : mettez le serveur à jour."
            ) from None


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it takes the write lock at BEGIN (waiting for it if
    needed) rather than failing when a read turns into a write."""
    with engine.connect() as connection:
        connection.execution_options(sqlite_immediate=True)
        with connection.begin():
            yield connection


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        # A file the server creates is its own (0600, its -wal and -shm too, in a new folder 0700);
        # an existing file or folder keeps the modes its administrator gave it.
        path = Path(parsed.database).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER_MODE)
        if not path.exists():
            private_file(path)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit transactions are switched off so that SQLAlchemy's BEGIN is the real one
    # (SQLAlchemy's recipe for SQLite transactions).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
