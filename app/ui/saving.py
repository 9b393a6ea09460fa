"""Writing a file where the agent chose (« Enregistrer… », « Exporter… »): a full USB key, a folder
without write access or a vanished network drive gets a French message, not a crash, and the
agent can choose another place at once — what was to be saved is still there to save."""

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget


def save_or_say(parent: QWidget, what: str, target: Path, write: Callable[[Path], object]) -> bool:
    """`write(target)`; True when written. `what` names the document ("la liste des pièces")."""
    try:
        write(target)
    except OSError as error:
        QMessageBox.warning(
            parent,
            "Enregistrement impossible",
            f"Impossible d'enregistrer {what} dans « {target} » : {error.strerror or error}.\n"
            "Rien n'est perdu : choisissez un autre dossier (ou une autre clé USB) et recommencez.",
        )
        return False
    return True
