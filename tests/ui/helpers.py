"""Driving the real widgets as an agent would: keys go to whatever has the focus, and are counted."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


class Keyboard:
    """Every key or click sent through here counts as one user action."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.count = 0

    def press(self, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        self.qtbot.keyClick(widget, key, modifier)
        self.count += 1

    def type(self, text: str) -> None:
        for character in text:
            self.press(character)

    def click(self, button) -> None:
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.count += 1


def answer_next_message_box(button: QMessageBox.StandardButton) -> list[str]:
    """Click `button` in the modal message box that is about to open; the list returned then
    holds what the box said (its text and its informative text)."""
    said: list[str] = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            said.append(f"{box.text()}\n{box.informativeText()}")
            box.button(button).click()
        else:
            QTimer.singleShot(10, click)

    QTimer.singleShot(0, click)
    return said
