"""The contact form refuses a date before the network existed with the record's French message, and
keeps what was typed."""

from datetime import datetime

from PySide6.QtCore import QDateTime, Qt

from app.models.contacts import ContactFilter
from tests.ui.helpers import Keyboard
from tests.ui.test_contact_form import open_form, open_window


def test_a_date_before_2019_is_refused_and_the_form_kept(qtbot, desk) -> None:
    window = open_window(qtbot, desk)
    dialog = open_form(qtbot, window)
    keys = Keyboard(qtbot)
    keys.type("naiss")
    keys.press(Qt.Key.Key_Return)
    dialog.occurred_at.setDateTime(QDateTime(datetime(1990, 11, 20, 10, 0)))
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "avant le 1er janvier 2019 ou dans le futur" in dialog.error.text()
    assert dialog.situation.situation.id == "naissance", "nothing typed is lost"
    assert desk.contacts.count(ContactFilter()) == 0
