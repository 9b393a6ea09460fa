"""Enter does the widget's own action: in a small entry field it adds what was typed, on a table row
it does what a double click does; and the dialog's default button does not fire behind it."""

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

_PLAIN = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)


class _EnterFilter(QObject):
    def __init__(self, widget: QWidget, action: Callable[[], None]) -> None:
        super().__init__(widget)
        self.action = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() in _PLAIN  # Ctrl+Enter and the like go on to the window's shortcuts
        ):
            self.action()
            return True
        return False


def on_enter(widget: QWidget, action: Callable[[], None]) -> None:
    """Run `action` when Enter is pressed in `widget`, and let no one else see that Enter."""
    widget.installEventFilter(_EnterFilter(widget, action))
