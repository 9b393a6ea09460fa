"""« Imprimer » prints through Qt's print dialog, with « Enregistrer en PDF » when it cannot; every
« Enregistrer… » / « Exporter… » says in French what failed and loses nothing (issue 17, points 3, 9)."""

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QWidget

from app.ui import printing
from app.ui.places_panel import PlacesPanel
from app.ui.referents_panel import ReferentsPanel
from tests.ui.helpers import answer_next_message_box
from tests.ui.test_contact_form import open_window
from tests.ui.test_flows_ui import answer_all, open_flow, tenant_with_a_car
from tests.ui.test_pass_ui import pass_screen, pdf_text, receive_booklet


def click(qtbot, window: QWidget, text: str) -> None:
    [button] = [button for button in window.findChildren(QPushButton) if button.text() == text]
    assert button.isVisibleTo(window) and button.isEnabled()
    button.click()


def answered_flow(qtbot, desk):
    window = open_window(qtbot, desk)
    dialog = open_flow(qtbot, window, "demenage")
    answer_all(qtbot, dialog, tenant_with_a_car)
    return dialog


def agent_chooses(monkeypatch: pytest.MonkeyPatch, *targets: Path) -> None:
    """The file the agent types in the save dialog, one per « Enregistrer… »."""
    chosen = iter(targets)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args, **_kw: (str(next(chosen)), ""))


def test_the_documents_list_is_printed_page_by_page(qtbot, desk, system_printer, tmp_path) -> None:
    dialog = answered_flow(qtbot, desk)
    [button] = [b for b in dialog.findChildren(QPushButton) if b.text() == "&Imprimer la liste des pièces"]
    assert "imprime la liste" in button.toolTip(), "it prints: no PDF viewer is opened any more"
    click(qtbot, dialog, "&Imprimer la liste des pièces")
    [printed] = system_printer.printed
    written = PdfReader(dialog.write_pdf(tmp_path / "liste.pdf"))
    pages = PdfReader(printed).pages
    assert len(pages) == len(written.pages)
    assert all(page.images for page in pages), "each page of the list is on the paper"


def test_with_no_printer_the_agent_is_told_and_saves_the_pdf_instead(
    qtbot, desk, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(printing, "installed_printers", lambda: [])
    dialog = answered_flow(qtbot, desk)
    agent_chooses(monkeypatch, tmp_path / "pieces.pdf")
    said = answer_next_message_box(QMessageBox.StandardButton.Save)  # « Enregistrer en PDF… »
    click(qtbot, dialog, "&Imprimer la liste des pièces")
    assert said and "Aucune imprimante n'est installée sur ce poste" in said[0]
    assert "Liste des pièces à fournir" in pdf_text(tmp_path / "pieces.pdf")


# The printer that refuses is the point: Qt warns that painting on it could not begin.
@pytest.mark.qt_log_ignore("^QPainter::begin")
def test_a_printer_that_refuses_is_said_and_the_pdf_offered(
    qtbot, desk, system_printer, tmp_path, monkeypatch
) -> None:
    system_printer.folder = tmp_path / "débranchée"  # Qt cannot open its output: the printing fails
    dialog = answered_flow(qtbot, desk)
    said = answer_next_message_box(QMessageBox.StandardButton.Close)
    click(qtbot, dialog, "&Imprimer la liste des pièces")
    assert said and "L'imprimante choisie n'a pas accepté le document" in said[0]
    assert "enregistrez le document en PDF" in said[0]
    assert dialog.isVisible(), "the flow goes on"


def test_saving_the_documents_list_where_it_cannot_be_written(qtbot, desk, tmp_path, monkeypatch) -> None:
    dialog = answered_flow(qtbot, desk)
    agent_chooses(monkeypatch, tmp_path / "clé absente" / "pieces.pdf", tmp_path / "pieces.pdf")
    said = answer_next_message_box(QMessageBox.StandardButton.Ok)
    click(qtbot, dialog, "&Enregistrer la liste des pièces (PDF)…")
    assert said and "Impossible d'enregistrer la liste des pièces dans « " in said[0]
    assert "choisissez un autre dossier" in said[0]
    click(qtbot, dialog, "&Enregistrer la liste des pièces (PDF)…")  # another place: nothing was lost
    assert "Liste des pièces à fournir" in pdf_text(tmp_path / "pieces.pdf")


def test_saving_the_receipt_where_it_cannot_be_written(
    qtbot, desk, system_printer, tmp_path, monkeypatch
) -> None:
    _window, screen = pass_screen(qtbot, desk)
    receive_booklet(qtbot, screen)
    issuance = screen.open_issuance()
    issuance.count.setValue(2)
    qtbot.mouseClick(issuance.hand_out_button, Qt.MouseButton.LeftButton)
    assert "Imprimez le reçu (ou enregistrez-le en PDF)" in issuance.done_text.text()
    agent_chooses(monkeypatch, tmp_path / "clé absente" / "recu.pdf", tmp_path / "recu.pdf")
    said = answer_next_message_box(QMessageBox.StandardButton.Ok)
    click(qtbot, issuance, "&Enregistrer le reçu (PDF)…")
    assert said and "Impossible d'enregistrer le reçu dans « " in said[0]
    click(qtbot, issuance, "&Enregistrer le reçu (PDF)…")
    assert "1001" in pdf_text(tmp_path / "recu.pdf")


@pytest.mark.parametrize(
    ("panel", "button", "what"),
    [
        (PlacesPanel, "E&xporter en CSV…", "la liste des lieux qualifiés"),
        (ReferentsPanel, "Exporter en CSV…", "la liste des référents"),
    ],
)
def test_exporting_a_list_where_it_cannot_be_written(
    qtbot, desk, tmp_path, monkeypatch, panel, button, what
) -> None:
    widget = panel(desk)
    qtbot.addWidget(widget)
    agent_chooses(monkeypatch, tmp_path / "clé absente" / "liste.csv", tmp_path / "liste.csv")
    said = answer_next_message_box(QMessageBox.StandardButton.Ok)
    click(qtbot, widget, button)
    assert said and f"Impossible d'enregistrer {what} dans « " in said[0]
    click(qtbot, widget, button)
    assert (tmp_path / "liste.csv").read_text(encoding="utf-8-sig").strip(), "written at the second try"
