"""Fixtures of the UI tests."""

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtGui import QFont
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QDialog

from app.ui import printing
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


class SystemPrinter:
    """Stands for the OS's printer and its print dialog (outside the product): one printer is
    installed, the agent accepts the dialog, and each printing lands in a PDF file (Qt's own
    PDF output) that the test reads back."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.printed: list[Path] = []

    def accept(self, dialog: QPrintDialog) -> QDialog.DialogCode:
        path = self.folder / f"impression-{len(self.printed) + 1}.pdf"
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(path))
        self.printed.append(path)
        return QDialog.DialogCode.Accepted


@pytest.fixture
def system_printer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SystemPrinter:
    printer = SystemPrinter(tmp_path)
    monkeypatch.setattr(printing, "installed_printers", lambda: ["Imprimante de l'accueil"])
    monkeypatch.setattr(QPrintDialog, "exec", lambda dialog: printer.accept(dialog))
    return printer
