"""Starting the GUI: QApplication, style, database (with a clear message if unusable), first start."""

import gc
import importlib
import os
import sqlite3
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.models.database import DatabaseUnavailable
from app.models.workspace import Workspace, open_workspace
from app.paths import resources_dir
from app.ui.main_window import SCREENS, MainWindow


def make_application() -> QApplication:
    # QtWebEngine (the portal's browser, loaded later) needs this before the QApplication exists.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses root otherwise
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Bureau virtuel")
    app.setOrganizationName("France Services")
    app.setStyleSheet((resources_dir() / "style.qss").read_text(encoding="utf-8"))
    return app


def self_test(window: MainWindow, workspace: Workspace) -> list[str]:
    """What `--self-test` checks once the real window is up; an empty list means healthy."""
    problems = []
    if [window.nav.item(i).text() for i in range(window.nav.count())] != list(SCREENS):
        problems.append("navigation incomplète")
    if not window.isVisible():
        problems.append("fenêtre principale non affichée")
    catalogue = workspace.catalogue
    if len(catalogue.themes) != 6 or len(catalogue.situations) < 21 or len(catalogue.partners) < 10:
        problems.append("référentiels incomplets")
    if workspace.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        problems.append("base de données hors mode WAL")
    try:  # writable, and not locked by another instance (a full integrity check would read every page)
        workspace.db.execute("BEGIN IMMEDIATE")
        workspace.db.execute("ROLLBACK")
    except sqlite3.Error as error:
        problems.append(f"base de données non modifiable ({error})")
    return problems


def settle_after_start() -> None:
    """Once the window is up: load the contact form ahead of the first Ctrl+N, then freeze what
    start-up allocated, so that the garbage collector (which pauses every thread, the GUI's too)
    no longer walks it during a sync (bench/sync.py: longest GUI pause 43 ms without, 16 ms with)."""
    importlib.import_module("app.ui.contact_form")
    gc.collect()
    gc.freeze()


def start_sync(window: MainWindow, workspace: Workspace) -> None:
    from app.ui.sync_controller import SyncController

    controller = SyncController(workspace.path.parent, window)
    window.attach_sync(controller)
    controller.start()


def run_gui(data_dir: str | Path | None, *, self_test_only: bool = False) -> int:
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    )
    if headless and self_test_only:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif headless:
        print(
            "Aucun écran graphique détecté : lancez Bureau virtuel depuis une session graphique "
            "(ou, pour essayer sans écran : xvfb-run -a ./run).",
            file=sys.stderr,
        )
        return 2
    app = make_application()
    try:
        workspace = open_workspace(data_dir)
    except DatabaseUnavailable as error:
        if self_test_only:
            print(f"Auto-test en échec : {error}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "Bureau virtuel — base de données", str(error))
        return 3
    if not self_test_only and not workspace.workstation.is_set_up:
        from app.ui.setup_wizard import SetupWizard

        if SetupWizard(workspace.workstation).exec() != SetupWizard.DialogCode.Accepted:
            return 0
    window = MainWindow(workspace)
    window.show()
    if self_test_only:
        result: list[str] = []
        QTimer.singleShot(0, lambda: (result.extend(self_test(window, workspace)), app.quit()))
        app.exec()
        workspace.close()
        if result:
            print("Auto-test en échec : " + " ; ".join(result), file=sys.stderr)
            return 1
        print(f"Auto-test réussi ({workspace.path}).")
        return 0
    # The form and its validation (pydantic) load once the window is on screen, so that start-up
    # stays quick and the first Ctrl+N is quick too.
    QTimer.singleShot(300, settle_after_start)
    QTimer.singleShot(500, lambda: start_sync(window, workspace))
    code = app.exec()
    if window.sync is not None:
        window.sync.stop()
    workspace.close()
    return code
