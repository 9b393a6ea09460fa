"""A visit forgets the citizen: cookies, storage, history and files go at "Terminer l'accompagnement"."""

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QPageLayout
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication

from app.ui.browser.visit_browser import new_printer
from tests.browser.helpers import TIMEOUT_MS, click, run_js, wait_loaded, wait_text
from tests.browser.sites import AMELI, ATTESTATION, FORBIDDEN
from tests.ui.accessibility import unnamed_controls


def test_downloads_come_only_from_whitelisted_sites_into_the_visit_folder(qtbot, browser, sites) -> None:
    browser.open(sites.url(AMELI))
    [tab] = browser.tab_list()
    wait_loaded(qtbot, tab, AMELI)
    folder = browser.visit.folder
    click(tab, "download")
    qtbot.waitUntil(lambda: bool(browser.visit.downloads), timeout=TIMEOUT_MS)
    [saved] = browser.visit.downloads
    assert saved == folder / "attestation.txt"
    assert saved.read_text(encoding="utf-8") == ATTESTATION
    assert "Fichier enregistré : attestation.txt" in browser.statusBar().currentMessage()

    tab.page.download(QUrl(sites.url(FORBIDDEN, "/fichier.txt")))
    qtbot.waitUntil(
        lambda: "Téléchargement refusé" in browser.statusBar().currentMessage(), timeout=TIMEOUT_MS
    )
    assert FORBIDDEN in browser.statusBar().currentMessage()
    click(tab, "download-redirect")  # <a download> whose answer is a redirect to the forbidden site
    wait_text(qtbot, tab, "n'est pas sur la liste des sites autorisés du poste")
    assert not sites.hit(FORBIDDEN)
    assert sorted(path.name for path in folder.iterdir()) == ["attestation.txt"]

    browser.open_file(saved)  # shown in a tab of the visit, to be printed
    viewer = browser.tab_list()[-1]
    assert ATTESTATION.strip() in wait_text(qtbot, viewer, "Attestation")
    assert browser.address.text() == "Fichier téléchargé : attestation.txt"
    browser.end_visit()
    assert not folder.exists()


def test_terminer_forgets_the_citizen(qtbot, browser, sites) -> None:
    browser.open(sites.url(AMELI, "/cookie"))
    [tab] = browser.tab_list()
    wait_loaded(qtbot, tab, "/cookie")
    assert run_js(qtbot, tab, "document.cookie") == "session=dupont-1234"
    assert run_js(qtbot, tab, "localStorage.getItem('dossier')") == "1234"
    browser.open(sites.url(AMELI, "/deuxieme"))  # a second tab, same visit: the cookie is sent
    wait_loaded(qtbot, browser.tab_list()[1], "/deuxieme")
    assert sites.hit(AMELI, "/deuxieme")[-1].cookie == "session=dupont-1234"
    visit, folder = browser.visit, browser.visit.folder
    assert visit.profile.isOffTheRecord() and not visit.profile.storageName()

    assert unnamed_controls(browser) == []  # every control of the browser named for a screen reader
    with qtbot.waitSignals([browser.visit_ended, visit.profile.destroyed], timeout=TIMEOUT_MS):
        qtbot.keyClick(QApplication.focusWidget() or browser, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert browser.tab_list() == [] and browser.visit is None
    assert not folder.exists()
    assert "Accompagnement terminé" in browser.statusBar().currentMessage()

    browser.open(sites.url(AMELI, "/deuxieme"))  # the next citizen
    [tab] = browser.tab_list()
    wait_loaded(qtbot, tab, "/deuxieme")
    assert browser.visit.folder != folder
    assert sites.hit(AMELI, "/deuxieme")[-1].cookie is None
    assert run_js(qtbot, tab, "document.cookie") == ""
    assert run_js(qtbot, tab, "String(localStorage.getItem('dossier'))") == "null"
    assert tab.page.history().count() == 1


def test_the_page_prints_to_pdf(qtbot, browser, sites, tmp_path: Path) -> None:
    browser.open(sites.url(AMELI, "/deuxieme"))
    [tab] = browser.tab_list()
    wait_loaded(qtbot, tab, "/deuxieme")
    seen = []

    def cancel_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QPrintDialog):
            return QTimer.singleShot(20, cancel_dialog)
        seen.append(dialog.windowTitle())
        return dialog.reject()

    QTimer.singleShot(0, cancel_dialog)
    browser.print_action.trigger()  # Ctrl+P: the system's dialog (printer or PDF file); cancelled here
    assert seen == ["Imprimer la page"]
    printer = new_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setOutputFileName(str(tmp_path / "page.pdf"))
    with qtbot.waitSignal(tab.view.printFinished, timeout=TIMEOUT_MS) as finished:
        browser.print_to(printer)
    assert finished.args == [True]
    assert (tmp_path / "page.pdf").read_bytes().startswith(b"%PDF")
    assert browser.statusBar().currentMessage() == "Page imprimée."
