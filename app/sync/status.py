"""What the workstation knows of its sync state, readable without loading the network stack.

The GUI shows it at start-up; importing `requests` and `keyring` for that would slow the start.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from app.models.database import parse_db_time
from app.models.settings import get_setting

SERVER_URL = "sync.server_url"
LAST_SUCCESS = "sync.last_success_at"
UNAUTHORIZED = "sync.unauthorized"


@dataclass(frozen=True)
class SyncStatus:
    server_url: str | None
    last_success: datetime | None
    unauthorized: bool
    pending: int
    quarantined: int


def read_status(db: sqlite_utils.Database) -> SyncStatus:
    last = get_setting(db, LAST_SUCCESS)
    return SyncStatus(
        server_url=get_setting(db, SERVER_URL),
        last_success=parse_db_time(last) if last else None,
        unauthorized=bool(get_setting(db, UNAUTHORIZED, False)),
        pending=pending_count(db),
        quarantined=quarantined_count(db),
    )


def pending_count(db: sqlite_utils.Database) -> int:
    """Records not yet acknowledged by the server (quarantined ones excluded)."""
    return db.execute("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')").fetchone()[0]


def quarantined_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM outbox WHERE state = 'rejected'").fetchone()[0]
