"""Type-ahead choice in a list: type a few letters, Enter picks the highlighted entry.

An inline list rather than a QCompleter popup: the agent sees the candidates at once, the model
decides what matches (accents and case ignored), and the Enter that picks an entry is consumed
here so that the next Enter saves the form. Subclasses say what matches and what a key names.
"""

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.ui.tables import height_in_lines

LIST_LINES = 7  # rows of choices in view, at every text size


class TypeAheadPicker(QWidget):
    chosen = Signal(object)  # the chosen entry, or None when the text no longer names it

    def __init__(self, parent: QWidget | None = None, *, list_only_while_typing: bool = False) -> None:
        """`list_only_while_typing`: the list shows only while there is something to choose from,
        for an optional field that must not take the form's room."""
        super().__init__(parent)
        self.value: Any = None
        self._label = ""
        self._only_while_typing = list_only_while_typing
        self.edit = QLineEdit()
        self.edit.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # driven from the entry field: ↑ ↓ Entrée
        height_in_lines(self.list, maximum=LIST_LINES)  # 150 px showed 4 rows at 150 % text
        self.list.itemClicked.connect(self._choose_item)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        # A label's buddy shortcut (Alt+letter) focuses the entry field: a label only gives focus to
        # a buddy that accepts some, and Tab still goes straight to the field.
        self.setFocusProxy(self.edit)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.edit.textEdited.connect(self._filter)
        self.edit.installEventFilter(self)

    def matches(self, text: str) -> list[tuple[str, str, str]]:
        """(label, key, tooltip) of the entries matching `text`, best first."""
        raise NotImplementedError

    def entry(self, key: str) -> tuple[Any, str]:
        """The entry `key` names and its label."""
        raise NotImplementedError

    def _filter(self, text: str) -> None:
        if self.value is not None and text != self._label:
            self.value = None
            self.chosen.emit(None)
        self.list.clear()
        for label, key, tooltip in self.matches(text):
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(tooltip)
            self.list.addItem(item)
        if self.list.count() and text.strip():
            self.list.setCurrentRow(0)  # nothing typed yet: Enter must not pick the first by chance
        self._show_list()

    def _show_list(self) -> None:
        if self._only_while_typing:
            self.list.setVisible(self.value is None and self.list.count() > 0)

    def select(self, key: str) -> None:
        self.value, self._label = self.entry(key)
        self.edit.setText(self._label)
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.list.setCurrentRow(row)
        self._show_list()
        self.chosen.emit(self.value)

    def clear(self) -> None:
        """Nothing chosen, nothing typed."""
        self.edit.clear()
        self._filter("")

    def _choose_item(self, item: QListWidgetItem) -> None:
        self.select(item.data(Qt.ItemDataRole.UserRole))
        self.edit.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.value is None:
                item = self.list.currentItem()
                if item is not None and not event.modifiers():
                    self._choose_item(item)
                    return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.list.count():
                step = 1 if key == Qt.Key.Key_Down else -1
                if self.value is not None:  # moving away from the chosen one: Enter picks anew
                    self.value = None
                    self.chosen.emit(None)
                    self._show_list()
                self.list.setCurrentRow(max(0, min(self.list.count() - 1, self.list.currentRow() + step)))
                return True
        return super().eventFilter(watched, event)
