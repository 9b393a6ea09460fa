import json
import os
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta

from tests.conftest import run_cli


def test_contacts_add_then_list_json(data_dir) -> None:
    run_cli("demo", "--contacts", "20", "--seed", "3", data_dir=data_dir, check=True)
    added = run_cli(
        "contacts",
        "add",
        "--situation",
        "demenagement",
        "--partner",
        "la-poste",
        "--partner",
        "caf",
        "--channel",
        "telephone",
        "--outcome",
        "oriente",
        "--at",
        "2026-01-05T10:30",
        data_dir=data_dir,
    )
    assert added.returncode == 0, added.stderr
    new_id = added.stdout.strip()
    listed = run_cli(
        "contacts", "list", "--from", "2026-01-05", "--to", "2026-01-05", "--json", data_dir=data_dir
    )
    rows = json.loads(listed.stdout)
    [row] = [r for r in rows if r["id"] == new_id]
    assert row["situation"] == "demenagement"
    assert row["partners"] == ["la-poste", "caf"]
    assert (row["channel"], row["outcome"], row["help_kind"]) == ("telephone", "oriente", "information")
    assert row["agent"] and row["place"]
    moment = datetime.fromisoformat(row["occurred_at"].replace("Z", "+00:00"))
    assert moment == datetime(2026, 1, 5, 10, 30).astimezone()
    everything = json.loads(run_cli("contacts", "list", "--json", data_dir=data_dir).stdout)
    assert len(everything) == 21
    assert set(everything[0]) >= {
        "id",
        "occurred_at",
        "situation",
        "partners",
        "channel",
        "help_kind",
        "outcome",
        "place",
        "agent",
    }


def test_contacts_add_measures_the_visit_as_the_form_does(data_dir, desk) -> None:
    """No --duration: the visit under way on the workstation (begun 25 minutes ago by a flow), as
    the contact form would propose; the visit then ends, so the next contact counts its own."""
    desk.visit.new_person(datetime.now().astimezone() - timedelta(minutes=25))
    add = ("contacts", "add", "--situation", "naissance")
    first = run_cli(*add, data_dir=data_dir, check=True).stdout.strip()
    second = run_cli(*add, data_dir=data_dir, check=True).stdout.strip()
    third = run_cli(*add, "--duration", "40", data_dir=data_dir, check=True).stdout.strip()
    rows = {
        row["id"]: row for row in json.loads(run_cli("contacts", "list", "--json", data_dir=data_dir).stdout)
    }
    assert rows[first]["duration_minutes"] in (25, 26)  # begun minutes, whatever the command's start-up
    assert rows[second]["duration_minutes"] == 1
    assert rows[third]["duration_minutes"] == 40


def test_list_shows_only_current_contacts(data_dir, desk) -> None:
    fields = {
        **desk.workstation.contact_defaults(),
        "situation": "naissance",
        "channel": "sur-place",
        "help_kind": "information",
        "outcome": "resolu",
        "duration_minutes": 4,
    }
    first = desk.contacts.add(fields)
    corrected = desk.contacts.correct(str(first.id), fields | {"outcome": "oriente"})
    removed = desk.contacts.add(fields)
    desk.contacts.delete(str(removed.id))
    rows = json.loads(run_cli("contacts", "list", "--json", data_dir=data_dir).stdout)
    assert [r["id"] for r in rows] == [str(corrected.id)]


def test_help_lists_the_reference_ids(data_dir) -> None:
    shown = run_cli("contacts", "add", "--help", data_dir=data_dir).stdout
    for item_id in (
        "declarer-impots",
        "demenagement",
        "france-travail",
        "agirc-arrco",
        "sur-place",
        "resolu",
    ):
        assert item_id in shown


def test_invalid_input_is_one_french_line_and_a_non_zero_exit(data_dir) -> None:
    run_cli("demo", "--contacts", "1", data_dir=data_dir, check=True)
    future = (datetime.now() + timedelta(days=2)).isoformat(timespec="minutes")
    cases = [
        (["--situation", "licorne"], "Situation inconnue"),
        (["--situation", "naissance", "--channel", "fax"], "Canal inconnu"),
        (["--situation", "naissance", "--partner", "nasa"], "Partenaire inconnu"),
        (["--situation", "naissance", "--at", future], "futur"),
        (["--situation", "naissance", "--at", "hier"], "date invalide"),
        (["--situation", "naissance", "--note", "x" * 600], "trop longue"),
        (["--situation", "naissance", "--note", "son NIR 185057800608436"], "sécurité sociale"),
        (["--situation", "naissance", "--agent", "Inconnu"], "Agent inconnu"),
        (["--channel", "telephone"], "arguments obligatoires manquants"),
        (["--situation", "naissance", "--place", "Mme Martin 06 12 34 56 78"], "Lieux possibles : Guise"),
        (["--situation", "naissance", "--commune", "Saint-Denis"], "Saint-Denis (974) = 97411"),
        (["--situation", "naissance", "--commune", "Mme Martin"], "introuvable dans la liste officielle"),
    ]
    for moment in ("0202-11-20T10:00", "2018-12-31T10:00", "9999-12-31T23:59:59+14:00"):
        cases.append(
            (["--situation", "naissance", "--at", moment], "avant le 1er janvier 2019 ou dans le futur")
        )
    cases.append((["--situation", "naissance", "--at", "0001-01-01T00:00"], "date invalide"))
    for args, message in cases:
        result = run_cli(
            "contacts", "add", *args, data_dir=data_dir, env={**os.environ, "TZ": "Europe/Paris"}
        )
        assert result.returncode != 0, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, result.stderr)
    count = json.loads(run_cli("contacts", "list", "--json", data_dir=data_dir).stdout)
    assert len(count) == 1, "nothing half-written"


