"""End-to-end: the real reporting server on 127.0.0.1, the real sync client, a real SQLite file.

Most tests share one server per session (`shared_server`), each enrolling in a structure of its own
(`own_matricule`); a test that stops, kills or upgrades the server, or needs its database empty, starts
its own (`server`)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.models.demo import ensure_demo_setup
from app.models.workspace import Workspace
from app.sync.engine import enroll
from tests.chaos_proxy import ChaosProxy
from tests.live_server import LiveServer, create_structure, start_server, unique_matricule


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of the test's own, for a test that stops, kills, restarts or upgrades it, or counts
    on an empty database."""
    with start_server(f"sqlite:///{tmp_path / 'serveur.sqlite3'}", log_path=tmp_path / "serveur.log") as live:
        yield live


@pytest.fixture(scope="session")
def session_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the session (per xdist worker), taken through `shared_server`."""
    folder = tmp_path_factory.mktemp("serveur-partage")
    with start_server(f"sqlite:///{folder / 'serveur.sqlite3'}", log_path=folder / "serveur.log") as live:
        yield live  # stopping it fails the last test if the server printed a traceback


@pytest.fixture
def shared_server(session_server: LiveServer) -> Iterator[LiveServer]:
    """The session's server, for a test that enrols in a structure of its own (`own_matricule`) and
    counts only that structure's rows; a traceback the server prints during the test fails it."""
    with session_server.watched() as live:
        yield live


@pytest.fixture
def own_matricule() -> str:
    """A matricule no other test declares on the shared server."""
    return unique_matricule()


@pytest.fixture
def proxy(server: LiveServer) -> Iterator[ChaosProxy]:
    chaos = ChaosProxy(server.port, seed=20261123)
    yield chaos
    chaos.close()


@pytest.fixture
def shared_proxy(shared_server: LiveServer) -> Iterator[ChaosProxy]:
    """The chaos proxy in front of the shared server."""
    chaos = ChaosProxy(shared_server.port, seed=20261123)
    yield chaos
    chaos.close()


def enrolled(
    workspace: Workspace, server: LiveServer, url: str | None = None, matricule: str = "3"
) -> Workspace:
    """The demo bus declared on the server as structure `matricule` (3 on a server of the test's
    own), and this workstation enrolled in it: the workstation adopts the server's structure."""
    ensure_demo_setup(workspace)
    enroll(workspace, url or server.url, create_structure(server.database_url, matricule))
    return workspace


def server_counts(server: LiveServer, matricule: str = "3") -> tuple[int, int]:
    """(rows, distinct ids) of contacts the server stored for structure `matricule`."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*), count(DISTINCT id) FROM records WHERE structure = :matricule")
            return tuple(connection.execute(query, {"matricule": matricule}).one())
    finally:
        engine.dispose()


def local_states(workspace: Workspace) -> dict[str, int]:
    """The outbox states of the records the tests make (the shared settings' versions apart: see
    tests/e2e/test_shared_settings.py)."""
    return dict(
        workspace.db.execute(
            "SELECT state, count(*) FROM outbox WHERE kind != 'setting' GROUP BY state"
        ).fetchall()
    )
