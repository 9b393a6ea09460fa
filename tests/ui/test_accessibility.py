"""Accessibility: every screen by keyboard alone, every control named for a screen reader, F1's list
of shortcuts, and a display (high contrast, text size) that follows the system and the agent."""

import re
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget, QWizard

from app.models.workspace import open_workspace
from app.paths import resources_dir
from app.ui.application import apply_saved_display
from app.ui.main_window import SCREENS
from app.ui.setup_wizard import SetupWizard
from app.ui.shortcuts_dialog import EVERYWHERE
from app.ui.theme import FocusRingFollower, apply_display, stylesheet, system_point_size
from tests.ui.accessibility import describe, focusable_controls, owned_by_control, unnamed_controls
from tests.ui.helpers import Keyboard, answer_next_message_box
from tests.ui.test_contact_form import open_form, open_window

MAX_TABS = 300
STUCK = 3  # more Tab presses than this on one widget: Tab moves inside it (a table's cells)


def add_contacts(workspace, count: int = 4) -> None:
    now = datetime.now().astimezone()
    situations = ("declarer-impots", "naissance", "demenagement", "preparer-retraite")
    for minutes in range(count):
        workspace.contacts.add(
            {
                **workspace.workstation.contact_defaults(),
                "situation": situations[minutes % len(situations)],
                "channel": "sur-place",
                "help_kind": "information",
                "outcome": "resolu",
                "duration_minutes": 5,
                "occurred_at": now - timedelta(minutes=minutes),
            }
        )


