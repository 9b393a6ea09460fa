"""End-to-end: the real reporting server on 127.0.0.1, the real sync client, a real SQLite file."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.models.demo import ensure_demo_setup
from app.models.workspace import Workspace
from app.sync.engine import enroll
from tests.chaos_proxy import ChaosProxy
from tests.live_server import LiveServer, create_structure, start_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with start_server(f"sqlite:///{tmp_path / 'serveur.sqlite3'}", log_path=tmp_path / "serveur.log") as live:
        yield live


@pytest.fixture
def proxy(server: LiveServer) -> Iterator[ChaosProxy]:
    chaos = ChaosProxy(server.port, seed=20261123)
    yield chaos
    chaos.close()


def enrolled(workspace: Workspace, server: LiveServer, url: str | None = None) -> Workspace:
    """The demo bus (matricule 3) declared on the server, and this workstation enrolled in it."""
    ensure_demo_setup(workspace)
    enroll(workspace, url or server.url, create_structure(server.database_url))
    return workspace


def server_counts(server: LiveServer) -> tuple[int, int]:
    """(rows, distinct ids) of contacts the server stored."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return tuple(connection.execute(text("SELECT count(*), count(DISTINCT id) FROM records")).one())
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
