"""The one way long work leaves the GUI thread: a QObject worker with its own database connection,
opened from the data folder in its own QThread, asked by queued signals, answering by signals.

The sync (`app.ui.sync_controller`) builds its worker on `DatabaseWorker` and its thread with
`WorkerThread`; screens hand `Background` jobs — a function of a `Workspace` — such as a year's summary
or an export, and get the result or the exception back in the GUI thread, one job after another.

SQLite connections belong to the thread that uses them, hence one per worker. Closing the window must
not wait for a long job: once `Background.stop` is asked, SQLite's progress handler aborts the
statement running or the next one within a few thousand steps, so the job ends at once with an error
nobody listens to.
"""

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from app.models.workspace import Workspace, open_workspace
from app.models.workstation import SetupError

log = logging.getLogger(__name__)

Job = Callable[[Workspace], Any]
STEPS = 10_000  # SQLite's virtual machine steps between two looks at `stopping`: well under 1 ms
# Failures that are answers for the agent (a full disk, a workstation not set up), not bugs to log.
ANSWERS = (OSError, SetupError)


class DatabaseWorker(QObject):
    """Lives in its worker thread; opens its connection there on first use. `resume_sends`: see
    `open_workspace` (only the sync's worker owns the batches being sent)."""

    def __init__(self, data_dir: Path, *, resume_sends: bool = True) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.resume_sends = resume_sends
        self.workspace: Workspace | None = None

    def _workspace(self) -> Workspace:
        if self.workspace is None:  # opened in the worker thread, used only there
            self.workspace = open_workspace(self.data_dir, resume_sends=self.resume_sends)
        return self.workspace

    def _reopen_later(self) -> None:
        """After an unexpected failure the connection may be mid-transaction: the next job opens a new one."""
        try:
            self.close()
        except Exception:  # forgotten all the same
            log.exception("closing the worker's connection failed")

    def close(self) -> None:
        """In the worker's thread, or in any once that thread has ended."""
        workspace, self.workspace = self.workspace, None
        if workspace is not None:
            workspace.close()


class WorkerThread:
    """A worker moved to its own named QThread, started at once; `stop` ends the thread, then
    closes the worker's connection."""

    def __init__(self, worker: DatabaseWorker, name: str) -> None:
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        self.thread.start()

    def stop(self) -> None:
        """The worker finishes what it is doing (cut it short first), then its connection is closed
        here: Qt may end the thread's loop before a queued `close` runs, and no one else uses it."""
        self.thread.quit()
        self.thread.wait()
        self.worker.close()


class JobWorker(DatabaseWorker):
    done = Signal(int, object)  # job number, its result
    failed = Signal(int, object)  # job number, the exception it raised (logged unless one of ANSWERS)

    def __init__(self, data_dir: Path, *, resume_sends: bool = True) -> None:
        super().__init__(data_dir, resume_sends=resume_sends)
        self.stopping = threading.Event()  # set from the GUI thread: the job running and those queued end
        self._cancelled: set[int] = set()  # jobs given up from the GUI thread before they start
        self._cancelling = threading.Lock()

    def cancel(self, number: int) -> None:
        """From any thread: job `number` is skipped if it has not started yet."""
        with self._cancelling:
            self._cancelled.add(number)

    def _workspace(self) -> Workspace:
        opening = self.workspace is None
        workspace = super()._workspace()
        if opening:  # a true answer aborts the statement running
            workspace.db.conn.set_progress_handler(self.stopping.is_set, STEPS)
        return workspace

    @Slot(int, object)
    def run(self, number: int, job: Job) -> None:
        with self._cancelling:
            cancelled = number in self._cancelled
            self._cancelled.discard(number)
        if cancelled or self.stopping.is_set():
            return
        try:
            result = job(self._workspace())
        except Exception as error:  # reported, never the worker's death
            if self.stopping.is_set():  # interrupted because the window closes: nobody listens
                return
            if not isinstance(error, ANSWERS):
                log.exception("background job failed")
                self._reopen_later()
            self.failed.emit(number, error)
            return
        self.done.emit(number, result)


class Background(QObject):
    """Lives in the GUI thread; owns one worker thread that runs the jobs handed to it in turn."""

    _run = Signal(int, object)

    def __init__(self, data_dir: Path, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = JobWorker(data_dir, resume_sends=False)
        self._pending: dict[int, tuple[Callable[[Any], None], Callable[[Exception], None]]] = {}
        self._numbers = 0
        self._run.connect(self.worker.run)
        self.worker.done.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.runner = WorkerThread(self.worker, name)
        app = QCoreApplication.instance()
        if app is not None:  # the application may end without the window closing (--self-test)
            app.aboutToQuit.connect(self.stop)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def stopping(self) -> bool:
        """From any thread: true once `stop` is asked. Work SQLite does not run (a PDF being laid
        out) asks it between two steps, to end as soon as the statements do."""
        return self.worker.stopping.is_set()

    def submit(self, job: Job, done: Callable[[Any], None], failed: Callable[[Exception], None]) -> int:
        """Run `job(workspace)` in the worker after those before it; then `done(result)` or
        `failed(exception)` here. The job's number, for `cancel`."""
        self._numbers += 1
        self._pending[self._numbers] = (done, failed)
        self._run.emit(self._numbers, job)
        return self._numbers

    def cancel(self, number: int) -> None:
        """Job `number` is no longer wanted: skipped if it has not started, its outcome ignored if it has."""
        if self._pending.pop(number, None) is not None:
            self.worker.cancel(number)

    def _done(self, number: int, result: object) -> None:
        callbacks = self._pending.pop(number, None)
        if callbacks is not None:
            callbacks[0](result)

    def _failed(self, number: int, error: Exception) -> None:
        callbacks = self._pending.pop(number, None)
        if callbacks is not None:
            callbacks[1](error)

    def stop(self) -> None:
        """Forget the jobs waiting, cut the one running short and end the thread: closing the window
        does not wait for a year's summary."""
        self._pending.clear()
        self.worker.stopping.set()
        self.runner.stop()
