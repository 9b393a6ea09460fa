"""The coloured message under a form or an action: red for a problem, green ("ok") for a success."""

from PySide6.QtWidgets import QLabel


def notice_label(name: str, ok: bool = False) -> QLabel:
    """A hidden, wrapping message label; `name` is what a screen reader calls it."""
    label = QLabel()
    label.setObjectName("formError")
    label.setProperty("kind", "ok" if ok else "")
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.hide()
    return label


def show_notice(label: QLabel, text: str, ok: bool = False) -> None:
    """Show `text` as a problem or a success (the style sheet reads the `kind` property, hence the
    re-polish); an empty text hides the label."""
    label.setProperty("kind", "ok" if ok else "")
    label.style().unpolish(label)
    label.style().polish(label)
    label.setText(text)
    label.setVisible(bool(text))
