from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWizard

from app.ui.setup_wizard import SetupWizard


def make_wizard(qtbot, workspace) -> SetupWizard:
    wizard = SetupWizard(workspace.workstation)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def test_first_start_for_a_fixed_site_from_the_real_list(qtbot, workspace) -> None:
    wizard = make_wizard(qtbot, workspace)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.keyClicks(wizard.structure_page.search, "valserhone")
    assert (
        wizard.structure_page.results.currentItem()
        .text()
        .startswith("France services de Valserhône — Valserhône")
    )
    wizard.next()
    assert wizard.format_page.fixed.isChecked()
    wizard.next()
    qtbot.keyClicks(wizard.agents_page.name, "C. R.")
    qtbot.keyClick(wizard.agents_page.name, Qt.Key.Key_Return)
    qtbot.keyClicks(wizard.agents_page.name, "Karim B.")  # typed but not added: still counts
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result() == QWizard.DialogCode.Accepted
    workstation = workspace.workstation
    assert workstation.is_set_up
    assert workstation.structure.matricule == "1" and not workstation.structure.itinerant
    assert [(a.name, a.role) for a in workstation.agents()] == [
        ("C. R.", "responsable"),
        ("Karim B.", "agent"),
    ]
    assert workstation.place == "Valserhône"


def test_first_start_for_a_bus_with_its_stops(qtbot, workspace) -> None:
    wizard = make_wizard(qtbot, workspace)
    qtbot.keyClicks(wizard.structure_page.search, "thierache sambre")  # no accents typed
    wizard.next()
    page = wizard.format_page
    assert page.itinerant.isChecked(), "the public list says this one is itinerant"
    for stop in ("Wassigny", "Étreux"):
        page.stops.entry.setText(stop)  # QTest types ASCII only
        qtbot.keyClick(page.stops.entry, Qt.Key.Key_Return)
    assert page.stops.message.isHidden()
    qtbot.keyClicks(page.stops.entry, "etreux")  # the same stop again, without its accent
    qtbot.keyClick(page.stops.entry, Qt.Key.Key_Return)
    assert page.stops.message.isVisible()
    assert "« Étreux » est déjà un arrêt de la tournée" in page.stops.message.text()
    assert page.stops.entry.text() == "etreux", "what was typed stays, to be corrected"
    page.stops.entry.clear()
    page.current.setCurrentText("Étreux")
    wizard.next()
    qtbot.keyClicks(wizard.agents_page.name, "Julie M.")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    workstation = workspace.workstation
    assert workstation.structure.itinerant
    assert workstation.stops == ["Guise", "Wassigny", "Étreux"]
    assert workstation.place == "Étreux"


def test_a_structure_missing_from_the_list_is_entered_by_hand(qtbot, workspace) -> None:
    wizard = make_wizard(qtbot, workspace)
    page = wizard.structure_page
    page.manual.setChecked(True)
    assert not page.isComplete()
    qtbot.keyClicks(page.name, "France Services du Haut-Jura")
    qtbot.keyClicks(page.commune, "Saint-Claude")
    qtbot.keyClicks(page.departement, "39")
    assert page.isComplete()
    wizard.next()
    wizard.next()
    qtbot.keyClicks(wizard.agents_page.name, "A. B.")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    structure = workspace.workstation.structure
    assert (structure.name, structure.commune, structure.departement) == (
        "France Services du Haut-Jura",
        "Saint-Claude",
        "39",
    )


def test_what_was_searched_is_carried_into_the_form_for_a_structure_missing_from_the_list(
    qtbot, workspace
) -> None:
    wizard = make_wizard(qtbot, workspace)
    page = wizard.structure_page
    qtbot.keyClicks(page.search, "  Espace  Haut-Jura ")
    assert page.results.count() == 0
    page.manual.setChecked(True)
    assert page.name.text() == "Espace Haut-Jura"  # not typed twice
    assert page.commune.text() == ""
    assert "ANCT" in page.findChild(QLabel, "source").text()  # the list's source, as its licence asks


def test_first_start_offers_to_join_a_structure_already_enrolled(qtbot, workspace) -> None:
    from tests.ui.accessibility import unnamed_controls

    wizard = SetupWizard(workspace.workstation, workspace=workspace)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentPage() is wizard.mode_page and wizard.mode_page.new.isChecked()
    wizard.next()
    assert wizard.currentPage() is wizard.structure_page  # setting up a new structure, as before
    wizard.back()
    wizard.mode_page.join.setChecked(True)
    wizard.next()
    page = wizard.join_page
    assert wizard.currentPage() is page and unnamed_controls(wizard) == []
    # The code comes from the server's administrator, who creates it, not from the structure's responsable.
    assert "donné par l'administrateur du serveur" in page.code.toolTip()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    page.server.setText("http://reporting.exemple.fr")  # not HTTPS: refused before any request
    page.code.setText("7KQM-2WXP-H9TD")
    qtbot.keyClick(page.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.busy)  # the sync worker's answer
    assert "doit commencer par https://" in page.message.text() and page.message.isVisible()
    assert not page.enrolled and page.start.isEnabled()
    assert workspace.workstation.structure is None and not workspace.workstation.is_set_up
    wizard.reject()  # Annuler: the join's worker thread ends with the wizard
    assert page.sync is None


def test_the_departement_typed_by_hand_is_checked_and_written_as_the_state_does(qtbot, workspace) -> None:
    wizard = make_wizard(qtbot, workspace)
    page = wizard.structure_page
    page.manual.setChecked(True)
    qtbot.keyClicks(page.name, "Espace Haute-Corse")
    qtbot.keyClicks(page.commune, "Corte")
    qtbot.keyClicks(page.departement, "99")
    wizard.next()
    wizard.next()
    qtbot.keyClicks(wizard.agents_page.name, "A. B.")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result() != QWizard.DialogCode.Accepted and not workspace.workstation.is_set_up
    assert wizard.agents_page.error.text() == (
        "⚠ Département de la structure invalide : « 99 » (indiquez son numéro, par ex. 01, 2A ou 974)."
    )
    wizard.back()
    wizard.back()
    page.departement.setText("2b")  # what an agent types
    wizard.next()
    wizard.next()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert workspace.workstation.structure.departement == "2B"
