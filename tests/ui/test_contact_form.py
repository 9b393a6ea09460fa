from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from app.models.contacts import ContactFilter
from app.ui.contact_form import ContactDialog
from app.ui.main_window import MainWindow
from tests.ui.helpers import Keyboard


def open_window(qtbot, workspace) -> MainWindow:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
    return window


def open_form(qtbot, window) -> ContactDialog:
    window.activateWindow()  # back from a closed dialog, as the window manager would do
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = window.contact_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.situation.edit.hasFocus())
    return dialog


def test_a_typical_contact_takes_five_keystrokes(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_form(qtbot, window)
    keys = Keyboard(qtbot)
    keys.type("imp")
    keys.press(Qt.Key.Key_Return)  # picks "Je déclare mes impôts" and its partner
    keys.press(Qt.Key.Key_Return)  # saves
    assert keys.count <= 5
    qtbot.waitUntil(lambda: not dialog.isVisible())
    [row] = desk.contacts.page(ContactFilter())
    assert row.situation == "declarer-impots"
    assert row.partners == ("dgfip",)
    assert (row.channel, row.help_kind, row.outcome) == ("sur-place", "information", "resolu")
    assert (row.agent, row.place) == (desk.workstation.current_agent.name, "Valserhône")
    assert row.duration_minutes == 1
    assert window.home.today_figure.text() == "1"


def test_accents_and_keywords_find_the_situation(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_form(qtbot, window)
    keys = Keyboard(qtbot)
    keys.type("carte grise")
    assert dialog.situation.list.currentItem().text() == "Je me déplace"
    dialog.situation.edit.clear()
    keys.type("demenag")
    keys.press(Qt.Key.Key_Return)
    assert dialog.situation.situation.id == "demenagement"
    assert dialog.partner_boxes["la-poste"].isChecked()


def type_text(widget: QWidget, text: str) -> None:
    """Key presses carrying each character, accented ones included (QTest's key clicks only know
    the keys of an English keyboard)."""
    for character in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, character)
            QApplication.sendEvent(widget, event)


def test_digital_help_is_found_by_the_words_agents_use(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_form(qtbot, window)
    keys = Keyboard(qtbot)
    label = "J'ai besoin d'aide avec le numérique"
    for word in ("numérique", "mail", "imprimer", "scanner", "FranceConnect"):
        dialog.situation.edit.clear()
        type_text(dialog.situation.edit, word)
        assert dialog.situation.list.currentItem().text() == label, word
    dialog.situation.edit.clear()
    keys.type("Pass")  # also "passeport": both are offered
    offered = [dialog.situation.list.item(i).text() for i in range(dialog.situation.list.count())]
    assert label in offered and "J'établis mes papiers d'identité" in offered
    dialog.situation.edit.clear()
    keys.type("scanner")
    keys.press(Qt.Key.Key_Return)  # picks the situation and its main partner
    assert dialog.situation.situation.id == "aide-numerique"
    assert dialog.partner_boxes["autre"].isChecked()
    keys.press(Qt.Key.Key_Return)  # saves
    qtbot.waitUntil(lambda: not dialog.isVisible())
    [row] = desk.contacts.page(ContactFilter())
    assert (row.situation, row.partners) == ("aide-numerique", ("autre",))


def test_ctrl_n_opens_the_form_from_every_screen(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    for row in range(window.nav.count()):
        window.nav.setCurrentRow(row)
        window.stack.currentWidget().setFocus()
        dialog = open_form(qtbot, window)
        qtbot.keyClick(dialog.situation.edit, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda dialog=dialog: not dialog.isVisible())


def test_saving_without_a_situation_says_so_and_saves_nothing(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_form(qtbot, window)
    Keyboard(qtbot).press(Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert "Choisissez une situation" in dialog.error.text()
    assert desk.contacts.count(ContactFilter()) == 0
    keys = Keyboard(qtbot)
    keys.type("imp")
    keys.press(Qt.Key.Key_Return)  # a valid choice: the warning goes
    assert dialog.situation.situation.id == "declarer-impots"
    assert dialog.isVisible() and dialog.error.isHidden()


def test_the_note_refuses_a_phone_number_and_keeps_the_form(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_form(qtbot, window)
    keys = Keyboard(qtbot)
    keys.type("naiss")
    keys.press(Qt.Key.Key_Return)
    dialog.note.setPlainText("rappeler la maman au 06 12 34 56 78")
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "téléphone" in dialog.error.text()
    assert dialog.note.hasFocus()
    assert dialog.situation.situation.id == "naissance", "nothing typed is lost"
    assert desk.contacts.count(ContactFilter()) == 0
    dialog.note.setPlainText("rappeler la semaine prochaine")
    dialog.save_button.click()
    [row] = desk.contacts.page(ContactFilter())
    assert row.note == "rappeler la semaine prochaine"


def test_save_and_new_keeps_the_form_open_for_the_next_citizen(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_form(qtbot, window)
    keys = Keyboard(qtbot)
    keys.type("retraite")
    keys.press(Qt.Key.Key_Return)
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible()
    assert dialog.situation.situation is None and dialog.situation.edit.text() == ""
    assert "enregistré" in dialog.error.text()
    keys.type("impot")
    keys.press(Qt.Key.Key_Return)
    keys.press(Qt.Key.Key_Return)
    situations = sorted(r.situation for r in desk.contacts.page(ContactFilter()))
    assert situations == ["declarer-impots", "preparer-retraite"]


def test_the_duration_is_the_visit_s_and_is_corrected_in_one_step(qtbot, desk) -> None:
    """Agents record at the end: the duration runs from the first action for the person (here
    « Nouvelle personne », Ctrl+Maj+N), not from the form's opening; Alt+D and the real figure
    correct it, and the clock no longer overrides what the agent typed."""
    window = open_window(qtbot, desk)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert desk.visit.started_at() is not None
    desk.visit.new_person(datetime.now(UTC) - timedelta(minutes=26, seconds=30))  # 27 begun minutes
    dialog = open_form(qtbot, window)
    assert dialog.duration.value() == 27
    dialog.situation.select("rembourser-soins")
    dialog.save_button.click()
    assert desk.contacts.page(ContactFilter())[0].duration_minutes == 27
    assert desk.visit.started_at() is None  # the contact ends the visit

    dialog = open_form(qtbot, window)
    keys.type("soins")
    keys.press(Qt.Key.Key_Return)  # picks the situation
    keys.press(Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # &Durée: the whole figure selected
    assert dialog.duration.hasFocus()
    keys.type("40")
    dialog._refresh_duration()  # the clock ticks while the agent types
    assert dialog.duration.value() == 40
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert sorted(r.duration_minutes for r in desk.contacts.page(ContactFilter())) == [27, 40]


def test_a_flow_the_portal_or_an_assessment_begins_the_visit(qtbot, desk) -> None:
    """The first of them starts the clock; the next ones belong to the same visit."""
    window = open_window(qtbot, desk)
    flow = window.open_flow("demenagement")
    started = desk.visit.started_at()
    assert started is not None
    flow.reject()
    window.pass_screen.open_assessment().reject()
    assert desk.visit.started_at() == started
    desk.visit.end()
    window.pass_screen.open_assessment().reject()
    assert desk.visit.started_at() is not None


def test_the_form_never_asks_for_identity(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_form(qtbot, window)
    names = " ".join(w.accessibleName() for w in dialog.findChildren(QLineEdit)).lower()
    assert "commune de résidence" in names
    for forbidden in ("nom de la personne", "prénom", "sécurité sociale", "téléphone", "e-mail"):
        assert forbidden not in names


def test_the_commune_of_residence_is_typed_ahead_and_recorded_as_its_code(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_form(qtbot, window)
    keys = Keyboard(qtbot)
    keys.type("imp")
    keys.press(Qt.Key.Key_Return)
    assert not dialog.residence.list.isVisibleTo(dialog), "an optional field takes no room until used"
    dialog.residence.setFocus()
    keys.type("montel")
    shown = [dialog.residence.list.item(row).text() for row in range(dialog.residence.list.count())]
    assert shown[:4] == ["Montel-de-Gelat (63)", "Montéléger (26)", "Montélier (26)", "Montélimar (26)"]
    assert dialog.residence.list.isVisibleTo(dialog)
    for _ in range(3):
        keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_Return)  # picks Montélimar, does not save yet
    assert dialog.isVisible() and dialog.residence.edit.text() == "Montélimar (26)"
    assert not dialog.residence.list.isVisibleTo(dialog)
    keys.press(Qt.Key.Key_Return)  # saves
    qtbot.waitUntil(lambda: not dialog.isVisible())
    [row] = desk.contacts.page(ContactFilter())
    record = desk.contacts.get(row.id)
    assert record.residence_commune == "26198"

    correction = ContactDialog(desk, window, existing=record)
    qtbot.addWidget(correction)
    assert correction.residence.edit.text() == "Montélimar (26)", "the name, never the code"
    assert correction.fields()["residence_commune"] == "26198"


def test_the_structures_departement_comes_first_among_homonyms(qtbot, desk) -> None:
    dialog = ContactDialog(desk)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.residence.edit, "saint-jean-de")
    assert dialog.residence.list.item(0).text().endswith("(01)"), "a desk in the Ain: Ain's first"


def test_a_commune_typed_but_not_chosen_is_refused_and_nothing_is_lost(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_form(qtbot, window)
    dialog.situation.select("naissance")
    qtbot.keyClicks(dialog.residence.edit, "Mme Martin")
    assert dialog.residence.list.count() == 0 and not dialog.residence.list.isVisibleTo(dialog)
    dialog.save_button.click()
    assert dialog.isVisible() and "liste officielle" in dialog.error.text()
    assert "Martin" not in dialog.error.text()
    assert dialog.residence.edit.hasFocus()
    assert desk.contacts.count(ContactFilter()) == 0
    dialog.residence.clear()
    dialog.save_button.click()
    [row] = desk.contacts.page(ContactFilter())
    assert desk.contacts.get(row.id).residence_commune is None


def test_the_place_is_chosen_among_the_stops_and_a_correction_keeps_a_former_one(qtbot, bus) -> None:
    fields = {
        **bus.workstation.contact_defaults(),
        "place": "Étreux",
        "situation": "naissance",
        "channel": "sur-place",
        "help_kind": "information",
        "outcome": "resolu",
        "duration_minutes": 5,
    }
    record = bus.contacts.add(fields)
    bus.workstation.set_stops(["Guise", "Wassigny"], "Guise")  # Étreux leaves the round
    dialog = ContactDialog(bus)
    qtbot.addWidget(dialog)
    assert not dialog.place.isEditable(), "a typed place could hold a name"
    assert [dialog.place.itemText(i) for i in range(dialog.place.count())] == ["Guise", "Wassigny"]
    correction = ContactDialog(bus, existing=record)
    qtbot.addWidget(correction)
    assert correction.place.currentText() == "Étreux"
    correction.outcome.setCurrentIndex(correction.outcome.findData("oriente"))
    correction.save_button.click()
    [row] = bus.contacts.page(ContactFilter())
    assert (row.place, row.outcome) == ("Étreux", "oriente")
