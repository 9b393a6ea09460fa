"""The display: standard or high-contrast theme, text sized from the system's font and the agent's choice.

Why a template rather than a fixed stylesheet: fixed point sizes ignore the size the agent set for
the whole system (the first thing a person with poor sight changes), and a user factor on top of
them could only be had by editing every size. The stylesheets in `resources/` write sizes as
multiples of the base text size; they are rendered here once the system's font size is known:

- `@size(1.55)`: a font size, 1.55 times the base text size (in pt);
- `@len(0.5)`: a length (padding), half the base text size (in px), so that spacing grows with the text.

The base text size is the system's font size (the application font, which a stylesheet never
changes) times the "Taille du texte" chosen in Paramètres › Affichage.
"""

import re
from typing import TypeGuard, TypeVar

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QRegion
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QRadioButton,
    QSplitter,
    QWidget,
)

from app.models.workstation import TEXT_SCALES, THEMES
from app.paths import resources_dir

FILES = {"standard": "style.qss", "contraste-eleve": "high-contrast.qss"}
RING_COLOURS = {"standard": QColor("#fe7a00"), "contraste-eleve": QColor("#00ffff")}
PIXELS_PER_POINT = 96 / 72  # Qt's logical DPI; high-DPI screens are scaled by Qt itself
_SIZE = re.compile(r"@size\(([0-9.]+)\)")
_LENGTH = re.compile(r"@len\(([0-9.]+)\)")


def system_point_size(app: QApplication) -> float:
    """The system's text size in points: the application font, untouched by any stylesheet."""
    font = app.font()
    if font.pointSizeF() > 0:
        return font.pointSizeF()
    if font.pixelSize() > 0:  # some platforms give the size in pixels only
        return font.pixelSize() / PIXELS_PER_POINT
    return 9.0


def render(template: str, base_points: float) -> str:
    """The stylesheet with every `@size(k)` and `@len(k)` resolved for a base text size."""
    text = _SIZE.sub(lambda match: f"{round(base_points * float(match[1]), 1):g}pt", template)
    return _LENGTH.sub(
        lambda match: f"{max(1, round(base_points * PIXELS_PER_POINT * float(match[1])))}px", text
    )


def stylesheet(theme: str, text_scale: int, system_points: float) -> str:
    template = (resources_dir() / FILES[theme]).read_text(encoding="utf-8")
    return render(template, system_points * text_scale / 100)


def high_contrast_palette() -> QPalette:
    """For what Qt's style draws itself (check marks, arrows, scroll bars, calendars): black, white, yellow."""
    black, white, yellow, grey = QColor("#000000"), QColor("#ffffff"), QColor("#ffff00"), QColor("#c0c0c0")
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, black),
        (roles.WindowText, white),
        (roles.Base, black),
        (roles.AlternateBase, QColor("#1c1c1c")),
        (roles.Text, white),
        (roles.Button, black),
        (roles.ButtonText, white),
        (roles.BrightText, yellow),
        (roles.Highlight, yellow),
        (roles.HighlightedText, black),
        (roles.Link, yellow),
        (roles.LinkVisited, yellow),
        (roles.ToolTipBase, black),
        (roles.ToolTipText, white),
        (roles.PlaceholderText, grey),
        (roles.Light, white),
        (roles.Midlight, grey),
        (roles.Mid, grey),
        (roles.Dark, white),
        (roles.Shadow, white),
    ):
        palette.setColor(role, colour)
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(disabled, role, grey)
    return palette


def apply_display(app: QApplication, theme: str, text_scale: int) -> None:
    """Apply at once, to every open window: the theme's colours and the text size.

    The high-contrast theme also switches to the Fusion style, which draws everything from the
    palette (the Windows styles keep some light surfaces); the standard theme puts back the style
    and palette the application started with.
    """
    if theme not in THEMES or text_scale not in TEXT_SCALES:
        theme, text_scale = "standard", 100
    original = app.property("originalStyle")
    if original is None:  # the first time, before any stylesheet: the style then says its name
        original = app.style().name() or "fusion"
        app.setProperty("originalStyle", original)
        app.setProperty("baseStyle", original)
    wanted = "fusion" if theme == "contraste-eleve" else str(original)
    if str(app.property("baseStyle")).lower() != wanted.lower():  # under a stylesheet, style().name() is ""
        app.setStyle(wanted)
        app.setProperty("baseStyle", wanted)
    if theme == "contraste-eleve":
        app.setPalette(high_contrast_palette())
    elif app.property("displayTheme") == "contraste-eleve":
        app.setPalette(QPalette())  # an empty palette resolves to the system's
    app.setProperty("displayTheme", theme)  # for widgets that paint themselves (charts)
    app.setStyleSheet(stylesheet(theme, text_scale, system_point_size(app)))
    focus_ring(app).set_colour(RING_COLOURS[theme])


