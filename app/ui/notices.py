"""The coloured message under a form or an action: red for a problem, green ("ok") for a success.

The colour is never alone: a problem starts with "⚠", a success with "✔", and a screen reader hears
which of the two it is in the label's description."""

from PySide6.QtWidgets import QLabel

PROBLEM = "⚠"
SUCCESS = "✔"
_SYMBOLS = (PROBLEM, SUCCESS, "✓")
_DESCRIPTIONS = {True: "Message : opération réussie", False: "Message : problème à corriger"}


def notice_label(name: str, ok: bool = False) -> QLabel:
    """A hidden, wrapping message label; `name` is what a screen reader calls it."""
    label = QLabel()
    label.setObjectName("formError")
    label.setProperty("kind", "ok" if ok else "")
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setAccessibleDescription(_DESCRIPTIONS[ok])
    label.hide()
    return label


def with_symbol(text: str, ok: bool = False) -> str:
    """`text` led by the symbol of its kind ("⚠ …" or "✔ …"), unless it has one already."""
    if not text or text.lstrip().startswith(_SYMBOLS):
        return text
    return f"{SUCCESS if ok else PROBLEM} {text}"


def show_notice(label: QLabel, text: str, ok: bool = False) -> None:
    """Show `text` as a problem or a success (the style sheet reads the `kind` property, hence the
    re-polish when it changes: not at start, where the main window's notices stay hidden and the
    first screen need not load Python's view of the style), led by its symbol; an empty text
    hides the label."""
    kind = "ok" if ok else ""
    if label.property("kind") != kind:
        label.setProperty("kind", kind)
        label.style().unpolish(label)
        label.style().polish(label)
    label.setAccessibleDescription(_DESCRIPTIONS[ok])
    label.setText(with_symbol(text, ok))
    label.setVisible(bool(text))
