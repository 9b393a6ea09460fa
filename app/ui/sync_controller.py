"""Sync off the GUI thread: a worker with its own database connection in a QThread.

Passes start at launch, every few minutes, when Qt says the network came back (a hint only: the
pass itself confirms with an authenticated request) and on demand. Results come back as signals.

Whatever goes wrong in a pass, the worker reports it (`failed`) instead of dying with it: the
exception goes to the journal, the controller is ready for the next pass, and the status bar says
that the last one failed.

The first-start wizard's join (enrolment, then the structure's records with a progress bar) runs on
the same worker, so the window stays responsive; it can be stopped between two pages, and a later
join or pass goes on from there.
"""

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QNetworkInformation

from app.sync.credentials import CredentialsUnavailable
from app.sync.engine import JoinInterrupted, ReattributionNeeded, SyncReport, enroll, pull_structure, run_pass
from app.sync.status import journal_line
from app.sync.transport import Stop, SyncError
from app.ui.background import DatabaseWorker, WorkerThread

PERIOD_MS = 5 * 60 * 1000
FIRST_PASS_MS = 3000
UNEXPECTED_ENROLMENT = "Erreur inattendue pendant l'inscription (voir le journal). Réessayez plus tard."
UNEXPECTED_JOIN = (
    "Erreur inattendue pendant la réception des données de la structure (voir le journal). Ce qui a "
    "été reçu est gardé : réessayez, la réception reprendra là où elle s'est arrêtée."
)
JOIN_STOPPED = "Réception interrompue à votre demande."

log = logging.getLogger(__name__)


class SyncWorker(DatabaseWorker):
    finished = Signal(object)  # SyncReport
    failed = Signal()  # the pass raised: the exception is in the journal
    enrolled = Signal(bool, str)  # success, French message
    # Records made here under another structure: server URL, code, the French question.
    reattribution_needed = Signal(str, str, str)
    join_enrolled = Signal(str)  # the join's enrolment succeeded (French message); records come next
    join_progress = Signal(int, int)  # done, total: how far the structure's records are received
    joined = Signal(int)  # all of the structure's records are here: how many were received
    join_stopped = Signal(bool, str)  # the join stopped: resumable (what came is kept), French message

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.stop_join = threading.Event()  # set from the GUI thread: the join stops after its page
        self.closing = Stop()  # set from the GUI thread when the window closes: the pass ends now

    @Slot(bool)
    def run(self, force: bool) -> None:
        try:
            report = run_pass(self._workspace(), force=force, stop=self.closing)
            log.info(journal_line(report))
        except Exception:  # anything: a pass that dies must not take the next ones with it
            log.exception("sync pass failed")
            self._reopen_later()
            self.failed.emit()
            return
        self.finished.emit(report)

    @Slot(str, str, bool)
    def enroll(self, server_url: str, code: str, reattribute: bool) -> None:
        outcome = self._enrol(server_url, code, reattribute)
        if outcome is not None:
            self.enrolled.emit(*outcome)

    def _enrol(self, server_url: str, code: str, reattribute: bool) -> tuple[bool, str] | None:
        """(success, French message); None when the re-attribution must be confirmed first (asked)."""
        try:
            message = enroll(self._workspace(), server_url, code, reattribute=reattribute)
        except ReattributionNeeded as needed:
            log.info("enrolment waits for the re-attribution to be confirmed")
            self.reattribution_needed.emit(server_url, code, str(needed))
            return None
        except (SyncError, CredentialsUnavailable) as error:
            log.info("enrolment refused")
            return False, str(error)
        except Exception:
            log.exception("enrolment failed")
            self._reopen_later()
            return False, UNEXPECTED_ENROLMENT
        log.info("enrolment succeeded")
        return True, message

    @Slot(str, str, bool)
    def join(self, server_url: str, code: str, reattribute: bool) -> None:
        """Enrol with `server_url` and `code` (unless `server_url` is empty: a join that resumes),
        then receive the structure's records, page by page, each page with its cursor."""
        if server_url:
            outcome = self._enrol(server_url, code, reattribute)
            if outcome is None:
                return
            ok, message = outcome
            if not ok:
                self.join_stopped.emit(False, message)
                return
            self.join_enrolled.emit(message)
        try:
            received = pull_structure(self._workspace(), self._join_progress)
        except JoinInterrupted as error:  # cut, or stopped: what came is kept
            self.join_stopped.emit(True, str(error))
            return
        except (SyncError, CredentialsUnavailable) as error:  # not enrolled, busy, no longer authorised
            self.join_stopped.emit(False, str(error))
            return
        except Exception:
            log.exception("join failed")
            self._reopen_later()
            self.join_stopped.emit(True, UNEXPECTED_JOIN)
            return
        self.joined.emit(received)

    def _join_progress(self, done: int, total: int) -> None:
        """After each page applied: tell the bar, and stop there if asked (the page and its cursor
        are committed, so a resumed join goes on with the next one)."""
        self.join_progress.emit(done, total)
        if self.stop_join.is_set() and done < total:
            raise SyncError(JOIN_STOPPED)  # pull_structure reports it as a join received in part


