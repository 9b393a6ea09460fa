"""Server tests: the real server on a free port, real HTTP, on SQLite and on PostgreSQL too when
BUREAU_VIRTUEL_TEST_POSTGRES_URL is set. Most tests share one server per session and backend and
each takes a structure of its own (`shared_server`, `structure`), and the web tests one web server,
each in structures, départements and accounts of its own (`shared_web`); a test that needs a server
to itself gets a fresh database and server (`server`, `web`)."""

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, create_engine

from app.server.accounts import create_structure as add_structure
from app.server.web.map import outlines
from tests.live_server import (
    LiveServer,
    create_structure,
    fresh_postgres_url,
    start_server,
    unique_matricule,
)
from tests.server import helpers
from tests.server.helpers import OwnStructure, enrol, enrolled, post_records
from tests.server.web_helpers import WebDesk, add_account, november_records, populate

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
    """A server of the test's own on an empty database, for what `shared_server` cannot give."""
    with start_server(database_url, log_path=tmp_path / "serveur.log") as live:
        yield live


@contextmanager
def servers_per_backend(
    tmp_path_factory: pytest.TempPathFactory, name: str, options: tuple[str, ...] = ()
) -> Iterator[Callable[[str], LiveServer]]:
    """A server per backend started on first use and kept until the end: at the end each server
    is stopped (its log checked), then its database dropped."""
    started: dict[str, LiveServer] = {}
    with ExitStack() as stack:

        def server_on(backend: str) -> LiveServer:
            if backend not in started:
                folder = tmp_path_factory.mktemp(f"{name}-{backend}")
                url = stack.enter_context(empty_database(backend, folder))
                live = start_server(url, log_path=folder / "serveur.log", options=options)
                started[backend] = stack.enter_context(live)
            return started[backend]

        yield server_on


@pytest.fixture(scope="session")
def session_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], LiveServer]]:
    """One server per backend for the whole session (per xdist worker), started on first use: starting
    a server costs seconds, most tests need only a structure of their own on it. Not a parametrized
    session fixture: pytest keeps one parameter's value at a time, and with `--dist loadfile` each file
    would stop one backend's server and start the other's again. Tests take it through
    `shared_server`, never directly, so that its log is checked after each of them."""
    with servers_per_backend(tmp_path_factory, "serveur-partage") as server_on:
        yield server_on


@pytest.fixture(params=BACKENDS)
def shared_server(
    request: pytest.FixtureRequest, session_servers: Callable[[str], LiveServer]
) -> Iterator[LiveServer]:
    """The session's server on each backend, for a test that writes only in its own structures
    (`structure`, `new_structure`) and counts only their rows. A traceback the server prints during
    the test fails that test, as a fresh server's does when it stops.

    A test keeps the fresh `server` (or `web`) when it needs what a shared server cannot give: killing
    or restarting it, other `serve` options (`--http-cookies`, limits), an empty database or counts of
    whole tables, migrations, registry imports (they change the national list every structure sees),
    or refused codes and logins (the lock-out counts them per address, 127.0.0.1 for every test)."""
    with session_servers(request.param).watched() as live:
        yield live


