"""Paramètres › Historique des paramètres partagés: every version of the structure's shared
settings, which one is applied, and the others (a change made on two workstations while offline is
never silently lost: the one the rule did not keep is listed here)."""

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTableWidgetItem, QVBoxLayout, QWidget

from app.models.shared_settings import SharedSettings, describe
from app.ui.tables import read_only_table

HEADERS = ["Paramètre", "Valeur", "Modifié le (UTC)", "Par", "Poste", "Appliquée"]


class SettingsHistoryDialog(QDialog):
    def __init__(self, shared: SharedSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Historique des paramètres partagés")
        self.table = read_only_table(
            "Historique des paramètres partagés",
            HEADERS,
            "Chaque version des agents, arrêts, référents, lieux qualifiés, liens locaux, sites autorisés, "
            "seuil d'alerte et moteur de recherche de la structure ; la version appliquée est marquée « oui ».",
        )
        versions = shared.versions()
        self.table.setRowCount(len(versions))
        for row, (item, version) in enumerate(versions):
            label, value = describe(item, version)
            cells = [
                label,
                value,
                version.changed_at.strftime("%d/%m/%Y %H:%M:%S"),
                version.agent,
                shared.sender_label(version.origin),
                "oui" if version.current else "non",
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(760, 420)
