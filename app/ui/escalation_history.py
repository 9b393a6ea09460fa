"""Parcours › Historique of an escalation: its sending and every change of status, by whom and on
which workstation. A change made on another workstation while both were offline and outranked by a
later one (docs/SYNC_PROTOCOL.md) is listed here, never silently lost."""

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

from app.models.workspace import Workspace
from app.ui.tables import TableDialog

HEADERS = ["Enregistré le", "Statut", "Répondu le", "Par", "Poste", "En vigueur"]
OUTRANKED = "non — remplacé par un changement plus récent fait hors ligne sur un autre poste"


class EscalationHistoryDialog(TableDialog):
    def __init__(self, workspace: Workspace, escalation_id: str, parent: QWidget | None = None) -> None:
        catalogue = workspace.catalogue
        rows = [
            [
                f"{version.created_at.astimezone():%d/%m/%Y %H:%M}",
                catalogue.label("escalation_statuses", version.status),
                f"{version.answered_at.astimezone():%d/%m/%Y %H:%M}" if version.answered_at else "",
                version.agent,
                workspace.shared.sender_label(version.origin),
                "oui" if version.current else OUTRANKED if version.outranked else "non",
            ]
            for version in workspace.escalations.history(escalation_id)
        ]
        super().__init__(
            "Historique de la sollicitation",
            HEADERS,
            "L'envoi de la sollicitation et chacun de ses changements de statut, du plus ancien au plus "
            "récent ; la version en vigueur est marquée « oui ».",
            rows,
            QSize(820, 320),
            parent,
        )
