"""The read-only tables of lists kept by the workstation (stock, ledger, referents, places), what
the keyboard does in any list (Tab leaves it, Enter does what a double click does), and dialogs sized
by their text rather than in pixels, so that a larger system font gets a larger dialog."""

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabBar,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.ui.enter_key import on_enter
from app.ui.window_size import fit_to_screen

READ_ONLY_DESCRIPTION = "Tableau en lecture seule : les flèches parcourent les lignes, Tab passe à la suite."


def read_only_table(name: str, headers: list[str], description: str = "") -> QTableWidget:
    """A table selected by whole rows, not editable in place, named and described for screen readers.

    Tab leaves the table (it would otherwise walk its cells one by one, a trap for the keyboard)."""
    table = QTableWidget(0, len(headers))
    table.setAccessibleName(name)
    table.setAccessibleDescription(description or READ_ONLY_DESCRIPTION)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class TableDialog(QDialog):
    """A read-only table of text rows and a Close button: the histories (of the shared settings, of an
    escalation) that show every version, the one in force and the ones another rule outranked."""

    def __init__(
        self,
        title: str,
        headers: list[str],
        description: str,
        rows: Sequence[Sequence[str]],
        size: QSize,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.table = read_only_table(title, headers, description)
        self.table.setRowCount(len(rows))
        for row, cells in enumerate(rows):
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        fit_to_screen(self, size)


class _StillTabBar(QTabBar):
    """A tab bar the mouse wheel passes over: scrolling down a screen must not switch the tab under
    the pointer (the wheel goes on to the page, which scrolls)."""

    def wheelEvent(self, event) -> None:
        event.ignore()


class Tabs(QTabWidget):
    """A QTabWidget whose tabs change by a click or the keyboard, never by the mouse wheel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabBar(_StillTabBar(self))


def name_tabs(tabs: QTabWidget, name: str, description: str) -> None:
    """Name a tab widget and the tab bar Qt makes inside it, which the keyboard reaches on its own.

    Ctrl+Tab (or Ctrl+Page suivante) goes to the next tab from anywhere inside."""
    tabs.setAccessibleName(name)
    tabs.setAccessibleDescription(description)
    bar = tabs.tabBar()
    bar.setAccessibleName(f"Onglets : {name}")
    bar.setAccessibleDescription(
        f"{description} Les flèches gauche et droite changent d'onglet ; Ctrl+Tab aussi, depuis l'onglet."
    )
    # The arrows Qt shows when the tabs do not fit (a large font): for the mouse, in French; the
    # keyboard has the arrow keys, so Tab does not stop on them.
    for button in bar.findChildren(QToolButton):
        left = "Left" in button.objectName()
        button.setAccessibleName("Onglets précédents" if left else "Onglets suivants")
        button.setToolTip("Fait défiler les onglets vers la " + ("gauche" if left else "droite") + ".")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)


def on_row_enter(view: QAbstractItemView, action: Callable[[QModelIndex], None]) -> None:
    """Run `action` on the current row when Enter is pressed in `view` (what a double click does),
    and let no one else see that Enter: a dialog's default button does not fire behind it.
    Ctrl+Enter and other combinations go on to the window's shortcuts."""

    def activate_current() -> None:
        if view.currentIndex().isValid():
            action(view.currentIndex())

    on_enter(view, activate_current)


def chosen_row(view: QAbstractItemView) -> int | None:
    """The row the agent chose: the selected one, or else the one the keyboard is on (Tab into a
    table puts the cursor on its first row without selecting it); None in an empty table."""
    rows = view.selectionModel().selectedRows()
    if rows:
        return rows[0].row()
    current = view.currentIndex()
    return current.row() if current.isValid() else None


def fit_to_text(window: QWidget, characters: int, least: QSize) -> None:
    """Size `window` `characters` average characters wide (never under `least`), and tall enough for
    its wrapped text at that width: at a larger font, a larger window rather than clipped lines."""
    window.ensurePolished()  # the style sheet's font, which the sizes below are measured in
    width = max(least.width(), window.fontMetrics().averageCharWidth() * characters)
    height = max(least.height(), window.heightForWidth(width), window.sizeHint().height())
    fit_to_screen(window, QSize(width, height))


class _WrappingDelegate(QStyledItemDelegate):
    """Measures an item at the width its column really has: QTreeView asks for row heights without
    a width, so long items stay on one line, cut with "…", however the tree is sized."""

    def __init__(self, tree: QTreeView) -> None:
        super().__init__(tree)
        self.tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        tree = self.tree
        width = tree.viewport().width() - tree.indentation() * (depth + int(tree.rootIsDecorated()))
        if index.data(Qt.ItemDataRole.CheckStateRole) is not None:  # the box before the text
            width -= tree.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) * 2
        measured = QStyleOptionViewItem(option)
        measured.rect.setRect(0, 0, max(width, 1), 1)
        return super().sizeHint(measured, index)


class _RelayoutOnResize(QObject):
    def __init__(self, tree: QTreeView) -> None:
        super().__init__(tree)
        self.tree = tree
        self.width = -1

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.tree.viewport().width() != self.width:
            self.width = self.tree.viewport().width()
            self.tree.doItemsLayout()  # the rows measured again at the new width
        return False


def wrap_long_items(tree: QTreeView) -> None:
    """Long items of `tree` wrap onto as many lines as they need, at any font size and tree width,
    rather than being cut: what is read on screen is the whole step."""
    tree.setWordWrap(True)
    tree.setUniformRowHeights(False)
    tree.setTextElideMode(Qt.TextElideMode.ElideNone)
    tree.setItemDelegate(_WrappingDelegate(tree))
    tree.viewport().installEventFilter(_RelayoutOnResize(tree))


class _LinesTall(QObject):
    def __init__(self, widget: QWidget, minimum: int | None, maximum: int | None) -> None:
        super().__init__(widget)
        self.widget, self.minimum, self.maximum = widget, minimum, maximum
        self.apply()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Polish, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.apply()
        return False

    def apply(self) -> None:
        line = self.widget.fontMetrics().lineSpacing()
        if self.minimum is not None:
            self.widget.setMinimumHeight(line * self.minimum)
        if self.maximum is not None:
            self.widget.setMaximumHeight(line * self.maximum)


def height_in_lines(widget: QWidget, minimum: int | None = None, maximum: int | None = None) -> None:
    """Keep `widget` between `minimum` and `maximum` lines of its own font tall, measured again
    whenever that font changes (Paramètres › Affichage changes the text size of open windows)."""
    widget.installEventFilter(_LinesTall(widget, minimum, maximum))