def tab_walk(keys: Keyboard) -> tuple[list[QWidget], str | None]:
    """Tab from the focus until it comes back; the controls reached, in order, and what went wrong."""
    start = QApplication.focusWidget()
    reached: list[QWidget] = [start]
    same = 0
    for _ in range(MAX_TABS):
        keys.press(Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        if widget is None:
            return reached, "le focus a disparu (aucun contrôle n'a le focus)"
        if owned_by_control(widget):
            widget = widget.parentWidget()
        if widget is start:
            return reached, None
        if widget is reached[-1]:
            same += 1
            if same > STUCK:
                return reached, f"Tab ne sort pas de {describe(widget)} (setTabKeyNavigation(False) ?)"
            continue
        same = 0
        reached.append(widget)
    return reached, f"le focus ne revient pas au départ après {MAX_TABS} Tab"


def focus_taker(widget: QWidget) -> QWidget:
    """Who really gets the focus for `widget`: a QTabWidget hands it to its tab bar."""
    while widget.focusProxy() is not None:
        widget = widget.focusProxy()
    return widget


@pytest.mark.parametrize("site", ["desk", "bus"])
def test_every_screen_by_keyboard_alone_with_every_control_named(qtbot, request, site: str) -> None:
    """A fixed desk, and a bus (its stop in the status bar, its stops in Paramètres)."""
    workspace = request.getfixturevalue(site)
    add_contacts(workspace)
    window = open_window(qtbot, workspace)
    keys = Keyboard(qtbot)
    status_bar = window.statusBar()
    problems: dict[str, list[str]] = {}
    for number, name in enumerate(SCREENS, start=1):
        keys.press(Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        screen = window.screens[name]
        assert screen.parent() is window.stack.currentWidget(), f"Ctrl+{number} shows {name}"
        assert screen.isAncestorOf(QApplication.focusWidget()), "the shortcut puts the focus in the screen"
        found = []
        reached, trouble = tab_walk(keys)
        if window.nav in reached:  # the order is read from the list of screens, round the window
            start = reached.index(window.nav)
            reached = reached[start:] + reached[:start]
        if trouble:
            found.append(trouble)
        found += [
            f"jamais atteint par Tab : {describe(widget)}"
            for widget in focusable_controls(window)
            if widget not in reached and focus_taker(widget) not in reached
        ]
        found += unnamed_controls(window)
        # A sensible order: the list of screens, then the screen, then the status bar.
        in_bar = [index for index, widget in enumerate(reached) if status_bar.isAncestorOf(widget)]
        in_screen = [index for index, widget in enumerate(reached) if screen.isAncestorOf(widget)]
        if in_bar and in_screen and min(in_bar) < max(in_screen):
            found.append("la barre d'état vient avant la fin de l'écran dans l'ordre de Tab")
        if not in_screen:
            found.append("Tab n'entre pas dans l'écran")
        if found:
            problems[name] = found
    assert not problems, "\n".join(f"{name} :\n  " + "\n  ".join(found) for name, found in problems.items())


def test_f1_lists_every_shortcut_and_closes_with_escape(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.table.hasFocus())
    rows = dialog.rows()
    shortcuts = [action for action in window.actions() if not action.shortcut().isEmpty()]
    assert len(shortcuts) >= 9, "Ctrl+N, Ctrl+1…6, Ctrl+Maj+A, F1 at least"
    for action in shortcuts:
        written = action.shortcut().toString(QKeySequence.SequenceFormat.PortableText).replace("Shift", "Maj")
        assert (EVERYWHERE, written, action.text()) in rows, f"{written} ({action.text()}) is not listed"
    listed_keys = {keys for _where, keys, _what in rows}
    for expected in (
        "Ctrl+N",
        "Ctrl+1",
        "Ctrl+6",
        "Ctrl+Maj+A",
        "F1",
        "Ctrl+Entrée",
        "F5",
        "Ctrl+P",
        "Alt+V",
        "Alt+C",
    ):
        assert expected in listed_keys, expected
    assert any("Alt+←" in keys for keys in listed_keys)
    assert unnamed_controls(dialog) == []
    keys.press(Qt.Key.Key_Down)  # a screen reader reads the table row by row
    assert dialog.table.currentRow() == 1
    keys.press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    form = open_form(qtbot, window)  # F1 from a dialog too, and Escape closes only the list
    keys.press(Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.table.hasFocus())
    keys.press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert form.isVisible()


def test_dialogs_name_every_control(qtbot, desk, workspace) -> None:
    window = open_window(qtbot, desk)
    form = open_form(qtbot, window)
    assert unnamed_controls(form) == []
    keys = Keyboard(qtbot)
    keys.type("imp")
    keys.press(Qt.Key.Key_Return)
    suggested = form.partner_boxes["dgfip"]
    assert suggested.property("suggested") and "habituel" in suggested.accessibleDescription(), (
        "the suggested partner is said, not only shown in bold"
    )
    keys.press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not form.isVisible())
    from app.ui.portal_panel import LocalLinkDialog

    link = LocalLinkDialog(desk, window)
    qtbot.addWidget(link)
    link.show()
    assert unnamed_controls(link) == []
    quarantine = window.show_quarantine()
    assert unnamed_controls(quarantine) == []
    quarantine.close()


def test_the_setup_wizard_names_every_control(qtbot, workspace) -> None:
    wizard = SetupWizard(workspace.workstation)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.structure_page.search, "thierache sambre")
    assert unnamed_controls(wizard) == []
    wizard.structure_page.manual.setChecked(True)
    assert unnamed_controls(wizard) == []
    wizard.structure_page.manual.setChecked(False)
    wizard.next()
    wizard.format_page.itinerant.setChecked(True)
    assert unnamed_controls(wizard) == []
    wizard.next()
    assert unnamed_controls(wizard) == []
    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()


