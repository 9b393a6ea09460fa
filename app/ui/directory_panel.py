"""A directory the responsable keeps: a table, a line to add an entry, remove, CSV in and out.

The referents (Paramètres) and the qualified places (Pass numérique) are both such a directory: one
panel, with what differs — the store, its error, the permission rule, the columns, the entry line
and the words — given by each (`referents_panel`, `places_panel`). Who may change it is the model's
rule (`app.models.permissions`), which the store enforces; the panel only follows it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.permissions import Rule
from app.models.workspace import Workspace
from app.ui.saving import save_or_say
from app.ui.tables import chosen_row, read_only_table


class DirectoryStore(Protocol):
    """What the panel asks of a directory's store (`ReferentStore`, `PlaceStore`); an entry is a
    frozen dataclass with an `id`."""

    def list(self) -> list[Any]: ...
    def save(self, entry: Any, /) -> Any: ...
    def delete(self, entry_id: int, /) -> None: ...
    def import_csv(self, path: Path, /) -> int: ...
    def export_csv(self) -> bytes: ...


@dataclass(frozen=True)
class DirectoryWords:
    """The words of one directory, in French."""

    table_name: str  # the table's accessible name
    table_description: str
    headers: Sequence[str]
    remove: str  # the remove button's caption
    remove_tip: str
    import_caption: str
    import_tip: str
    export_caption: str
    export_tip: str
    import_title: str  # the file dialog's title
    import_warning: str  # the title of a refused import's warning
    export_title: str
    export_file: str  # the suggested file name
    document: str  # what an export writes, for a failed one's message ("la liste des référents")
    unchanged: str  # after a refused import
    imported: Callable[[int], str]  # after an import of n entries


class DirectoryPanel(QWidget):
    """The shared panel; a directory subclasses it and builds its entry line (`_entry_layout`)."""

    changed = Signal()

    def __init__(
        self,
        workspace: Workspace,
        store: DirectoryStore,
        error: type[Exception],
        rule: Rule,
        words: DirectoryWords,
        title: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace, self.store, self.error, self.rule, self.words = workspace, store, error, rule, words
        self.table = read_only_table(words.table_name, list(words.headers), words.table_description)
        QShortcut(
            QKeySequence(Qt.Key.Key_Delete),
            self.table,
            self._remove,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self._add)
        self.remove_button = QPushButton(words.remove)
        self.remove_button.setToolTip(words.remove_tip)
        self.remove_button.clicked.connect(self._remove)
        self.import_button = QPushButton(words.import_caption)
        self.import_button.setToolTip(words.import_tip)
        self.import_button.clicked.connect(self._import)
        self.export_button = QPushButton(words.export_caption)
        self.export_button.setToolTip(words.export_tip)
        self.export_button.clicked.connect(self._export)
        self.notice = QLabel()
        self.notice.setObjectName("hint")
        self.notice.setWordWrap(True)
        actions = QHBoxLayout()
        for widget in (self.remove_button, self.import_button, self.export_button):
            actions.addWidget(widget)
        actions.addStretch(1)
        outer = QVBoxLayout(self)
        layout = outer
        if title:  # framed and titled among other settings
            box = QGroupBox(title)
            outer.setContentsMargins(0, 0, 0, 0)
            outer.addWidget(box)
            layout = QVBoxLayout(box)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._entry_layout())
        layout.addLayout(actions)
        layout.addWidget(self.notice)

    # --- what each directory gives -------------------------------------------------------------
    def _entry_layout(self) -> QLayout:
        """The fields of a new entry and `add_button`, laid out."""
        raise NotImplementedError

    def _fields(self) -> Sequence[QLineEdit]:
        """The typed fields: disabled for an agent who may not change the directory, cleared once
        their entry is added."""
        raise NotImplementedError

    def _entered(self) -> Any:
        """The entry the fields describe."""
        raise NotImplementedError

    def _cells(self, entry: Any) -> Sequence[str]:
        """An entry's row in the table."""
        raise NotImplementedError

    def _hint(self, entries: list[Any]) -> str:
        """What the notice says to someone who may change the directory."""
        return ""

    # --- the shared behaviour ----------------------------------------------------------------
    def refresh(self) -> None:
        why_not = self.workspace.workstation.refusal(self.rule)
        for widget in (self.add_button, self.remove_button, self.import_button, *self._fields()):
            widget.setEnabled(why_not is None)
        entries = self.store.list()
        self.notice.setText(why_not or self._hint(entries))
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            for column, text in enumerate(self._cells(entry)):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, entry.id)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()

    def _add(self) -> None:
        try:
            self.store.save(self._entered())
        except self.error as error:
            self.notice.setText(f"⚠ {error}")
            return
        for field in self._fields():
            field.clear()
        self.refresh()
        self.changed.emit()

    def _remove(self) -> None:
        row = chosen_row(self.table)
        if row is None:
            return
        item = self.table.item(row, 0)
        if item is None:
            return
        try:
            self.store.delete(item.data(Qt.ItemDataRole.UserRole))
        except self.error as error:  # only a responsable changes the structure's directory
            self.notice.setText(f"⚠ {error}")
            return
        self.refresh()
        self.changed.emit()

    def import_file(self, path: Path) -> None:
        try:
            count = self.store.import_csv(path)
        except self.error as error:
            QMessageBox.warning(self, self.words.import_warning, f"{error}\n\n{self.words.unchanged}")
            return
        self.refresh()
        self.notice.setText(self.words.imported(count))
        self.changed.emit()

    def _import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.words.import_title, str(Path.home()), "CSV (*.csv)")
        if name:
            self.import_file(Path(name))

    def _export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.words.export_title, str(Path.home() / self.words.export_file), "CSV (*.csv)"
        )
        if name:
            content = self.store.export_csv()
            save_or_say(self, self.words.document, Path(name), lambda path: path.write_bytes(content))
