"""Paramètres › Historique des paramètres partagés: every version of the structure's shared
settings, which one is applied, and the others (a change made on two workstations while offline is
never silently lost: the one the rule did not keep is listed here)."""

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

from app.models.shared_settings import SharedSettings, describe
from app.ui.tables import TableDialog

HEADERS = ["Paramètre", "Valeur", "Modifié le (UTC)", "Par", "Poste", "Appliquée"]


class SettingsHistoryDialog(TableDialog):
    def __init__(self, shared: SharedSettings, parent: QWidget | None = None) -> None:
        rows = [
            [
                *describe(item, version),
                version.changed_at.strftime("%d/%m/%Y %H:%M:%S"),
                version.agent,
                shared.sender_label(version.origin),
                "oui" if version.current else "non",
            ]
            for item, version in shared.versions()
        ]
        super().__init__(
            "Historique des paramètres partagés",
            HEADERS,
            "Chaque version des agents, arrêts, référents, lieux qualifiés, liens locaux, sites autorisés, "
            "seuil d'alerte et moteur de recherche de la structure ; la version appliquée est marquée « oui ».",
            rows,
            QSize(760, 420),
            parent,
        )
