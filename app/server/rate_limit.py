"""A lock-out after repeated failures, for the enrolment codes.

Codes are long enough that guessing one is hopeless; the limit keeps it so whatever the volume, and
stops one address (or many aimed at one structure) from hammering the database. Failures are counted
in the memory of the process: the server runs as one process, and a restart forgetting them is no
weakness worth a table. Libraries such as `limits` count requests; what matters here is failures only,
so that a structure's agents enrolling their workstations one after the other are never slowed down.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable

# Beyond this many keys, the ones without a recent failure are forgotten first: memory stays bounded
# whatever the number of addresses a client uses.
MAX_KEYS = 10_000


class FailureLimiter:
    """At most `max_failures` failures per key within `window_seconds`; a key that reached it is locked
    until its oldest failure leaves the window. Thread-safe (handlers run in a thread pool)."""

    def __init__(
        self, max_failures: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, *keys: Hashable) -> int | None:
        """Seconds until none of `keys` is locked any more, or None if none is locked now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                failures = self._recent(key, now)
                if failures is not None and len(failures) >= self.max_failures:
                    wait = max(wait, failures[0] + self.window_seconds - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def fail(self, *keys: Hashable) -> None:
        """Count one failure against each of `keys`."""
        now = self._clock()
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                for key in list(self._failures):
                    self._recent(key, now)
            for key in keys:
                failures = self._failures.setdefault(key, deque())
                failures.append(now)
                while len(failures) > self.max_failures:
                    failures.popleft()
            while len(self._failures) > MAX_KEYS:
                del self._failures[next(iter(self._failures))]

    def _recent(self, key: Hashable, now: float) -> deque[float] | None:
        """The key's failures within the window (older ones dropped, the key too if none is left)."""
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures
