"""Every window and dialog fits a 1366 × 768 laptop and a 1280 × 720 projector, at 100 % and 125 %
text, its buttons inside the screen; the main window and the flows open where they were left
(issue 17, point 1). The screen is simulated: the offscreen platform's own is 800 × 600."""

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QPushButton, QScrollArea, QWidget

from app.ui import window_size
from app.ui.theme import apply_display
from app.ui.window_size import FRAME
from tests.ui.test_contact_form import open_form, open_window
from tests.ui.test_flows_ui import answer_all, open_flow, tenant_with_a_car
from tests.ui.test_history_columns import DESKTOP_POINTS
from tests.ui.test_pass_ui import receive_booklet

TASKBAR = 40  # a desktop's panel, outside the free area
SCREENS = [QSize(1366, 768), QSize(1280, 720)]


def outside(window: QWidget, screen: QSize) -> list[str]:
    """What of `window` would not be seen on `screen`: the window itself, or one of its buttons
    (those in a scrolling area come into view with it)."""
    QApplication.processEvents()
    room = QSize(screen.width(), screen.height() - TASKBAR) - FRAME
    title = window.windowTitle()
    found = []
    if window.width() > room.width() or window.height() > room.height():
        found.append(f"{title} : {window.width()} × {window.height()} pour {room.width()} × {room.height()}")
    for button in window.findChildren(QPushButton):
        scrolled = any(isinstance(parent, QScrollArea) for parent in _ancestors(button, window))
        if button.isVisibleTo(window) and not scrolled:
            where = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
            if not QRect(QPoint(0, 0), room).contains(where) or not window.rect().contains(where):
                found.append(f"{title} : « {button.text()} » hors de l'écran ({where})")
    return found


def _ancestors(widget: QWidget, top: QWidget):
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        yield parent
        parent = parent.parentWidget()


def the_flow(qtbot, desk, window):
    dialog = open_flow(qtbot, window, "demenage")
    answer_all(qtbot, dialog, tenant_with_a_car)
    return dialog


def the_flow_questions(qtbot, desk, window):
    return open_flow(qtbot, window, "demenage")


def the_complex_case(qtbot, desk, window):
    from app.ui.flow_dialog import ComplexCaseDialog

    flow = the_flow(qtbot, desk, window)
    dialog = ComplexCaseDialog(desk, flow.flow, flow)  # as « Situation complexe… » opens it
    dialog.show()
    return dialog


def the_contact_form(qtbot, desk, window):
    return open_form(qtbot, window)


def the_assessment(qtbot, desk, window):
    window.nav.setCurrentRow(3)
    return window.pass_screen.open_assessment()


def the_issuance(qtbot, desk, window):
    window.nav.setCurrentRow(3)
    receive_booklet(qtbot, window.pass_screen)
    return window.pass_screen.open_issuance()


def the_reception(qtbot, desk, window):
    window.nav.setCurrentRow(3)
    return window.pass_screen.open_reception()


def the_shortcuts(qtbot, desk, window):
    return window.show_shortcuts()


def the_refused_records(qtbot, desk, window):
    return window.show_quarantine()


def the_main_window(qtbot, desk, window):
    for row in range(window.nav.count()):  # each screen, shown in turn, may widen the window
        window.nav.setCurrentRow(row)
    return window


def the_setup_wizard(qtbot, desk, window):
    from app.ui.setup_wizard import SetupWizard

    wizard = SetupWizard(desk.workstation, workspace=desk)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def the_cancellation(qtbot, desk, window):
    window.nav.setCurrentRow(3)
    return window.pass_screen.open_movement("annule")


def the_settings_history(qtbot, desk, window):
    from app.ui.settings_history import SettingsHistoryDialog

    dialog = SettingsHistoryDialog(desk.shared, window)  # as Paramètres › « Historique… » opens it
    dialog.show()
    return dialog


def the_structure_correction(qtbot, desk, window):
    from app.ui.structure_dialog import StructureCorrection

    dialog = StructureCorrection(desk, window)  # as Paramètres › « Corriger la structure… » opens it
    dialog.show()
    return dialog


def the_local_link(qtbot, desk, window):
    from app.ui.portal_panel import LocalLinkDialog

    dialog = LocalLinkDialog(desk, window.home.portal)  # as Accueil › « Ajouter un lien local… » opens it
    dialog.show()
    return dialog


