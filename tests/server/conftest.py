"""Server tests: a fresh database per test (a SQLite file, and a PostgreSQL schema too when
BUREAU_VIRTUEL_TEST_POSTGRES_URL is set), the real server on a free port, real HTTP."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, create_engine

from tests.live_server import LiveServer, create_structure, fresh_postgres_url, start_server
from tests.server.helpers import contact, enrol, escalation, items, post_records
from tests.server.web_helpers import add_account

POSTGRES_ENV = "BUREAU_VIRTUEL_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", *(["postgresql"] if os.environ.get(POSTGRES_ENV) else [])]


@contextmanager
def empty_database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database on `backend`: a SQLite file in `folder`, or a new PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'serveur.sqlite3'}"
        return
    with fresh_postgres_url(os.environ[POSTGRES_ENV]) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with start_server(database_url, log_path=tmp_path / "serveur.log") as live:
        yield live


@pytest.fixture(scope="module", params=BACKENDS)
def shared_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One server for a whole test file whose tests only read what any server answers (health, the
    protocol's description, reference files): a fresh server per test costs seconds and tests nothing
    more. A test that writes, counts what is stored, or is locked out must use `server`."""
    folder = tmp_path_factory.mktemp("serveur-partage")
    with (
        empty_database(request.param, folder) as url,
        start_server(url, log_path=folder / "serveur.log") as live,
    ):
        yield live


@pytest.fixture(scope="module")
def shared_token(shared_server: LiveServer) -> str:
    """The token of a workstation enrolled, once per file, in structure 3 of `shared_server`."""
    with requests.Session() as session:
        response = enrol(session, shared_server, create_structure(shared_server.database_url))
    assert response.status_code == 201, response.text
    return response.json()["token"]


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def db(database_url: str) -> Iterator[Engine]:
    """Direct reads of what the server stored."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def token(server: LiveServer, http: requests.Session) -> str:
    """The token of a workstation enrolled in structure 3 (an itinerant France Services)."""
    response = enrol(http, server, create_structure(server.database_url))
    assert response.status_code == 201, response.text
    return response.json()["token"]


@pytest.fixture
def web(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The server with cookies usable over http://127.0.0.1, structure 3 (Aisne, 02) with a
    workstation that sent November's records, structure 4 (Nord, 59), and one account per role."""
    with start_server(database_url, tmp_path / "serveur.log", ("--http-cookies",)) as live:
        code = create_structure(database_url)
        create_structure(database_url, "4", "Maubeuge", "59", itinerant=False)
        with requests.Session() as http:
            token = enrol(http, live, code).json()["token"]
            batch = items(
                contact(),
                contact(partners=["caf", "dgfip"], outcome="oriente", channel="telephone"),
                contact(occurred_at=datetime(2026, 10, 5, 9, tzinfo=UTC)),
            ) + items(escalation(), kind="escalation")
            assert post_records(http, live, token, batch).status_code == 200
        for login, role, *scope in (
            ("anct@example.fr", "national"),
            ("pref02@example.fr", "departement", "--departement", "02"),
            ("fs3@example.fr", "structure", "--matricule", "3"),
        ):
            done = add_account(database_url, login, role, *scope)
            assert done.returncode == 0, done.stderr
        yield live