def test_contacts_are_corrected_with_enter_and_removed_with_delete(qtbot, desk) -> None:
    add_contacts(desk, 2)
    window = open_window(qtbot, desk)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    table = window.history.table
    for _ in range(20):
        if QApplication.focusWidget() is table:
            break
        keys.press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is table
    keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_Up)
    assert window.history.selected_id() is not None
    keys.press(Qt.Key.Key_Return)
    dialog = window.contact_dialog
    assert dialog is not None and dialog.windowTitle() == "Corriger un contact"
    qtbot.keyClick(dialog.situation.edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    table.setFocus()
    answer_next_message_box(QMessageBox.StandardButton.Yes)
    keys.press(Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.history.model.rowCount() == 1)


def test_high_contrast_and_text_size_by_keyboard_now_and_at_the_next_start(qtbot, desk, display) -> None:
    app = display
    apply_display(app, "standard", 100)  # as make_application() does
    system = system_point_size(app)
    window = open_window(qtbot, desk)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    settings = window.settings
    for _ in range(10):
        if QApplication.focusWidget() is settings.theme:
            break
        keys.press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is settings.theme, "Affichage comes first in Paramètres"
    keys.press(Qt.Key.Key_Down)
    assert settings.theme.currentData() == "contraste-eleve"
    assert desk.workstation.theme == "contraste-eleve"
    assert app.palette().color(QPalette.ColorRole.Window).name() == "#000000"
    assert "background: #000000" in app.styleSheet()
    ring = app.findChild(FocusRingFollower).ring
    assert ring.isVisible() and ring.geometry().contains(settings.theme.geometry()), "the focus shows"

    keys.press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is settings.text_scale
    keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_Down)
    assert desk.workstation.text_scale == 150
    title = window.home.greeting
    assert title.font().pointSizeF() == pytest.approx(system * 1.5 * 1.55, abs=0.1)
    assert window.structure_label.font().pointSizeF() == pytest.approx(system * 1.5, abs=0.1)

    apply_display(app, "standard", 100)  # the next start: the application starts in the standard theme,
    restarted = open_workspace(desk.path.parent)  # then the saved display is applied once the base is open
    try:
        apply_saved_display(app, restarted)
    finally:
        restarted.close()
    assert app.styleSheet() == stylesheet("contraste-eleve", 150, system)
    assert app.palette().color(QPalette.ColorRole.Window).name() == "#000000"


def test_text_follows_the_system_font_size(qtbot, desk, display) -> None:
    app = display
    font = QFont(app.font())
    font.setPointSizeF(14)
    app.setFont(font)  # what the agent's system asks for
    apply_display(app, "standard", 100)
    window = open_window(qtbot, desk)
    assert window.font().pointSizeF() >= 14
    assert window.structure_label.font().pointSizeF() >= 14
    assert window.home.greeting.font().pointSizeF() == pytest.approx(14 * 1.55, abs=0.1), (
        "titles in proportion"
    )
    assert window.nav.width() > window.nav.fontMetrics().horizontalAdvance("Pass numérique"), "names fit"
    table = window.home.table
    date_column = table.columnWidth(0)
    assert date_column > table.fontMetrics().horizontalAdvance("23/11/2026"), "a whole date fits"
    apply_display(app, "standard", 125)
    assert window.structure_label.font().pointSizeF() == pytest.approx(17.5, abs=0.1)
    assert window.home.greeting.font().pointSizeF() == pytest.approx(14 * 1.25 * 1.55, abs=0.1)
    assert table.columnWidth(0) > date_column, "the contacts' columns grow with the text"
    assert table.columnWidth(0) > table.fontMetrics().horizontalAdvance("23/11/2026")


def test_no_absolute_font_size_in_the_stylesheets() -> None:
    for name in ("style.qss", "high-contrast.qss"):
        text = (resources_dir() / name).read_text(encoding="utf-8")
        assert not re.search(r"\d\s*pt\b", text), f"{name}: sizes are @size(k), relative to the system's"
        assert "@size(1)" in text


def test_the_sync_state_is_said_in_words(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    assert window.sync_label.text() == "Non inscrit · 0 en attente d'envoi"
    assert window.sync_label.accessibleDescription() == (
        "Non inscrit · 0 enregistrement (contacts, sollicitations, Pass numérique) en attente d'envoi"
    )
