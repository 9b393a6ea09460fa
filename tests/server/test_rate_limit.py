"""The lock-out counter, in the database, on a clock the test moves (the HTTP side, with two server
processes: test_http_guards.py and test_web.py)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from app.server.database import open_database
from app.server.rate_limit import FailureLimiter, waiting_time
from app.server.schema import lockout_failures


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    yield engine
    engine.dispose()


def test_a_key_is_locked_at_the_limit_until_its_oldest_failure_leaves_the_window(engine: Engine) -> None:
    clock = Clock()
    limiter = FailureLimiter(engine, "essai", 3, 900, clock)
    start = clock.now
    for _ in range(2):
        limiter.fail("a")
        clock.now += timedelta(seconds=100)
    assert limiter.retry_after("a") is None
    limiter.fail("a")  # third failure at +200 s; the first was at +0
    assert limiter.retry_after("a") == 700
    assert limiter.retry_after("b") is None
    assert limiter.retry_after("b", "a") == 700  # any locked key locks the request
    clock.now = start + timedelta(seconds=899)
    assert limiter.retry_after("a") == 1  # never 0 while locked
    clock.now = start + timedelta(seconds=900)
    assert limiter.retry_after("a") is None  # the first failure left the window
    limiter.fail("a")
    assert limiter.retry_after("a") == 100  # locked again until the second one leaves


def test_each_purpose_counts_its_own_failures_and_old_ones_are_deleted(engine: Engine) -> None:
    clock = Clock()
    logins = FailureLimiter(engine, "login", 2, 900, clock)
    codes = FailureLimiter(engine, "enrolment", 2, 900, clock)
    for n in range(100):
        logins.fail(f"address:10.0.{n}.1")
    logins.fail("address:10.0.0.1")
    assert logins.retry_after("address:10.0.0.1") == 900
    assert codes.retry_after("address:10.0.0.1") is None
    clock.now += timedelta(seconds=901)
    logins.fail("address:10.0.0.2")
    with engine.connect() as connection:
        left = connection.execute(select(func.count()).select_from(lockout_failures)).scalar_one()
    assert left == 1  # the table holds only the window's failures, whatever the number of addresses


def test_two_limiters_on_one_database_share_their_failures(engine: Engine, database_url: str) -> None:
    """What two server processes do: each its own engine and limiter, one database."""
    other = open_database(database_url)
    try:
        first = FailureLimiter(engine, "login", 5, 900)
        second = FailureLimiter(other, "login", 5, 900)
        for limiter in (first, first, first, second, second):
            limiter.fail("login:pref02@example.fr")
        assert first.retry_after("login:pref02@example.fr") is not None
        assert second.retry_after("login:pref02@example.fr") is not None
    finally:
        other.dispose()


@pytest.mark.parametrize(
    ("seconds", "text"), [(1, "1 s"), (59, "59 s"), (60, "1 min"), (61, "2 min"), (900, "15 min")]
)
def test_the_waiting_time_is_said_in_french(seconds: int, text: str) -> None:
    assert waiting_time(seconds) == text
