"""The workstation's SQLite connection as every store uses it: statements, rows as dicts, and the
connection itself.

Why not sqlite-utils, which gave these: the application used nothing else of it, and importing it
(click, pluggy, dateutil's parser, its table layer) was ~45 ms of the ~150 ms the application adds
to a bare Qt window at start-up (bench/startup.py). The connection is opened in autocommit mode
(`isolation_level=None`, app.models.database), so a statement needs no commit of its own; a
transaction is an explicit BEGIN (`app.models.database.transaction`).
"""

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

Parameters = Sequence[Any] | Mapping[str, Any]


class Database:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # As sqlite-utils set it, which the schema's triggers were written and tested with.
        conn.execute("PRAGMA recursive_triggers = on")

    def execute(self, sql: str, parameters: Parameters | None = None) -> sqlite3.Cursor:
        return self.conn.execute(sql, () if parameters is None else parameters)

    def query(self, sql: str, parameters: Parameters | None = None) -> Iterator[dict[str, Any]]:
        """The rows of a SELECT, each a dict by column name (the statement runs now)."""
        cursor = self.execute(sql, parameters)
        names = [column[0] for column in cursor.description]
        return (dict(zip(names, row, strict=True)) for row in cursor)
