"""Contacts screen: the history of current contacts, filterable, with correction and removal."""

from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.contacts import ContactFilter, history_period
from app.models.workspace import Workspace
from app.ui.contacts_model import ContactsModel
from app.ui.contacts_table import ContactsTable

PERIODS = {
    "today": "Aujourd'hui",
    "7d": "7 derniers jours",
    "month": "Ce mois-ci",
    "30d": "30 derniers jours",
    "90d": "3 derniers mois",
    "all": "Tout l'historique",
    "custom": "Période choisie…",
}
DEFAULT_PERIOD = "30d"


class HistoryScreen(QWidget):
    correction_requested = Signal(str)  # contact id
    pass_requested = Signal(str)  # contact id: hand Pass numérique cheques to that citizen
    changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        catalogue = workspace.catalogue
        self.period = QComboBox()
        self.period.setAccessibleName("Période")
        self.period.setToolTip(
            "Les contacts de quelle période ; « Période choisie… » ouvre les dates Du et Au."
        )
        for key, label in PERIODS.items():
            self.period.addItem(label, key)
        self.start = QDateEdit(calendarPopup=True)  # type: ignore[call-overload]  # a Qt property as keyword: PySide6 takes it, its stubs do not
        self.end = QDateEdit(calendarPopup=True)  # type: ignore[call-overload]  # a Qt property as keyword: PySide6 takes it, its stubs do not
        for widget, name in ((self.start, "Du"), (self.end, "Au")):
            widget.setDisplayFormat("dd/MM/yyyy")
            widget.setAccessibleName(name)
            widget.setToolTip(
                f"{name} : date de la période choisie (jj/mm/aaaa ; Alt+↓ ouvre le calendrier)."
            )
            widget.setDate(QDate.currentDate())
        self.partner = self._filter_combo("Partenaire", "Tous les partenaires", catalogue.partners.items())
        self.situation = self._filter_combo(
            "Situation", "Toutes les situations", catalogue.situations.items()
        )
        self.outcome = self._filter_combo("Issue", "Toutes les issues", catalogue.outcomes.items())
        self.agent = self._filter_combo("Agent", "Tous les agents", [])
        self.place = self._filter_combo("Lieu", "Tous les lieux", [])

        self.model = ContactsModel(workspace.contacts, catalogue, self.current_filter())
        self.table = ContactsTable(self.model, "Historique des contacts")
        self.table.setAccessibleDescription(
            "Entrée ou double-clic : corriger le contact sélectionné ; Suppr : le supprimer."
        )
        self.table.doubleClicked.connect(lambda _: self._correct())
        for shortcut_key, action in (
            (Qt.Key.Key_Return, self._correct),
            (Qt.Key.Key_Enter, self._correct),
            (Qt.Key.Key_Delete, self._remove),
        ):
            QShortcut(
                QKeySequence(shortcut_key), self.table, action, context=Qt.ShortcutContext.WidgetShortcut
            )
        self.count = QLabel()
        self.count.setAccessibleName("Nombre de contacts")
        correct = QPushButton("Corriger…")
        correct.setToolTip(
            "Enregistre une version corrigée ; l'ancienne n'est plus comptée. (Entrée dans la liste)"
        )
        correct.clicked.connect(self._correct)
        remove = QPushButton("Supprimer…")
        remove.setToolTip(
            "Retire un contact saisi par erreur (la suppression est transmise au serveur). (Suppr dans la liste)"
        )
        remove.clicked.connect(self._remove)
        hand_out = QPushButton("Remettre un Pass numérique…")
        hand_out.setToolTip("Remet des chèques Pass numérique à la personne de ce contact et le marque.")
        hand_out.clicked.connect(self._hand_out)

        filters = QHBoxLayout()
        start_caption, end_caption = QLabel("du"), QLabel("au")
        start_caption.setBuddy(self.start)
        end_caption.setBuddy(self.end)
        for widget in (self.period, start_caption, self.start, end_caption, self.end):
            filters.addWidget(widget)
        filters.addStretch(1)
        self.clear_filters_button = QPushButton("E&ffacer les filtres")
        self.clear_filters_button.setToolTip(
            "Revient aux 30 derniers jours, tous partenaires, situations, issues, agents et lieux (Alt+F)."
        )
        self.clear_filters_button.clicked.connect(self.clear_filters)
        filters.addWidget(self.clear_filters_button)
        more = QHBoxLayout()
        for widget in (self.partner, self.situation, self.outcome, self.agent, self.place):
            more.addWidget(widget, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.count)
        actions.addStretch(1)
        actions.addWidget(correct)
        actions.addWidget(remove)
        actions.addWidget(hand_out)
        title = QLabel("Contacts")
        title.setObjectName("screenTitle")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(filters)
        layout.addLayout(more)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

        self.period.setCurrentIndex(self.period.findData(DEFAULT_PERIOD))
        self._show_period_dates()
        self.period.currentIndexChanged.connect(self._apply_period)
        for combo in (self.partner, self.situation, self.outcome, self.agent, self.place):
            combo.currentIndexChanged.connect(self.reload_rows)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self._dates_edited)

    @staticmethod
    def _filter_combo(name: str, everything: str, items) -> QComboBox:
        combo = QComboBox()
        # Five filters side by side: sized to eight characters (the list still shows whole labels),
        # not to the longest situation, so the window fits a small screen at a large text size.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)
        combo.setAccessibleName(name)
        combo.setToolTip(f"Filtre « {name} » de la liste ({everything.lower()} par défaut).")
        combo.addItem(everything, None)
        for item_id, item in items:
            combo.addItem(item.label, item_id)
        return combo

    def clear_filters(self) -> None:
        """Every filter back to its default, the list read once."""
        combos = (self.period, self.partner, self.situation, self.outcome, self.agent, self.place)
        for combo in combos:
            combo.blockSignals(True)
        self.period.setCurrentIndex(self.period.findData(DEFAULT_PERIOD))
        for combo in combos[1:]:
            combo.setCurrentIndex(0)
        for combo in combos:
            combo.blockSignals(False)
        self._show_period_dates()
        self.reload_rows()

    def refresh_choices(self) -> None:
        """Agents and places change with the set-up; keep the current choice when it still exists."""
        workstation = self.workspace.workstation
        for combo, values in (
            (self.agent, [a.name for a in workstation.agents(inactive=True)]),  # their contacts stay
            (self.place, workstation.places()),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value in values:
                combo.addItem(value, value)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    def _show_period_dates(self) -> None:
        key = self.period.currentData()
        custom = key == "custom"
        self.start.setEnabled(custom)
        self.end.setEnabled(custom)
        if custom:
            return
        start, end = history_period(key, date.today())
        for edit, value, fallback in (
            (self.start, start, QDate(2019, 1, 1)),
            (self.end, end, QDate.currentDate()),
        ):
            edit.blockSignals(True)
            edit.setDate(QDate(value) if value else fallback)  # type: ignore[call-overload]  # PySide6 converts a datetime.date
            edit.blockSignals(False)

    def _apply_period(self) -> None:
        self._show_period_dates()
        self.reload_rows()

    def _dates_edited(self) -> None:
        if self.period.currentData() == "custom":
            self.reload_rows()

    def current_filter(self) -> ContactFilter:
        key = self.period.currentData()
        if key == "custom":
            start, end = self.start.date().toPython(), self.end.date().toPython()
        else:
            start, end = history_period(key, date.today())
        return ContactFilter(
            start=start,
            end=end,
            partner=self.partner.currentData(),
            situation=self.situation.currentData(),
            agent=self.agent.currentData(),
            outcome=self.outcome.currentData(),
            place=self.place.currentData(),
        )

    def refresh(self) -> None:
        """Re-read everything after a change elsewhere (new contact, new agent, new stop)."""
        self.refresh_choices()
        self.reload_rows()

    def reload_rows(self) -> None:
        self.model.set_filter(self.current_filter())
        self.count.setText("Comptage…")
        QTimer.singleShot(0, self._count)

    def _count(self) -> None:
        total = self.workspace.contacts.count(self.model.where)
        self.count.setText(f"{total} contact{'s' if total > 1 else ''} pour ces critères")

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_id(rows[0].row()) if rows else None

    def _correct(self) -> None:
        record_id = self.selected_id()
        if record_id is None:
            QMessageBox.information(
                self, "Corriger", "Sélectionnez d'abord le contact à corriger dans la liste."
            )
            return
        self.correction_requested.emit(record_id)

    def _hand_out(self) -> None:
        record_id = self.selected_id()
        if record_id is None:
            QMessageBox.information(
                self,
                "Remettre un Pass numérique",
                "Sélectionnez d'abord dans la liste le contact de la personne qui reçoit les chèques.",
            )
            return
        self.pass_requested.emit(record_id)

    def _remove(self) -> None:
        record_id = self.selected_id()
        if record_id is None:
            QMessageBox.information(
                self, "Supprimer", "Sélectionnez d'abord le contact à supprimer dans la liste."
            )
            return
        row = self.table.selectionModel().selectedRows()[0].row()
        answer = QMessageBox.question(  # « Non » by default: Entrée never deletes by surprise
            self,
            "Supprimer le contact",
            f"Supprimer le contact {self.model.describe(row)} ?\n\n"
            "Saisi par erreur, il ne sera plus compté dans les statistiques.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            from app.models.record import RecordError  # pydantic: loaded on first use, not at start-up

            try:
                self.workspace.contacts.delete(record_id)
            except RecordError as error:  # another workstation's contact, and not a responsable
                QMessageBox.warning(self, "Supprimer le contact", str(error))
                return
            self.changed.emit()