def focus_ring(app: QApplication) -> "FocusRingFollower":
    """The application's one focus ring, made on first use."""
    follower = app.findChild(FocusRingFollower)
    if follower is None:
        follower = FocusRingFollower(app)
    return follower


class FocusRing(QWidget):
    """A thick frame drawn around the control that has the keyboard focus, over its edge.

    Why not the stylesheet's `:focus`: giving a combo box or a spin box a border in a stylesheet
    makes Qt draw the whole control itself, and its arrows disappear; the styles' own focus marks
    are a dotted line or a faint tint. The ring is a sibling of the control, above it, so it moves
    and scrolls with it, and lets the mouse through.
    """

    OUTSIDE = 3  # px around the control, and one more over its edge
    INSIDE = 1

    def __init__(self, colour: QColor) -> None:
        super().__init__()
        self.colour = colour
        self.setObjectName("focusRing")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setAccessibleName("Contour du focus")  # never announced: it takes no focus

    def paintEvent(self, _event) -> None:
        QPainter(self).fillRect(self.rect(), self.colour)  # the mask leaves only the ring

    def surround(self, target: QWidget) -> None:
        margin, width = self.OUTSIDE, self.OUTSIDE + self.INSIDE
        area = target.geometry()
        if isinstance(target, (QCheckBox, QRadioButton)):  # hug the box and its text, not the whole row
            area.setWidth(min(area.width(), target.sizeHint().width()))
        self.setGeometry(area.adjusted(-margin, -margin, margin, margin))
        inner = self.rect().adjusted(width, width, -width, -width)
        self.setMask(QRegion(self.rect()).subtracted(QRegion(inner)))
        self.raise_()
        self.show()


_Widget = TypeVar("_Widget", bound=QWidget)


class FocusRingFollower(QObject):
    """Moves the ring to whatever control gets the focus, in any window of the application."""

    FOLLOWED = (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.ZOrderChange)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.colour = RING_COLOURS["standard"]
        self.ring: FocusRing | None = None
        self.target: QWidget | None = None
        app.focusChanged.connect(self._focus_changed)

    def set_colour(self, colour: QColor) -> None:
        self.colour = colour
        if self._alive(self.ring):
            self.ring.colour = colour
            self.ring.update()

    @staticmethod
    def _alive(widget: _Widget | None) -> TypeGuard[_Widget]:
        return widget is not None and shiboken6.isValid(widget)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._alive(self.target):
            self.target.removeEventFilter(self)
        self.target = None
        if new is not None and isinstance(new.parentWidget(), (QAbstractSpinBox, QComboBox)):
            new = new.parentWidget()  # the line edit inside: ring the whole control
        if (
            new is None
            or new.isWindow()
            or new.parentWidget() is None
            or isinstance(new.parentWidget(), QSplitter)  # it would take the ring for a new pane
            or new.window().windowType() == Qt.WindowType.Popup  # a combo box's list: the selection shows
        ):
            self._hide()
            return
        self.target = new
        if not self._alive(self.ring):  # deleted with the parent it had (a closed dialog)
            self.ring = FocusRing(self.colour)
        if self.ring.parentWidget() is not new.parentWidget():
            self.ring.setParent(new.parentWidget())
        new.installEventFilter(self)
        self._place()

    def _hide(self) -> None:
        if self._alive(self.ring):
            self.ring.hide()

    def _place(self) -> None:
        if self._alive(self.target) and self.target.isVisible() and self._alive(self.ring):
            self.ring.surround(self.target)
        else:
            self._hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.target:
            if event.type() == QEvent.Type.Hide:
                self._hide()
            elif event.type() in self.FOLLOWED:
                self._place()
        return False
