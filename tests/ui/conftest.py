"""Fixtures of the UI tests."""

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from app.ui.theme import FocusRingFollower, apply_display


@pytest.fixture
def display(qapp):
    """The display as a test found it (no stylesheet, the system font), put back afterwards."""
    font, sheet = QFont(qapp.font()), qapp.styleSheet()
    yield qapp
    # The test's windows (closed by pytest-qt) go first: Qt 6.11 crashed when a window polished
    # under one stylesheet was deleted after the next one was set, at the stylesheet after.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    apply_display(qapp, "standard", 100)  # back to the original style and palette
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)
    follower = qapp.findChild(FocusRingFollower)
    if follower is not None:
        follower.setParent(None)
        follower.deleteLater()
