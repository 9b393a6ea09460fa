"""A Qt table model over paged queries: the first page shows at once, more load while scrolling.

No row count is asked of SQLite, so the history stays instant at a million contacts.
"""

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.models.contacts import PAGE_SIZE, ContactFilter, ContactRow, ContactStore
from app.models.reference import Catalogue

Index = QModelIndex | QPersistentModelIndex

COLUMNS = (
    "Date",
    "Heure",
    "Situation",
    "Partenaire(s)",
    "Aide",
    "Canal",
    "Issue",
    "Durée",
    "Agent",
    "Poste",
    "Lieu",
    "Note",
)


class ContactsModel(QAbstractTableModel):
    def __init__(self, store: ContactStore, catalogue: Catalogue, where: ContactFilter | None = None) -> None:
        super().__init__()
        self.store = store
        self.catalogue = catalogue
        self.where = where or ContactFilter()
        self.rows: list[ContactRow] = []
        self.workstations: dict[str, str] = {}  # labels of the other workstations of the structure
        self._more = False  # empty until the screen showing it asks for a reload

    def set_filter(self, where: ContactFilter) -> None:
        self.where = where
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.workstations = self.store.workstation_labels()
        self.rows = self.store.page(self.where)
        self._more = len(self.rows) == PAGE_SIZE
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt signature
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt signature
        if not self.rows:
            return
        page = self.store.page(self.where, after=self.rows[-1].cursor)
        self._more = len(page) == PAGE_SIZE
        if page:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(page) - 1)
            self.rows.extend(page)
            self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,  # a header cut with "…" at a very large text size
        ):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        label = self.catalogue.label
        local = row.occurred_at.astimezone()
        values = (
            f"{local:%d/%m/%Y}",
            f"{local:%H:%M}",
            label("situations", row.situation),
            ", ".join(label("partners", p) for p in row.partners),
            label("help_kinds", row.help_kind),
            label("channels", row.channel),
            label("outcomes", row.outcome),
            f"{row.duration_minutes} min",
            row.agent,
            "ce poste" if row.origin is None else self.workstations.get(row.origin, "autre poste"),
            row.place,
            row.note if role == Qt.ItemDataRole.ToolTipRole else ("oui" if row.note else ""),
        )
        return values[index.column()]

    def row_id(self, row: int) -> str:
        return self.rows[row].id

    def describe(self, row: int) -> str:
        """ "du 04/12/2026 à 10:32 — Je déclare mes impôts (Finances publiques (DGFiP)), Karim B.":
        which contact, in the words of the list, for a confirmation."""
        contact, label = self.rows[row], self.catalogue.label
        local = contact.occurred_at.astimezone()
        partners = ", ".join(label("partners", p) for p in contact.partners)
        return (
            f"du {local:%d/%m/%Y} à {local:%H:%M} — {label('situations', contact.situation)}"
            f" ({partners}), {contact.agent}"
        )
