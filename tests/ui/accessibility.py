"""The accessibility criterion shared by the UI tests: every control a keyboard can reach has a name and a description.

A screen reader announces a control by its accessible name, then its description.  Qt's own
computed name is not trusted: for a QComboBox it falls back to the current value, which says
nothing about what the control is for.  So the name must come from something the agent also
sees: an explicit accessible name, a button's own text, a label's buddy, or a group box title.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QScrollBar,
    QWidget,
)


def focusable_controls(top: QWidget) -> list[QWidget]:
    """The widgets of `top` (itself included) a Tab press could land on, as the agent sees them now.

    Skipped, because they are judged through their owner or are not controls of their own:
    - children of a QAbstractSpinBox (QSpinBox, QDateEdit…) or of a QComboBox: the line edit
      Qt creates inside them takes the owner's focus and is announced with the owner's name;
    - children of a QWebEngineView: the widget Chromium draws into takes the view's focus, and
      the page inside has its own accessibility (the site's);
    - scroll bars: Qt gives them no Tab focus anyway, and they only repeat the scroll area's
      position (the keyboard scrolls through the area itself).
    """
    found = []
    for widget in [top, *top.findChildren(QWidget)]:
        if not (widget is top or widget.isVisibleTo(top)):
            continue
        if not widget.isEnabled() or not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        if isinstance(widget, QScrollBar):
            continue
        if owned_by_control(widget):
            continue
        found.append(widget)
    return found


def owned_by_control(widget: QWidget) -> bool:
    """A part Qt creates inside a control (see `focusable_controls`): the control stands for it."""
    parent = widget.parentWidget()
    # By class name: importing QtWebEngine here would load it, and it must load before the QApplication.
    return isinstance(parent, (QAbstractSpinBox, QComboBox)) or bool(
        parent and parent.inherits("QWebEngineView")
    )


def accessible_name(widget: QWidget, top: QWidget) -> str:
    """What a screen reader says the control is, or '' when nothing the agent sees names it."""
    if widget.accessibleName():
        return widget.accessibleName()
    if isinstance(widget, QAbstractButton) and widget.text().replace("&", "").strip():
        return widget.text().replace("&", "").strip()
    if isinstance(widget, QGroupBox) and widget.title().replace("&", "").strip():
        return widget.title().replace("&", "").strip()
    for label in top.findChildren(QLabel):
        if label.buddy() is widget and label.text().replace("&", "").strip():
            return label.text().replace("&", "").strip()
    return ""


def describe(widget: QWidget) -> str:
    """Enough to find the offending widget in the code: class, object name, and what it shows."""
    parts = [type(widget).__name__]
    if widget.objectName():
        parts.append(f"#{widget.objectName()}")
    text = getattr(widget, "text", None)
    if callable(text):
        try:
            shown = text()
        except TypeError:
            shown = ""
        if isinstance(shown, str) and shown:
            parts.append(repr(shown[:40]))
    parent = widget.parentWidget()
    chain = []
    while parent is not None and len(chain) < 3:
        chain.append(type(parent).__name__ + (f"#{parent.objectName()}" if parent.objectName() else ""))
        parent = parent.parentWidget()
    if chain:
        parts.append("in " + " < ".join(chain))
    return " ".join(parts)


def unnamed_controls(top: QWidget) -> list[str]:
    """Every focusable visible control of `top` lacking an accessible name or description, described."""
    offenders = []
    for widget in focusable_controls(top):
        missing = []
        if not accessible_name(widget, top):
            missing.append("nom")
        if not (widget.accessibleDescription() or widget.toolTip()):
            missing.append("description")
        if missing:
            offenders.append(f"{describe(widget)}: sans {' ni '.join(missing)}")
    return offenders
