"""`LiveServer.watched()`: a traceback a shared server prints fails the test during which it was
printed, and only that one (tests/server/conftest.py's `shared_server` and `shared_web`, and
tests/e2e/conftest.py's `shared_server`, wrap each test in it)."""

from pathlib import Path

import pytest

from tests.live_server import LiveServer

TRACEBACK = b'Traceback (most recent call last):\n  File "app/server/api.py", line 1\nValueError: boom\n'


class LogOnly(LiveServer):
    """A LiveServer without its process: the test writes into its log what the server would print
    (the log is the server's standard output and error), so no server is started for this."""

    def start(self) -> "LogOnly":
        self._log = self.log_path.open("a+b")
        return self


def printed(server: LiveServer, text: bytes) -> None:
    """What the server process would print: appended to the file it writes to."""
    with server.log_path.open("ab") as log:
        log.write(text)


def test_a_traceback_printed_during_a_test_fails_that_test_and_no_other(tmp_path: Path) -> None:
    server = LogOnly("sqlite://", log_path=tmp_path / "serveur.log").start()
    printed(server, b"INFO: started\n")
    with server.watched():  # a test during which the server printed only its usual lines
        printed(server, b'INFO: 127.0.0.1 - "GET /health HTTP/1.1" 200\n')

    # The test during which it crashed.
    with pytest.raises(AssertionError, match="during this test") as failure, server.watched():
        printed(server, TRACEBACK)
    assert "ValueError: boom" in str(failure.value) and "started" not in str(failure.value)

    with server.watched():  # the next test is not blamed for the earlier traceback
        printed(server, b'INFO: 127.0.0.1 - "GET /health HTTP/1.1" 200\n')

    with pytest.raises(AssertionError, match="the server printed a traceback"):
        server.stop()  # and the end of the session says so again
