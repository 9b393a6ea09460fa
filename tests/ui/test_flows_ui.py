from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from app.models.contacts import ContactFilter
from app.models.referents import Referent
from app.ui.flow_dialog import ComplexCaseDialog, FlowDialog
from tests.ui.helpers import Keyboard
from tests.ui.test_contact_form import open_window


def open_flow(qtbot, window, query: str) -> FlowDialog:
    window.nav.setCurrentRow(1)
    screen = window.flows_screen
    screen.search.setFocus()
    qtbot.keyClicks(screen.search, query)
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    dialog = window.flow_dialog
    assert dialog.isVisible()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def answer_all(qtbot, dialog: FlowDialog, choose) -> None:
    """Click through the questions; `choose(question)` names the answer label to pick."""
    while (question := dialog.flow.next_question(dialog.answers)) is not None:
        wanted = choose(question)
        [button] = [
            b
            for b in dialog.question_box.findChildren(QPushButton)
            if b.accessibleName() == wanted and not b.isHidden()
        ]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def tenant_with_a_car(question) -> str:
    labels = [answer.label for answer in question.answers]
    if "Locataire" in labels:
        return "Locataire"
    if "véhicule" in question.text.lower() and "Oui" in labels:
        return "Oui"
    return labels[0]


def test_search_ignores_accents_and_case(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    screen = window.flows_screen
    qtbot.keyClicks(screen.search, "DEMENAGE")
    assert screen.visible_situations() == ["demenagement"]
    screen.search.clear()
    qtbot.keyClicks(screen.search, "impot")
    assert "declarer-impots" in screen.visible_situations()
    screen.search.clear()
    assert len(screen.visible_situations()) == 21


def test_je_demenage_as_a_tenant_with_a_car_ends_in_a_contact_saved_with_one_key(
    qtbot, desk, tmp_path: Path
) -> None:
    window = open_window(qtbot, desk)
    dialog = open_flow(qtbot, window, "demenage")
    assert not dialog.finish_button.isEnabled(), "questions first"
    answer_all(qtbot, dialog, tenant_with_a_car)
    steps = {step.id: step for step in dialog.visible_steps()}
    assert "carte-grise" in steps and "reexpedition-courrier" in steps
    assert "preavis" in " ".join(steps) or any("préavis" in s.text.lower() for s in steps.values())
    dialog.tick("carte-grise")
    dialog.tick("reexpedition-courrier")

    pdf = dialog.write_pdf(tmp_path / "pieces.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Liste des pièces à fournir" in text and "Je déménage" in text
    for document in dialog.flow.documents_for(dialog.answers):
        assert document.text[:25] in text.replace("\n", " ")

    qtbot.keyClick(dialog.checklist, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Terminer
    form = window.contact_dialog
    assert form is not None and form.isVisible()
    assert form.situation.situation.id == "demenagement"
    ticked_partners = {steps["carte-grise"].partner, steps["reexpedition-courrier"].partner}
    checked = {pid for pid, box in form.partner_boxes.items() if box.isChecked()}
    assert checked == ticked_partners - {None}
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_Return)
    assert keys.count == 1
    [row] = desk.contacts.page(ContactFilter())
    assert row.situation == "demenagement" and set(row.partners) == checked
    assert row.help_kind in ("demarche-en-ligne", "constitution-dossier")
    assert row.outcome == "resolu" and row.duration_minutes >= 1


def test_an_abandoned_flow_records_nothing(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_flow(qtbot, window, "impots")
    answer_all(qtbot, dialog, lambda question: question.answers[0].label)
    dialog.tick(dialog.visible_steps()[0].id)
    qtbot.keyClick(dialog.checklist, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert window.contact_dialog is None
    assert desk.contacts.count(ContactFilter()) == 0


def test_a_complex_case_shows_the_referents_and_records_an_escalation(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_flow(qtbot, window, "allocation logement")
    partner = dialog.flow.complex[0].partner
    desk.referents.save(Referent(partner, "Mme Martin", "04 50 00 00 01", "referente@partenaire.example.fr"))
    answer_all(qtbot, dialog, lambda question: question.answers[0].label)

    def in_the_complex_dialog() -> None:
        complex_dialog = QApplication.activeModalWidget()
        assert isinstance(complex_dialog, ComplexCaseDialog)
        assert "Mme Martin" in complex_dialog.referents.text()
        complex_dialog.record()

    QTimer.singleShot(0, in_the_complex_dialog)
    qtbot.mouseClick(dialog.complex_button, Qt.MouseButton.LeftButton)
    assert dialog.escalated
    [escalation] = desk.escalations.current()
    assert escalation.partner == partner and escalation.status == "en-attente"
    dialog.finish()
    form = window.contact_dialog
    assert form.outcome.currentData() == "attente-referent"
    assert form.help_kind.currentData() == "orientation"
    form.save_button.click()
    window.nav.setCurrentRow(1)
    assert window.flows_screen.escalations.rowCount() == 1
