"""Paramètres: the structure, a bus's stops, the agents of the workstation, where data lives."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.workspace import Workspace
from app.models.workstation import ROLES, SetupError
from app.ui.enter_key import on_enter
from app.ui.stops_editor import StopsEditor


class SettingsScreen(QWidget):
    changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        title = QLabel("Paramètres")
        title.setObjectName("screenTitle")
        self.structure = QLabel()
        self.structure.setWordWrap(True)
        structure_box = QGroupBox("Structure")
        QVBoxLayout(structure_box).addWidget(self.structure)

        self.stops_box = QGroupBox("Tournée du bus : arrêts")
        self.stops = StopsEditor()
        save_stops = QPushButton("Enregistrer les arrêts")
        save_stops.clicked.connect(self._save_stops)
        stops_layout = QVBoxLayout(self.stops_box)
        stops_layout.addWidget(self.stops)
        stops_layout.addWidget(save_stops)

        agents_box = QGroupBox("Agents de ce poste")
        self.agents = QListWidget()
        self.agents.setAccessibleName("Agents")
        self.agent_name = QLineEdit()
        self.agent_name.setPlaceholderText("Nom ou initiales")
        self.agent_name.setAccessibleName("Nom du nouvel agent")
        self.agent_role = QComboBox()
        self.agent_role.setAccessibleName("Rôle du nouvel agent")
        for role, label in ROLES.items():
            self.agent_role.addItem(label, role)
        add_agent = QPushButton("Ajouter l'agent")
        add_agent.clicked.connect(self._add_agent)
        on_enter(self.agent_name, self._add_agent)
        row = QHBoxLayout()
        row.addWidget(self.agent_name, 1)
        row.addWidget(self.agent_role)
        row.addWidget(add_agent)
        agents_layout = QVBoxLayout(agents_box)
        agents_layout.addWidget(self.agents)
        agents_layout.addLayout(row)

        data_box = QGroupBox("Données")
        data = QFormLayout(data_box)
        data.addRow("Base de données :", QLabel(str(workspace.path)))
        versions = workspace.catalogue.versions
        data.addRow(
            "Référentiels :",
            QLabel(
                f"partenaires {versions['partners']} · bouquet {versions['bouquet']} · champs {versions['fields']}"
            ),
        )
        data.addRow(
            "Synchronisation :",
            QLabel(
                "Le serveur de reporting n'est pas encore configurable dans cette version ; les contacts sont conservés sur ce poste."
            ),
        )

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(structure_box)
        layout.addWidget(self.stops_box)
        layout.addWidget(agents_box)
        layout.addWidget(data_box)
        layout.addStretch(1)

    def refresh(self) -> None:
        workstation = self.workspace.workstation
        structure = workstation.structure
        self.structure.setText(structure.describe() if structure else "Poste non configuré.")
        self.stops_box.setVisible(bool(structure and structure.itinerant))
        self.stops.list.clear()
        self.stops.list.addItems(workstation.stops)
        self.agents.clear()
        for agent in workstation.agents():
            self.agents.addItem(f"{agent.name} — {ROLES[agent.role]}")

    def _save_stops(self) -> None:
        try:
            self.workspace.workstation.set_stops(self.stops.stops(), self.workspace.workstation.current_stop)
        except SetupError as error:
            QMessageBox.warning(self, "Arrêts", str(error))
            return
        self.changed.emit()

    def _add_agent(self) -> None:
        try:
            self.workspace.workstation.add_agent(self.agent_name.text(), self.agent_role.currentData())
        except SetupError as error:
            QMessageBox.warning(self, "Agents", str(error))
            return
        self.agent_name.clear()
        self.refresh()
        self.changed.emit()
