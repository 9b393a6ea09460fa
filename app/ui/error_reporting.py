"""The GUI's side of the journal: Qt's own messages go to it, and an unexpected exception is written
to it and told to the agent in French, instead of vanishing (or closing the window).

An exception raised in a slot, in the sync thread or in a Python thread ends here through
`sys.excepthook` or `threading.excepthook`; the dialog is always shown from the GUI thread (a queued
signal), and only once while it is open, however many errors follow.
"""

import logging
import sys
import threading
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QObject, Qt, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def qt_message_handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's warnings (a missing plug-in, a font, a style sheet) in the journal rather than on a
    console nobody sees."""
    qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s (%s)", message, context.category or "qt")


def message_text(folder: Path | None) -> str:
    where = (
        f"Le journal a été enregistré dans « {folder} »."
        if folder
        else "Le journal n'a pas pu être enregistré sur ce poste."
    )
    return (
        "Une erreur inattendue s'est produite. Bureau virtuel continue de fonctionner et ce qui est "
        f"enregistré est conservé.\n\n{where} Si le problème se reproduit, exportez-le (Paramètres › "
        "« Exporter le journal… ») et transmettez-le au support avec ce que vous faisiez à ce moment."
    )


class ErrorReporter(QObject):
    """Installs the hooks; owned by the QApplication so that it lives as long as the GUI."""

    _report = Signal()

    def __init__(self, app: QApplication, journal: Path | None) -> None:
        super().__init__(app)
        self.journal = journal
        self.dialog: QMessageBox | None = None
        self._report.connect(self._show)  # queued when emitted from another thread
        qInstallMessageHandler(qt_message_handler)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def excepthook(
        self, kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        log.critical("unexpected exception", exc_info=(kind, error, trace))
        self._report.emit()

    def thread_excepthook(self, hook: threading.ExceptHookArgs) -> None:
        if hook.exc_type is SystemExit:
            return
        log.critical(
            "unexpected exception in thread %s",
            hook.thread.name if hook.thread else "?",
            exc_info=(hook.exc_type, hook.exc_value, hook.exc_traceback),  # type: ignore[arg-type]  # logging takes the hook's three values as they come
        )
        self._report.emit()

    def _show(self) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return  # one dialog at a time: the journal has every error
        parent = QApplication.activeModalWidget() or QApplication.activeWindow()
        dialog = QMessageBox(
            QMessageBox.Icon.Warning,
            "Bureau virtuel — erreur inattendue",
            message_text(self.journal),
            QMessageBox.StandardButton.Ok,
            parent,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _code: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
