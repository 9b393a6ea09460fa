"""Alt+letter reaches one control: no two visible controls of a window share their underlined letter."""

from collections import Counter

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel

from app.ui.main_window import SCREENS
from tests.ui.test_contact_form import open_window
from tests.ui.test_screen_fit import OPENERS


def mnemonics(window) -> Counter:
    """The Alt+letter of every visible control of `window` (buttons, labelled fields, group boxes)."""
    found: Counter = Counter()
    for widget in window.findChildren(QAbstractButton) + window.findChildren(QGroupBox):
        text = widget.text() if isinstance(widget, QAbstractButton) else widget.title()
        key = QKeySequence.mnemonic(text)
        if widget.isVisible() and not key.isEmpty():
            found[key.toString()] += 1
    for label in window.findChildren(QLabel):
        key = QKeySequence.mnemonic(label.text())
        if label.isVisible() and label.buddy() is not None and not key.isEmpty():
            found[key.toString()] += 1
    return found


def test_no_alt_letter_is_taken_twice_on_any_screen(qtbot, bus) -> None:
    """A bus (its stop in the status bar, « A&rrêt ») and a responsable (every button shown)."""
    window = open_window(qtbot, bus)
    for row, name in enumerate(SCREENS):
        window.nav.setCurrentRow(row)
        twice = {key: n for key, n in mnemonics(window).items() if n > 1}
        assert twice == {}, f"{name} : {twice}"


@pytest.mark.parametrize("opener", OPENERS, ids=lambda opener: opener.__name__)
def test_no_alt_letter_is_taken_twice_in_any_window(qtbot, desk, opener) -> None:
    """Every window and dialog the screen-fit test opens (the flows, the contact form, the Pass
    numérique's, the wizards…)."""
    shown = opener(qtbot, desk, open_window(qtbot, desk))
    qtbot.waitExposed(shown)
    twice = {key: n for key, n in mnemonics(shown).items() if n > 1}
    assert twice == {}, f"{shown.windowTitle()} : {twice}"
