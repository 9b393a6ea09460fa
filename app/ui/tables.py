"""The read-only tables of lists kept by the workstation (stock, ledger, referents, places)."""

from PySide6.QtWidgets import QAbstractItemView, QTableWidget


def read_only_table(name: str, headers: list[str]) -> QTableWidget:
    """A table selected by whole rows, not editable in place, named for screen readers."""
    table = QTableWidget(0, len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    return table
