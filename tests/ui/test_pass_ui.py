"""Pass numérique on screen: receive a booklet, assess, hand out, print the receipt, refuse a second time."""

from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.models.contacts import ContactFilter
from app.ui.assessment_dialog import AssessmentDialog
from app.ui.issuance_dialog import IssuanceDialog
from app.ui.pass_dialogs import MovementDialog, ReceiveBookletDialog, who
from tests.ui.accessibility import unnamed_controls
from tests.ui.helpers import Keyboard
from tests.ui.test_contact_form import open_window
from tests.ui.test_flows_ui import tab_to


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


def test_receive_assess_hand_out_print_and_refuse_twice(qtbot, desk, system_printer, tmp_path) -> None:
    window, screen = pass_screen(qtbot, desk)
    receive_booklet(qtbot, screen)
    assert screen.stock_figure.text().startswith("10 ")
    assert screen.stock.item(0, 2).text() == "10 / 10"

    assessment = screen.open_assessment()
    assert not assessment.issue_button.isEnabled()
    for question in assessment.questionnaire.questions:
        assessment.answer(question.id, 0)  # a beginner: "Non, jamais" everywhere
    assert "Débutant" in assessment.result_label.text()
    assert "10 chèques" in assessment.result_label.text()
    qtbot.mouseClick(assessment.issue_button, Qt.MouseButton.LeftButton)

    issuance = screen.issuance_dialog
    assert issuance.level.currentData() == "debutant"
    assert issuance.count.value() == 10
    issuance.count.selectAll()
    qtbot.keyClicks(issuance.count, "5")
    assert issuance.numbers.text() == "1001 à 1005"
    issuance.age_band.setCurrentIndex(issuance.age_band.findData("75-plus"))
    qtbot.keyClicks(issuance.commune.edit, "valserh")
    qtbot.keyClick(issuance.commune.edit, Qt.Key.Key_Return)  # picks the highlighted commune
    assert issuance.commune.edit.text() == "Valserhône (01)"
    qtbot.mouseClick(issuance.hand_out_button, Qt.MouseButton.LeftButton)

    assert issuance.issuance is not None and issuance.issuance.autonomy_level == "debutant"
    [printed] = system_printer.printed  # the print dialog opened on its own, once
    assert len(PdfReader(printed).pages) == 1 and PdfReader(printed).pages[0].images
    text = pdf_text(issuance.write_receipt(tmp_path / "recu.pdf"))  # what was printed
    for number in ("1001", "1002", "1003", "1004", "1005"):
        assert number in text
    assert "50 €" in text and "1006" not in text

    qtbot.mouseClick(issuance.close_button, Qt.MouseButton.LeftButton)
    form = window.contact_dialog  # the contact follows, flagged and pre-filled
    assert form is not None and form.pass_numerique.isChecked()
    assert form.residence.edit.text() == "Valserhône (01)"
    assert form.fields()["residence_commune"] == "01033"
    assert issuance.issuance.residence_commune == "01033"
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


def test_a_contact_from_the_history_gets_cheques_and_its_flag(qtbot, desk, system_printer) -> None:
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
    assert len(system_printer.printed) == 1
    qtbot.mouseClick(issuance.close_button, Qt.MouseButton.LeftButton)
    assert window.contact_dialog is None  # the contact exists already: it is flagged, not re-asked
    [current] = desk.contacts.page(ContactFilter())
    assert desk.contacts.get(current.id).pass_numerique
    assert QApplication.activeModalWidget() is None


# --- keyboard alone, named for screen readers, nothing told by colour alone -------------------------


def wait_for_dialog(qtbot, kind):
    """The dialog of `kind` a key just opened (a button's shortcut clicks it 100 ms later), once it
    has the keyboard."""
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), kind))
    dialog = QApplication.activeModalWidget()
    activate(qtbot, dialog)
    return dialog


def activate(qtbot, dialog) -> None:
    """Wait for a dialog just opened to take the keyboard, as it does on screen."""
    qtbot.waitUntil(lambda: dialog.isVisible() and QApplication.activeWindow() is dialog)


