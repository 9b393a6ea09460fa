"""Labelled horizontal bars with their numbers, painted by hand.

QtCharts would do it too, but it is heavy to load for a few bars; and the number written beside each
bar means nothing is told by colour or length alone (for readers who cannot see either).
"""

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

BAR = QColor("#6a6af4")  # DSFR "bleu France" 625: lighter than the titles, so the dark numbers stand out
TRACK = QColor("#eeeef8")
TEXT = QColor("#161616")
QUIET = QColor("#555555")
MARGIN = 8
GAP = 8


class BarChart(QWidget):
    """A titled list of `(label, value)` rows, each drawn as a bar with its value written after it."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.bars: list[tuple[str, int]] = []
        self.values: list[str] = []  # the text written after each bar
        self.notes: list[str] = []  # grey lines under the bars ("… et 12 autres : voir le tableau")
        self.empty_text = "Aucun contact sur la période."
        self.setAccessibleName(title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bars(
        self, bars: list[tuple[str, int]], values: list[str], notes: list[str] | None = None
    ) -> None:
        """Show `bars` in the given order, `values[i]` written after bar i; `notes` under them all."""
        self.bars, self.values, self.notes = list(bars), list(values), list(notes or [])
        described = "; ".join(f"{label} : {value}" for (label, _), value in zip(bars, values, strict=True))
        self.setAccessibleDescription(" ".join([f"{described}.", *self.notes]) if bars else self.empty_text)
        self.updateGeometry()
        self.update()

    # --- geometry -----------------------------------------------------------------------------
    def _title_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _row_height(self) -> int:
        return self.fontMetrics().height() + 8

    def _title_height(self) -> int:
        return QFontMetrics(self._title_font()).height() + 8

    def sizeHint(self) -> QSize:
        rows = max(len(self.bars), 1) + len(self.notes)
        return QSize(420, 2 * MARGIN + self._title_height() + rows * self._row_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(260, self.sizeHint().height())

    def _label_width(self) -> int:
        """As wide as the longest label, but never more than 55 % of the chart: long ones are elided."""
        metrics = self.fontMetrics()
        widest = max(
            (metrics.horizontalAdvance(label) + 2 for label, _ in self.bars), default=0
        )  # + rounding
        return min(widest, int(0.55 * (self.width() - 2 * MARGIN)))

    def _row_at(self, y: int) -> int | None:
        row = (y - MARGIN - self._title_height()) // self._row_height()
        return row if 0 <= row < len(self.bars) else None

    # --- painting -----------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        width = self.width() - 2 * MARGIN
        painter.setFont(self._title_font())
        painter.setPen(TEXT)
        title_rect = QRect(MARGIN, MARGIN, width, self._title_height())
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, self.title)
        painter.setFont(self.font())
        top = MARGIN + self._title_height()
        row_height = self._row_height()
        if not self.bars:
            painter.setPen(QUIET)
            painter.drawText(
                QRect(MARGIN, top, width, row_height), Qt.AlignmentFlag.AlignVCenter, self.empty_text
            )
            return
        label_width = self._label_width()
        value_width = max(metrics.horizontalAdvance(value) for value in self.values)
        bar_left = MARGIN + label_width + GAP
        room = max(width - label_width - GAP - GAP - value_width, 10)
        largest = max(value for _, value in self.bars) or 1
        for row, ((label, value), text) in enumerate(zip(self.bars, self.values, strict=True)):
            y = top + row * row_height
            painter.setPen(TEXT)
            shown = metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_width)
            painter.drawText(
                QRect(MARGIN, y, label_width, row_height),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                shown,
            )
            bar_top, bar_height = y + 3, row_height - 6
            painter.fillRect(QRect(bar_left, bar_top, room, bar_height), TRACK)
            length = max(round(room * value / largest), 2 if value else 0)
            painter.fillRect(QRect(bar_left, bar_top, length, bar_height), BAR)
            painter.drawText(
                QRect(bar_left + length + GAP // 2, y, value_width + GAP, row_height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        font = QFont(self.font())
        font.setItalic(True)
        painter.setFont(font)
        painter.setPen(QUIET)
        for line, note in enumerate(self.notes, start=len(self.bars)):
            painter.drawText(
                QRect(MARGIN, top + line * row_height, width, row_height), Qt.AlignmentFlag.AlignVCenter, note
            )

    def event(self, event) -> bool:
        """The full label and number of the bar under the mouse, as elided labels lose their end."""
        if event.type() == event.Type.ToolTip:
            row = self._row_at(event.pos().y())
            if row is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), f"{self.bars[row][0]} : {self.values[row]}", self)
            return True
        return super().event(event)
