"""A notice's colours follow its kind, however often it is shown (it is re-polished only when its
kind changes: start-up shows the main window's hidden banner without re-polishing it)."""

from PySide6.QtGui import QPalette

from app.ui.notices import notice_label, show_notice
from app.ui.theme import apply_display


def test_a_notice_turns_green_for_a_success_and_red_again_for_a_problem(qtbot, display) -> None:
    apply_display(display, "standard", 100)
    label = notice_label("Message")
    qtbot.addWidget(label)

    def text_colour() -> str:
        label.ensurePolished()
        return label.palette().color(QPalette.ColorRole.WindowText).name()

    show_notice(label, "Numéro refusé")
    assert (label.text(), text_colour()) == ("⚠ Numéro refusé", "#8a0000")
    show_notice(label, "Enregistré", ok=True)
    assert (label.text(), text_colour()) == ("✔ Enregistré", "#18753c")
    show_notice(label, "Enregistré de nouveau", ok=True)  # same kind: the colour stays
    assert text_colour() == "#18753c"
    show_notice(label, "Encore refusé")
    assert (label.text(), text_colour()) == ("⚠ Encore refusé", "#8a0000")
    show_notice(label, "")
    assert label.isHidden()
