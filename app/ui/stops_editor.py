"""Editing a bus's stops (communes): used at first start and in Paramètres."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QListWidget, QPushButton, QVBoxLayout, QWidget

from app.models.workstation import stop_problem
from app.ui.enter_key import on_enter
from app.ui.notices import notice_label, show_notice


class StopsEditor(QWidget):
    def __init__(self, stops: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = QLineEdit()
        self.entry.setPlaceholderText("Commune de l'arrêt, puis Entrée")
        self.entry.setAccessibleName("Nouvel arrêt")
        self.entry.setToolTip("Commune où le bus s'arrête, puis Entrée pour l'ajouter.")
        on_enter(self.entry, self.add_from_entry)
        add = QPushButton("Ajouter l'arrêt")
        add.setToolTip("Ajoute la commune saisie à la tournée.")
        add.clicked.connect(self.add_from_entry)
        self.list = QListWidget()
        self.list.setAccessibleName("Arrêts de la tournée")
        self.list.setAccessibleDescription("Les communes de la tournée ; Suppr retire l'arrêt sélectionné.")
        QShortcut(
            QKeySequence(Qt.Key.Key_Delete),
            self.list,
            self._remove,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        remove = QPushButton("Retirer l'arrêt sélectionné")
        remove.setToolTip("Retire de la tournée l'arrêt sélectionné dans la liste (Suppr).")
        remove.clicked.connect(self._remove)
        row = QHBoxLayout()
        row.addWidget(self.entry, 1)
        row.addWidget(add)
        self.message = notice_label("Message sur l'arrêt saisi")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.list.setMaximumHeight(130)
        layout.addWidget(self.list)
        self.button_row = QHBoxLayout()  # Paramètres adds its "save" button here
        self.button_row.addWidget(remove)
        self.button_row.addStretch(1)
        layout.addLayout(self.button_row)
        for stop in stops or []:
            self.list.addItem(stop)

    def add_from_entry(self) -> None:
        """Adds the typed stop, or says why not and keeps what was typed."""
        problem = stop_problem(self.entry.text(), self.stops())
        show_notice(self.message, problem or "")
        if problem:
            self.entry.setFocus()
            return
        self.list.addItem(" ".join(self.entry.text().split()))
        self.entry.clear()

    def _remove(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))

    def stops(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]
