"""The structure is right from the start: records made before enrolment under another structure are
re-attributed to the server's after a confirmation, and count for it; `demo` keeps the server's."""

import json
import os
import pty
import subprocess
import sys
from datetime import datetime

import pytest
from filelock import FileLock
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.models.settings import get_setting
from app.models.structures import Structure
from app.models.workspace import Workspace, open_workspace
from app.sync.credentials import load_token
from app.sync.engine import ReattributionNeeded, enroll, lock_path, run_pass
from app.sync.transport import SyncError
from app.ui.main_window import MainWindow
from app.ui.sync_controller import SyncController
from tests.conftest import ROOT, run_cli
from tests.e2e.conftest import local_states
from tests.e2e.test_sync import receive_booklet
from tests.live_server import LiveServer, create_structure, run_server_cli

TYPED = Structure("99", "Maison France Services de Guise", "Guise", "02")
TABLES = ("contacts", "escalations", "pass_ledger", "pass_issuances")


def record_contacts(workspace: Workspace, count: int) -> None:
    for _ in range(count):
        workspace.contacts.add(
            {
                **workspace.workstation.contact_defaults(),
                "situation": "declarer-impots",
                "channel": "sur-place",
                "help_kind": "information",
                "outcome": "resolu",
                "duration_minutes": 10,
            }
        )


def work_before_enrolment(workspace: Workspace) -> None:
    """Under structure 99: 3 contacts, 1 escalation answered (2 records), a booklet received and
    2 cheques handed out (1 issuance, 2 ledger lines): 8 records."""
    workspace.workstation.set_up(TYPED, [], None, [("Camille R.", "responsable")])
    record_contacts(workspace, 3)
    who = {"structure": "99", "agent": "Camille R."}
    escalation = workspace.escalations.create(
        {**who, "partner": "caf", "situation": "allocation-logement", "channel": "administration-plus"}
    )
    workspace.escalations.set_status(str(escalation.id), "repondu", "Camille R.")
    receive_booklet(workspace, who, numbers="1001-1005")
    workspace.passes.hand_out(**who, cheques=["1001", "1002"], age_band="75-plus")


def server_month(server: LiveServer, matricule: str) -> dict:
    month = datetime.now().astimezone().strftime("%Y-%m")
    answer = run_server_cli(
        server.database_url, "summary", "--matricule", matricule, "--month", month, "--format", "json"
    )
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout)


def structures_of_records(workspace: Workspace) -> set[str]:
    return {
        row[0]
        for table in TABLES
        for row in workspace.db.execute(f"SELECT DISTINCT structure FROM {table}").fetchall()
    }


def test_records_made_under_a_typed_structure_count_for_the_servers_after_confirmation(
    workspace, server
) -> None:
    work_before_enrolment(workspace)
    # One contact already refused by the server as an older version would have filed it: it goes too.
    workspace.db.execute(
        "UPDATE outbox SET state = 'rejected', last_error = 'appartient à la structure « 99 »' "
        "WHERE rowid = (SELECT min(rowid) FROM outbox WHERE kind = 'contact')"
    )
    code = create_structure(server.database_url, matricule="3", name="Thiérache Sambre et Oise")

    with pytest.raises(ReattributionNeeded) as asked:
        enroll(workspace, server.url, code)
    question = str(asked.value)
    assert "8 enregistrements" in question
    assert "« Maison France Services de Guise » (n° 99)" in question
    assert "« Thiérache Sambre et Oise » (n° 3)" in question
    assert get_setting(workspace.db, "sync.server_url") is None and load_token(server.url) is None
    assert structures_of_records(workspace) == {"99"}, "nothing changes before the confirmation"

    message = enroll(workspace, server.url, code, reattribute=True)  # the same code, from this PC
    assert "8 enregistrements fait" in message and "rattachés" in message
    assert structures_of_records(workspace) == {"3"}
    assert workspace.workstation.structure.matricule == "3"

    report = run_pass(workspace, force=True, pull_reference=False)
    assert report.error is None, report.error
    assert (report.accepted, report.rejected, report.pending) == (8, 0, 0)
    assert local_states(workspace) == {"sent": 8}
    figures = server_month(server, "3")
    assert figures["total"] == 3
    assert (figures["escalations_sent"], figures["escalations_answered"]) == (1, 1)
    assert (figures["pass_issuances"], figures["pass_cheques_received"]) == (1, 5)
    assert figures["pass_cheques_handed_out"] == 2 and figures["pass_stock_left"] == 3


