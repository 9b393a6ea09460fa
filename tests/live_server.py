"""The real reporting server in a subprocess, for every test that needs one (API and end-to-end sync).

Nothing is mocked: `python -m app.server.cli serve` on 127.0.0.1 with a free port, its output in a log
file (a pipe nobody reads would eventually block it), ready once `/health` answers. The admin commands
run the same way, as an administrator would type them.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10


def free_port() -> int:
    """A port nobody listens on right now (the server binds it a moment later)."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """One server process; `restart()` brings it back on the same port and database."""

    def __init__(
        self,
        database_url: str,
        port: int | None = None,
        log_path: Path | None = None,
        options: tuple[str, ...] = (),
    ) -> None:
        self.database_url = database_url
        self.options = options  # more `serve` options, e.g. ("--docs",)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._process: subprocess.Popen | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> "LiveServer":
        """Start the process and wait until `/health` answers 200."""
        # Kept open for the life of the process and closed by `_release()`.
        self._log = self.log_path.open("a+b") if self.log_path else tempfile.TemporaryFile()  # noqa: SIM115
        command = [sys.executable, "-m", "app.server.cli", "serve", "--database", self.database_url]
        self._process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(self.port), *self.options],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                output = self.output()
                self._release()
                raise RuntimeError(f"the server exited during start-up:\n{output}")
            if self._healthy():
                return self
            time.sleep(0.05)
        output = self.output()
        self.kill()
        raise RuntimeError(f"the server did not answer /health within {STARTUP_TIMEOUT_SECONDS} s:\n{output}")

    def stop(self) -> None:
        """SIGTERM, as a supervisor would send it; SIGKILL if it does not exit in time."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._release_checked()

    def kill(self) -> None:
        """SIGKILL: the server dies wherever it is, as in a power cut."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        self._release_checked()

    def _release_checked(self) -> None:
        """Release the process, then fail if it printed a traceback: a server error the HTTP answer
        hid (a 500 the client retried, a crash in a background task) is a failure of the test that
        caused it, not noise in a log nobody reads."""
        output = self.output()
        self._release()
        if "Traceback" in output:
            raise AssertionError(f"the server printed a traceback:\n{output}")

    @contextmanager
    def watched(self) -> Iterator["LiveServer"]:
        """The server for one test of those sharing it: fails that test if the server printed a
        traceback during it, as stopping a server of its own would (the shared one stops only at the
        end of the session, and `stop()` checks its log again then)."""
        printed_before = len(self.output())
        yield self
        printed = self.output()[printed_before:]
        if "Traceback" in printed:
            raise AssertionError(f"the shared server printed a traceback during this test:\n{printed}")

    def restart(self) -> "LiveServer":
        self.stop()
        return self.start()

    def output(self) -> str:
        """What the current (or last) process printed, for failure messages."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        text = self._log.read().decode(errors="replace")
        self._log.seek(0, os.SEEK_END)
        return text

    def __enter__(self) -> "LiveServer":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _healthy(self) -> bool:
        try:
            with requests.get(f"{self.url}/health", timeout=1) as response:
                return response.status_code == 200
        except requests.RequestException:
            return False

    def _release(self) -> None:
        if self._process is not None:
            self._process.wait()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None


def start_server(
    database_url: str, log_path: Path | None = None, options: tuple[str, ...] = ()
) -> LiveServer:
    """A running server on a free port; stop it with `.stop()` (or use it in a `with`)."""
    return LiveServer(database_url, log_path=log_path, options=options).start()


def run_server_cli(
    database_url: str, *args: str, text: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess:
    """The real `bureau-virtuel-server` admin command on `database_url`, in a subprocess
    (`text=False` keeps stdout as bytes, e.g. to compare a CSV byte for byte)."""
    return subprocess.run(
        [sys.executable, "-m", "app.server.cli", *args, "--database", database_url],
        capture_output=True,
        text=text,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def unique_matricule() -> str:
    """A matricule no other test declares, for a test's own structure on a shared server: random
    letters only, since a run of digits in a record's `structure` looks like an identifier to the
    record guard, which refuses it."""
    return "test-" + uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))[:12]


def create_structure(
    database_url: str,
    matricule: str = "3",
    name: str = "Thiérache Sambre et Oise",
    departement: str = "02",
    itinerant: bool = True,
) -> str:
    """Declare a structure with the admin command and return its enrolment code (its last line)."""
    args = ["add-structure", "--matricule", matricule, "--name", name, "--departement", departement]
    result = run_server_cli(database_url, *args, *(["--itinerant"] if itinerant else []))
    if result.returncode != 0:
        raise AssertionError(f"add-structure failed ({result.returncode}): {result.stderr}")
    return result.stdout.strip().splitlines()[-1]


@contextmanager
def fresh_postgres_url(base_url: str) -> Iterator[str]:
    """`base_url` narrowed to a new, empty schema (dropped afterwards): a clean database per test
    without needing the right to create databases."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
