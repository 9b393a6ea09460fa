"""One lock-out after repeated failures, for the enrolment codes and for the web logins.

Failures are rows of `lockout_failures`, not the memory of a process: every server process on the
database (`serve --workers N`, several servers behind a proxy) counts those of the others, and a
restart forgets none. What is counted is failures only, never requests: a structure's agents
enrolling their workstations one after the other, or a préfecture's staff logging in, are never
slowed down. Rows older than the window are deleted as new failures come, so the table holds only
the last quarter of an hour's, whatever the number of addresses a client uses.
"""

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select

from app.server.database import write_transaction
from app.server.schema import lockout_failures, timestamp, utc_now

KEY_LENGTH = 320


class FailureLimiter:
    """At most `max_failures` failures per key within `window_seconds`, for one `purpose`; a key that
    reached it is locked until its oldest failure in the window leaves it."""

    def __init__(
        self,
        engine: Engine,
        purpose: str,
        max_failures: int,
        window_seconds: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.purpose = purpose
        self.max_failures = max_failures
        self.window = timedelta(seconds=window_seconds)
        self._clock = clock

    def retry_after(self, *keys: str) -> int | None:
        """Seconds until none of `keys` is locked any more, or None if none is locked now."""
        now = self._clock()
        wait = 0.0
        with self.engine.connect() as connection:
            for key in keys:
                recent = (
                    connection.execute(
                        select(lockout_failures.c.at)
                        .where(
                            lockout_failures.c.purpose == self.purpose,
                            lockout_failures.c.key == key[:KEY_LENGTH],
                            lockout_failures.c.at > timestamp(now - self.window),
                        )
                        .order_by(lockout_failures.c.at.desc())
                        .limit(self.max_failures)
                    )
                    .scalars()
                    .all()
                )
                if len(recent) >= self.max_failures:
                    oldest = datetime.fromisoformat(recent[-1])
                    wait = max(wait, (oldest + self.window - now).total_seconds())
        return max(1, math.ceil(wait)) if wait > 0 else None

    def fail(self, *keys: str) -> None:
        """Count one failure against each of `keys` (and forget the failures out of the window)."""
        now = self._clock()
        with write_transaction(self.engine) as connection:
            connection.execute(
                delete(lockout_failures).where(
                    lockout_failures.c.purpose == self.purpose,
                    lockout_failures.c.at <= timestamp(now - self.window),
                )
            )
            connection.execute(
                insert(lockout_failures),
                [{"purpose": self.purpose, "key": key[:KEY_LENGTH], "at": timestamp(now)} for key in keys],
            )


def waiting_time(seconds: int) -> str:
    """« 40 s », « 12 min »: how long a locked-out person waits, in French."""
    return f"{seconds} s" if seconds < 60 else f"{math.ceil(seconds / 60)} min"
