"""Paramètres › "Corriger la structure…": a responsable picks again, confirms, and the screen follows."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard

from app.models.database import transaction
from app.models.settings import set_setting
from app.ui.settings import SettingsScreen
from app.ui.structure_dialog import StructureCorrection


def settings_screen(qtbot, workspace) -> SettingsScreen:
    screen = SettingsScreen(workspace)
    qtbot.addWidget(screen)
    screen.refresh()
    screen.show()
    return screen


def test_a_responsable_corrects_a_wrong_pick_into_a_bus_after_confirming(qtbot, desk) -> None:
    screen = settings_screen(qtbot, desk)
    assert screen.correct_button.isEnabled() and not screen.structure_note.text()
    seen: list[str] = []

    def in_the_wizard() -> None:
        wizard = QApplication.activeModalWidget()
        if not isinstance(wizard, StructureCorrection):
            QTimer.singleShot(10, in_the_wizard)
            return
        page = wizard.structure_page
        assert page.results.currentItem().text().startswith("France services de Valserhône"), (
            "the current one"
        )
        page.search.clear()
        qtbot.keyClicks(page.search, "thierache sambre")
        wizard.next()
        assert wizard.format_page.itinerant.isChecked()
        QTimer.singleShot(0, confirm)
        wizard.button(QWizard.WizardButton.FinishButton).click()

    def confirm() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, confirm)
            return
        seen.append(box.text())
        box.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(0, in_the_wizard)
    qtbot.mouseClick(screen.correct_button, Qt.MouseButton.LeftButton)

    assert "« Valserhône » (n° 1)" in seen[0]
    assert "« Bus France services Thiérache Sambre et Oise » (n° 3)" in seen[0]
    assert "itinérante" in seen[0]
    structure = desk.workstation.structure
    assert (structure.matricule, structure.itinerant) == ("3", True)
    assert "n° 3 · itinérante" in screen.structure.text()
    assert screen.stops_box.isVisible() and desk.workstation.stops


def test_an_agent_or_an_enrolled_workstation_cannot_correct_it_and_is_told_why(qtbot, desk) -> None:
    karim = next(a for a in desk.workstation.agents() if a.name == "Karim B.")
    desk.workstation.set_current_agent(karim.id)
    screen = settings_screen(qtbot, desk)
    assert not screen.correct_button.isEnabled()
    assert screen.structure_note.text() == "Seul un responsable peut corriger la structure du poste."
    camille = next(a for a in desk.workstation.agents() if a.name == "Camille R.")
    desk.workstation.set_current_agent(camille.id)
    with transaction(desk.db):
        set_setting(desk.db, "sync.server_url", "https://reporting.exemple.fr")
    screen.refresh()
    assert not screen.correct_button.isEnabled()
    assert "vient du serveur de reporting" in screen.structure_note.text()
