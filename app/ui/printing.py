"""Printing what the workstation writes as a PDF (the documents list, the Pass numérique receipt)
through Qt's print dialog, so that « Imprimer » prints on any workstation, with or without a
desktop PDF viewer, and never fails without a word: with no printer, or when the printing
fails, the agent is told so in French and offered « Enregistrer en PDF » instead.

The PDF is drawn page by page with QtPdf, as images at PRINT_DPI: the same document as the one
saved, not a second layout of it.
"""

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

# Sharp text; pages are printed as images (QtWebEngine's too): 1200 dpi took 4.4 s and 4 MB a page.
PRINT_DPI = 300


class PrintError(Exception):
    """Printing could not be done; the message is the French sentence for the agent."""


def new_printer() -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setResolution(PRINT_DPI)
    return printer


def installed_printers() -> list[str]:
    """The printers the system knows (none on a workstation that never had one set up)."""
    return QPrinterInfo.availablePrinterNames()


def print_document(pdf: Path, printer: QPrinter) -> None:
    """Every page of `pdf` on `printer`, each scaled to the printable area, its proportions kept."""
    from PySide6.QtPdf import QPdfDocument  # on the first printing: the visit's browser imports new_printer

    document = QPdfDocument()
    if document.load(str(pdf)) != QPdfDocument.Error.None_ or document.pageCount() == 0:
        raise PrintError(f"Le document à imprimer n'a pas pu être lu ({pdf.name}).")
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError("L'imprimante choisie n'a pas accepté le document.")
    try:
        area = painter.viewport()
        for page in range(document.pageCount()):
            if page and not printer.newPage():
                raise PrintError("L'impression s'est arrêtée avant la dernière page.")
            points = document.pagePointSize(page)
            size = QSize(round(points.width() * PRINT_DPI / 72), round(points.height() * PRINT_DPI / 72))
            fitted = size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            image = document.render(page, fitted)
            painter.drawImage(QRect(area.topLeft(), fitted), image)
    finally:
        painter.end()


def print_pdf(parent: QWidget, pdf: Path, what: str, save_instead: Callable[[], object]) -> bool:
    """Qt's print dialog for `pdf` (`what`: "la liste des pièces", "le reçu"), then the printing;
    True once printed. With no printer, or when printing fails, a French message offers
    « Enregistrer en PDF… » (`save_instead`) rather than leaving the agent with nothing."""
    if not installed_printers():
        offer_save(
            parent, f"Aucune imprimante n'est installée sur ce poste pour imprimer {what}.", save_instead
        )
        return False
    printer = new_printer()
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"Imprimer {what}")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    try:
        print_document(pdf, printer)
    except PrintError as error:
        offer_save(parent, str(error), save_instead)
        return False
    return True


def offer_save(parent: QWidget, message: str, save_instead: Callable[[], object]) -> None:
    """`message`, and « Enregistrer en PDF… » to keep the document to print it elsewhere."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Impression impossible", message, parent=parent)
    box.setInformativeText(
        "Rien n'est perdu : enregistrez le document en PDF pour l'imprimer ou le transmettre."
    )
    box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Close)
    box.button(QMessageBox.StandardButton.Save).setText("Enregistrer en PDF…")
    box.button(QMessageBox.StandardButton.Close).setText("Fermer")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    if box.exec() == QMessageBox.StandardButton.Save:
        save_instead()
