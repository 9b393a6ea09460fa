"""F1: every keyboard shortcut, in a table a screen reader reads row by row.

The shortcuts that work everywhere are read from the main window's own actions, so the list cannot
drift from what the keys really do; those of a screen or a dialog are listed from here (the screens
are built on first use, and the browser loads QtWebEngine: neither is made just to read its keys).
"""

from collections.abc import Iterable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.window_size import fit_to_screen

EVERYWHERE = "Partout"
KEY_NAMES = {
    "Shift": "Maj",
    "Return": "Entrée",
    "Enter": "Entrée",
    "Esc": "Échap",
    "Del": "Suppr",
    "Left": "←",
    "Right": "→",
    "Up": "↑",
    "Down": "↓",
    "PgUp": "Page préc.",
    "PgDown": "Page suiv.",
    "Space": "Espace",
}

# Keys of one screen or dialog: (where, keys, what they do). Keep in step with README's "Raccourcis".
SCREEN_SHORTCUTS = (
    (EVERYWHERE, "Tab / Maj+Tab", "Passe au contrôle suivant / précédent"),
    (EVERYWHERE, "Espace", "Active le bouton ou coche la case qui a le focus"),
    (EVERYWHERE, "Alt+lettre soulignée", "Active le bouton ou va au champ dont la lettre est soulignée"),
    (EVERYWHERE, "Échap", "Ferme la fenêtre de dialogue sans rien enregistrer"),
    ("Écrans", "↑ / ↓ dans la liste des écrans", "Change d'écran"),
    ("Accueil", "Taper, puis ↓ et Entrée", "Ouvre un résultat de la recherche"),
    ("Accueil", "Ctrl+Entrée dans la recherche", "Cherche sur le web, limité aux sites autorisés"),
    ("Accueil", "Entrée sur un site", "Ouvre le site dans le navigateur de l'accompagnement"),
    ("Formulaire de contact", "Entrée", "Choisit la situation surlignée, puis enregistre le contact"),
    ("Formulaire de contact", "↑ / ↓ dans la situation", "Parcourt les situations proposées"),
    ("Formulaire de contact", "Ctrl+Entrée", "Enregistre et ouvre un nouveau contact"),
    ("Formulaire de contact", "Alt+S / Alt+N", "Va à la situation / à la note locale"),
    ("Formulaire de contact", "Alt+D", "Va à la durée, pour la corriger"),
    ("Contacts", "Entrée sur un contact", "Corrige le contact sélectionné"),
    ("Contacts", "Suppr sur un contact", "Supprime le contact sélectionné (après confirmation)"),
    ("Parcours", "Alt+R / Alt+L", "Marque « répondu » / clôt la sollicitation choisie"),
    ("Parcours", "1 à 4", "Répond à la question posée"),
    ("Parcours", "Espace sur une étape", "Coche l'étape (« ✔ fait »)"),
    ("Parcours", "Entrée sur une étape", "Ouvre le site de l'étape"),
    ("Parcours", "Alt+X", "Situation complexe : solliciter un référent"),
    ("Parcours", "Ctrl+Entrée", "Termine le parcours"),
    ("Navigateur", "Alt+← / Alt+→", "Page précédente / suivante"),
    ("Navigateur", "F5", "Recharge la page"),
    ("Navigateur", "Ctrl++ / Ctrl+- / Ctrl+0", "Agrandit / réduit / remet à 100 % la taille de la page"),
    ("Navigateur", "Ctrl+P", "Imprime la page"),
    ("Navigateur", "Ctrl+W", "Ferme l'onglet"),
    ("Navigateur", "Alt+T", "Terminer l'accompagnement : la personne est oubliée"),
    ("Pass numérique", "Alt+V", "Évaluer l'autonomie de la personne"),
    ("Évaluation de l'autonomie", "1 à 3", "Répond à la question et passe à la suivante"),
    ("Pass numérique", "Alt+C", "Remettre des chèques"),
    (
        "Pass numérique",
        "Alt+R / Alt+U / Alt+T",
        "Recevoir un carnet / annuler / remettre en stock (responsable)",
    ),
    ("Synthèses", "Alt+← / Alt+→", "Période précédente / suivante"),
)


def key_text(sequence: QKeySequence) -> str:
    """A shortcut as written on a French keyboard: Ctrl+Maj+A, Entrée, Échap."""
    parts = []
    for chord in sequence.toString(QKeySequence.SequenceFormat.PortableText).split(", "):
        plus = chord.endswith("+")  # "+" or "Ctrl++": the key is "+" itself
        keys = [*filter(None, chord[:-1].split("+")), "+"] if plus else chord.split("+")
        parts.append("+".join(KEY_NAMES.get(key, key) for key in keys))
    return ", ".join(parts)


def action_rows(actions: Iterable[QAction]) -> list[tuple[str, str, str]]:
    """One row per action that has a shortcut: its keys (all of them) and its name."""
    rows = []
    for action in actions:
        keys = [key_text(sequence) for sequence in action.shortcuts() if not sequence.isEmpty()]
        if keys:
            rows.append((EVERYWHERE, " ou ".join(keys), action.text().replace("&", "")))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Raccourcis clavier")
        fit_to_screen(self, QSize(760, 560))
        rows = action_rows(actions) + list(SCREEN_SHORTCUTS)
        intro = QLabel(
            "Tout Bureau virtuel s'utilise au clavier. Flèches haut et bas pour lire la liste, Échap pour la fermer."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("shortcuts")
        self.table.setAccessibleName("Raccourcis clavier")
        self.table.setAccessibleDescription(
            "Une ligne par raccourci : où il agit, les touches, ce qu'il fait. Flèches pour parcourir."
        )
        self.table.setHorizontalHeaderLabels(["Où", "Touches", "Action"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, to the Fermer button
        self.table.setWordWrap(True)
        for row, values in enumerate(rows):
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if column == 1:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setCurrentCell(0, 0)
        buttons = QDialogButtonBox()
        close = buttons.addButton("Fermer (Échap)", QDialogButtonBox.ButtonRole.RejectRole)
        close.setToolTip("Ferme la liste des raccourcis.")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.table.setFocus()

    def rows(self) -> list[tuple[str, str, str]]:
        return [
            tuple(self.table.item(row, column).text() for column in range(3))  # type: ignore[misc,union-attr]  # every cell of the table is filled
            for row in range(self.table.rowCount())
        ]
