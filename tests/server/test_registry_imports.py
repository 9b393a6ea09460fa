"""Each import of the ANCT's list is written down with its publication date, which the structures
page and the reference file sent to the workstations name."""

import html
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from app.registry.anct_list import read_list
from app.server.database import open_database, upgrade
from app.server.registry import Publication, PublicationDateError, import_structures, publication_date
from app.server.registry_reference import RegistryReference
from app.server.schema import registry_imports
from tests.live_server import LiveServer, run_server_cli
from tests.server.test_registry import LIST_2024, _without
from tests.server.web_helpers import log_in

TODAY = date(2026, 12, 5)


def test_the_publication_date_comes_from_the_command_line_or_the_file_name() -> None:
    assert publication_date(None, "liste-fs-20240801.csv", TODAY) == "2024-08-01"
    assert publication_date("2025-03-01", "liste-fs-20240801.csv", TODAY) == "2025-03-01"
    assert publication_date(None, "france_services_structures_2020.csv", TODAY) is None
    assert publication_date(None, "liste-fs-20241399.csv", TODAY) is None  # digits, not a date
    for typed, message in (("01/08/2024", "illisible"), ("2027-01-01", "dans le futur")):
        with pytest.raises(PublicationDateError, match=message):
            publication_date(typed, "liste.csv", TODAY)


def test_the_reference_file_is_dated_by_the_publication(database_url: str, tmp_path: Path) -> None:
    engine = open_database(database_url)
    try:
        upgrade(engine)
        reference = RegistryReference(engine)
        import_structures(engine, read_list(LIST_2024), publication=Publication("liste.csv"))
        undated = json.loads(reference.current().body)
        assert undated["date"] != "2024-08-01"  # unknown publication: the day of the registry's changes
        smaller = [s for s in read_list(LIST_2024) if s.matricule != "10"]
        import_structures(engine, smaller, publication=Publication("liste-fs-20240801.csv", "2024-08-01"))
        dated = json.loads(reference.current().body)
        assert dated["date"] == "2024-08-01"
        assert "publiée le 01/08/2024" in dated["source"]
    finally:
        engine.dispose()


def test_import_structures_writes_the_import_down(database_url: str, tmp_path: Path) -> None:
    first = run_server_cli(database_url, "import-structures", str(LIST_2024))
    assert first.returncode == 0, first.stderr
    assert "Liste publiée par l'ANCT le 01/08/2024." in first.stdout
    newer = _without(LIST_2024, tmp_path, {"10", "11"})  # « liste-plus-recente.csv »: no date in its name
    refused = run_server_cli(database_url, "import-structures", str(newer), "--publication-date", "1er mars")
    assert refused.returncode != 0 and "Date de publication illisible" in refused.stderr
    dry = run_server_cli(
        database_url, "import-structures", str(newer), "--publication-date", "2025-03-01", "--dry-run"
    )
    assert dry.returncode == 0, dry.stderr
    second = run_server_cli(database_url, "import-structures", str(newer), "--publication-date", "2025-03-01")
    assert second.returncode == 0, second.stderr
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = (
                connection.execute(select(registry_imports).order_by(registry_imports.c.id)).mappings().all()
            )
    finally:
        engine.dispose()
    assert [
        (row["published_on"], row["file_name"], row["added"], row["changed"], row["closed"], row["moved"])
        for row in rows
    ] == [
        ("2024-08-01", "liste-fs-20240801.csv", 2845, 0, 0, 0),
        ("2025-03-01", "liste-plus-recente.csv", 0, 0, 2, 0),
    ]  # the refused and the dry run wrote nothing
    assert all(row["imported_at"].endswith("Z") for row in rows)


def test_the_structures_page_names_the_publication(web: LiveServer) -> None:
    national, _answer = log_in(web, "anct@example.fr")
    assert "Registre des structures" not in national.get(f"{web.url}/structures", timeout=30).text
    done = run_server_cli(web.database_url, "import-structures", str(LIST_2024), "--confirm-closures")
    assert done.returncode == 0, done.stderr
    page = html.unescape(national.get(f"{web.url}/structures", timeout=30).text)
    assert "liste de l'ANCT publiée le 01/08/2024, fichier « liste-fs-20240801.csv »" in page
