"""Pass numérique on screen: receive a booklet, assess, hand out, print the receipt, refuse a second time."""

from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from app.models.contacts import ContactFilter
from tests.ui.test_contact_form import open_window


class SystemViewer(QObject):
    """Stands for the PDF viewer of the OS (outside the product): records what it was asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[Path] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(Path(url.toLocalFile()))


def viewer() -> SystemViewer:
    handler = SystemViewer()
    QDesktopServices.setUrlHandler("file", handler, "open")
    return handler


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def pass_screen(qtbot, desk):
    window = open_window(qtbot, desk)
    window.nav.setCurrentRow(3)
    return window, window.pass_screen


def receive_booklet(qtbot, screen, numbers: str = "1001-1010") -> None:
    dialog = screen.open_reception()
    qtbot.keyClicks(dialog.booklet, "C-42")
    qtbot.keyClicks(dialog.numbers, numbers)
    assert "10 chèques : 1001 à 1010 · 100 €" in dialog.preview.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_receive_assess_hand_out_print_and_refuse_twice(qtbot, desk) -> None:
    opened = viewer()
    try:
        window, screen = pass_screen(qtbot, desk)
        receive_booklet(qtbot, screen)
        assert screen.stock_figure.text().startswith("10 ")
        assert screen.stock.item(0, 2).text() == "10 / 10"

        assessment = screen.open_assessment()
        assert not assessment.issue_button.isEnabled()
        for question in assessment.questionnaire.questions:
            assessment.answer(question.id, 0)  # a beginner: "Non, jamais" everywhere
        assert "Débutant" in assessment.result.text()
        assert "10 chèques" in assessment.result.text()
        qtbot.mouseClick(assessment.issue_button, Qt.MouseButton.LeftButton)

        issuance = screen.issuance_dialog
        assert issuance.level.currentData() == "debutant"
        assert issuance.count.value() == 10
        issuance.count.selectAll()
        qtbot.keyClicks(issuance.count, "5")
        assert issuance.numbers.text() == "1001 à 1005"
        issuance.age_band.setCurrentIndex(issuance.age_band.findData("75-plus"))
        qtbot.keyClicks(issuance.commune, "Bellegarde")
        qtbot.mouseClick(issuance.hand_out_button, Qt.MouseButton.LeftButton)

        assert issuance.issuance is not None and issuance.issuance.autonomy_level == "debutant"
        [receipt] = opened.opened
        text = pdf_text(receipt)
        for number in ("1001", "1002", "1003", "1004", "1005"):
            assert number in text
        assert "50 €" in text and "1006" not in text

        qtbot.mouseClick(issuance.close_button, Qt.MouseButton.LeftButton)
        form = window.contact_dialog  # the contact follows, flagged and pre-filled
        assert form is not None and form.pass_numerique.isChecked()
        assert form.residence.text() == "Bellegarde"
        form.reject()

        assert screen.stock_figure.text().startswith("5 ")
        assert screen.stock.item(0, 2).text() == "5 / 10"
        assert screen.ledger.item(0, 1).text() == "Remise"

        again = screen.open_issuance()
        again.numbers.clear()
        qtbot.keyClicks(again.numbers, "1003")
        qtbot.mouseClick(again.hand_out_button, Qt.MouseButton.LeftButton)
        assert again.message.isVisible()
        assert "1003 a déjà été remis" in again.message.text()
        assert again.issuance is None
        again.reject()
        assert screen.stock_figure.text().startswith("5 ")
    finally:
        QDesktopServices.unsetUrlHandler("file")


def test_an_agent_hands_out_but_only_the_responsable_keeps_the_stock(qtbot, desk) -> None:
    desk.workstation.set_current_agent(next(a.id for a in desk.workstation.agents() if a.name == "Karim B."))
    _window, screen = pass_screen(qtbot, desk)
    assert screen.issue_button.isEnabled() and screen.assess_button.isEnabled()
    assert not screen.receive_button.isEnabled() and not screen.cancel_button.isEnabled()
    assert "réservés au responsable" in screen.notice.text()


def test_a_wrong_booklet_is_explained_and_nothing_is_recorded(qtbot, desk) -> None:
    _window, screen = pass_screen(qtbot, desk)
    dialog = screen.open_reception()
    qtbot.keyClicks(dialog.booklet, "C-42")
    qtbot.keyClicks(dialog.numbers, "1001-1009")
    assert "un carnet en compte 10" in dialog.preview.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "9 numéro(s) de chèques pour un carnet de 10" in dialog.message.text()
    dialog.reject()
    assert desk.passes.booklets() == []


def test_stock_alerts_in_words_and_cancelled_cheques_leave_the_stock(qtbot, desk) -> None:
    _window, screen = pass_screen(qtbot, desk)
    receive_booklet(qtbot, screen)
    assert "Stock bas" not in screen.alerts.text()
    movement = screen.open_movement("annule")
    qtbot.keyClicks(movement.numbers, "1009-1010")
    movement.reason.setCurrentIndex(movement.reason.findData("abime"))
    qtbot.mouseClick(movement.ok_button, Qt.MouseButton.LeftButton)
    assert screen.stock_figure.text().startswith("8 ")
    assert "⚠ Stock bas : 8 chèques, sous le seuil de 10" in screen.alerts.text()
    assert screen.ledger.item(0, 1).text() == "Annulation" and screen.ledger.item(0, 7).text() == "Abîmé"


def test_a_contact_from_the_history_gets_cheques_and_its_flag(qtbot, desk) -> None:
    opened = viewer()
    try:
        contact = desk.contacts.add(
            {
                **desk.workstation.contact_defaults(),
                **desk.catalogue.defaults,
                "situation": "declarer-impots",
                "duration_minutes": 15,
                "age_band": "60-74",
            }
        )
        window, screen = pass_screen(qtbot, desk)
        receive_booklet(qtbot, screen)
        window.nav.setCurrentRow(2)
        history = window.history
        history.table.selectRow(0)
        history.pass_requested.emit(history.selected_id())
        issuance = screen.issuance_dialog
        assert issuance.contact_id == str(contact.id)
        assert issuance.age_band.currentData() == "60-74"
        issuance.count.setValue(2)
        qtbot.mouseClick(issuance.hand_out_button, Qt.MouseButton.LeftButton)
        assert len(opened.opened) == 1
        qtbot.mouseClick(issuance.close_button, Qt.MouseButton.LeftButton)
        assert window.contact_dialog is None  # the contact exists already: it is flagged, not re-asked
        [current] = desk.contacts.page(ContactFilter())
        assert desk.contacts.get(current.id).pass_numerique
        assert QApplication.activeModalWidget() is None
    finally:
        QDesktopServices.unsetUrlHandler("file")
