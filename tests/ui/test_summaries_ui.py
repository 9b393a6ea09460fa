"""Synthèses on screen: the exact figures of known contacts, another period, the exports, and who may
export."""

import csv
from datetime import date, datetime, time, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QFileDialog

from app.reports.periods import Period
from app.ui.bar_chart import BarChart
from app.ui.main_window import SCREENS
from tests.ui.accessibility import unnamed_controls
from tests.ui.helpers import Keyboard
from tests.ui.test_contact_form import open_window
from tests.ui.test_flows_ui import tab_to
from tests.ui.test_pass_ui import pdf_text

NBSP = "\u00a0"


def at(day: date, hour: int = 10) -> datetime:
    """`hour` o'clock on `day`, on this computer's wall clock (the one the summary counts by)."""
    return datetime.combine(day, time(hour, 15)).astimezone()


def add(ws, moment: datetime, situation: str, partners: list[str], **fields) -> None:
    ws.contacts.add(
        {
            **ws.workstation.contact_defaults(),
            "situation": situation,
            "partners": partners,
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 10,
            "occurred_at": moment,
            **fields,
        }
    )


def last_month_contacts(ws) -> Period:
    """23 contacts in the last full month (14 CAF, 9 DGFiP; 3 directed elsewhere; 5 by Karim B.) and
    20 in the month before: +15 %."""
    month = Period.last_full_month(date.today())
    day = month.start + timedelta(days=3)
    for number in range(14):
        add(
            ws,
            at(day, 9 + number % 3),
            "naissance",
            ["caf"],
            outcome="oriente" if number < 3 else "resolu",
            agent="Karim B." if number < 5 else "Camille R.",
        )
    for _ in range(9):
        add(ws, at(day + timedelta(days=1), 14), "declarer-impots", ["dgfip"])
    before = month.previous().start + timedelta(days=5)
    for _ in range(20):
        add(ws, at(before), "declarer-impots", ["dgfip"])
    return month


def counted(qtbot, screen) -> None:
    """The summary is computed in the background: wait until it is on screen."""
    qtbot.waitUntil(lambda: not screen.calculating)


def summaries(qtbot, ws):
    window = open_window(qtbot, ws)
    window.nav.setCurrentRow(SCREENS.index("Synthèses"))
    screen = window.screen_named("Synthèses")
    counted(qtbot, screen)
    return window, screen


def test_the_last_full_month_shows_its_exact_figures(qtbot, desk) -> None:
    month = last_month_contacts(desk)
    _window, screen = summaries(qtbot, desk)
    assert screen.period == month, "the last full month by default"
    assert month.label in screen.subtitle.text().lower()
    assert "France Services Valserhône" in screen.subtitle.text()
    assert screen.total_card.figure.text() == "23"
    change = screen.total_card.detail.text()
    assert f"+15{NBSP}% par rapport à {month.previous().label} (20 contacts)" in change
    assert f"aucun contact en {month.year_before().label} pour comparer" in change
    assert screen.solved_card.figure.text() == f"87{NBSP}%"
    assert screen.solved_card.detail.text() == "20 contacts sur 23"
    assert screen.duration_card.figure.text() == f"10{NBSP}min"

    caf = desk.catalogue.label("partners", "caf")
    assert screen.partners_chart.bars[:2] == [(caf, 14), (desk.catalogue.label("partners", "dgfip"), 9)]
    assert screen.partners_chart.values[0] == f"14  (61{NBSP}%)"
    assert f"{caf} : 14  (61{NBSP}%)" in screen.partners_chart.accessibleDescription()
    assert screen.agents_chart.bars == [("Camille R.", 18), ("Karim B.", 5)]
    assert screen.outcomes_chart.bars == [("Résolu sur place", 20), ("Orienté vers un partenaire", 3)]
    assert dict(screen.hours_chart.bars)["14 h – 15 h"] == 9
    assert sum(value for _, value in screen.weekdays_chart.bars) == 23
    partners = screen.tables["Partenaires"]
    assert [partners.item(0, column).text() for column in range(3)] == [caf, "14", f"61{NBSP}%"]
    assert not screen.places_chart.parentWidget().isVisibleTo(screen), "a fixed desk has one place"


