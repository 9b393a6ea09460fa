"""Enrolment: a one-time code becomes this workstation's token, kept in the OS keyring only."""

import keyring
import pytest
from keyring.backends import fail

from app.models.demo import ensure_demo_setup
from app.models.settings import get_setting
from app.models.workspace import open_workspace
from app.sync.credentials import CredentialsUnavailable, load_token
from app.sync.engine import enroll
from app.sync.transport import NetworkError, SyncError
from tests.chaos_proxy import Faults
from tests.conftest import run_cli
from tests.live_server import create_structure, run_server_cli


def test_enrol_from_the_command_line_adopts_the_structure_and_hides_the_token(
    data_dir, server, test_keyring
) -> None:
    run_cli("demo", "--contacts", "3", data_dir=data_dir, check=True)
    code = create_structure(server.database_url, matricule="3", name="France Services du bus", itinerant=True)
    result = run_cli("enroll", "--server", server.url, "--code", code, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "France Services du bus" in result.stdout
    workspace = open_workspace(data_dir)
    try:
        assert workspace.workstation.structure.name == "France Services du bus"
        token = load_token(server.url)
        assert token
        for path in data_dir.rglob("*"):
            if path.is_file():
                assert token.encode() not in path.read_bytes(), f"token written in clear in {path}"
        assert get_setting(workspace.db, "sync.server_url") == server.url
    finally:
        workspace.close()
    synced = run_cli("sync", data_dir=data_dir)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "3 contacts envoyés" in synced.stdout and "0 en attente" in synced.stdout


def test_sync_from_the_command_line_says_what_is_left(data_dir, server) -> None:
    run_cli("demo", "--contacts", "4", data_dir=data_dir, check=True)
    code = create_structure(server.database_url)
    run_cli("enroll", "--server", server.url, "--code", code, data_dir=data_dir, check=True)
    server.stop()
    result = run_cli("sync", data_dir=data_dir)
    assert result.returncode != 0
    assert "4 en attente" in result.stdout and "injoignable" in result.stdout


def test_a_retried_enrolment_whose_answer_was_lost_still_works(workspace, server, proxy) -> None:
    ensure_demo_setup(workspace)
    code = create_structure(server.database_url)
    proxy.faults = Faults(cut_response=1.0)  # the server enrols us, the answer never comes back
    with pytest.raises(NetworkError):
        enroll(workspace, proxy.url, code)
    proxy.faults = Faults()
    assert "Poste inscrit" in enroll(workspace, proxy.url, code)
    listed = run_server_cli(server.database_url, "workstations", "--matricule", "3")
    assert listed.stdout.count("actif") == 1, listed.stdout


def test_a_code_already_used_elsewhere_says_to_ask_for_a_new_one(workspace, tmp_path, server) -> None:
    ensure_demo_setup(workspace)
    code = create_structure(server.database_url)
    enroll(workspace, server.url, code)
    other = open_workspace(tmp_path / "autre-poste")
    try:
        ensure_demo_setup(other)
        with pytest.raises(SyncError, match="Demandez un nouveau code"):
            enroll(other, server.url, code)
        fresh = (
            run_server_cli(server.database_url, "enrolment-code", "--matricule", "3")
            .stdout.strip()
            .splitlines()[-1]
        )
        assert "Poste inscrit" in enroll(other, server.url, fresh)
    finally:
        other.close()


def test_without_a_usable_keyring_nothing_is_written_and_the_code_is_kept(workspace, server) -> None:
    ensure_demo_setup(workspace)
    code = create_structure(server.database_url)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(CredentialsUnavailable, match="trousseau"):
            enroll(workspace, server.url, code)
    finally:
        keyring.set_keyring(previous)
    assert get_setting(workspace.db, "sync.server_url") is None
    assert "Poste inscrit" in enroll(workspace, server.url, code), "the one-time code was not spent"


def test_https_is_required_except_on_this_machine(workspace) -> None:
    with pytest.raises(SyncError, match="https://"):
        enroll(workspace, "http://reporting.exemple.fr", "ABCD-EFGH-JKLM")


def test_enrolment_locked_out_after_refused_codes_says_why_in_french(workspace, server) -> None:
    """After MAX_FAILED_CODES refused codes the server answers 429 with its own French reason: the
    agent reads it, not a generic "server busy"."""
    from app.server.api import MAX_FAILED_CODES

    for _ in range(MAX_FAILED_CODES):
        with pytest.raises(SyncError, match="Code d'inscription inconnu"):
            enroll(workspace, server.url, "AAAA-BBBB-CCCC")
    with pytest.raises(SyncError) as locked:
        enroll(workspace, server.url, "AAAA-BBBB-CCCC")
    assert str(locked.value).startswith("Trop de codes d'inscription refusés : réessayez dans 15 min.")
