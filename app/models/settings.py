"""Small key/value settings of the workstation, stored as JSON in the `settings` table.

In the database rather than a config file so that one backup holds everything, and so that a
setting changes in the same transaction as the data it goes with.
"""

import json
from typing import Any

from app.models.connection import Database


def get_setting(db: Database, key: str, default: Any = None) -> Any:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def set_setting(db: Database, key: str, value: Any) -> None:
    """Write one setting; the caller holds the transaction."""
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, json.dumps(value, ensure_ascii=False)],
    )
