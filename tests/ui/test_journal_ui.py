"""When something goes wrong in the GUI, the agent is told in French, the journal has it, and the
application goes on: a failing sync pass, an exception in a slot or a thread, Qt's own warnings; and
Paramètres › "Exporter le journal…" hands it to the support."""

import os
import secrets
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer, qInstallMessageHandler, qWarning
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from app.models.database import transaction
from app.models.settings import set_setting
from app.sync.engine import SyncReport
from app.sync.status import SERVER_URL
from app.ui.error_reporting import ErrorReporter
from app.ui.main_window import clock_time
from app.ui.settings import SettingsScreen
from app.ui.sync_controller import UNEXPECTED_ENROLMENT, SyncController
from tests.journal_fixtures import journal_fixture, read_log  # noqa: F401 (the `journal` fixture)
from tests.ui.test_contact_form import open_window

TOKEN = secrets.token_urlsafe(32)


class FaultyPass:
    """Stands for `run_pass` (fault injection: an unforeseen bug in the engine, which no real input
    triggers on purpose): the first call waits for `release`, then raises; the next ones succeed."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[bool] = []

    def __call__(self, workspace, *, force: bool = False, stop=None) -> SyncReport:
        self.calls.append(force)
        if len(self.calls) == 1:
            self.release.wait(10)
            raise RuntimeError(f"the server said Bearer {TOKEN}")
        return SyncReport()


@pytest.fixture
def faulty_pass(monkeypatch: pytest.MonkeyPatch) -> FaultyPass:
    fake = FaultyPass()
    monkeypatch.setattr("app.ui.sync_controller.run_pass", fake)
    return fake


def window_with_sync(qtbot, workspace):
    with transaction(workspace.db):
        set_setting(workspace.db, SERVER_URL, "https://reporting.exemple.fr")
    window = open_window(qtbot, workspace)
    window.attach_sync(SyncController(workspace.path.parent, window))
    return window


def test_a_pass_that_raises_is_logged_and_shown_and_the_next_one_runs(
    qtbot, desk, journal, faulty_pass
) -> None:
    window = window_with_sync(qtbot, desk)
    controller = window.sync
    window.nav.setCurrentRow(5)  # Paramètres: its result line says it too
    with qtbot.waitSignal(controller.pass_failed, timeout=10000):
        assert controller.request(force=False)
        faulty_pass.release.set()
    assert not controller.running
    when = clock_time(controller.failed_at)
    assert window.sync_label.text().startswith(f"⚠ Synchronisation échouée à {when} (voir le journal)")
    sentence = f"⚠ Dernière synchronisation échouée à {when} : erreur inattendue (voir le journal)"
    assert window.sync_label.toolTip().startswith(sentence)
    assert window.settings.sync_result.text() == sentence + "."
    text = read_log(journal)
    assert "sync pass failed" in text and "RuntimeError" in text
    assert TOKEN not in text
    with qtbot.waitSignal(controller.report_ready, timeout=10000):
        assert controller.request(force=True), "the failed pass left the controller ready"
    assert controller.failed_at is None
    assert window.sync_label.text().startswith("En ligne")
    assert "sync pass: 0 accepted" in read_log(journal)


def test_a_keyring_that_breaks_fails_the_pass_not_the_sync(qtbot, desk, journal) -> None:
    """A real cause: the keyring's backend raises what nobody expects (here its store is damaged)."""
    store = Path(os.environ["BUREAU_VIRTUEL_TEST_KEYRING"])
    store.write_text("{damaged")
    window = window_with_sync(qtbot, desk)
    with qtbot.waitSignal(window.sync.pass_failed, timeout=10000):
        window.sync.request(force=False)
    assert window.sync_label.text().startswith("⚠ Synchronisation échouée à ")
    assert "JSONDecodeError" in read_log(journal)
    store.write_text("{}")
    with qtbot.waitSignal(window.sync.report_ready, timeout=10000):
        assert window.sync.request(force=False)
    assert window.sync.failed_at is None
    assert not window.sync_label.text().startswith("⚠")


def test_a_pass_asked_for_during_a_failing_one_still_runs(qtbot, desk, journal, faulty_pass) -> None:
    window = window_with_sync(qtbot, desk)
    controller = window.sync
    assert controller.request(force=False)
    assert not controller.request(force=True), "queued behind the running pass"
    with qtbot.waitSignal(controller.report_ready, timeout=10000):
        faulty_pass.release.set()
    assert faulty_pass.calls == [False, True]


@pytest.fixture
def reporter(qapp, journal: Path):
    saved = sys.excepthook, threading.excepthook
    reporter = ErrorReporter(qapp, journal)
    yield reporter
    sys.excepthook, threading.excepthook = saved
    qInstallMessageHandler(None)
    for box in QApplication.topLevelWidgets():
        if isinstance(box, QMessageBox):
            box.close()


