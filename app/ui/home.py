"""Accueil: what the agent needs at a glance, and the big button to record a contact."""

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.models.contacts import ContactFilter
from app.models.escalations import DUE_SOON_TEXT
from app.models.workspace import Workspace
from app.ui.contacts_model import ContactsModel
from app.ui.contacts_table import ContactsTable
from app.ui.portal_panel import PortalPanel


class HomeScreen(QWidget):
    new_contact = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.greeting = QLabel()
        self.greeting.setObjectName("screenTitle")
        self.today_figure = QLabel()
        self.today_figure.setObjectName("figure")
        self.today_figure.setAccessibleName("Contacts aujourd'hui")
        self.pending_figure = QLabel()
        self.pending_figure.setObjectName("figure")
        self.pending_figure.setAccessibleName("Contacts à synchroniser")
        self.late_figure = QLabel()
        self.late_figure.setObjectName("figure")
        self.late_figure.setAccessibleName("Sollicitations en retard")
        self.due_soon = QLabel()
        self.due_soon.setAccessibleName("Sollicitations à échéance dans moins de 24 h")
        self.due_soon.setWordWrap(True)
        button = QPushButton("Nouveau contact   (Ctrl+N)")
        button.setObjectName("primary")
        button.setAccessibleName("Nouveau contact")
        button.setToolTip("Ouvre le formulaire d'un nouveau contact (Ctrl+N, depuis n'importe quel écran).")
        button.clicked.connect(self.new_contact)
        figures = QGridLayout()
        figures.addWidget(self._caption("Contacts aujourd'hui"), 0, 0)
        figures.addWidget(self._caption("En attente d'envoi au serveur"), 0, 1)
        figures.addWidget(self._caption("Sollicitations en retard (72 h, puis 15 jours ouvrés)"), 0, 2)
        figures.addWidget(self.today_figure, 1, 0)
        figures.addWidget(self.pending_figure, 1, 1)
        figures.addWidget(self.late_figure, 1, 2)
        figures.addWidget(self.due_soon, 2, 2)
        self.model = ContactsModel(workspace.contacts, workspace.catalogue, self._today())
        self.table = ContactsTable(self.model, "Contacts du jour")
        self.table.setAccessibleDescription(
            "Les contacts enregistrés aujourd'hui sur ce poste ; l'historique complet est dans Contacts (Ctrl+3)."
        )
        self.table.setMaximumHeight(170)
        self.portal = PortalPanel(workspace)
        self.entry_field = self.portal.search  # at start and after Ctrl+1, typing searches
        layout = QVBoxLayout(self)
        layout.addWidget(self.greeting)
        layout.addWidget(button)
        layout.addLayout(figures)
        layout.addWidget(self.portal, 1)
        table_caption = QLabel("Contacts du jour :")
        table_caption.setBuddy(self.table)
        layout.addWidget(table_caption)
        layout.addWidget(self.table)

    @staticmethod
    def _caption(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("caption")
        label.setWordWrap(True)  # at a large text size the three figures stay side by side
        return label

    @staticmethod
    def _today() -> ContactFilter:
        today = date.today()
        return ContactFilter(start=today, end=today)

    def refresh(self) -> None:
        agent = self.workspace.workstation.current_agent
        self.greeting.setText(f"Bonjour {agent.name}" if agent else "Bonjour")
        self.model.set_filter(self._today())
        today = self.workspace.contacts.count(self.model.where)
        self.today_figure.setText(str(today))
        structure = self.workspace.workstation.structure
        departement = structure.departement if structure else ""
        late = self.workspace.escalations.late_count(departement)
        self.late_figure.setText(f"⚠ {late}" if late else "0")
        due_soon = self.workspace.escalations.due_soon_count(departement)
        self.due_soon.setText(f"{due_soon} {DUE_SOON_TEXT}" if due_soon else "")
        self.portal.refresh()

    def show_pending(self, pending: int) -> None:
        """The main window counts the queue once for the status bar and this page."""
        self.pending_figure.setText(str(pending))