@pytest.fixture
def shared_db(shared_server: LiveServer) -> Iterator[Engine]:
    """Direct reads of what the shared server stored (of this test's structures only: others' rows
    are there too)."""
    engine = create_engine(shared_server.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def new_structure(shared_server: LiveServer, shared_db: Engine) -> Callable[..., OwnStructure]:
    """Declare a structure of a unique matricule on the shared server (straight in its database, as
    `add-structure` does, without a subprocess): by default in the Aisne and itinerant, as the fresh
    server's structure 3."""

    def declare(
        name: str = "Thiérache Sambre et Oise", departement: str = "02", itinerant: bool = True
    ) -> OwnStructure:
        matricule = unique_matricule()
        return OwnStructure(matricule, add_structure(shared_db, matricule, name, departement, itinerant))

    return declare


@pytest.fixture
def structure(new_structure: Callable[..., OwnStructure], monkeypatch: pytest.MonkeyPatch) -> OwnStructure:
    """This test's own structure on the shared server, in place of structure 3: the record builders
    of tests.server.helpers (`contact`, `escalation`, `count`…) use its matricule during the test."""
    own = new_structure()
    monkeypatch.setattr(helpers, "MATRICULE", own.matricule)
    return own


@pytest.fixture
def shared_token(shared_server: LiveServer, structure: OwnStructure, http: requests.Session) -> str:
    """The token of a workstation enrolled in this test's `structure` on the shared server."""
    return enrolled(http, shared_server, structure.code)["token"]


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


@contextmanager
def web_server(database_url: str, folder: Path) -> Iterator[LiveServer]:
    """The server with cookies usable over http://127.0.0.1, structure 3 (Aisne, 02) with a
    workstation that sent November's records, structure 4 (Nord, 59), and one account per role."""
    with start_server(database_url, folder / "serveur.log", ("--http-cookies",)) as live:
        code = create_structure(database_url)
        create_structure(database_url, "4", "Maubeuge", "59", itinerant=False)
        with requests.Session() as http:
            token = enrol(http, live, code).json()["token"]
            assert post_records(http, live, token, november_records("3")).status_code == 200
        for login, role, *scope in (
            ("anct@example.fr", "national"),
            ("pref02@example.fr", "departement", "--departement", "02"),
            ("fs3@example.fr", "structure", "--matricule", "3"),
        ):
            done = add_account(database_url, login, role, *scope)
            assert done.returncode == 0, done.stderr
        yield live


@pytest.fixture
def web(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The web server of `web_server` to the test itself: its national and departement figures count
    every structure, so a test that writes or counts does not share it."""
    with web_server(database_url, tmp_path) as live:
        yield live


@pytest.fixture(scope="session")
def session_web_servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str], LiveServer]]:
    """One web server (`--http-cookies`) per backend for the session, as `session_servers`; tests
    take it through `shared_web`."""
    with servers_per_backend(tmp_path_factory, "web-partage", ("--http-cookies",)) as server_on:
        yield server_on


@pytest.fixture(scope="session")
def free_departements() -> Callable[[str], str]:
    """A metropolitan département no other test of the session took on `backend`'s shared web
    server: a département or national account sees every structure of its départements, so each
    test gets départements of its own (metropolitan ones: times shown in Paris's zone)."""
    pools: dict[str, Iterator[str]] = {}

    def take(backend: str) -> str:
        pool = pools.setdefault(backend, iter(code for code in sorted(outlines()) if len(code) == 2))
        code = next(pool, None)
        if code is None:
            raise RuntimeError("every metropolitan département is taken: give this test a fresh `web`")
        return code

    return take


@pytest.fixture(params=BACKENDS)
def shared_web(
    request: pytest.FixtureRequest,
    session_web_servers: Callable[[str], LiveServer],
    free_departements: Callable[[str], str],
) -> Iterator[WebDesk]:
    """This test's part of the session's web server: two structures in two départements of its own
    (the first with November's records, as `web`'s 3; the second silent, as its 4) and one account
    per role, logins of its own. A structure account sees only its structure and a département
    account only its département, as on `web`; a national account sees every test's structures, so
    a test reads national figures only through its own structures or départements (or as "at
    least"). A traceback the server prints during the test fails it.

    What stays on the fresh `web`: whole-table counts (the journal's lines, the national list's head
    and pages), failed logins (the lock-out counts them from 127.0.0.1, for every test: one test
    here fails one login per session, the NUL one, of the four allowed) and a second server process."""
    backend = request.param
    with session_web_servers(backend).watched() as live:
        desk = WebDesk.declared(live, free_departements(backend), free_departements(backend))
        engine = create_engine(live.database_url)
        try:
            populate(desk, engine)
        finally:
            engine.dispose()
        yield desk


@pytest.fixture
def shared_web_db(shared_web: WebDesk) -> Iterator[Engine]:
    """Direct reads of the shared web server's database (of this test's rows only: others' are there)."""
    engine = create_engine(shared_web.server.database_url)
    yield engine
    engine.dispose()