def error_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_and_explained_once(qtbot, reporter, journal) -> None:
    def broken() -> None:
        raise ValueError(f"code 7KQM-2WXP-H9TD, token {TOKEN}")

    QTimer.singleShot(0, broken)
    QTimer.singleShot(0, broken)
    qtbot.waitUntil(lambda: len(error_boxes()) == 1)
    [box] = error_boxes()
    assert box.text().startswith("Une erreur inattendue s'est produite.")
    assert f"Le journal a été enregistré dans « {journal} »." in box.text()
    qtbot.waitUntil(lambda: read_log(journal).count("unexpected exception") == 2)
    text = read_log(journal)
    assert "ValueError" in text and TOKEN not in text and "7KQM-2WXP-H9TD" not in text
    assert len(error_boxes()) == 1, "one dialog, however many errors"
    box.accept()
    QTimer.singleShot(0, broken)
    qtbot.waitUntil(lambda: len(error_boxes()) == 1)  # the application went on, and tells again


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_thread_is_shown_from_the_gui_thread(qtbot, reporter, journal) -> None:
    def broken() -> None:
        raise OSError("disk full")

    worker = threading.Thread(target=broken, name="worker-test")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(error_boxes()) == 1)
    assert "unexpected exception in thread worker-test" in read_log(journal)


@pytest.mark.qt_no_exception_capture
def test_a_failing_report_handler_does_not_stop_the_sync(qtbot, desk, journal, reporter, faulty_pass) -> None:
    window = window_with_sync(qtbot, desk)
    controller = window.sync
    faulty_pass.calls.append(False)  # skip the failing call: every pass succeeds here
    controller.report_ready.connect(lambda _report: 1 / 0)
    with qtbot.waitSignal(controller.report_ready, timeout=10000):
        controller.request(force=False)
    qtbot.waitUntil(lambda: len(error_boxes()) == 1)
    assert "ZeroDivisionError" in read_log(journal)
    with qtbot.waitSignal(controller.report_ready, timeout=10000):
        assert controller.request(force=False), "the next pass runs"


def test_qt_messages_go_to_the_journal(reporter, journal) -> None:
    qWarning("a Qt warning for the journal")
    assert "WARNING qt " in read_log(journal) and "a Qt warning for the journal" in read_log(journal)


def save_as(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """The file dialog answers `path` (a native dialog cannot be driven offscreen)."""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(path), "")))


def test_the_journal_is_exported_for_the_support(qtbot, desk, journal, tmp_path, monkeypatch) -> None:
    settings = SettingsScreen(desk)
    qtbot.addWidget(settings)
    save_as(monkeypatch, tmp_path / "pour-le-support")
    qtbot.mouseClick(settings.journal_button, Qt.MouseButton.LeftButton)
    target = tmp_path / "pour-le-support.zip"
    assert settings.journal_result.text() == f"✔ Journal exporté dans « {target} », à transmettre au support."
    with zipfile.ZipFile(target) as archive:
        assert "bureau-virtuel.log" in archive.namelist()


def test_an_export_that_cannot_be_written_is_explained(qtbot, desk, journal, tmp_path, monkeypatch) -> None:
    settings = SettingsScreen(desk)
    qtbot.addWidget(settings)
    target = tmp_path / "absent" / "journal.zip"
    save_as(monkeypatch, target)
    qtbot.mouseClick(settings.journal_button, Qt.MouseButton.LeftButton)
    assert settings.journal_result.text().startswith(f"⚠ Impossible d'écrire « {target} » (")
    assert settings.journal_result.text().endswith("choisissez un autre dossier.")
    assert not target.parent.exists()


def test_an_enrolment_that_raises_is_explained_and_can_be_tried_again(
    qtbot, desk, journal, monkeypatch
) -> None:
    def broken_enroll(workspace, server_url: str, code: str, *, reattribute: bool = False) -> str:
        raise KeyError(code)  # fault injection: an unforeseen bug, with the code in the exception

    monkeypatch.setattr("app.ui.sync_controller.enroll", broken_enroll)
    window = open_window(qtbot, desk)
    window.attach_sync(SyncController(desk.path.parent, window))
    window.nav.setCurrentRow(5)
    settings = window.settings
    settings.server_url.setText("https://reporting.exemple.fr")
    settings.enrolment_code.setText("7KQM-2WXP-H9TD")
    with qtbot.waitSignal(window.sync.enrolled, timeout=10000):
        qtbot.mouseClick(settings.enrol_button, Qt.MouseButton.LeftButton)
    assert settings.sync_result.text() == f"⚠ {UNEXPECTED_ENROLMENT}"
    assert settings.enrol_button.isEnabled()
    text = read_log(journal)
    assert "enrolment failed" in text and "KeyError" in text and "7KQM-2WXP-H9TD" not in text