def the_refused_handing_out(qtbot, desk, window):
    from app.sync.outbox import record_results
    from app.sync.transport import ItemResult

    window.nav.setCurrentRow(3)
    receive_booklet(qtbot, window.pass_screen)
    handed = desk.passes.hand_out(
        structure=desk.workstation.structure.matricule, agent="Karim B.", cheques=["1003"]
    )
    reason = "Le chèque 1003 a déjà été remis sur un autre poste : cette remise n'est pas comptée."
    record_results(desk.db, [ItemResult(str(handed.id), "rejected", "conflict", reason)])
    window.pass_screen.refresh()
    return window.pass_screen.open_resolution()


def the_escalation_history(qtbot, desk, window):
    from datetime import UTC, datetime

    from app.ui.escalation_history import EscalationHistoryDialog

    sent = desk.escalations.create(
        {
            "structure": desk.workstation.structure.matricule,
            "agent": "Karim B.",
            "partner": "caf",
            "situation": "allocation-logement",
            "channel": "email",
            "sent_at": datetime.now(UTC),
        }
    )
    dialog = EscalationHistoryDialog(desk, str(sent.id), window)  # as Parcours › « Historique… » opens it
    dialog.show()
    return dialog


def the_visit_browser(qtbot, desk, window):
    from app.ui.browser import VisitBrowser

    browser = VisitBrowser(desk)  # as the first site opened from Accueil or a flow makes it
    qtbot.addWidget(browser)
    browser.show()
    return browser


OPENERS = [
    the_main_window,
    the_flow_questions,
    the_flow,
    the_complex_case,
    the_contact_form,
    the_assessment,
    the_issuance,
    the_reception,
    the_shortcuts,
    the_refused_records,
    the_setup_wizard,
    the_cancellation,
    the_settings_history,
    the_structure_correction,
    the_local_link,
    the_refused_handing_out,
    the_escalation_history,
    the_visit_browser,
]


@pytest.mark.parametrize("scale", [100, 125])
@pytest.mark.parametrize("screen", SCREENS, ids=lambda size: f"{size.width()}x{size.height()}")
@pytest.mark.parametrize("opener", OPENERS, ids=lambda opener: opener.__name__)
def test_every_window_fits_the_screen_with_its_buttons(
    qtbot, desk, display, monkeypatch, opener, screen, scale
):
    monkeypatch.setattr(
        window_size, "available_area", lambda _window: QRect(0, 0, screen.width(), screen.height() - TASKBAR)
    )
    font = QFont(display.font())
    font.setPointSizeF(DESKTOP_POINTS)  # a desktop's usual text size, not the offscreen platform's 9
    display.setFont(font)
    apply_display(display, "standard", scale)
    window = open_window(qtbot, desk)
    shown = opener(qtbot, desk, window)
    qtbot.waitExposed(shown)
    assert outside(shown, screen) == []


def test_the_main_window_opens_as_it_was_left_maximised_included(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    window.resize(700, 500)
    window.close()
    again = open_window(qtbot, desk)
    assert again.size() == QSize(700, 500)
    again.showMaximized()
    qtbot.waitUntil(again.isMaximized)
    again.close()
    third = open_window(qtbot, desk)
    assert third.isMaximized()


def test_a_flow_opens_where_the_last_one_was_left(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_flow(qtbot, window, "demenage")
    dialog.resize(640, 480)
    dialog.reject()  # Abandonner
    window.flows_screen.search.clear()
    assert open_flow(qtbot, window, "impots").size() == QSize(640, 480)


def test_nothing_of_the_contact_form_is_cut_at_150_percent(qtbot, desk, display, monkeypatch) -> None:
    """The partners' names whole, the date with its time, rows of situations to choose from, the
    commune's hint: on a 1366 × 768 laptop with a desktop's usual text size, at 150 %."""
    monkeypatch.setattr(window_size, "available_area", lambda _window: QRect(0, 0, 1366, 768 - TASKBAR))
    font = QFont(display.font())
    font.setPointSizeF(DESKTOP_POINTS)
    display.setFont(font)
    apply_display(display, "standard", 150)
    window = open_window(qtbot, desk)
    form = window.open_contact_form()
    qtbot.waitExposed(form)
    qtbot.keyClicks(form.situation.edit, "e")
    assert form.width() >= form.minimumSizeHint().width()
    cut = [box.text() for box in form.partner_boxes.values() if box.width() < box.sizeHint().width()]
    assert cut == []
    shown = form.occurred_at.lineEdit()
    assert shown.fontMetrics().horizontalAdvance(shown.text()) < shown.width(), "the time is shown"
    rows = form.situation.list
    assert rows.count() > 7 and rows.height() >= 6 * rows.sizeHintForRow(0)
    commune = form.residence.edit  # its hint is the field's only caption
    hint = commune.fontMetrics().horizontalAdvance(commune.placeholderText())
    assert hint < commune.width() - 2 * commune.fontMetrics().averageCharWidth(), (
        "the commune's hint is whole"
    )