def test_records_already_accepted_stay_with_their_structure_and_the_rest_moves(
    workspace, tmp_path, server
) -> None:
    """A PC enrolled again for another structure: what the server accepted is never rewritten."""
    workspace.workstation.set_up(TYPED, [], None, [("Camille R.", "responsable")])
    enroll(workspace, server.url, create_structure(server.database_url, matricule="3", itinerant=False))
    record_contacts(workspace, 2)
    assert run_pass(workspace, force=True, pull_reference=False).accepted == 2
    record_contacts(workspace, 1)
    code = create_structure(server.database_url, matricule="7", name="France Services de Wassigny")

    with pytest.raises(ReattributionNeeded) as asked:
        enroll(workspace, server.url, code)
    assert "1 enregistrement jamais accepté" in str(asked.value)
    assert "2 enregistrements déjà envoyés et acceptés sous la structure « Thiérache" in str(asked.value)

    enroll(workspace, server.url, code, reattribute=True)
    assert run_pass(workspace, force=True, pull_reference=False).accepted == 1
    assert (server_month(server, "3")["total"], server_month(server, "7")["total"]) == (2, 1)
    kept = workspace.db.execute("SELECT structure, count(*) FROM contacts GROUP BY 1 ORDER BY 1").fetchall()
    assert kept == [("3", 2), ("7", 1)]


