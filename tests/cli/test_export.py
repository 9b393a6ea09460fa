"""`bureau-virtuel export`: the summary of a period as files, through the real command."""

import csv
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from app.reports.aggregation import summarise
from app.reports.periods import Period
from app.reports.summary_csv import write_summary_csv
from tests.conftest import ROOT, run_cli


def add_october(ws) -> None:
    """Three October contacts at a fixed desk, one corrected and one deleted that do not count."""
    base = {
        **ws.workstation.contact_defaults(),
        "situation": "declarer-impots",
        "channel": "sur-place",
        "help_kind": "information",
        "outcome": "resolu",
        "duration_minutes": 10,
        "utc_offset_minutes": 120,
    }
    for day in (5, 6, 7):
        ws.contacts.add({**base, "occurred_at": datetime(2026, 10, day, 8, tzinfo=UTC)})
    mistaken = ws.contacts.add({**base, "occurred_at": datetime(2026, 10, 8, 8, tzinfo=UTC)})
    ws.contacts.correct(
        str(mistaken.id), {**base, "outcome": "oriente", "occurred_at": datetime(2026, 10, 8, 8, tzinfo=UTC)}
    )
    removed = ws.contacts.add({**base, "occurred_at": datetime(2026, 10, 9, 8, tzinfo=UTC)})
    ws.contacts.delete(str(removed.id))


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))


def test_csv_export_of_a_month_writes_the_aggregates_and_the_contacts(data_dir, desk, tmp_path) -> None:
    add_october(desk)
    output = tmp_path / "synthese-2026-10.csv"
    result = run_cli(
        "export", "--month", "2026-10", "--format", "csv", "--output", str(output), data_dir=data_dir
    )
    assert result.returncode == 0, result.stderr
    contacts = tmp_path / "synthese-2026-10-contacts.csv"
    assert result.stdout.splitlines() == [
        f"Synthèse (octobre 2026, CSV) : {output}",
        f"Contacts anonymisés (4) : {contacts}",
    ]
    assert output.read_bytes().startswith(b"\xef\xbb\xbfRubrique;Libell\xc3\xa9;Nombre;Part (%)\r\n")
    exported = rows(output)
    assert ["Contacts", "Total de la période", "4", ""] in exported
    assert ["Issue", "Orienté vers un partenaire", "1", "25,0"] in exported
    # The very aggregation the screen and the PDF use: the same rows, but for the time of editing.
    same = rows(
        write_summary_csv(summarise(desk, Period.parse("2026-10")), desk.catalogue, tmp_path / "s.csv")
    )
    assert [r for r in exported if r[0] != "Édité le"] == [r for r in same if r[0] != "Édité le"]
    lines = rows(contacts)
    assert len(lines) == 5 and lines[0][:3] == ["Date", "Jour", "Heure"]
    assert [line[:3] for line in lines[1:4]] == [
        ["05/10/2026", "lundi", "10"],
        ["06/10/2026", "mardi", "10"],
        ["07/10/2026", "mercredi", "10"],
    ]


def test_quarter_and_year_exports(data_dir, desk, tmp_path) -> None:
    add_october(desk)
    quarter = run_cli(
        "export",
        "--quarter",
        "2026-Q4",
        "--format",
        "csv",
        "--output",
        str(tmp_path / "t4.csv"),
        data_dir=data_dir,
    )
    assert quarter.returncode == 0, quarter.stderr
    assert "4e trimestre 2026" in quarter.stdout
    [period] = [row[1] for row in rows(tmp_path / "t4.csv") if row[0] == "Période"]
    assert period.startswith("4e trimestre 2026 (du 01/10/2026 au 31/12/2026)")
    # (before the quarter ends, it adds « — période en cours, chiffres au … »: test_summary_pdf.py)
    year = run_cli(
        "export", "--year", "2026", "--format", "pdf", "--output", str(tmp_path / "a.pdf"), data_dir=data_dir
    )
    assert year.returncode == 0, year.stderr
    assert year.stdout.strip() == f"Synthèse (année 2026, PDF) : {tmp_path / 'a.pdf'}"
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")