class SyncController(QObject):
    """Lives in the GUI thread; owns the worker thread."""

    report_ready = Signal(object)  # SyncReport
    pass_failed = Signal()  # the last pass raised; `failed_at` says when
    enrolled = Signal(bool, str)
    reattribution_needed = Signal(str, str, str)  # see SyncWorker
    started = Signal()
    join_enrolled = Signal(str)  # see SyncWorker
    join_progress = Signal(int, int)
    joined = Signal(int)
    join_stopped = Signal(bool, str)
    _run = Signal(bool)
    _enroll = Signal(str, str, bool)
    _join = Signal(str, str, bool)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running = False
        self.queued: bool | None = None  # a pass asked for while one runs: its `force`, run next
        self.last_report: SyncReport | None = None
        self.failed_at: datetime | None = None  # of the last pass, if it failed unexpectedly (UTC)
        self.worker = SyncWorker(data_dir)
        self._run.connect(self.worker.run)
        self._enroll.connect(self.worker.enroll)
        self._join.connect(self.worker.join)
        self.worker.join_enrolled.connect(self.join_enrolled)
        self.worker.join_progress.connect(self.join_progress)
        self.worker.joined.connect(self.joined)
        self.worker.join_stopped.connect(self.join_stopped)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.enrolled.connect(self._enrolled)
        self.worker.reattribution_needed.connect(self.reattribution_needed)
        self.runner = WorkerThread(self.worker, "sync")
        self.worker_thread = self.runner.thread
        self.timer = QTimer(self)
        self.timer.setInterval(PERIOD_MS)
        self.timer.timeout.connect(lambda: self.request(force=False))

    def start(self) -> None:
        """Periodic passes, the first one shortly after the window is up, and one whenever the
        network comes back (not before: the first-start wizard's controller only joins)."""
        self.timer.start()
        self._watch_network()
        QTimer.singleShot(FIRST_PASS_MS, lambda: self.request(force=False))

    def _watch_network(self) -> None:
        if QNetworkInformation.loadDefaultBackend() and QNetworkInformation.instance() is not None:
            QNetworkInformation.instance().reachabilityChanged.connect(self._reachability)

    def _reachability(self, reachability: QNetworkInformation.Reachability) -> None:
        if reachability == QNetworkInformation.Reachability.Online:
            self.request(force=False)

    def request(self, force: bool) -> bool:
        """Start a pass now, or right after the one running; `force` also sends what is waiting for
        its backoff (the agent's "Synchroniser maintenant"). True if it started now."""
        if self.running:
            self.queued = bool(self.queued) or force
            return False
        self.running = True
        self.started.emit()
        self._run.emit(force)
        return True

    def request_enrolment(self, server_url: str, code: str, reattribute: bool = False) -> None:
        self._enroll.emit(server_url, code, reattribute)

    def request_join(self, server_url: str = "", code: str = "", reattribute: bool = False) -> None:
        """Join the structure in the worker: enrol with `server_url` and `code` first (none: a join
        that resumes), then receive its records (`join_progress`, then `joined` or `join_stopped`)."""
        self.worker.stop_join.clear()
        self._join.emit(server_url, code, reattribute)

    def stop_join(self) -> None:
        """Stop the join under way after the page it is applying; called from the GUI thread."""
        self.worker.stop_join.set()

    def _finished(self, report: SyncReport) -> None:
        self.running = False
        self.last_report, self.failed_at = report, None
        self.report_ready.emit(report)  # a slot that raises goes to sys.excepthook; emit() goes on
        self._run_queued()

    def _failed(self) -> None:
        self.running = False
        self.failed_at = datetime.now(UTC)
        self.pass_failed.emit()
        self._run_queued()

    def _run_queued(self) -> None:
        if self.queued is not None:
            force, self.queued = self.queued, None
            self.request(force)

    def _enrolled(self, ok: bool, message: str) -> None:
        self.enrolled.emit(ok, message)
        if ok:
            self.request(force=True)

    def stop(self) -> None:
        """End the pass under way now (its request in flight is cut; what it did is kept), stop a
        join after its page, and end the thread: closing the window does not wait for a long sync."""
        self.timer.stop()
        self.queued = None
        self.worker.closing.set()
        self.stop_join()
        self.runner.stop()
