"""The registry as the workstations' reference file `structures`: built from the `structures` table,
kept per server process (not built per request), built again after an import, served gzipped with
an ETag; on SQLite and PostgreSQL."""

import csv
import gzip
import io
import json
from pathlib import Path

import requests
from sqlalchemy import update

from app.paths import resources_dir
from app.registry.anct_list import read_list
from app.server.database import open_database, upgrade
from app.server.registry import import_structures
from app.server.registry_reference import FIELDS, REFRESH_SECONDS, RegistryReference
from app.server.schema import structures
from tests.live_server import LiveServer, run_server_cli
from tests.server.helpers import bearer

LIST_2024 = resources_dir() / "structures" / "liste-fs-20240801.csv"


def newer_list(
    tmp_path: Path, renamed: dict[str, str], added: list[dict[str, str]], dropped: set[str]
) -> Path:
    """A modified copy of the 2024 list, as a newer publication would be: structures renamed
    (matricule → name), added (column → value) and dropped (closed by the import)."""
    header, *rows = csv.reader(io.StringIO(LIST_2024.read_text(encoding="utf-8-sig"), newline=""))
    name = header.index("lib_fs")
    kept = []
    for row in rows:
        if row[0] in dropped:
            continue
        if row[0] in renamed:
            row = [*row[:name], renamed[row[0]], *row[name + 1 :]]
        kept.append(row)
    kept += [[extra.get(column, "") for column in header] for extra in added]
    path = tmp_path / f"liste-fs-{len(list(tmp_path.glob('liste-fs-*')))}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows([header, *kept])
    return path


def test_built_once_then_again_after_an_import_here_or_after_the_refresh_time(
    database_url: str, tmp_path: Path
) -> None:
    engine = open_database(database_url)
    try:
        upgrade(engine)
        now = [1000.0]
        reference = RegistryReference(engine, clock=lambda: now[0])
        assert reference.current() is None, "no list imported: nothing to offer"
        import_structures(engine, read_list(LIST_2024))
        first = reference.current()  # the import in this process dropped the copy
        assert first is not None
        document = json.loads(first.body)
        assert document["version"] == 1 and document["fields"] == list(FIELDS)
        assert "ANCT" in document["source"] and document["licence"] == "Licence Ouverte 2.0"
        rows = {row[0]: dict(zip(FIELDS, row, strict=True)) for row in document["structures"]}
        assert len(rows) == 2845
        assert rows["3"] | {"closed": None} == {
            "matricule": "3",
            "name": "Bus France services Thiérache Sambre et Oise",
            "departement": "02",
            "commune": "Guise",
            "insee_commune": "02361",
            "postal_code": "02120",
            "format": "bus",
            "itinerant": True,
            "principal": None,
            "closed": None,
        }
        assert rows["1709"]["principal"] == "134"
        assert gzip.decompress(first.gzipped) == first.body

        # Another process changes the registry (an import from the command line): this process
        # keeps its copy — not built again per request — until the refresh time has passed.
        with engine.begin() as connection:
            connection.execute(
                update(structures).where(structures.c.matricule == "3").values(name="Bus renommé")
            )
        assert reference.current() is first
        now[0] += REFRESH_SECONDS
        second = reference.current()
        assert second is not None and second.etag != first.etag
        assert {row[0]: row[1] for row in json.loads(second.body)["structures"]}["3"] == "Bus renommé"

        # Built again from an unchanged registry: the same bytes, the same ETag.
        now[0] += REFRESH_SECONDS
        assert reference.current().etag == second.etag

        # An import in this process drops the copy at once; a closed structure stays, marked closed.
        import_structures(engine, [s for s in read_list(LIST_2024) if s.matricule != "10"])
        third = json.loads(reference.current().body)
        closed = {row[0]: row[-1] for row in third["structures"] if row[-1] is not None}
        assert list(closed) == ["10"] and closed["10"] == third["date"]
    finally:
        engine.dispose()


def test_served_gzipped_with_an_etag_and_listed_in_the_session(
    server: LiveServer, token: str, http: requests.Session
) -> None:
    url = f"{server.url}/api/v1/reference/structures"
    session = http.get(f"{server.url}/api/v1/session", headers=bearer(token)).json()
    assert "structures" not in session["reference"], "no list imported yet"
    missing = http.get(url, headers=bearer(token))
    assert missing.status_code == 404
    assert missing.json()["detail"]["message"] == (
        "Ce serveur n'a pas encore importé la liste des structures de l'ANCT."
    )

    imported = run_server_cli(server.database_url, "import-structures", str(LIST_2024))
    assert imported.returncode == 0, imported.stderr
    server.restart()  # stands for REFRESH_SECONDS: a running process follows an import within them

    http = requests.Session()  # the restarted server closed the previous connections
    etag = http.get(f"{server.url}/api/v1/session", headers=bearer(token)).json()["reference"]["structures"]
    raw = requests.get(url, headers={**bearer(token), "Accept-Encoding": "gzip"}, stream=True)
    assert raw.status_code == 200 and raw.headers["ETag"] == etag
    assert raw.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in raw.headers["Vary"]
    assert raw.headers["Cache-Control"] == "no-cache"
    compressed = raw.raw.read()
    body = gzip.decompress(compressed)
    assert len(json.loads(body)["structures"]) == 2845
    # Measured: 2,845 structures are about 310 KB of JSON, about 70 KB on the wire.
    assert len(compressed) < 100_000 < len(body) < 400_000

    plain = http.get(url, headers={**bearer(token), "Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.content == body
    again = http.get(url, headers={**bearer(token), "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert http.get(url).status_code == 401
