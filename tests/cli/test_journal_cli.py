"""The command line writes the same journal as the GUI: what ran and the ids, never a note or a token."""

import stat

from app.journal.files import LOG_NAME
from tests.conftest import run_cli

NOTE = "Dossier APL en cours, revenir avec l'avis zanzibar"


def test_a_command_leaves_its_name_and_the_record_id_but_not_the_note(data_dir) -> None:
    run_cli("demo", "--contacts", "2", "--seed", "5", data_dir=data_dir, check=True)
    added = run_cli(
        "contacts", "add", "--situation", "demenagement", "--note", NOTE, data_dir=data_dir, check=True
    )
    record_id = added.stdout.strip()
    log = data_dir / "journal" / LOG_NAME
    text = log.read_text(encoding="utf-8")
    assert "start: demo" in text and "start: contacts add" in text
    assert f"contact {record_id} recorded" in text
    assert "zanzibar" not in text and "APL" not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "journal").stat().st_mode) == 0o700


def test_a_sync_without_server_is_logged_as_counts(data_dir) -> None:
    run_cli("demo", "--contacts", "3", "--seed", "6", data_dir=data_dir, check=True)
    assert run_cli("sync", data_dir=data_dir).returncode == 4
    text = (data_dir / "journal" / LOG_NAME).read_text(encoding="utf-8")
    assert "sync pass: 0 accepted, 0 duplicates, 0 rejected, 3 pending, 0 quarantined; not enrolled" in text


def test_an_unwritable_journal_does_not_stop_the_work(data_dir) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "journal").write_text("a file where the folder should be")
    result = run_cli("demo", "--contacts", "1", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "Avertissement : journal non enregistré" in result.stderr


def test_the_gui_reports_unexpected_errors_and_logs_its_start(data_dir) -> None:
    result = run_cli("--self-test", data_dir=data_dir)
    assert result.returncode == 0, result.stderr  # the self-test checks the error hooks are installed
    assert "start: GUI" in (data_dir / "journal" / LOG_NAME).read_text(encoding="utf-8")
