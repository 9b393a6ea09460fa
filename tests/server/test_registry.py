"""`import-structures` and `structures`: the server's registry follows the ANCT's publications, in a
real subprocess, on SQLite and PostgreSQL."""

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, select

from app.paths import resources_dir
from app.server.schema import structures
from tests.live_server import create_structure, run_server_cli

LIST_2024 = resources_dir() / "structures" / "liste-fs-20240801.csv"
LIST_2020 = resources_dir() / "structures" / "france_services_structures_2020.csv"


def _import(database_url: str, path: Path, *options: str):
    return run_server_cli(database_url, "import-structures", str(path), *options)


def _listing(database_url: str, *options: str) -> list[dict]:
    result = run_server_cli(database_url, "structures", "--format", "json", *options)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _without(path: Path, tmp_path: Path, matricules: set[str]) -> Path:
    """The 2024 list minus some structures, as a newer publication would drop them."""
    header, *rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
    smaller = tmp_path / "liste-plus-recente.csv"
    with smaller.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows(
            [header, *(row for row in rows if row[0] not in matricules)]
        )
    return smaller


def test_the_2020_then_the_2024_list(database_url: str) -> None:
    first = _import(database_url, LIST_2020)
    assert first.returncode == 0, first.stderr
    assert "531 ajoutées" in first.stdout
    second = _import(database_url, LIST_2024)
    assert second.returncode == 0, second.stderr
    assert "2845 structures lues" in second.stdout
    assert "2314 ajoutées" in second.stdout and "531 modifiées" in second.stdout
    assert "3 (nom, adresse, format)" in second.stdout  # the bus got its 2024 name and format
    assert "4 antennes sans structure principale identifiée : 2005, 2136, 2569, 2570" in second.stdout
    again = _import(database_url, LIST_2024)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == "2845 inchangées."
    aisne = {row["matricule"]: row for row in _listing(database_url, "--departement", "2")}
    assert aisne["3"]["format"] == "bus" and aisne["3"]["itinerant"] is True
    assert {row["departement"] for row in aisne.values()} == {"02"}
    everything = {row["matricule"]: row for row in _listing(database_url)}
    assert len(everything) == 2845
    assert everything["1709"]["antenne"] and everything["1709"]["principal"] == "134"


def test_a_structure_missing_from_a_newer_list_is_closed_and_kept(database_url: str, tmp_path: Path) -> None:
    assert _import(database_url, LIST_2024).returncode == 0
    create_structure(database_url, matricule="LABO-1", name="Structure de test", departement="02")
    newer = _import(database_url, _without(LIST_2024, tmp_path, {"3", "5"}))
    assert newer.returncode == 0, newer.stderr
    assert (
        "2 fermées (absentes de la liste ; leurs postes et leurs données sont gardés) : 3, 5" in newer.stdout
    )
    assert "déclarées à la main, absentes de la liste, laissées telles quelles : LABO-1" in newer.stdout
    rows = {row["matricule"]: row for row in _listing(database_url)}
    assert rows["3"]["closed_at"] and rows["5"]["closed_at"] and rows["4"]["closed_at"] is None
    assert rows["LABO-1"]["closed_at"] is None and rows["LABO-1"]["listed"] is False
    # The spreadsheet says the day it closed as a French spreadsheet reads a date (JSON keeps the time).
    sheet = run_server_cli(database_url, "structures", "--departement", "02", text=False)
    assert sheet.returncode == 0, sheet.stderr
    aisne = {
        row["matricule"]: row
        for row in csv.DictReader(io.StringIO(sheet.stdout.decode("utf-8-sig")), delimiter=";")
    }
    closed_on = datetime.fromisoformat(rows["3"]["closed_at"]).astimezone(ZoneInfo("Europe/Paris"))
    assert aisne["3"]["fermée le"] == f"{closed_on:%d/%m/%Y}" and aisne["4"]["fermée le"] == ""
    # A closed structure keeps its enrolment: its workstations' records still arrive.
    code = run_server_cli(database_url, "enrolment-code", "--matricule", "3")
    assert code.returncode == 0, code.stderr
    back = _import(database_url, LIST_2024)
    assert "2 rouvertes : 3, 5" in back.stdout
    assert all(row["closed_at"] is None for row in _listing(database_url) if row["listed"])


def test_an_old_list_does_not_close_the_network_unless_confirmed(database_url: str) -> None:
    assert _import(database_url, LIST_2024).returncode == 0
    refused = _import(database_url, LIST_2020)
    assert refused.returncode == 1
    assert refused.stderr.startswith("Erreur : Cet import fermerait 2314 structures sur les 2845")
    assert "--confirm-closures" in refused.stderr and refused.stderr.count("\n") == 1
    assert not any(row["closed_at"] for row in _listing(database_url))  # nothing written
    trial = _import(database_url, LIST_2020, "--confirm-closures", "--dry-run")
    assert trial.returncode == 0, trial.stderr
    assert trial.stdout.startswith("Essai : rien n'a été enregistré.") and "2314 fermées" in trial.stdout
    assert not any(row["closed_at"] for row in _listing(database_url))
    confirmed = _import(database_url, LIST_2020, "--confirm-closures")
    assert confirmed.returncode == 0, confirmed.stderr
    assert sum(1 for row in _listing(database_url) if row["closed_at"]) == 2314


def test_a_file_that_cannot_be_mapped_changes_nothing(database_url: str, tmp_path: Path) -> None:
    assert _import(database_url, LIST_2020).returncode == 0
    renamed = tmp_path / "liste.csv"
    renamed.write_text("numéro FS;nom;département\n1;Valserhône;01\n", encoding="utf-8")
    refused = _import(database_url, renamed)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "aucune colonne pour « matricule »" in refused.stderr
    assert "Colonnes du fichier : numéro FS, nom, département" in refused.stderr
    missing = _import(database_url, tmp_path / "absent.csv")
    assert missing.returncode == 1 and "Fichier illisible" in missing.stderr
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert len(connection.execute(select(structures.c.matricule)).all()) == 531
    finally:
        engine.dispose()


def test_the_listing_as_a_french_spreadsheet(database_url: str) -> None:
    assert _import(database_url, LIST_2024).returncode == 0
    result = run_server_cli(database_url, "structures", "--departement", "2A", text=False)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")
    assert text.startswith("\ufeffmatricule;nom;département;commune;")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows and {row["département"] for row in rows} == {"2A"}
    assert all("," in row["latitude"] for row in rows if row["latitude"])  # decimal comma
    finistere = run_server_cli(database_url, "structures", "--departement", "29", text=False)
    west = list(csv.DictReader(io.StringIO(finistere.stdout.decode("utf-8-sig")), delimiter=";"))
    # West of Greenwich: negative numbers a spreadsheet reads as numbers, not text behind an apostrophe.
    assert west and all(re.fullmatch(r"-[3-5],\d+", row["longitude"]) for row in west if row["longitude"])
    bad = run_server_cli(database_url, "structures", "--departement", "99")
    assert bad.returncode == 1 and "département invalide « 99 »" in bad.stderr
