import dataclasses
from datetime import date
from pathlib import Path

from dateutil.relativedelta import relativedelta
from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from app.models.contacts import ContactFilter
from app.models.flows import load_flows
from app.models.referents import Referent
from app.ui.flow_dialog import STEP_ROLE, ComplexCaseDialog, FlowDialog
from tests.ui.accessibility import unnamed_controls
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
    assert len(screen.visible_situations()) == 22


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


def test_digital_help_at_the_desk_ends_in_a_contact_with_its_situation(qtbot, desk) -> None:
    """The most frequent help: a FranceConnect account for someone who has none, and a Pass
    numérique for someone who wants to learn; the contact is pre-filled with « aide-numerique »."""
    window = open_window(qtbot, desk)
    dialog = open_flow(qtbot, window, "numerique")
    assert dialog.flow.situation == "aide-numerique"

    def no_account_wants_training(question) -> str:
        return {
            "besoin": "Me connecter à un site public (FranceConnect)",
            "compte-existant": "Non, ou je ne sais pas",
            "autonomie": "Oui, avec un peu d'aide",
            "formation": "Oui",
        }[question.id]

    answer_all(qtbot, dialog, no_account_wants_training)
    shown = [step.id for step in dialog.visible_steps()]
    assert {"confidentialite", "franceconnect", "france-identite", "pass-numerique"} <= set(shown)
    assert "imprimer-scanner" not in shown and "aidants-connect" not in shown
    dialog.tick("franceconnect")
    dialog.tick("identite-numerique-la-poste")
    qtbot.keyClick(dialog.checklist, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Terminer
    form = window.contact_dialog
    assert form is not None and form.isVisible()
    assert form.situation.situation.id == "aide-numerique"
    assert form.situation.edit.text() == "J'ai besoin d'aide avec le numérique"
    form.save_button.click()
    [row] = desk.contacts.page(ContactFilter())
    assert row.situation == "aide-numerique" and row.partners == ("la-poste",)
    assert row.help_kind == "demarche-en-ligne" and row.outcome == "resolu"


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
    assert dialog.solicited == [partner]
    [escalation] = desk.escalations.current()
    assert escalation.partner == partner and escalation.status == "en-attente"
    dialog.finish()
    form = window.contact_dialog
    assert form.outcome.currentData() == "attente-referent"
    assert form.help_kind.currentData() == "orientation"
    form.save_button.click()
    window.nav.setCurrentRow(1)
    assert window.flows_screen.escalations.rowCount() == 1


def test_a_flow_s_contact_keeps_the_partner_solicited(qtbot, desk) -> None:
    """« Je déménage »: La Poste's step ticked, then the CAF's referent solicited — the pre-filled
    contact names both, so the per-partner counts see the CAF."""
    window = open_window(qtbot, desk)
    dialog = open_flow(qtbot, window, "demenage")
    answer_all(qtbot, dialog, tenant_with_a_car)
    dialog.tick("reexpedition-courrier")

    def solicit_the_caf() -> None:
        complex_dialog = QApplication.activeModalWidget()
        assert isinstance(complex_dialog, ComplexCaseDialog)
        complex_dialog.partner.setCurrentIndex(complex_dialog.partner.findData("caf"))
        complex_dialog.record()

    QTimer.singleShot(0, solicit_the_caf)
    qtbot.mouseClick(dialog.complex_button, Qt.MouseButton.LeftButton)
    dialog.finish()
    form = window.contact_dialog
    ticked = {pid for pid, box in form.partner_boxes.items() if box.isChecked()}
    assert ticked == {"la-poste", "caf"}
    form.save_button.click()
    [row] = desk.contacts.page(ContactFilter())
    assert set(row.partners) == {"la-poste", "caf"}


# --- keyboard alone, and named for screen readers --------------------------------------------------


def tab_to(qtbot, target, limit: int = 40) -> int:
    """Press Tab until `target` has the keyboard focus, as an agent would; how many presses it took."""
    keys = Keyboard(qtbot)
    while not target.hasFocus():
        assert keys.count < limit, f"Tab never reaches {target.accessibleName() or target}"
        keys.press(Qt.Key.Key_Tab)
    return keys.count


def test_a_flow_from_the_search_to_the_contact_with_the_keyboard_alone(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Parcours
    screen = window.flows_screen
    qtbot.waitUntil(screen.isVisible)  # shown at the next turn of the event loop, as on screen
    assert unnamed_controls(screen) == []
    tab_to(qtbot, screen.search)
    keys.type("demenage")
    keys.press(Qt.Key.Key_Return)
    dialog = window.flow_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    assert unnamed_controls(dialog) == []
    opened: list[str] = []
    dialog.open_url.disconnect()  # the visit's browser is not under test here
    dialog.open_url.connect(opened.append)

    while (question := dialog.flow.next_question(dialog.answers)) is not None:
        focused = QApplication.focusWidget()
        assert isinstance(focused, QPushButton) and focused.accessibleName() == question.answers[0].label
        number = [answer.label for answer in question.answers].index(tenant_with_a_car(question)) + 1
        keys.press(getattr(Qt.Key, f"Key_{number}"))
        qtbot.waitUntil(
            lambda question=question: question.id in dialog.answers
        )  # a button's shortcut clicks it after 100 ms
    assert dialog.checklist.hasFocus(), "the steps come next, without the mouse"
    assert unnamed_controls(dialog) == []

    steps = dialog.step_items()
    assert dialog.checklist.currentItem() is steps[0]
    keys.press(Qt.Key.Key_Space)  # ticks the first step
    assert dialog.done_steps() == [steps[0].data(0, STEP_ROLE)]
    assert steps[0].text(0).endswith("✔ fait"), "the tick is said in words, not by a colour alone"
    assert f"1 sur {len(steps)} fait" in dialog.checklist_box.title()
    keys.press(Qt.Key.Key_Space)
    assert dialog.done_steps() == [] and "✔" not in steps[0].text(0)
    with_link = next(item for item in steps if item.data(0, STEP_ROLE).link)
    while dialog.checklist.currentItem() is not with_link:
        keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_Space)
    keys.press(Qt.Key.Key_Return)  # what a double click does: the step's site
    assert opened == [with_link.data(0, STEP_ROLE).link]
    assert dialog.isVisible(), "Enter on a step opens its site, it does not end the flow"

    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Terminer
    form = window.contact_dialog
    assert form is not None and form.isVisible()
    assert form.situation.situation.id == "demenagement"
    partner = with_link.data(0, STEP_ROLE).partner
    if partner:
        assert form.partner_boxes[partner].isChecked()


def test_a_complex_case_and_its_escalation_with_the_keyboard_alone(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_flow(qtbot, window, "allocation logement")
    keys = Keyboard(qtbot)
    while (question := dialog.flow.next_question(dialog.answers)) is not None:
        keys.press(Qt.Key.Key_1)
        qtbot.waitUntil(lambda question=question: question.id in dialog.answers)
    seen: list = []

    def in_the_complex_dialog() -> None:
        complex_dialog = QApplication.activeModalWidget()
        if (
            not isinstance(complex_dialog, ComplexCaseDialog)
            or QApplication.activeWindow() is not complex_dialog
        ):
            QTimer.singleShot(10, in_the_complex_dialog)
            return
        seen.append((unnamed_controls(complex_dialog), complex_dialog.partner.hasFocus()))
        keys.press(Qt.Key.Key_Return)  # the default button records
        if complex_dialog.isVisible():
            complex_dialog.reject()  # never a test left hanging on a modal dialog

    QTimer.singleShot(0, in_the_complex_dialog)
    keys.press(Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)  # Situation comple&xe…
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [([], True)]
    assert dialog.solicited
    [escalation] = desk.escalations.current()
    assert escalation.status == "en-attente"
    dialog.activateWindow()  # back from the closed dialog, as the window manager would do
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    keys.press(Qt.Key.Key_Escape)  # abandons the flow; the escalation stays
    assert not dialog.isVisible()

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    screen = window.flows_screen
    screen.refresh()
    assert "EN RETARD" not in screen.escalations.item(0, 4).text()
    tab_to(qtbot, screen.escalations)  # on its first row
    keys.press(Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # Marquer « &répondu »
    qtbot.waitUntil(lambda: desk.escalations.current()[0].status == "repondu")
    [answered] = desk.escalations.current()
    assert answered.id != escalation.id


def test_each_step_says_when_it_was_checked_and_a_stale_one_is_to_be_checked_again(qtbot, desk) -> None:
    """A step checked more than 12 months ago is marked « à revérifier » in words, on the step and
    under the list; a recent one only says, discreetly, when it was checked."""
    flow = load_flows()["se-deplacer"]
    long_ago = (date.today() - relativedelta(months=13)).isoformat()
    recently = (date.today() - relativedelta(months=11)).isoformat()
    steps = tuple(
        dataclasses.replace(step, checked=long_ago if step.id == "compte-france-titres" else recently)
        for step in flow.steps
    )
    dialog = FlowDialog(desk, dataclasses.replace(flow, steps=steps))
    qtbot.addWidget(dialog)
    dialog.show()
    answer_all(qtbot, dialog, lambda question: question.answers[0].label)
    items = {item.data(0, STEP_ROLE).id: item for item in dialog.step_items()}
    assert "compte-france-titres" in items, "every branch shows the France Titres account"
    stale = items.pop("compte-france-titres")
    assert stale.text(0).endswith("⚠ à revérifier")
    assert stale.foreground(0).color() != items[next(iter(items))].foreground(0).color()
    assert all("à revérifier" not in item.text(0) for item in items.values())

    recent = next(iter(items.values()))
    dialog.checklist.setCurrentItem(recent)
    day = date.fromisoformat(recently).strftime("%d/%m/%Y")
    assert dialog.step_checked.isVisible() and not dialog.step_recheck.isVisible()
    assert dialog.step_checked.text().startswith(f"vérifié le {day}")
    dialog.checklist.setCurrentItem(stale)
    assert dialog.step_recheck.isVisible() and not dialog.step_checked.isVisible()
    assert "À revérifier" in dialog.step_recheck.text()
    assert "ants.gouv.fr" in dialog.step_recheck.text()
    assert "À revérifier" in stale.toolTip(0)


def test_the_shipped_steps_show_their_check_date(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_flow(qtbot, window, "demenage")
    answer_all(qtbot, dialog, tenant_with_a_car)
    dialog.checklist.setCurrentItem(dialog.step_items()[0])
    step = dialog.step_items()[0].data(0, STEP_ROLE)
    shown = step.checked_on().strftime("%d/%m/%Y")
    assert dialog.step_checked.text().startswith(f"vérifié le {shown} sur ")
