"""Every window and dialog inside the screen it opens on — a 1366 × 768 laptop, a 1280 × 720
projector — with its buttons visible, and the main window and the flows where the agent left
them (maximised included), from one start to the next.

Windows ask for a comfortable size; they get at most the screen's free area (the taskbar left
out) less the frame the window manager draws around them.
"""

import logging
import sqlite3

from PySide6.QtCore import QByteArray, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from app.models.connection import Database
from app.models.database import transaction
from app.models.settings import get_setting, set_setting

FRAME = QSize(16, 40)  # a window manager's borders and title bar, outside the window's own size


def available_area(window: QWidget) -> QRect:
    """The screen's free area where `window` opens (the taskbar left out)."""
    # QWidget's own screen() (MainWindow.screen_named(name) is one of the application's screens).
    screen = QWidget.screen(window) or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(window: QWidget, wanted: QSize) -> None:
    """`window` at `wanted`, or as much of it as the screen holds; a window of its own (not a
    dialog, which Qt centres on the window it belongs to) centred on the screen."""
    area = available_area(window)
    size = wanted.boundedTo(area.size() - FRAME)
    window.resize(size)
    if window.parentWidget() is None:
        centre = area.center()
        top = max(area.top(), centre.y() - (size.height() + FRAME.height()) // 2)
        window.move(centre.x() - size.width() // 2, top)


def restore_geometry(window: QWidget, db: Database, name: str) -> bool:
    """Where the agent left `window` the last time (position, size, maximised), if it was saved;
    Qt brings it back inside the screen if the screen changed."""
    saved = get_setting(db, f"window_geometry.{name}")
    return bool(saved) and window.restoreGeometry(QByteArray.fromBase64(saved.encode("ascii")))


def remember_geometry(window: QWidget, db: Database, name: str) -> None:
    """Keep `window`'s position, size and maximised state for its next opening (on this workstation).

    Where a window was is not worth an error while closing: a database busy past its timeout or
    already closed is noted in the journal, and the window opens at its usual size next time."""
    try:
        with transaction(db):
            set_setting(
                db, f"window_geometry.{name}", bytes(window.saveGeometry().toBase64().data()).decode("ascii")
            )
    except sqlite3.Error as error:
        logging.getLogger(__name__).warning("Position de la fenêtre « %s » non enregistrée : %s", name, error)
