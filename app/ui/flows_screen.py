"""Parcours: the bouquet's themes and situations with search as you type, and the escalations."""

import itertools

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.database import utc_now
from app.models.escalations import DUE_SOON_TEXT
from app.models.workspace import Workspace
from app.ui.enter_key import on_enter
from app.ui.escalation_history import EscalationHistoryDialog
from app.ui.tables import READ_ONLY_DESCRIPTION, chosen_row

SITUATION_ROLE = Qt.ItemDataRole.UserRole
LATE_BACKGROUND = QColor(
    Qt.GlobalColor.yellow
)  # with "⚠ EN RETARD" written in the row: never the colour alone
LATE_TEXT = QColor("#161616")  # dark on the light background, whatever the system's palette


def escalation_warning(late: int, due_soon: int) -> str:
    """« ⚠ 2 sollicitations en retard ; 1 à échéance dans moins de 24 h », "" when neither."""
    parts = [f"⚠ {late} sollicitation{'s' if late > 1 else ''} en retard"] if late else []
    if due_soon:
        parts.append(f"{due_soon} {DUE_SOON_TEXT}")
    return " ; ".join(parts)


class FlowsScreen(QWidget):
    flow_requested = Signal(str)  # situation id
    changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.flows = workspace.flows
        title = QLabel("Parcours")
        title.setObjectName("screenTitle")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Rechercher une situation : déménage, impôts, carte grise, retraite…")
        self.search.setAccessibleName("Rechercher un parcours")
        self.search.setAccessibleDescription(
            "Tapez quelques lettres : la liste des situations se réduit ; Entrée ouvre la première trouvée."
        )
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        on_enter(self.search, self._open_first)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Situations de vie")
        self.tree.setAccessibleDescription(
            "Les situations, rangées par thème : les flèches choisissent, Entrée ouvre le parcours."
        )
        self.tree.itemActivated.connect(self._open_item)

        self.escalations = QTableWidget(0, 6)
        self.escalations.setAccessibleName("Sollicitations des référents")
        self.escalations.setAccessibleDescription(
            "Les sollicitations en cours ; une sollicitation en retard porte la mention « EN RETARD », "
            f"une qui le sera dans moins de 24 heures la mention « {DUE_SOON_TEXT} ». "
            + READ_ONLY_DESCRIPTION
        )
        self.escalations.setTabKeyNavigation(False)  # Tab goes on to the buttons, not from cell to cell
        self.escalations.setHorizontalHeaderLabels(
            ["Envoyée le", "Partenaire", "Situation", "Canal", "Statut", "Réponse attendue"]
        )
        self.escalations.verticalHeader().setVisible(False)
        self.escalations.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.escalations.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.escalations.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        answered = QPushButton("Marquer « &répondu »")
        answered.setToolTip("Le référent a répondu à la sollicitation choisie dans la liste (Alt+R).")
        answered.clicked.connect(lambda: self._set_status("repondu"))
        closed = QPushButton("C&lore")
        closed.setToolTip("Clore la sollicitation choisie dans la liste : elle n'est plus suivie (Alt+L).")
        closed.clicked.connect(lambda: self._set_status("clos"))
        history = QPushButton("&Historique…")
        history.setToolTip(
            "L'envoi et chaque changement de statut de la sollicitation choisie, sur tous les postes (Alt+H)."
        )
        history.clicked.connect(self._show_history)
        self.answered_button, self.close_button, self.history_button = answered, closed, history
        self.late_label = QLabel()
        self.late_label.setObjectName("lateWarning")
        self.late_label.setAccessibleName("Sollicitations en retard")
        actions = QHBoxLayout()
        actions.addWidget(self.late_label, 1)
        actions.addWidget(answered)
        actions.addWidget(closed)
        actions.addWidget(history)
        # The rule in a label that wraps, not in the box's title: a title is never wrapped, and this
        # one made the screen (so the main window) wider than a 1280 × 720 screen at 125 %.
        box = QGroupBox("Sollicitations des référents")
        deadlines = QLabel(
            "Réponse attendue sous 72 heures ouvrées, puis sous 15 jours ouvrés après chaque réponse."
        )
        deadlines.setWordWrap(True)
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(deadlines)
        box_layout.addWidget(self.escalations)
        box_layout.addLayout(actions)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 3)
        layout.addWidget(box, 2)
        for before, after in itertools.pairwise(
            (self.search, self.tree, self.escalations, answered, closed, history)
        ):
            QWidget.setTabOrder(before, after)
        self._filter("")

    def _filter(self, text: str) -> None:
        catalogue = self.workspace.catalogue
        found = [s for s in catalogue.find_situations(text) if s.id in self.flows]
        self.tree.clear()
        themes: dict[str | None, QTreeWidgetItem] = {}
        for theme_id, theme in catalogue.themes.items():
            members = [s for s in found if s.theme == theme_id]
            if not members:
                continue
            parent = QTreeWidgetItem([theme.label])
            parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = parent.font(0)
            font.setBold(True)
            parent.setFont(0, font)
            self.tree.addTopLevelItem(parent)
            themes[theme_id] = parent
            for situation in members:
                item = QTreeWidgetItem([situation.label])
                item.setData(0, SITUATION_ROLE, situation.id)
                parent.addChild(item)
        self.tree.expandAll()
        first = self.first_match()
        if first is not None:
            self.tree.setCurrentItem(first)

    def visible_situations(self) -> list[str]:
        return [
            self.tree.topLevelItem(i).child(j).data(0, SITUATION_ROLE)  # type: ignore[union-attr]  # indexes below the counts
            for i in range(self.tree.topLevelItemCount())
            for j in range(self.tree.topLevelItem(i).childCount())  # type: ignore[union-attr]  # an index below topLevelItemCount()
        ]

    def first_match(self) -> QTreeWidgetItem | None:
        if not self.tree.topLevelItemCount():
            return None
        return self.tree.topLevelItem(0).child(0)  # type: ignore[union-attr]  # an index below topLevelItemCount()

    def _open_first(self) -> None:
        item = self.tree.currentItem() or self.first_match()
        self._open_item(item)

    def _open_item(self, item: QTreeWidgetItem | None) -> None:
        situation = item.data(0, SITUATION_ROLE) if item is not None else None
        if situation:
            self.flow_requested.emit(situation)

    def refresh(self) -> None:
        catalogue = self.workspace.catalogue
        structure = self.workspace.workstation.structure
        departement = structure.departement if structure else ""
        rows = self.workspace.escalations.current(departement)
        now = utc_now()
        self.escalations.setRowCount(len(rows))
        for index, row in enumerate(rows):
            late = row.is_overdue(now)
            status = catalogue.label("escalation_statuses", row.status)
            if late:
                status += " — ⚠ EN RETARD"
            elif row.is_due_soon(now):
                status += f" — {DUE_SOON_TEXT}"
            values = (
                ("⚠ " if late else "")
                + f"{row.sent_at.astimezone():%d/%m/%Y %H:%M}",  # seen without scrolling
                catalogue.label("partners", row.partner),
                catalogue.label("situations", row.situation),
                catalogue.label("escalation_channels", row.channel),
                status,
                f"{row.deadline.astimezone():%d/%m/%Y %H:%M}" if row.deadline else "",
            )
            for column, text in enumerate(values):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, row.id)
                if late:
                    cell.setBackground(LATE_BACKGROUND)
                    cell.setForeground(LATE_TEXT)
                    font = cell.font()
                    font.setBold(True)
                    cell.setFont(font)
                self.escalations.setItem(index, column, cell)
        self.escalations.resizeColumnsToContents()
        self.late_label.setText(
            escalation_warning(
                sum(1 for row in rows if row.is_overdue(now)), sum(1 for row in rows if row.is_due_soon(now))
            )
        )

    def _chosen_escalation(self) -> str | None:
        """The id of the escalation chosen in the list, or None after saying how to choose one."""
        row = chosen_row(self.escalations)
        if row is None:
            QMessageBox.information(
                self, "Sollicitations", "Sélectionnez d'abord une sollicitation dans la liste."
            )
            return None
        return self.escalations.item(row, 0).data(Qt.ItemDataRole.UserRole)  # type: ignore[union-attr]  # the selected row's cell

    def _show_history(self) -> None:
        escalation_id = self._chosen_escalation()
        if escalation_id is not None:
            EscalationHistoryDialog(self.workspace, escalation_id, self).open()

    def _set_status(self, status: str) -> None:
        from app.models.record import RecordError

        escalation_id = self._chosen_escalation()
        if escalation_id is None:
            return
        agent = self.workspace.workstation.current_agent
        try:
            self.workspace.escalations.set_status(escalation_id, status, agent.name if agent else "")
        except RecordError as error:
            QMessageBox.warning(self, "Sollicitations", str(error))
            return
        self.changed.emit()
