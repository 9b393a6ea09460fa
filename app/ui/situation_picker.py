"""Type-ahead choice of a life situation: type a few letters, Enter picks the highlighted one.

An inline list rather than a QCompleter popup: the agent sees the candidates at once, matching
ignores accents and case and also looks at keywords ("carte grise", "ameli"), and the Enter that
picks a situation is consumed here so that the next Enter saves the form.
"""

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.models.reference import Catalogue, Situation


class SituationPicker(QWidget):
    chosen = Signal(object)  # Situation | None

    def __init__(self, catalogue: Catalogue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalogue = catalogue
        self.situation: Situation | None = None
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Tapez quelques lettres : impôts, carte grise, retraite, déménage…")
        self.edit.setAccessibleName("Situation")
        self.edit.setAccessibleDescription(
            "Tapez quelques lettres ; ↑ et ↓ parcourent les situations proposées, Entrée retient la surlignée."
        )
        self.edit.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Situations correspondantes")
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # driven from the entry field: ↑ ↓ Entrée
        self.list.setAccessibleDescription(
            "Choisies au clavier depuis le champ Situation : ↑, ↓ puis Entrée."
        )
        self.list.setMaximumHeight(150)
        self.list.itemClicked.connect(self._choose_item)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        self.edit.textEdited.connect(self._filter)
        self.edit.installEventFilter(self)
        self._filter("")

    def setFocus(self) -> None:  # type: ignore[override]
        self.edit.setFocus()

    def _filter(self, text: str) -> None:
        if self.situation is not None and text != self.situation.label:
            self.situation = None
            self.chosen.emit(None)
        self.list.clear()
        for situation in self.catalogue.find_situations(text):
            item = QListWidgetItem(situation.label)
            item.setData(Qt.ItemDataRole.UserRole, situation.id)
            item.setToolTip(self.catalogue.label("themes", situation.theme))
            self.list.addItem(item)
        if self.list.count() and text.strip():
            self.list.setCurrentRow(0)  # nothing typed yet: Enter must not pick the first by chance

    def select(self, situation_id: str) -> None:
        situation = self.catalogue.situations[situation_id]
        self.situation = situation
        self.edit.setText(situation.label)
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == situation_id:
                self.list.setCurrentRow(row)
        self.chosen.emit(situation)

    def _choose_item(self, item: QListWidgetItem) -> None:
        self.select(item.data(Qt.ItemDataRole.UserRole))
        self.edit.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.situation is None:
                item = self.list.currentItem()
                if item is not None and not event.modifiers():
                    self._choose_item(item)
                    return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.list.count():
                step = 1 if key == Qt.Key.Key_Down else -1
                if self.situation is not None:  # moving away from the chosen one: Enter picks anew
                    self.situation = None
                    self.chosen.emit(None)
                self.list.setCurrentRow(max(0, min(self.list.count() - 1, self.list.currentRow() + step)))
                return True
        return super().eventFilter(watched, event)
