"""The enrolment's lock-out counter, on a clock the test moves (the HTTP side: test_http_guards.py)."""

from app.server import rate_limit
from app.server.rate_limit import FailureLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_locked_at_the_limit_until_its_oldest_failure_leaves_the_window() -> None:
    clock = Clock()
    limiter = FailureLimiter(3, 900, clock)
    for _ in range(2):
        limiter.fail("a")
        clock.now += 100
    assert limiter.retry_after("a") is None
    limiter.fail("a")  # third failure at 1200; the first was at 1000
    assert limiter.retry_after("a") == 700
    assert limiter.retry_after("b") is None
    assert limiter.retry_after("b", "a") == 700  # any locked key locks the request
    clock.now = 1899.5
    assert limiter.retry_after("a") == 1  # never 0 while locked
    clock.now = 1900
    assert limiter.retry_after("a") is None  # the first failure left the window
    limiter.fail("a")
    assert limiter.retry_after("a") == 100  # locked again until the second one leaves


def test_memory_stays_bounded_whatever_the_number_of_keys(monkeypatch) -> None:
    monkeypatch.setattr(rate_limit, "MAX_KEYS", 100)
    clock = Clock()
    limiter = FailureLimiter(1, 900, clock)
    for n in range(1000):
        limiter.fail(("address", n))
        clock.now += 1
    assert len(limiter._failures) <= 100
    assert limiter.retry_after(("address", 999)) is not None  # the newest are kept
