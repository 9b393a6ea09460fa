"""The history's twelve columns fit a small screen's window (1366 × 768): nothing hides past the right
edge, at every text size of Paramètres › Affichage; long texts are cut with "…" and shown whole in
their tooltip; the headers are never cut."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QStyle

from app.models.demo import add_demo_contacts
from app.ui.contacts_table import share_width
from app.ui.theme import apply_display
from tests.ui.test_contact_form import open_window

SMALL_SCREEN = (1366, 768)
DESKTOP_POINTS = 10.0  # a usual desktop's text size (the offscreen platform has 9)


@pytest.mark.parametrize("scale", [100, 125, 150])
def test_every_column_of_the_history_is_inside_a_1366_by_768_window(qtbot, bus, display, scale) -> None:
    font = QFont(display.font())
    font.setPointSizeF(DESKTOP_POINTS)
    display.setFont(font)
    apply_display(display, "standard", scale)
    add_demo_contacts(bus, 80, days=3, seed=14)
    window = open_window(qtbot, bus)
    window.resize(*SMALL_SCREEN)
    window.nav.setCurrentRow(2)
    table = window.history.table
    qtbot.waitUntil(lambda: table.model().rowCount() > 0 and table.verticalScrollBar().isVisible())
    assert window.width() <= SMALL_SCREEN[0]

    header, model = table.horizontalHeader(), table.model()
    last = model.columnCount() - 1
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()
    for column in range(model.columnCount()):
        title = model.headerData(column, Qt.Orientation.Horizontal)
        if scale < 150:  # whole headers; at 150 % some are cut, and say themselves in their tooltip
            assert header.sectionSize(column) >= header.sectionSizeFromContents(column).width(), title
        assert model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == title
    margins = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
    for column, text in ((0, "30/12/2026"), (1, "23:59"), (7, "120 min")):  # never cut
        assert table.columnWidth(column) >= table.fontMetrics().horizontalAdvance(text) + margins, text

    # A cut text is there whole in its tooltip.
    situation = model.index(0, 2)
    shown = model.data(situation)
    assert model.data(situation, Qt.ItemDataRole.ToolTipRole) == shown


def test_accueils_table_fits_its_width_when_shown_and_when_the_window_narrows(qtbot, bus, display) -> None:
    """Accueil's table takes its width from the viewport's resize events (start-up does not ask for
    the viewport, bench/startup.py): fitted as soon as the window shows, and again when it narrows."""
    apply_display(display, "standard", 100)
    window = open_window(qtbot, bus)
    table = window.home.table
    header, last = table.horizontalHeader(), table.model().columnCount() - 1

    def fitted() -> bool:
        return header.sectionViewportPosition(last) + header.sectionSize(last) <= table.viewport().width()

    for width in (SMALL_SCREEN[0], 1000):
        window.resize(width, SMALL_SCREEN[1])
        qtbot.waitUntil(lambda: fitted() and not table.horizontalScrollBar().isVisible())
        assert table.columnWidth(0) >= table.fontMetrics().horizontalAdvance("30/12/2026"), width


def test_the_width_is_taken_from_the_longest_columns_first() -> None:
    assert share_width(1000, [100, 300, 200], [100, 100, 100]) == [100, 300, 200]  # all fit
    assert share_width(500, [100, 300, 200], [100, 100, 100]) == [100, 200, 200]  # the longest gives way
    assert share_width(400, [100, 300, 200], [100, 100, 100]) == [100, 150, 150]  # then the next one too
    assert share_width(250, [100, 300, 200], [100, 100, 100]) == [100, 100, 100]  # too small: scrolls
    assert share_width(500, [80, 300], [100, 100]) == [100, 300]  # a header wider than wanted
    assert share_width(300, [80, 300], [100, 100]) == [100, 200]
    assert share_width(400, [300, 300], [50, 50], [2, 1]) == [266, 133]  # a heavier column keeps more


def test_on_a_wide_screen_no_column_is_cut_while_the_note_takes_the_room(qtbot, desk, display) -> None:
    """The note stretched over the room left while « Visioconférence » and the date were cut."""
    add_demo_contacts(desk, 80, days=3, seed=14)
    desk.contacts.add(
        {
            **desk.workstation.contact_defaults(),
            "situation": "naissance",
            "channel": "visio",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 5,
        }
    )
    window = open_window(qtbot, desk)
    window.resize(1920, 1040)
    window.nav.setCurrentRow(2)
    table = window.history.table
    qtbot.waitUntil(lambda: table.model().rowCount() > 0)
    for column, name in ((0, "Date"), (5, "Canal")):
        assert table.columnWidth(column) >= table.sizeHintForColumn(column), name