def back_to(qtbot, window) -> None:
    """Back in the main window after a dialog closed, as the window manager would do."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window and QApplication.focusWidget() is not None)


def test_the_pass_numerique_with_the_keyboard_alone(qtbot, desk, system_printer) -> None:
    window = open_window(qtbot, desk)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)  # Pass numérique
    screen = window.pass_screen
    qtbot.waitUntil(screen.isVisible)
    assert unnamed_controls(screen) == []

    keys.press(Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # Recevoir un ca&rnet…
    reception = wait_for_dialog(qtbot, ReceiveBookletDialog)
    assert unnamed_controls(reception) == []
    assert reception.funder.hasFocus()
    keys.press(Qt.Key.Key_F1)  # the list of shortcuts from any dialog, and back to it with Escape
    qtbot.waitUntil(lambda: window.shortcuts_dialog is not None and window.shortcuts_dialog.table.hasFocus())
    keys.press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.shortcuts_dialog is None)
    activate(qtbot, reception)  # as the window manager does when the list closes
    assert reception.funder.hasFocus()
    keys.press(Qt.Key.Key_Tab)
    keys.type("C-42")
    keys.press(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # &Numéros des chèques
    keys.type("1001-1010")
    keys.press(Qt.Key.Key_Return)  # Enregistrer la réception
    assert not reception.isVisible()
    assert screen.stock.item(0, 2).text() == "10 / 10"

    back_to(qtbot, window)
    keys.press(Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)  # É&valuer l'autonomie…
    assessment = wait_for_dialog(qtbot, AssessmentDialog)
    assert unnamed_controls(assessment) == []
    for number, question in enumerate(assessment.questionnaire.questions):
        if number:
            keys.press(Qt.Key.Key_Tab)  # the next question: one stop per question
        focused = QApplication.focusWidget()
        assert focused.accessibleDescription() == question.text
        keys.press(Qt.Key.Key_Space)  # "Non, jamais": a beginner
        if not number:
            keys.press(Qt.Key.Key_Return)  # Enter on an answer keeps the questionnaire open
            assert assessment.isVisible()
    assert "Débutant" in assessment.result_label.text()
    assert unnamed_controls(assessment) == []
    keys.press(Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # &Remettre un Pass numérique…

    issuance = wait_for_dialog(qtbot, IssuanceDialog)
    assert issuance.level.currentData() == "debutant" and issuance.count.value() == 10
    assert unnamed_controls(issuance) == []
    assert issuance.count.hasFocus()
    keys.press(Qt.Key.Key_Down)  # 9 chèques
    keys.press(Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # &Commune
    keys.type("valserh")
    keys.press(Qt.Key.Key_Return)  # picks Valserhône (01)
    keys.press(Qt.Key.Key_Return)  # Remettre et imprimer le reçu
    assert issuance.issuance is not None and len(issuance.issuance.cheques) == 9
    assert len(system_printer.printed) == 1
    assert issuance.done_text.text().startswith("✓ 9 chèques remis")
    assert unnamed_controls(issuance) == []
    keys.press(Qt.Key.Key_Return)  # Terminer
    assert not issuance.isVisible()
    form = window.contact_dialog
    assert form is not None and form.pass_numerique.isChecked()
    activate(qtbot, form)
    keys.press(Qt.Key.Key_Escape)

    back_to(qtbot, window)
    keys.press(Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # Ann&uler des chèques…
    movement = wait_for_dialog(qtbot, MovementDialog)
    assert unnamed_controls(movement) == []
    keys.type("1010")
    keys.press(Qt.Key.Key_Return)  # Annuler ces chèques
    assert not movement.isVisible()
    assert screen.ledger.item(0, 1).text() == "Annulation"
    assert screen.stock_figure.text().startswith("0 ")


def test_the_qualified_places_with_the_keyboard_alone(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    screen = window.pass_screen
    qtbot.waitUntil(screen.isVisible)
    tab_to(qtbot, screen.tabs.tabBar())
    while screen.tabs.currentWidget() is not screen.places:
        keys.press(Qt.Key.Key_Right)
    assert unnamed_controls(screen) == []
    keys.press(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # &Nom
    keys.type("Mediatheque")  # QTest types ASCII only
    keys.press(Qt.Key.Key_Tab)
    keys.type("2 rue Centrale")
    keys.press(Qt.Key.Key_Tab)
    keys.type("Lancrans")
    keys.press(Qt.Key.Key_Return)  # adds the place
    [place] = desk.places.list()
    assert (place.name, place.commune) == ("Mediatheque", "Lancrans")
    assert screen.places.table.item(0, 0).text() == "Mediatheque"
    tab_to(qtbot, screen.places.table)  # on its first row
    keys.press(Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)  # Retirer le l&ieu sélectionné
    qtbot.waitUntil(lambda: desk.places.list() == [])


def test_a_booklet_near_or_past_its_end_says_so_in_words(qtbot, desk) -> None:
    today = date.today()
    for booklet, first, valid_until, received_on in (
        ("OK", 1001, today + timedelta(days=365), None),
        ("BIENTOT", 2001, today + timedelta(days=10), None),
        ("PERIME", 3001, today - timedelta(days=5), today - timedelta(days=60)),
    ):
        desk.passes.receive_booklet(
            **who(desk),
            funder="CAF",
            booklet=booklet,
            cheques=[str(number) for number in range(first, first + 10)],
            booklet_size=10,
            valid_until=valid_until,
            received_on=received_on,
        )
    _window, screen = pass_screen(qtbot, desk)
    table = screen.stock
    remarks = {}
    for row in range(table.rowCount()):
        coloured = any(
            table.item(row, column).background().style() != Qt.BrushStyle.NoBrush
            for column in range(table.columnCount())
        )
        remark = table.item(row, 3).text()
        remarks[table.item(row, 1).text()] = remark
        assert coloured == remark.startswith("⚠"), "a coloured row says why in words, and only then"
    assert remarks["OK"] == ""
    assert remarks["BIENTOT"] == "⚠ Expire dans 10 jours"
    assert remarks["PERIME"].startswith("⚠ Périmé")
    assert "expirent d'ici 30 jours" in screen.alerts.text()
    assert "périmés encore en stock" in screen.alerts.text()


def test_a_handing_out_the_server_refused_is_shown_and_the_responsable_gives_other_cheques(
    qtbot, desk
) -> None:
    from app.sync.outbox import record_results
    from app.sync.transport import ItemResult

    _window, screen = pass_screen(qtbot, desk)
    receive_booklet(qtbot, screen)
    issuance = desk.passes.hand_out(
        structure=desk.workstation.structure.matricule, agent="Karim B.", cheques=["1003"]
    )
    reason = "Le chèque 1003 a déjà été remis sur un autre poste le 03/12/2026 à 14 h 02 : cette remise n'est pas comptée."
    record_results(desk.db, [ItemResult(str(issuance.id), "rejected", "conflict", reason)])
    screen.refresh()
    assert screen.refused.isVisible() and screen.resolve_button.isVisible()
    assert "1 mouvement refusé par le serveur" in screen.refused.text()
    assert f"Remise des chèques 1003 : {reason}" in screen.refused.text()

    desk.workstation.set_current_agent(next(a.id for a in desk.workstation.agents() if a.name == "Karim B."))
    screen.refresh()
    assert not screen.resolve_button.isEnabled()
    desk.workstation.set_current_agent(next(a.id for a in desk.workstation.agents() if a.is_manager))
    screen.refresh()
    dialog = screen.open_resolution()
    qtbot.keyClicks(dialog.replacement, "9999")  # not in the stock: explained, nothing recorded
    dialog.resolve()
    assert "Chèque inconnu : n° 9999" in dialog.error.text() and dialog.isVisible()
    assert desk.passes.refused_moves() != []
    dialog.replacement.clear()
    qtbot.keyClicks(dialog.replacement, "1004")
    dialog.resolve()
    assert not dialog.isVisible()
    assert not screen.refused.isVisible()
    states = dict(desk.db.execute("SELECT number, state FROM pass_cheques WHERE number IN ('1003', '1004')"))
    assert states == {"1003": "disponible", "1004": "remis"}


def test_with_no_cheque_in_stock_nothing_can_be_handed_out(qtbot, desk) -> None:
    """An empty stock disables « Remettre et imprimer le reçu » and says why; a booklet enables it."""
    _window, screen = pass_screen(qtbot, desk)
    dialog = screen.open_issuance()
    assert not dialog.hand_out_button.isEnabled()
    assert dialog.message.isVisible() and "Aucun chèque utilisable en stock" in dialog.message.text()
    dialog.reject()
    receive_booklet(qtbot, screen)
    dialog = screen.open_issuance()
    assert dialog.hand_out_button.isEnabled()
    dialog.reject()


def test_the_assessment_is_answered_with_1_2_3_as_the_flows_are(qtbot, desk) -> None:
    """Ten questions, ten keys: each answers the question in hand and moves to the next one."""
    _window, screen = pass_screen(qtbot, desk)
    assessment = screen.open_assessment()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is assessment)
    keys = Keyboard(qtbot)
    questions = assessment.questionnaire.questions
    for number in range(len(questions)):
        keys.press(Qt.Key.Key_2 if number == 4 else Qt.Key.Key_3)
    assert keys.count == len(questions) == 10
    values = {value for value, _label in assessment.questionnaire.answers}
    expected = {q.id: max(values) for q in questions} | {questions[4].id: sorted(values)[1]}
    assert assessment._answers() == expected
    assert assessment.result_label.isVisible()
    assessment.groups[questions[7].id].buttons()[0].setFocus()  # back on question 8: 1 changes it
    keys.press(Qt.Key.Key_1)
    assert assessment._answers()[questions[7].id] == min(values)
    assessment.reject()
