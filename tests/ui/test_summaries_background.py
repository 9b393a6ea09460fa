"""Synthèses off the GUI thread: the summary and the exports run in the one background worker, the
window stays usable meanwhile, and closing it does not wait for a long count."""

import csv
import threading
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTimer

from app.reports import aggregation
from app.reports.periods import Period
from app.ui.background import Background
from app.ui.summaries_screen import CALCULATING
from tests.journal_fixtures import journal_fixture, read_log  # noqa: F401 (the `journal` fixture)
from tests.ui.test_pass_ui import pdf_text
from tests.ui.test_summaries_ui import counted, last_month_contacts, summaries

ENDLESS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"


class SlowYear:
    """Stands for `summarise` (fault injection of slowness: a year of a busy desk takes seconds):
    a year's summary waits for `release`, any other period is counted at once by the real one."""

    def __init__(self) -> None:
        self.real = aggregation.summarise
        self.started = threading.Event()
        self.release = threading.Event()
        self.years_counted = 0

    def __call__(self, workspace, period: Period, now=None):
        if period.kind == "year":
            self.started.set()
            self.release.wait(30)
            self.years_counted += 1
        return self.real(workspace, period, now)


@pytest.fixture
def slow_year(monkeypatch: pytest.MonkeyPatch):
    fake = SlowYear()
    monkeypatch.setattr("app.reports.aggregation.summarise", fake)
    yield fake
    fake.release.set()  # never a worker left waiting


def test_the_window_stays_usable_while_a_year_is_counted(qtbot, desk, slow_year) -> None:
    month = last_month_contacts(desk)
    _window, screen = summaries(qtbot, desk)
    assert screen.total_card.figure.text() == "23"

    screen.set_period(Period("year", month.year))
    assert screen.calculating and CALCULATING in screen.subtitle.text()
    assert not screen.pdf_button.isEnabled(), "no export of figures being counted"
    qtbot.waitUntil(slow_year.started.is_set)
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append(True))
    qtbot.waitUntil(lambda: bool(ticked))  # the event loop turns while the year is counted
    screen.previous_button.click()  # the period controls answer meanwhile
    assert screen.period == Period("year", month.year - 1)
    other_month = month.previous()
    screen.set_period(other_month)
    assert screen.period == other_month and screen.calculating

    slow_year.release.set()
    counted(qtbot, screen)
    assert slow_year.years_counted == 1, "the year asked first was counted, then dropped; the second skipped"
    assert screen.summary is not None and screen.summary.period == other_month
    assert screen.total_card.figure.text() == "20"
    assert other_month.label in screen.subtitle.text().lower()
    assert screen.pdf_button.isEnabled()


def test_back_to_the_period_on_screen_while_another_is_counted(qtbot, desk, slow_year) -> None:
    month = last_month_contacts(desk)
    _window, screen = summaries(qtbot, desk)
    counted_month = screen.summary
    screen.set_period(Period("year", month.year))
    qtbot.waitUntil(slow_year.started.is_set)
    screen.set_period(month)
    assert not screen.calculating, "its figures are on screen: nothing to wait for"
    assert CALCULATING not in screen.subtitle.text() and month.label in screen.subtitle.text().lower()
    assert screen.pdf_button.isEnabled()
    slow_year.release.set()
    qtbot.waitUntil(lambda: not screen.background.busy)
    assert screen.summary is counted_month, "the year's late result is dropped"


@pytest.mark.timeout(60)  # without the interruption, closing would wait for ever
def test_closing_during_a_long_summary_returns_at_once(qtbot, desk, monkeypatch) -> None:
    counting = threading.Event()

    def endless(workspace, period, now=None):
        counting.set()
        return workspace.db.conn.execute(ENDLESS).fetchone()  # only an interruption ends it

    window, screen = summaries(qtbot, desk)
    monkeypatch.setattr("app.reports.aggregation.summarise", endless)
    screen.set_period(Period("year", date.today().year - 1))
    qtbot.waitUntil(counting.is_set)
    window.close()
    assert screen.background.runner.thread.isFinished()
    assert screen.background.worker.workspace is None, "the worker's connection is closed"


