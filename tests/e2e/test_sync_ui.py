"""The agent's view of sync: enrol in Paramètres, see the state, send now, see what was refused."""

import keyring
from keyring.backends import fail
from PySide6.QtCore import Qt

from app.models.demo import add_demo_contacts, ensure_demo_setup
from app.models.settings import get_setting
from app.ui.main_window import MainWindow
from app.ui.quarantine import QuarantineDialog
from app.ui.sync_controller import SyncController
from tests.e2e.conftest import server_counts
from tests.live_server import create_structure, run_server_cli


def window_with_sync(qtbot, workspace) -> MainWindow:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.attach_sync(SyncController(workspace.path.parent, window))
    window.show()
    window.nav.setCurrentRow(5)  # Paramètres
    return window


def enrol_through_settings(qtbot, window, url: str, code: str) -> None:
    settings = window.settings
    settings.server_url.setText(url)
    settings.enrolment_code.setText(code)
    with qtbot.waitSignal(window.sync.enrolled, timeout=10000):
        qtbot.mouseClick(settings.enrol_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.sync.running, timeout=15000)  # the pass enrolment starts


def sync_now(qtbot, window) -> None:
    """Click "Synchroniser maintenant" and wait for the pass it starts to report."""
    qtbot.waitUntil(lambda: not window.sync.running, timeout=15000)
    with qtbot.waitSignal(window.sync.report_ready, timeout=15000):
        qtbot.mouseClick(window.settings.sync_button, Qt.MouseButton.LeftButton)


def test_enrol_then_send_now_from_the_settings_screen(qtbot, workspace, server) -> None:
    """A server of its own: the test stops it."""
    ensure_demo_setup(workspace)
    add_demo_contacts(workspace, 40, seed=11)
    window = window_with_sync(qtbot, workspace)
    assert window.sync_label.text().startswith("Non inscrit")
    assert "40 en attente d'envoi" in window.sync_label.text()
    enrol_through_settings(qtbot, window, server.url, create_structure(server.database_url))
    assert "Poste inscrit" in window.settings.sync_status.text()
    assert "0 en attente" in window.sync_label.text(), "enrolment starts a pass at once"
    assert window.sync_label.text().startswith("En ligne")
    assert "dernier envoi" in window.sync_label.text()
    assert server_counts(server) == (40, 40)
    add_demo_contacts(workspace, 5, seed=12)
    window.refresh()
    assert "5 en attente" in window.sync_label.text()
    sync_now(qtbot, window)
    assert "0 en attente" in window.sync_label.text()
    assert "5 contacts envoyés" in window.settings.sync_result.text()
    assert server_counts(server) == (45, 45)
    server.stop()
    add_demo_contacts(workspace, 1, seed=13)
    sync_now(qtbot, window)
    assert window.sync_label.text().startswith("Hors ligne")
    assert "1 en attente" in window.sync_label.text()


def test_a_wrong_code_and_a_missing_keyring_are_explained(qtbot, workspace, server) -> None:
    """A server of its own: refused codes count towards the lock-out of 127.0.0.1, every test's address."""
    ensure_demo_setup(workspace)
    window = window_with_sync(qtbot, workspace)
    create_structure(server.database_url)
    enrol_through_settings(qtbot, window, server.url, "AAAA-BBBB-CCCC")
    assert "Demandez un nouveau code" in window.settings.sync_result.text()
    assert window.settings.enrol_button.isEnabled()
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        enrol_through_settings(qtbot, window, server.url, "AAAA-BBBB-CCCC")
        assert "trousseau" in window.settings.sync_result.text()
    finally:
        keyring.set_keyring(previous)
    assert window.sync_label.text().startswith("Non inscrit")


def test_refused_contacts_are_listed_with_the_reason(qtbot, workspace, shared_server, own_matricule) -> None:
    ensure_demo_setup(workspace)
    window = window_with_sync(qtbot, workspace)
    code = create_structure(shared_server.database_url, own_matricule)
    enrol_through_settings(qtbot, window, shared_server.url, code)
    add_demo_contacts(workspace, 3, seed=14)
    [victim] = workspace.db.execute("SELECT id FROM contacts LIMIT 1").fetchone()
    sync_now(qtbot, window)
    assert "0 en attente" in window.sync_label.text()
    workspace.db.execute("UPDATE contacts SET duration_minutes = duration_minutes + 1 WHERE id = ?", [victim])
    workspace.db.execute("UPDATE outbox SET state = 'pending' WHERE record_id = ?", [victim])
    sync_now(qtbot, window)
    assert window.quarantine_button.isVisible()
    assert window.quarantine_button.text() == "⚠ 1 refusé"
    qtbot.mouseClick(window.quarantine_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(QuarantineDialog)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text() == "Contact"
    assert dialog.table.item(0, 3).text()  # the server's reason, in French


def test_a_revoked_workstation_is_told_to_enrol_again(qtbot, workspace, shared_server, own_matricule) -> None:
    server = shared_server
    ensure_demo_setup(workspace)
    window = window_with_sync(qtbot, workspace)
    enrol_through_settings(qtbot, window, server.url, create_structure(server.database_url, own_matricule))
    workstation_id = get_setting(workspace.db, "sync.workstation_id")
    assert run_server_cli(server.database_url, "revoke", "--workstation", workstation_id).returncode == 0
    add_demo_contacts(workspace, 2, seed=15)
    sync_now(qtbot, window)
    assert window.sync_label.text().startswith("⚠ Accès refusé par le serveur")
    assert "2 en attente" in window.sync_label.text()
    assert "n'accepte plus ce poste" in window.settings.sync_status.text()
    fresh = (
        run_server_cli(server.database_url, "enrolment-code", "--matricule", own_matricule)
        .stdout.strip()
        .splitlines()[-1]
    )
    enrol_through_settings(qtbot, window, server.url, fresh)
    assert window.sync_label.text().startswith("En ligne")
    assert "0 en attente" in window.sync_label.text()