def test_a_workstation_not_set_up_is_explained(data_dir) -> None:
    result = run_cli("contacts", "add", "--situation", "naissance", data_dir=data_dir)
    assert result.returncode == 1
    assert "pas encore configuré" in result.stderr


def test_demo_sets_up_a_sample_structure_and_spreads_contacts_over_three_months(data_dir) -> None:
    result = run_cli("demo", "--contacts", "600", "--seed", "1", data_dir=data_dir, check=True)
    assert "600 contacts" in result.stdout
    rows = json.loads(run_cli("contacts", "list", "--json", data_dir=data_dir).stdout)
    assert len(rows) == 600
    times = [datetime.fromisoformat(r["occurred_at"].replace("Z", "+00:00")) for r in rows]
    now = datetime.now().astimezone()
    assert all(now - timedelta(days=92) <= t <= now for t in times)
    assert max(times) - min(times) > timedelta(days=60)
    assert len({r["situation"] for r in rows}) > 10
    assert len({r["place"] for r in rows}) > 1, "the sample structure is a bus with several stops"


def test_data_dir_from_the_environment(tmp_path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {**os.environ, "BUREAU_VIRTUEL_DATA_DIR": str(tmp_path / "env")}
    subprocess.run(
        [sys.executable, "-m", "app", "demo", "--contacts", "2"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "env" / "bureau-virtuel.sqlite3").exists()


def test_a_corrupt_database_is_reported_and_kept(data_dir) -> None:
    data_dir.mkdir()
    path = data_dir / "bureau-virtuel.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    for args in (["contacts", "list"], ["--self-test"]):
        result = run_cli(*args, data_dir=data_dir)
        assert result.returncode == 3
        assert "illisible ou endommagée" in result.stderr
    assert path.read_bytes() == b"garbage" * 1000


def test_self_test_starts_the_whole_application(data_dir) -> None:
    result = run_cli("--self-test", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "Auto-test réussi" in result.stdout
    with closing(sqlite3.connect(data_dir / "bureau-virtuel.sqlite3")) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_what_the_first_screen_does_not_need_is_not_loaded_at_start(data_dir) -> None:
    """Issue 17: start-up at most 2x a bare Qt window (bench/startup.py). The record validation
    (pydantic), the holidays, the signature check, the PDFs and the network stack wait for first use;
    so do the other screens' modules (Accueil's table of contacts has its own), the search and the
    flows (with dateutil), the content check, the reattribution, the time zones (first deadline) and
    OpenSSL's hashes (a bundle signed or opened)."""
    run_cli("demo", "--contacts", "20", data_dir=data_dir, check=True)
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}  # every import, one line each, on stderr
    result = run_cli("--self-test", data_dir=data_dir, env=env)
    assert result.returncode == 0, result.stderr
    imported = {
        line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if "import time:" in line
    }
    assert "app.ui.home" in imported  # the profile is there: Accueil was built
    later = {
        "pydantic",
        "app.models.record",
        "holidays",
        "cryptography",
        "reportlab",
        "requests",
        "sqlite_utils",
        "app.ui.history",
        "app.ui.tables",
        "app.ui.flows_screen",
        "app.ui.contact_form",
        "app.models.search",
        "app.models.flows",
        "dateutil",
        "difflib",
        "app.content.check",
        "app.models.reattribution",
        "zoneinfo",
        "hashlib",
    }
    assert imported.isdisjoint(later), sorted(imported & later)


def test_the_place_is_a_stop_and_the_commune_of_residence_a_code(data_dir) -> None:
    run_cli("demo", "--contacts", "1", data_dir=data_dir, check=True)
    added = run_cli(
        "contacts",
        "add",
        "--situation",
        "naissance",
        "--place",
        "Étreux",
        "--commune",
        "montelimar",
        data_dir=data_dir,
    )
    assert added.returncode == 0, added.stderr
    refused = run_cli(
        "contacts", "add", "--situation", "naissance", "--place", "Chez Mme Martin", data_dir=data_dir
    )
    assert refused.returncode != 0 and "Martin" not in refused.stderr
    assert "Lieux possibles : Guise, Wassigny, Le Nouvion-en-Thiérache, Étreux" in refused.stderr
    with closing(sqlite3.connect(data_dir / "bureau-virtuel.sqlite3")) as conn:
        row = conn.execute(
            "SELECT place, residence_commune FROM contacts WHERE id = ?", [added.stdout.strip()]
        ).fetchone()
    assert row == ("Étreux", "26198")


def test_self_test_finds_a_bundle_without_the_communes(data_dir, tmp_path) -> None:
    import os
    import shutil

    from tests.conftest import ROOT

    resources = tmp_path / "resources"
    shutil.copytree(ROOT / "resources", resources, ignore=shutil.ignore_patterns("communes"))
    env = {**os.environ, "BUREAU_VIRTUEL_RESOURCES": str(resources)}
    result = run_cli("--self-test", data_dir=data_dir, env=env)
    assert result.returncode != 0
    assert "ressources manquantes : communes" in result.stdout + result.stderr