def test_bad_or_future_periods_are_refused_in_french_with_status_2(data_dir, desk, tmp_path) -> None:
    today = date.today()
    next_month = Period("month", today.year + (today.month == 12), today.month % 12 + 1)
    output = tmp_path / "x.csv"
    cases = [
        (["--month", "2026-13"], "« 2026-13 » n'est pas un mois"),
        (["--month", "novembre"], "n'est pas un mois"),
        (["--year", "2026-10"], "« 2026-10 » n'est pas une année"),
        (["--quarter", "2026-T5"], "n'est pas un trimestre"),
        (["--quarter", "2026"], "n'est pas un trimestre"),
        (["--month", next_month.slug], "n'a pas encore commencé"),
        (["--year", str(today.year + 1)], "n'a pas encore commencé"),
        (["--month", "2026-10", "--year", "2026"], "--year: incompatible avec l'option --month"),
        ([], "une de ces options est obligatoire : --month --quarter --year"),
    ]
    for period, message in cases:
        result = run_cli("export", *period, "--format", "csv", "--output", str(output), data_dir=data_dir)
        assert result.returncode == 2, (period, result.stderr)
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("Erreur : ") and message in line, (period, line)
    wrong_format = run_cli(
        "export", "--month", "2026-10", "--format", "docx", "--output", str(output), data_dir=data_dir
    )
    assert wrong_format.returncode == 2 and "choix invalide" in wrong_format.stderr
    assert not output.exists()


def test_unwritable_places_and_a_workstation_not_set_up(data_dir, tmp_path) -> None:
    args = ["export", "--month", "2026-10", "--format", "csv"]
    result = run_cli(*args, "--output", str(tmp_path / "x.csv"), data_dir=data_dir)
    assert result.returncode == 1 and "pas encore configuré" in result.stderr
    run_cli("demo", "--contacts", "5", "--seed", "2", data_dir=data_dir, check=True)
    missing = tmp_path / "absent" / "x.csv"
    result = run_cli(*args, "--output", str(missing), data_dir=data_dir)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"Erreur : Le dossier « {missing.parent} » n'existe pas : créez-le ou choisissez-en un autre."
    )


def test_export_never_imports_qt(data_dir, desk, tmp_path) -> None:
    add_october(desk)
    script = (
        "import sys\n"
        "from app.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'\n"
        "sys.exit(code)\n"
    )
    for output_format in ("csv", "pdf"):
        output = tmp_path / f"synthese.{output_format}"
        args = ["export", "--month", "2026-10", "--format", output_format, "--output", str(output)]
        result = subprocess.run(
            [sys.executable, "-c", script, *args, "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert output.exists()


def test_only_a_responsable_exports_and_an_agent_is_told_how(data_dir, desk, tmp_path) -> None:
    """The CLI acts as the workstation's current agent, or the one --agent names: the model's rule
    (app.models.permissions) holds there as in the GUI, with a French sentence and no file."""
    add_october(desk)
    karim = next(agent for agent in desk.workstation.agents() if agent.name == "Karim B.")
    desk.workstation.set_current_agent(karim.id)
    output = tmp_path / "synthese.csv"
    args = ["export", "--month", "2026-10", "--format", "csv", "--output", str(output)]
    for extra in ([], ["--agent", "Karim B."]):
        result = run_cli(*args, *extra, data_dir=data_dir)
        assert result.returncode == 1, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("Erreur : Les synthèses relèvent du responsable"), line
        assert "« Karim B. » est agent" in line and "--agent" in line
        assert not output.exists() and not output.with_name("synthese-contacts.csv").exists()
    unknown = run_cli(*args, "--agent", "Personne", data_dir=data_dir)
    assert unknown.returncode == 1 and "Agent inconnu : « Personne »" in unknown.stderr
    run_cli(*args, "--agent", "Camille R.", data_dir=data_dir, check=True)
    assert output.exists()