def test_the_period_controls_switch_to_a_quarter_and_a_year(qtbot, desk) -> None:
    year = date.today().year - 2
    for month, count in ((3, 3), (5, 2), (11, 1)):
        for _ in range(count):
            add(desk, at(date(year, month, 10)), "naissance", ["caf"])
    _window, screen = summaries(qtbot, desk)
    screen.set_period(Period("month", year, 3))
    counted(qtbot, screen)
    assert screen.total_card.figure.text() == "3"
    assert screen.number.accessibleName() == "Mois" and screen.number.currentText() == "Mars"

    screen.kind.setFocus()
    qtbot.keyClick(screen.kind, Qt.Key.Key_Down)  # Mois → Trimestre, from the keyboard
    assert screen.period == Period("quarter", year, 1), "the quarter holding March"
    counted(qtbot, screen)
    assert screen.number.accessibleName() == "Trimestre"
    assert screen.total_card.figure.text() == "3"
    screen.number.setCurrentIndex(1)
    counted(qtbot, screen)
    assert screen.total_card.figure.text() == "2"
    assert f"2e trimestre {year}" in screen.subtitle.text()

    qtbot.keyClick(screen.kind, Qt.Key.Key_Down)  # Trimestre → Année
    assert screen.period == Period("year", year)
    assert not screen.number.isVisibleTo(screen)
    counted(qtbot, screen)
    assert screen.total_card.figure.text() == "6"
    assert screen.total_card.detail.text() == f"• aucun contact en {year - 1} pour comparer", "said once"
    screen.next_button.click()
    assert screen.period == Period("year", year + 1)
    counted(qtbot, screen)
    assert screen.total_card.figure.text() == "0"
    assert screen.partners_chart.accessibleDescription() == "Aucun contact sur la période."


def test_a_future_period_falls_back_to_the_latest_begun(qtbot, desk) -> None:
    _window, screen = summaries(qtbot, desk)
    screen.set_period(Period("year", date.today().year + 1))
    assert screen.period == Period("year", date.today().year)
    assert not screen.next_button.isEnabled()


def test_the_figures_are_counted_again_only_when_records_were_added(qtbot, desk) -> None:
    month = last_month_contacts(desk)
    window, screen = summaries(qtbot, desk)
    counted = screen.summary
    window.refresh()
    assert screen.summary is counted, "nothing new: the figures on screen stand"
    add(desk, at(month.start), "naissance", ["caf"])
    window.refresh()
    assert screen.calculating
    qtbot.waitUntil(lambda: screen.summary is not counted)
    assert screen.total_card.figure.text() == "24"


def test_the_pdf_export_holds_the_figures_on_screen(qtbot, desk, tmp_path: Path) -> None:
    month = last_month_contacts(desk)
    _window, screen = summaries(qtbot, desk)
    with qtbot.waitSignal(screen.exported) as ended:
        written = screen.export_pdf(tmp_path / "synthese")
        assert not screen.pdf_button.isEnabled(), "one export at a time"
    assert ended.args == [True] and screen.pdf_button.isEnabled()
    assert written == tmp_path / "synthese.pdf" and written.is_file()
    text = pdf_text(written)
    assert "23" in text
    assert month.label in text.lower()
    assert "Valserhône" in text
    assert str(written) in screen.export_notice.text()
    assert screen.export_notice.property("kind") == "ok"
    screen.previous_button.click()
    assert not screen.export_notice.isVisibleTo(screen), "the notice told of the other period's file"


def test_the_csv_export_writes_the_figures_and_the_anonymised_contacts(qtbot, desk, tmp_path: Path) -> None:
    last_month_contacts(desk)
    _window, screen = summaries(qtbot, desk)
    with qtbot.waitSignal(screen.exported):
        figures, contacts = screen.export_csv(tmp_path / "synthese.csv")
    assert figures == tmp_path / "synthese.csv"
    assert contacts == tmp_path / "synthese-contacts.csv"
    with figures.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert ["Contacts", "Total de la période", "23", ""] in rows
    with contacts.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle, delimiter=";"))) == 1 + 23
    notice = screen.export_notice.text()
    assert "« synthese.csv »" in notice and "« synthese-contacts.csv »" in notice
    assert "23 contacts anonymisés" in notice


