"""The journal: where it is, what it keeps (never a token, a code or a person's details), its files."""

import logging
import stat
import zipfile
from pathlib import Path

import pytest

from app.journal.export import export_journal
from app.journal.files import (
    BACKUP_COUNT,
    CRASH_NAME,
    LOG_NAME,
    MAX_BYTES,
    journal_dir,
    journal_folder,
    journal_handler,
)
from app.journal.redaction import MASK, redact
from tests.journal_fixtures import journal_fixture, read_log, started_journal  # noqa: F401 (the `journal` fixture)

log = logging.getLogger("tests.journal")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_journal_goes_under_the_chosen_data_folder_else_the_platform_log_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert journal_dir(tmp_path / "portable") == tmp_path / "portable" / "journal"
    monkeypatch.setenv("BUREAU_VIRTUEL_DATA_DIR", str(tmp_path / "env"))
    assert journal_dir() == tmp_path / "env" / "journal"
    monkeypatch.delenv("BUREAU_VIRTUEL_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    from platformdirs import user_log_dir

    assert journal_dir() == Path(user_log_dir("bureau-virtuel", "France Services"))


def test_files_are_private_and_rotate_at_one_mebibyte_keeping_five(journal: Path) -> None:
    handler = journal_handler()
    assert (handler.maxBytes, handler.backupCount) == (MAX_BYTES, BACKUP_COUNT) == (1024 * 1024, 5)
    assert journal_folder() == journal
    assert mode(journal) == 0o700
    log.info("first line")
    assert mode(journal / LOG_NAME) == 0o600
    assert mode(journal / CRASH_NAME) == 0o600, "faulthandler's file"
    line = "x" * 1000
    for _ in range(1100):  # a little more than 1 MiB: one rotation
        log.info(line)
    assert (journal / f"{LOG_NAME}.1").is_file()
    assert not (journal / f"{LOG_NAME}.2").exists()
    assert mode(journal / f"{LOG_NAME}.1") == 0o600 and mode(journal / LOG_NAME) == 0o600
    assert (journal / LOG_NAME).stat().st_size < MAX_BYTES


def test_an_existing_log_with_loose_rights_is_made_private(data_dir: Path) -> None:
    folder = journal_dir(data_dir)
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    (folder / LOG_NAME).write_text("written by an older version\n")
    (folder / LOG_NAME).chmod(0o644)
    with started_journal(data_dir):
        assert mode(folder / LOG_NAME) == 0o600 and mode(folder) == 0o700


# Shaped as secrets.token_urlsafe(32) makes them; fixed, as pytest-xdist workers must collect the same tests.
TOKEN = "L-y9LI3CjvYrY3XKTcxEH9p97izxrGpl8E8RDjA1RRw"
RECORD_ID = "3f2b8c1e-9d4a-4e6b-8a7c-1b2d3e4f5a6b"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"GET /sync with Authorization: Bearer {TOKEN}", TOKEN),
        (f"token={TOKEN}", TOKEN),
        (f"keyring returned {TOKEN}", TOKEN),
        ("enrolment with code 7KQM-2WXP-H9TD refused", "7KQM-2WXP-H9TD"),
        ("enrolment with code 7kqm-2wxp-h9td refused", "7kqm-2wxp-h9td"),
        ("sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "9f86d081884c7d659a2fea"),
        ("mail jean.dupont@gmail.com", "jean.dupont"),
        ("mail jean.dupont at gmail.com", "jean.dupont"),
        ("phone 06 12 34 56 78", "06 12 34 56 78"),
        ("phone 06.12.34.56.78", "06.12.34.56.78"),
        ("phone +33 6 12 34 56 78", "6 12 34 56 78"),
        ("phone 0612345678", "0612345678"),
    ],
)
def test_tokens_codes_and_contact_details_are_masked(text: str, secret: str) -> None:
    redacted = redact(text)
    assert secret not in redacted and MASK in redacted


@pytest.mark.parametrize(
    "text",
    [
        f"contact {RECORD_ID} recorded",
        "sync pass: 200 accepted, 0 duplicates, 1 rejected, 12 pending, 1 quarantined",
        'File "/opt/bureau-virtuel/app/sync/engine.py", line 142, in _confirm_session',
        "CredentialsUnavailable: reset_interrupted_sends failed",
        "QNetworkInformation backend loaded (qt.network.monitor)",
    ],
)
def test_ids_counts_and_tracebacks_stay_readable(text: str) -> None:
    assert redact(text) == text


def test_a_logged_exception_is_masked_in_its_message_and_traceback(journal: Path) -> None:
    try:
        raise ValueError(f"server answered with token {TOKEN} for 7KQM-2WXP-H9TD")
    except ValueError:
        log.exception("pass failed for %s", RECORD_ID)
    log.info("token: %s", TOKEN)
    text = read_log(journal)
    assert "ValueError" in text and "pass failed for " + RECORD_ID in text
    assert TOKEN not in text and "7KQM-2WXP-H9TD" not in text
    assert text.count(MASK) >= 3


def test_export_packs_the_log_its_copies_and_the_crash_file(journal: Path, tmp_path: Path) -> None:
    log.info("before the export")
    (journal / f"{LOG_NAME}.1").write_text("older\n")
    target = tmp_path / "pour-le-support.zip"
    assert export_journal(journal, target) == 3
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == sorted(["a-propos.txt", LOG_NAME, f"{LOG_NAME}.1", CRASH_NAME])
        assert "before the export" in archive.read(LOG_NAME).decode()
        assert archive.read("a-propos.txt").decode().startswith("Bureau virtuel ")


def test_an_export_that_cannot_be_written_leaves_nothing(journal: Path, tmp_path: Path) -> None:
    target = tmp_path / "absent" / "journal.zip"
    with pytest.raises(OSError):
        export_journal(journal, target)
    assert not (tmp_path / "absent").exists()


def test_a_data_folder_the_journal_creates_is_private_too(tmp_path: Path) -> None:
    data_dir = tmp_path / "nouveau" / "donnees"
    with started_journal(data_dir):
        pass
    assert mode(data_dir) == mode(tmp_path / "nouveau") == mode(data_dir / "journal") == 0o700
