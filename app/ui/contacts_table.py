"""The table of contacts that Accueil (today's) and the Contacts screen (the history) both show.

In a module of its own, with no other screen's code: Accueil is the first screen, and what it
imports is loaded before the window appears (bench/startup.py)."""

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from app.ui.contacts_model import ContactsModel


def share_width(
    available: int, wanted: Sequence[int], least: Sequence[int], weights: Sequence[float] | None = None
) -> list[int]:
    """Column widths within `available` pixels: each column's `wanted` width when they all fit;
    otherwise the widest give way first, cut to one common width times their weight (the largest
    that fits): a heavier column keeps more room, the short ones stay whole. Never under `least`:
    when even that does not fit, the columns add up to more than `available` and the table scrolls."""
    weights = weights or [1.0] * len(wanted)
    widest = [max(want, low) for want, low in zip(wanted, least, strict=True)]

    def capped(cap: int) -> list[int]:
        return [
            max(low, min(wide, int(cap * weight)))
            for wide, low, weight in zip(widest, least, weights, strict=True)
        ]

    if sum(widest) <= available:
        return widest
    low, high = 0, int(max(widest) / min(weights)) + 1  # capped(low) fits (or nothing does), high not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if sum(capped(middle)) <= available else (low, middle)
    return capped(low)


class ContactsTable(QTableView):
    """A read-only table of contacts; the arrows move inside it, Tab leaves it (no keyboard trap).

    Every column fits the table's width, so nothing hides past the right edge of a small screen
    (1366 × 768): sized in characters of its font (again whenever the text size changes in
    Paramètres › Affichage, rather than in pixels that would clip a larger text), the long texts
    give way first (the situation and the partners less than the others), cut with "…" and shown
    whole in their tooltip. Headers stay whole while they can; at a very large text size they are
    cut too (their tooltip names them), and only when even that does not fit does the table scroll
    sideways."""

    # Date, time, situation, partners, help, channel, outcome, duration, agent, workstation, place,
    # note: (wanted in characters; least, in characters or a text that must show whole; weight, how
    # much room it keeps when the width is short: the situation and the partners say the most).
    COLUMNS: tuple[tuple[int, int | str, float], ...] = (
        (11, "30/12/2026", 1),
        (6, "23:59", 1),
        (28, 10, 2),
        (24, 10, 1.5),
        (21, 6, 1),
        (10, 6, 1),
        (16, 6, 1),
        (8, "120 min", 1),
        (11, 7, 1),
        (11, 8, 1),  # "ce poste"
        (12, 7, 1),
        (5, 3, 1),
    )

    def __init__(self, model: ContactsModel, name: str) -> None:
        super().__init__()
        self.setModel(model)
        self.setAccessibleName(name)
        self.setTabKeyNavigation(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._fitted_to = (0, 0)
        # The viewport's width, from its resize events (the first comes as the table is shown,
        # which fits it): asking `viewport()` for it would make Python's view of that widget, for
        # which PySide6 first builds every widget class it has (~10 ms of start-up, bench/startup.py).
        self._viewport_width = 0
        model.modelReset.connect(self._fit_to_rows)

    def _fit_to_rows(self) -> None:
        """New rows (a filter, a change): the widths follow what they hold."""
        self._fitted_to = (0, 0)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Share the table's width out among the columns, unless neither the width nor the text
        size changed since last time: the agent's own column widths stay until then. Nothing to
        share before the table is first laid out."""
        available = self._viewport_width
        if not available:
            return
        self.ensurePolished()  # the style sheet's text size, which the widths are counted in
        character = self.fontMetrics().averageCharWidth()  # the text size, in one number
        if (character, available) == self._fitted_to:
            return
        self._fitted_to = (character, available)
        header = self.horizontalHeader()
        # What the rows shown need (padding of the style sheet included): the room left once every
        # column has it goes to the note (the last, stretched), never the note wide and a date cut.
        content = [self.sizeHintForColumn(column) for column in range(len(self.COLUMNS) - 1)] + [0]
        wanted = [
            max((characters + 1) * character, needed)
            for (characters, _, _), needed in zip(self.COLUMNS, content, strict=True)
        ]
        metrics = self.fontMetrics()
        least = [
            max(metrics.horizontalAdvance(low) + character, needed)  # never cut: the date, the time…
            if isinstance(low, str)
            else (low + 1) * character
            for (_, low, _), needed in zip(self.COLUMNS, content, strict=True)
        ]
        headed = [
            max(low, header.sectionSizeFromContents(column).width()) for column, low in enumerate(least)
        ]
        if sum(headed) <= available:  # whole headers whenever they fit; else cut, in their tooltip
            least = headed
        weights = [weight for _, _, weight in self.COLUMNS]
        for column, width in enumerate(share_width(available, wanted, least, weights)):
            self.setColumnWidth(column, width)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit_columns()

    def viewportEvent(self, event: QEvent) -> bool:
        if isinstance(event, QResizeEvent):  # the window, or the vertical scroll bar appearing
            self._viewport_width = event.size().width()
            self.fit_columns()
        return super().viewportEvent(event)
