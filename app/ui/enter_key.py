"""Enter in a small entry field adds what was typed, instead of pressing the dialog's default button."""

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit


class _EnterFilter(QObject):
    def __init__(self, edit: QLineEdit, action: Callable[[], None]) -> None:
        super().__init__(edit)
        self.action = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.action()
            return True
        return False


def on_enter(edit: QLineEdit, action: Callable[[], None]) -> None:
    """Run `action` when Enter is pressed in `edit`, and let no one else see that Enter."""
    edit.installEventFilter(_EnterFilter(edit, action))