def test_the_command_without_a_terminal_refuses_then_reattributes_with_the_flag(data_dir, server) -> None:
    workspace = open_workspace(data_dir)
    try:
        work_before_enrolment(workspace)
    finally:
        workspace.close()
    code = create_structure(server.database_url, matricule="3")
    refused = run_cli(
        "enroll", "--server", server.url, "--code", code, data_dir=data_dir, stdin=subprocess.DEVNULL
    )
    assert refused.returncode == 1
    assert "8 enregistrements" in refused.stderr and "--reattribuer" in refused.stderr
    assert "Poste non inscrit" in refused.stderr
    assert run_cli("sync", data_dir=data_dir).returncode == 4, "not enrolled"

    done = run_cli(
        "enroll",
        "--server",
        server.url,
        "--code",
        code,
        "--reattribuer",
        data_dir=data_dir,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    synced = run_cli("sync", data_dir=data_dir)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    # The 8 records, each named for its kind (« 8 contacts » counted them all as contacts).
    assert synced.stdout.startswith(
        "3 contacts envoyés, 2 sollicitations envoyées, 1 remise de Pass numérique envoyée, "
        "2 mouvements du stock de Pass numérique envoyés"
    ), synced.stdout
    assert "refusé" not in synced.stdout
    assert server_month(server, "3")["total"] == 3


def enroll_on_a_terminal(
    data_dir, server: LiveServer, code: str, answer: bytes
) -> subprocess.CompletedProcess:
    """`bureau-virtuel enroll` with a terminal as its input, where the user types `answer`."""
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "app", "enroll", "--server", server.url, "--code", code]
    try:
        process = subprocess.Popen(
            [*command, "--data-dir", str(data_dir)],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        os.write(leader, answer)
        out, err = process.communicate(timeout=120)
    finally:
        os.close(leader)
        os.close(follower)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def test_the_command_on_a_terminal_asks_before_reattributing(data_dir, server) -> None:
    workspace = open_workspace(data_dir)
    try:
        work_before_enrolment(workspace)
    finally:
        workspace.close()
    code = create_structure(server.database_url, matricule="3")

    declined = enroll_on_a_terminal(data_dir, server, code, b"n\n")
    assert declined.returncode == 1
    assert "8 enregistrements" in declined.stdout and "[o/N]" in declined.stdout
    assert "Poste non inscrit : rien n'a été modifié" in declined.stderr
    assert run_cli("sync", data_dir=data_dir).returncode == 4, "not enrolled"

    accepted = enroll_on_a_terminal(data_dir, server, code, b"o\n")
    assert accepted.returncode == 0, accepted.stderr
    assert "Poste inscrit" in accepted.stdout and "8 enregistrements fait" in accepted.stdout
    assert run_cli("sync", data_dir=data_dir).returncode == 0
    assert server_month(server, "3")["total"] == 3


def test_demo_contacts_on_an_enrolled_workstation_keep_its_structure_and_are_accepted(
    data_dir, server
) -> None:
    code = create_structure(
        server.database_url, matricule="7", name="France Services de Wassigny", itinerant=False
    )
    run_cli("enroll", "--server", server.url, "--code", code, data_dir=data_dir, check=True)
    demo = run_cli("demo", "--contacts", "6", "--seed", "7", data_dir=data_dir)
    assert demo.returncode == 0, demo.stderr
    assert "France Services de Wassigny" in demo.stdout
    synced = run_cli("sync", data_dir=data_dir)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "6 contacts envoyés" in synced.stdout and "refusé" not in synced.stdout


def answer_reattribution(qtbot, button_text: str, seen: list[str]) -> None:
    """Click `button_text` in the confirmation about to open, keeping its question in `seen`."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        seen.append(box.text())
        next(button for button in box.buttons() if button.text() == button_text).click()

    QTimer.singleShot(0, click)


def test_paramètres_asks_naming_both_structures_then_enrols_and_sends_everything(
    qtbot, workspace, server
) -> None:
    work_before_enrolment(workspace)
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.attach_sync(SyncController(workspace.path.parent, window))
    window.show()
    window.nav.setCurrentRow(5)  # Paramètres
    settings = window.settings
    settings.server_url.setText(server.url)
    settings.enrolment_code.setText(create_structure(server.database_url, matricule="3"))

    seen: list[str] = []
    answer_reattribution(qtbot, "Annuler", seen)
    qtbot.mouseClick(settings.enrol_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Poste non inscrit" in settings.sync_result.text(), timeout=15000)
    assert (
        "8 enregistrements" in seen[0]
        and "(n° 99)" in seen[0]
        and "« Thiérache Sambre et Oise » (n° 3)" in seen[0]
    )
    assert settings.enrol_button.isEnabled() and get_setting(workspace.db, "sync.server_url") is None

    answer_reattribution(qtbot, "Rattacher et inscrire", seen)
    with qtbot.waitSignal(window.sync.enrolled, timeout=15000) as enrolled:
        qtbot.mouseClick(settings.enrol_button, Qt.MouseButton.LeftButton)
    assert enrolled.args[0] is True, enrolled.args
    assert "8 enregistrements fait" in settings.sync_result.text()
    qtbot.waitUntil(lambda: not window.sync.running and window.sync.last_report is not None, timeout=15000)
    assert window.sync.last_report.accepted == 8 and window.sync.last_report.rejected == 0
    assert server_month(server, "3")["total"] == 3


def test_enrolment_waits_for_a_pass_of_another_process_and_says_so(workspace, server, monkeypatch) -> None:
    """Records a running pass holds `sending` are not rewritten under it: enrolment takes the sync lock."""
    work_before_enrolment(workspace)
    code = create_structure(server.database_url, matricule="3")
    monkeypatch.setattr("app.sync.engine.ENROLMENT_WAIT_SECONDS", 0)
    with FileLock(lock_path(workspace)), pytest.raises(SyncError, match="synchronisation est en cours"):
        enroll(workspace, server.url, code, reattribute=True)
    assert get_setting(workspace.db, "sync.server_url") is None
    assert structures_of_records(workspace) == {"99"}
    assert "Poste inscrit" in enroll(workspace, server.url, code, reattribute=True)
    assert structures_of_records(workspace) == {"3"}