def test_an_agent_reads_the_figures_but_cannot_export(qtbot, desk, tmp_path: Path) -> None:
    last_month_contacts(desk)
    window, screen = summaries(qtbot, desk)
    assert screen.pdf_button.isEnabled() and not screen.manager_notice.isVisibleTo(screen)
    index = window.agent_switch.findText("Karim B.")
    window.agent_switch.setCurrentIndex(index)
    window.agent_switch.activated.emit(index)
    counted(qtbot, screen)
    assert screen.total_card.figure.text() == "23", "the figures stay readable"
    assert not screen.pdf_button.isEnabled() and not screen.csv_button.isEnabled()
    assert screen.manager_notice.isVisibleTo(screen)
    assert "seul le responsable" in screen.manager_notice.text()
    assert screen.export_pdf(tmp_path / "synthese.pdf") is None
    assert screen.export_csv(tmp_path / "synthese.csv") is None
    assert list(tmp_path.glob("synthese*")) == []
    assert "Seul le responsable" in screen.export_notice.text()


def test_a_bus_sees_its_stops(qtbot, bus) -> None:
    month = Period.last_full_month(date.today())
    for place, count in (("Guise", 2), ("Étreux", 3)):
        for _ in range(count):
            add(bus, at(month.start + timedelta(days=1)), "naissance", ["caf"], place=place)
    _window, screen = summaries(qtbot, bus)
    assert screen.places_chart.parentWidget().isVisibleTo(screen)
    assert screen.places_chart.bars == [("Étreux", 3), ("Guise", 2)]
    places = screen.tables["Lieux"]
    assert [places.item(row, 0).text() for row in range(places.rowCount())] == ["Étreux", "Guise"]


# --- keyboard alone, named for screen readers, text at the system's size -------------------------------


