"""Starting the GUI: QApplication, style, database (with a clear message if unusable), first start."""

import gc
import importlib
import os
import sqlite3
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, Qt, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app.journal.files import journal_folder
from app.models.database import DatabaseUnavailable
from app.models.workspace import Workspace, open_workspace
from app.paths import resources_dir
from app.ui.error_reporting import ErrorReporter
from app.ui.main_window import SCREENS, MainWindow
from app.ui.theme import apply_display

DESKTOP_ID = "fr.france-services.BureauVirtuel"


def make_application() -> QApplication:
    """The QApplication, in the standard theme at the system's text size until a workspace says otherwise."""
    # QtWebEngine (the portal's browser, loaded later) needs this before the QApplication exists.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses root otherwise
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)  # widgets need one, never a bare QCoreApplication
    app.setApplicationName("Bureau virtuel")
    app.setOrganizationName("France Services")
    # The installed menu entry (installers/linux): Wayland links the windows to it by this name.
    app.setDesktopFileName(DESKTOP_ID)
    icon = QIcon()  # the PNG renderings: an SVG icon needs a plug-in a bundle may lack
    for png in sorted((resources_dir() / "icons" / "hicolor").glob(f"*/apps/{DESKTOP_ID}.png")):
        icon.addFile(str(png))
    app.setWindowIcon(icon)
    install_french_translation(app)
    apply_display(app, "standard", 100)
    return app


def install_french_translation(app: QApplication) -> QTranslator | None:
    """Qt's own words (the Oui/Non of a confirmation, the file dialogs) and its dates (the date
    picker's "novembre", "lun. mar.") in French, as the rest of the interface, whatever the
    system's LANG; Qt's translations ship with PySide6 (and in the bundle)."""
    french = QLocale(QLocale.Language.French, QLocale.Country.France)
    QLocale.setDefault(french)  # every widget made from now on: calendars, numbers, file dialogs
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(french, "qtbase", "_", folder):
        return None
    app.installTranslator(translator)
    return translator


def apply_saved_display(app: QApplication, workspace: Workspace) -> None:
    """The theme and text size chosen in Paramètres › Affichage, as soon as the database is open
    (before the first-start wizard and the main window): two settings read, nothing applied
    again when they are the defaults."""
    workstation = workspace.workstation
    theme, text_scale = workstation.theme, workstation.text_scale
    if (theme, text_scale) != ("standard", 100):
        apply_display(app, theme, text_scale)


def self_test(window: MainWindow, workspace: Workspace) -> list[str]:
    """What `--self-test` checks once the real window is up; an empty list means healthy."""
    problems = []
    if [window.nav.item(i).text() for i in range(window.nav.count())] != list(SCREENS):
        problems.append("navigation incomplète")
    if not window.isVisible():
        problems.append("fenêtre principale non affichée")
    if QCoreApplication.translate("QPlatformTheme", "Cancel") != "Annuler":
        problems.append("traduction française de Qt absente")
    if QApplication.windowIcon().isNull():
        problems.append("icône de l'application absente")
    if not isinstance(getattr(sys.excepthook, "__self__", None), ErrorReporter):
        problems.append("erreurs inattendues non signalées (ni journal, ni message)")
    catalogue = workspace.catalogue
    if len(catalogue.themes) < 6 or len(catalogue.situations) < 21 or len(catalogue.partners) < 10:
        problems.append("référentiels incomplets")
    if workspace.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        problems.append("base de données hors mode WAL")
    try:  # writable, and not locked by another instance (a full integrity check would read every page)
        workspace.db.execute("BEGIN IMMEDIATE")
        workspace.db.execute("ROLLBACK")
    except sqlite3.Error as error:
        problems.append(f"base de données non modifiable ({error})")
    shipped: tuple[str, ...] = (
        "style.qss",
        "high-contrast.qss",
        "reference",
        "structures",
        "portal",
        "flows",
    )
    shipped += ("pass_numerique", "icons", "communes")
    paths = [resources_dir() / name for name in shipped]
    missing = [path.name for path in paths if not (path.is_file() or (path.is_dir() and any(path.iterdir())))]
    if missing:
        problems.append("ressources manquantes : " + ", ".join(missing))
    if getattr(sys, "frozen", False):  # what a PyInstaller bundle (installers/) could have left out
        problems.extend(_bundle_problems())
    return problems


def _bundle_problems() -> list[str]:
    """The OS keyring's backend (found through keyring's entry points) and the portal's browser."""
    from importlib.metadata import entry_points

    from PySide6.QtCore import QLibraryInfo

    problems = []
    backend, needs = {
        "win32": ("Windows", "win32ctypes.pywin32.win32cred"),
        "darwin": ("macOS", "keyring.backends.macOS.api"),
    }.get(sys.platform, ("SecretService", "secretstorage"))
    try:
        if backend not in {entry.name for entry in entry_points(group="keyring.backends")}:
            raise ImportError(f"point d'entrée keyring.backends:{backend} absent")
        importlib.import_module(f"keyring.backends.{backend}")
        importlib.import_module(needs)
    except ImportError as error:
        problems.append(f"trousseau du système inutilisable ({error})")
    try:
        importlib.import_module("PySide6.QtWebEngineWidgets")
    except ImportError as error:
        problems.append(f"navigateur du portail inutilisable ({error})")
    helper = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.LibraryExecutablesPath)) / "QtWebEngineProcess"
    if sys.platform.startswith("linux") and not helper.is_file():
        problems.append(f"navigateur du portail incomplet ({helper} absent)")
    return problems


def settle_after_start() -> None:
    """Once the window is up: load the contact form ahead of the first Ctrl+N and Accueil's search
    (with the flows) ahead of the first letter typed, then freeze what start-up allocated, so that
    the garbage collector (which pauses every thread, the GUI's too) no longer walks it during a
    sync (bench/sync.py: longest GUI pause 43 ms without, 16 ms with), and let it run again (it
    was off during start-up, `app.cli`)."""
    importlib.import_module("app.ui.contact_form")
    importlib.import_module("app.models.search")
    gc.collect()
    gc.freeze()
    gc.enable()


def freeze_for_exit() -> None:
    """Once the window is closed and the database with it: what is left is the operating system's
    to take back. Frozen, the interpreter's final collection does not walk it (bench/startup.py:
    ~40 ms of CPU at every exit); the journal is still flushed and closed by logging's own exit hook."""
    gc.freeze()


def report_errors(app: QApplication) -> None:
    """Qt's messages to the journal (started by app.cli), and a French dialog after an unexpected
    exception instead of a window that vanishes."""
    ErrorReporter(app, journal_folder())


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
    report_errors(app)
    try:
        workspace = open_workspace(data_dir)
    except DatabaseUnavailable as error:
        if self_test_only:
            print(f"Auto-test en échec : {error}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "Bureau virtuel — base de données", str(error))
        return 3
    apply_saved_display(app, workspace)
    if not self_test_only and not workspace.workstation.is_set_up:
        from app.ui.setup_wizard import SetupWizard

        gc.enable()  # off during start-up (app.cli); the wizard waits for the agent

        if SetupWizard(workspace.workstation, workspace=workspace).exec() != SetupWizard.DialogCode.Accepted:
            return 0
    window = MainWindow(workspace)
    window.show()
    if self_test_only:
        result: list[str] = []

        def run_self_test() -> None:
            result.extend(self_test(window, workspace))
            app.quit()

        QTimer.singleShot(0, run_self_test)
        app.exec()
        workspace.close()
        freeze_for_exit()
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
    freeze_for_exit()
    return code
