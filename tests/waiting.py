"""Waiting on a condition outside Qt (a subprocess, a server's database, a file): the test goes on as
soon as the condition holds and fails with a message if it never does, instead of sleeping a fixed
time and hoping. Inside Qt, use `qtbot.waitUntil`."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
POLL_SECONDS = 0.01


def wait_until(condition: Callable[[], T], timeout: float, what: str) -> T:
    """Poll `condition` until it returns something true, and return that; `AssertionError` naming
    `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout:g} s: {what}")
        time.sleep(POLL_SECONDS)
