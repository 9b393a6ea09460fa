"""The rule itself, on Qt's URLs, without Chromium: what a tab, a frame, a resource, a download may reach."""

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QUrl

from app.ui.browser.policy import Refusal, SitePolicy
from app.ui.browser.visit import FOLDER_PREFIX, remove_leftover_folders


def test_only_https_whitelisted_hosts_are_documents(desk) -> None:
    policy = SitePolicy(desk.portal)
    assert policy.allows_navigation(QUrl("https://www.ameli.fr/assure"))
    assert policy.allows_navigation(QUrl("https://app.franceconnect.gouv.fr/api/v1/authorize"))
    assert policy.refusal(QUrl("http://www.ameli.fr/")) is Refusal.NOT_SECURE
    assert policy.refusal(QUrl("https://ameli.fr.example.com/")) is Refusal.NOT_LISTED
    assert policy.refusal(QUrl("https://fakeameli.fr/")) is Refusal.NOT_LISTED
    assert policy.refusal(QUrl("mailto:agent@example.com")) is Refusal.OTHER_SCHEME
    assert policy.refusal(QUrl("file:///etc/passwd")) is Refusal.OTHER_SCHEME
    assert policy.allows_navigation(QUrl("blob:https://www.caf.fr/1234-5678"))
    assert not policy.allows_navigation(QUrl("blob:https://example.com/1234-5678"))
    assert policy.allows_navigation(QUrl("about:blank"))
    assert SitePolicy(desk.portal, allow_http=True).allows_navigation(QUrl("http://www.ameli.fr:8080/"))
    # the PDF viewer's own frame; anything else that is not a network address stays out
    assert policy.allows_frame_request(QUrl("chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/index.html"))
    assert not policy.allows_frame_request(QUrl("https://example.com/"))


def test_resources_may_come_from_any_host_but_not_in_clear_text(desk) -> None:
    policy = SitePolicy(desk.portal)
    assert policy.allows_subresource(QUrl("https://cdn.example.com/dsfr.css"))
    assert not policy.allows_subresource(QUrl("http://cdn.example.com/dsfr.css"))
    assert not policy.allows_subresource(QUrl("ws://chat.example.com/"))


def test_downloads_follow_the_site_that_made_them(desk) -> None:
    policy = SitePolicy(desk.portal)
    ameli = QUrl("https://www.ameli.fr/espace")
    assert policy.allows_download(QUrl("https://www.ameli.fr/attestation.pdf"), ameli)
    assert not policy.allows_download(QUrl("https://example.com/virus.exe"), ameli)
    assert policy.allows_download(QUrl("data:application/pdf;base64,JVBERi0="), ameli)
    assert not policy.allows_download(
        QUrl("data:application/pdf;base64,JVBERi0="), QUrl("https://example.com/")
    )
    assert not policy.allows_download(QUrl("file:///etc/passwd"), ameli)


def test_a_site_allowed_elsewhere_is_seen_before_refusing(desk) -> None:
    policy = SitePolicy(desk.portal)
    url = QUrl("https://www.mairie-guise.fr/etat-civil")
    assert not policy.allows_navigation(url)
    desk.portal.allow_domain("mairie-guise.fr", "lien local", "Camille R.")
    assert not policy.allows_navigation(url)  # the snapshot…
    assert policy.allows_navigation(url, recheck=True)  # …is read again before a page is refused
    assert policy.site_label("www.mairie-guise.fr") == "lien local (ajouté par Camille R.)"
    assert policy.site_label("assure.ameli.fr") == "Assurance Maladie"


def test_files_shown_in_a_tab_come_only_from_the_visit_folder(desk, tmp_path: Path) -> None:
    policy = SitePolicy(desk.portal)
    policy.visit_folder = tmp_path / "visite"
    assert policy.allows_navigation(QUrl.fromLocalFile(str(tmp_path / "visite" / "attestation.pdf")))
    assert not policy.allows_navigation(QUrl.fromLocalFile(str(tmp_path / "visite" / ".." / "autre.pdf")))
    assert not policy.allows_navigation(QUrl.fromLocalFile(str(tmp_path / "autre.pdf")))


def test_folders_left_by_a_crashed_session_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    left = tmp_path / f"{FOLDER_PREFIX}{dead.stdout.strip()}-abc"
    left.mkdir()
    (left / "avis-imposition.pdf").write_bytes(b"%PDF")
    mine = tmp_path / f"{FOLDER_PREFIX}{os.getpid()}-def"
    mine.mkdir()
    assert remove_leftover_folders(tmp_path) == [left]
    assert not left.exists() and mine.exists()


def test_an_open_browser_refuses_a_site_the_structure_removed_once_the_window_refreshes(qtbot, desk) -> None:
    """After a pass (which refreshes the window), a site another workstation removed is refused even
    in a browser already open; a new visit reads the whitelist anyway."""
    from app.models.database import transaction
    from app.ui.browser import VisitBrowser
    from app.ui.main_window import MainWindow

    desk.portal.allow_domain("ccas-guise.fr", "aide sociale", "Camille R.")
    window = MainWindow(desk)
    qtbot.addWidget(window)
    window.browser = VisitBrowser(desk)
    qtbot.addWidget(window.browser)
    url = QUrl("https://www.ccas-guise.fr/aides")
    assert window.browser.policy.allows_navigation(url)
    with transaction(desk.db):  # what applying another workstation's removal does
        desk.portal.disallow("ccas-guise.fr")
    assert window.browser.policy.allows_navigation(url)  # the snapshot…
    window.refresh()
    assert not window.browser.policy.allows_navigation(url)  # …read again after the pass