def test_an_export_lands_as_real_files_read_back(qtbot, desk, tmp_path: Path) -> None:
    month = last_month_contacts(desk)
    _window, screen = summaries(qtbot, desk)
    with qtbot.waitSignal(screen.exported) as ended:
        screen.export_pdf(tmp_path / "synthese.pdf")
        assert not screen.csv_button.isEnabled(), "no second export while one is written"
    assert ended.args == [True]
    assert month.label in pdf_text(tmp_path / "synthese.pdf").lower()
    with qtbot.waitSignal(screen.exported):
        screen.export_csv(tmp_path / "synthese.csv")
    with (tmp_path / "synthese-contacts.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle, delimiter=";"))) == 1 + 23


def test_an_export_that_cannot_be_written_says_why_and_loses_nothing(qtbot, desk, tmp_path: Path) -> None:
    last_month_contacts(desk)
    _window, screen = summaries(qtbot, desk)
    missing = tmp_path / "clé USB retirée"
    with qtbot.waitSignal(screen.exported) as ended:
        screen.export_pdf(missing / "synthese.pdf")
    assert ended.args == [False]
    assert screen.export_notice.text().startswith(f"⚠ Le PDF n'a pas pu être enregistré dans {missing}")
    with qtbot.waitSignal(screen.exported) as ended:
        screen.export_csv(missing / "synthese.csv")
    assert ended.args == [False]
    assert "Les fichiers CSV n'ont pas pu être enregistrés" in screen.export_notice.text()
    assert screen.pdf_button.isEnabled() and screen.summary is not None, "the agent may try elsewhere"
    with qtbot.waitSignal(screen.exported) as ended:
        screen.export_pdf(tmp_path / "synthese.pdf")
    assert ended.args == [True]


def test_a_job_that_raises_is_logged_and_the_next_one_runs(qtbot, desk, journal) -> None:
    background = Background(desk.path.parent, "test")
    errors: list[Exception] = []
    results: list[int] = []

    def broken(workspace):
        raise RuntimeError("a bug in a report")

    try:
        background.submit(broken, results.append, errors.append)
        background.submit(
            lambda workspace: workspace.db.execute("SELECT count(*) FROM contacts").fetchone()[0],
            results.append,
            errors.append,
        )
        qtbot.waitUntil(lambda: not background.busy)
    finally:
        background.stop()
    assert [str(error) for error in errors] == ["a bug in a report"]
    assert results == [0], "the worker lives on, with a fresh connection"
    assert "RuntimeError: a bug in a report" in read_log(journal)


def test_the_summaries_connection_leaves_the_batch_being_sent_alone(qtbot, desk) -> None:
    """A batch marked as being sent while the app runs is the sync's, in flight: the summaries'
    worker, opening its connection then, must not put it back in the queue (sent twice)."""
    last_month_contacts(desk)
    desk.db.execute("UPDATE outbox SET state = 'sending'")
    _window, screen = summaries(qtbot, desk)
    assert screen.background.worker.workspace is not None, "its connection was opened"
    states = {state for (state,) in desk.db.execute("SELECT state FROM outbox").fetchall()}
    assert states == {"sending"}


@pytest.mark.timeout(60)  # without the interruption, quitting would wait for ever
def test_quitting_the_application_cuts_a_long_job_short(qtbot, desk) -> None:
    """The application may end without the window closing (`--self-test`, the session ending):
    `aboutToQuit` stops the worker, and the job's outcome reaches nobody."""
    background = Background(desk.path.parent, "test")
    counting = threading.Event()
    outcomes: list[object] = []

    def endless(workspace):
        counting.set()
        return workspace.db.conn.execute(ENDLESS).fetchone()

    background.submit(endless, outcomes.append, outcomes.append)
    qtbot.waitUntil(counting.is_set)
    QCoreApplication.instance().aboutToQuit.emit()
    assert background.stopping()
    assert background.runner.thread.isFinished()
    assert background.worker.workspace is None, "the worker's connection is closed"
    QCoreApplication.processEvents()  # a queued outcome would arrive now
    assert outcomes == [] and not background.busy
