"""Labelled horizontal bars with their numbers, painted by hand.

QtCharts would do it too, but it is heavy to load for a few bars; and the number written beside each
bar means nothing is told by colour or length alone (for readers who cannot see either).
"""

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QSizePolicy, QToolTip, QWidget

BAR = QColor("#6a6af4")  # DSFR "bleu France" 625: lighter than the titles, so the dark numbers stand out
TRACK = QColor("#eeeef8")
TEXT = QColor("#161616")
QUIET = QColor("#555555")
# The high-contrast theme puts the cards on black: white text, yellow bars on a dark grey track.
HIGH_CONTRAST = {
    "bar": QColor("#ffff00"),
    "track": QColor("#3a3a3a"),
    "text": QColor("#ffffff"),
    "quiet": QColor("#c0c0c0"),
}
STANDARD = {"bar": BAR, "track": TRACK, "text": TEXT, "quiet": QUIET}


def _colours() -> dict[str, QColor]:
    """The chart's colours for the theme on screen (app/ui/theme.py sets `displayTheme`)."""
    app = QApplication.instance()
    high = app is not None and app.property("displayTheme") == "contraste-eleve"
    return HIGH_CONTRAST if high else STANDARD


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
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)  # a note wraps onto more lines in a narrower chart
        self.setSizePolicy(policy)

    def set_bars(
        self, bars: list[tuple[str, int]], values: list[str], notes: list[str] | None = None
    ) -> None:
        """Show `bars` in the given order, `values[i]` written after bar i; `notes` under them all."""
        self.bars, self.values, self.notes = list(bars), list(values), list(notes or [])
        described = "; ".join(f"{label} : {value}" for (label, _), value in zip(bars, values, strict=True))
        self.setAccessibleDescription(" ".join([f"{described}.", *self.notes]) if bars else self.empty_text)
        self.updateGeometry()
        self.update()

    # --- geometry: every length follows the font, so a larger system font makes a larger chart ----
    def _margin(self) -> int:
        """Around the chart and between a label, its bar and its number: half a line."""
        return max(self.fontMetrics().height() // 2, 4)

    def _title_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _row_height(self) -> int:
        return self.fontMetrics().height() + self._margin()

    def _title_height(self) -> int:
        return QFontMetrics(self._title_font()).height() + self._margin()

    def _note_font(self) -> QFont:
        font = QFont(self.font())
        font.setItalic(True)
        return font

    def _note_heights(self, width: int) -> list[int]:
        """Each note's height when wrapped to `width` (the chart's width): a line or more."""
        metrics = QFontMetrics(self._note_font())
        room = QRect(0, 0, max(width - 2 * self._margin(), 1), 100_000)
        return [
            max(self._row_height(), metrics.boundingRect(room, Qt.TextFlag.TextWordWrap, note).height())
            for note in self.notes
        ]

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows = max(len(self.bars), 1)
        return (
            2 * self._margin()
            + self._title_height()
            + rows * self._row_height()
            + sum(self._note_heights(width))
        )

    def sizeHint(self) -> QSize:
        width = self.fontMetrics().averageCharWidth() * 50
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        width = self.fontMetrics().averageCharWidth() * 30
        return QSize(width, self.heightForWidth(width))

    def _label_width(self) -> int:
        """As wide as the longest label, but never more than 55 % of the chart: long ones are elided."""
        metrics = self.fontMetrics()
        widest = max(
            (metrics.horizontalAdvance(label) + 2 for label, _ in self.bars), default=0
        )  # + rounding
        return min(widest, int(0.55 * (self.width() - 2 * self._margin())))

    def _row_at(self, y: int) -> int | None:
        row = (y - self._margin() - self._title_height()) // self._row_height()
        return row if 0 <= row < len(self.bars) else None

    # --- painting -----------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colours = _colours()
        metrics = self.fontMetrics()
        margin = gap = self._margin()
        width = self.width() - 2 * margin
        painter.setFont(self._title_font())
        painter.setPen(colours["text"])
        title_rect = QRect(margin, margin, width, self._title_height())
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, self.title)
        painter.setFont(self.font())
        top = margin + self._title_height()
        row_height = self._row_height()
        if not self.bars:
            painter.setPen(colours["quiet"])
            painter.drawText(
                QRect(margin, top, width, row_height), Qt.AlignmentFlag.AlignVCenter, self.empty_text
            )
            return
        label_width = self._label_width()
        value_width = max(metrics.horizontalAdvance(value) for value in self.values)
        bar_left = margin + label_width + gap
        room = max(width - label_width - gap - gap - value_width, metrics.averageCharWidth())
        largest = max(value for _, value in self.bars) or 1
        for row, ((label, value), text) in enumerate(zip(self.bars, self.values, strict=True)):
            y = top + row * row_height
            painter.setPen(colours["text"])
            shown = metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_width)
            painter.drawText(
                QRect(margin, y, label_width, row_height),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                shown,
            )
            inset = max(row_height // 8, 2)
            bar_top, bar_height = y + inset, row_height - 2 * inset
            painter.fillRect(QRect(bar_left, bar_top, room, bar_height), colours["track"])
            length = max(round(room * value / largest), 2 if value else 0)
            painter.fillRect(QRect(bar_left, bar_top, length, bar_height), colours["bar"])
            painter.drawText(
                QRect(bar_left + length + gap // 2, y, value_width + gap, row_height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        painter.setFont(self._note_font())
        painter.setPen(colours["quiet"])
        y = top + len(self.bars) * row_height
        for note, height in zip(self.notes, self._note_heights(self.width()), strict=True):
            painter.drawText(
                QRect(margin, y, width, height),
                Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap,
                note,
            )
            y += height

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