def test_the_summaries_with_the_keyboard_alone(qtbot, desk, tmp_path: Path) -> None:
    month = last_month_contacts(desk)
    window = open_window(qtbot, desk)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)  # Synthèses
    screen = window.screen_named("Synthèses")
    qtbot.waitUntil(screen.isVisible)
    assert unnamed_controls(screen) == []

    keys.press(Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # &Période
    assert screen.kind.hasFocus()
    keys.press(Qt.Key.Key_Down)  # Mois → Trimestre
    quarter = Period.containing("quarter", month.start)
    assert screen.period == quarter
    keys.press(Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # période précédente
    qtbot.waitUntil(lambda: screen.period == quarter.previous())
    keys.press(Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # période suivante
    qtbot.waitUntil(lambda: screen.period == quarter)
    keys.press(Qt.Key.Key_Up)  # Trimestre → Mois
    assert screen.period.kind == "month"
    keys.press(Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # &Mois
    assert screen.number.hasFocus()
    while screen.period != month:
        assert screen.period.start > month.start, "earlier months are up the list"
        keys.press(Qt.Key.Key_Up)
    counted(qtbot, screen)
    assert screen.total_card.figure.text() == "23"

    tab_to(qtbot, screen.details.tabBar())
    keys.press(Qt.Key.Key_Right)  # Situations
    assert screen.details.currentWidget() is screen.tables["Situations"]
    assert unnamed_controls(screen) == []
    keys.press(Qt.Key.Key_Tab)
    assert screen.tables["Situations"].hasFocus()
    keys.press(Qt.Key.Key_Tab)  # a table lets Tab go on, it does not walk its cells
    assert not screen.tables["Situations"].hasFocus()

    target = tmp_path / "synthese.pdf"
    typed: list[bool] = []

    def in_the_file_dialog() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QFileDialog) or QApplication.activeWindow() is not box:
            QTimer.singleShot(10, in_the_file_dialog)
            return
        keys.press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        keys.type(str(target))
        keys.press(Qt.Key.Key_Return)
        typed.append(True)
        if box.isVisible():
            box.reject()  # never a test left hanging on a modal dialog

    QTimer.singleShot(0, in_the_file_dialog)
    keys.press(Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # Exporter en P&DF…
    qtbot.waitUntil(lambda: bool(typed))
    qtbot.waitUntil(lambda: screen.export_notice.text().startswith("✔ "))  # written in the background
    assert target.is_file()
    assert "réussie" in screen.export_notice.accessibleDescription()


def test_a_refused_export_says_so_with_a_symbol_not_only_in_red(qtbot, desk, tmp_path: Path) -> None:
    desk.workstation.set_current_agent(next(a.id for a in desk.workstation.agents() if a.name == "Karim B."))
    _window, screen = summaries(qtbot, desk)
    assert screen.export_pdf(tmp_path / "synthese.pdf") is None
    assert screen.export_notice.text().startswith("⚠ Seul le responsable")
    assert "problème" in screen.export_notice.accessibleDescription()


def test_the_bar_charts_grow_with_the_font(qtbot) -> None:
    chart = BarChart("Par canal")
    qtbot.addWidget(chart)
    note = "… et 12 autres : voir les chiffres exacts ci-dessous."
    chart.set_bars([("Sur place", 20), ("Téléphone", 3)], ["20  (87 %)", "3  (13 %)"], [note])
    normal = chart.sizeHint()
    font = QFont(chart.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    chart.setFont(font)
    large = chart.sizeHint()
    assert large.height() >= 1.8 * normal.height()
    assert large.width() >= 1.8 * normal.width()
    chart.resize(large)
    assert not chart.grab().isNull()
    narrow = chart.minimumSizeHint().width()
    assert chart.heightForWidth(narrow) > chart.heightForWidth(4 * narrow), "the note wraps, not cut"


def test_the_wheel_over_the_tabs_does_not_switch_tab(qtbot, desk) -> None:
    """Scrolling down Synthèses with the pointer over « Chiffres exacts » kept switching its tab; the
    bar now leaves the wheel to the page (a real wheel goes on to the scroll area: Qt propagates an
    event the bar ignores, though not a synthetic one, so the test checks that it is ignored)."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    _window, screen = summaries(qtbot, desk)
    bar = screen.details.tabBar()
    before = screen.details.currentIndex()
    spot = QPointF(bar.tabRect(0).center())
    for _ in range(3):
        wheel = QWheelEvent(
            spot,
            QPointF(bar.mapToGlobal(spot.toPoint())),
            QPoint(),
            QPoint(0, -120),  # one notch down
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(bar, wheel)
        assert not wheel.isAccepted()
    assert screen.details.currentIndex() == before


def test_a_change_rounding_to_nothing_reads_as_the_pdf_reads_it() -> None:
    """10 003 contacts after 10 000: « quasi stable » on the screen as in the PDF, not « +0,0 % »."""
    from app.ui.summaries_screen import _change_in_words

    october = Period("month", 2026, 10)
    assert _change_in_words(10_003, 10_000, october) == (
        "quasi stable par rapport à octobre 2026 (10\u202f000 contacts)"
    )
    assert _change_in_words(11_000, 10_000, october).startswith("+10\u00a0% par rapport")


def test_the_period_under_way_says_so_and_its_stock_is_today_s(qtbot, desk) -> None:
    """The screen, as the PDF and the CSV: « (période en cours) », the stock « au » today."""
    _window, screen = summaries(qtbot, desk)
    today = date.today()
    screen.set_period(Period("month", today.year, today.month))
    counted(qtbot, screen)
    assert "(période en cours)" in screen.subtitle.text()
    assert f"stock restant au {today:%d/%m/%Y}" in screen.pass_card.detail.text()
    screen.set_period(Period("month", today.year, today.month).previous())
    counted(qtbot, screen)
    assert "en cours" not in screen.subtitle.text()
    last_day = Period("month", today.year, today.month).previous().last_day
    assert f"stock restant au {last_day:%d/%m/%Y}" in screen.pass_card.detail.text()
