"""A screen that is planned but not built yet says so plainly, rather than showing empty widgets."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class ComingSoon(QWidget):
    def __init__(self, title: str, purpose: str, meanwhile: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(title)
        heading.setObjectName("screenTitle")
        text = QLabel(
            f"<p><b>Cet écran n'est pas encore disponible dans cette version.</b></p>"
            f"<p>{purpose}</p><p><i>En attendant :</i> {meanwhile}</p>"
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setObjectName("comingSoon")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(text)
        layout.addStretch(1)
