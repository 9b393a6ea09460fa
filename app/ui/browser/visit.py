"""One citizen's visit: an off-the-record profile and a temporary folder, both destroyed at the end.

Cookies, cache, local storage and history live in the profile's memory only (it has no storage name);
downloaded files live in the visit's folder. `close()` destroys both. A folder left behind by a crash
(power cut during a visit) is removed at the next start, once its process is gone.
"""

import os
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtWebEngineCore import QWebEngineDownloadRequest, QWebEngineProfile, QWebEngineSettings

from app.ui.browser.interceptor import PolicyInterceptor
from app.ui.browser.policy import SitePolicy

FOLDER_PREFIX = "bureau-virtuel-visite-"
_State = QWebEngineDownloadRequest.DownloadState
_Attribute = QWebEngineSettings.WebAttribute


class Visit(QObject):
    download_refused = Signal(str)  # French message
    download_finished = Signal(Path)
    download_failed = Signal(str)  # French message

    def __init__(self, policy: SitePolicy, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.policy = policy
        self.folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
        policy.visit_folder = self.folder
        self.profile = QWebEngineProfile(self)  # no storage name: off the record, nothing on disk
        assert self.profile.isOffTheRecord()
        self.profile.setHttpAcceptLanguage("fr-FR,fr;q=0.9")
        self.interceptor = PolicyInterceptor(policy, self.profile)
        self.profile.setUrlRequestInterceptor(self.interceptor)
        settings = self.profile.settings()
        settings.setAttribute(
            _Attribute.PluginsEnabled, True
        )  # the built-in PDF viewer, to print attestations
        settings.setAttribute(_Attribute.PdfViewerEnabled, True)
        settings.setAttribute(_Attribute.JavascriptCanOpenWindows, True)  # pop-ups become checked tabs
        settings.setAttribute(_Attribute.FullScreenSupportEnabled, False)
        settings.setAttribute(_Attribute.ScreenCaptureEnabled, False)
        settings.setAttribute(_Attribute.LocalContentCanAccessRemoteUrls, False)
        settings.setAttribute(_Attribute.WebRTCPublicInterfacesOnly, True)
        self.downloads: list[Path] = []  # finished, in the visit's folder
        self._active: list[QWebEngineDownloadRequest] = []
        self.profile.downloadRequested.connect(self._download_requested)

    def _download_requested(self, download: QWebEngineDownloadRequest) -> None:
        page = download.page()
        page_url = page.url() if page is not None else None
        url = download.url()
        if not self.policy.allows_download(url, page_url):
            download.cancel()
            host = url.host() or url.scheme()
            self.download_refused.emit(
                f"Téléchargement refusé : « {host} » n'est pas sur la liste des sites autorisés du poste."
                if url.host()
                else f"Téléchargement refusé : ce fichier ({host}:) ne vient pas d'un site autorisé."
            )
            return
        download.setDownloadDirectory(str(self.folder))
        download.setDownloadFileName(Path(download.downloadFileName()).name or "fichier")
        self._active.append(download)
        download.isFinishedChanged.connect(lambda: self._download_done(download))
        download.accept()

    def _download_done(self, download: QWebEngineDownloadRequest) -> None:
        if download in self._active:
            self._active.remove(download)
        if download.state() == _State.DownloadCompleted:
            path = Path(download.downloadDirectory()) / download.downloadFileName()
            self.downloads.append(path)
            self.download_finished.emit(path)
        elif download.state() == _State.DownloadInterrupted:
            self.download_failed.emit(f"Le téléchargement de « {download.downloadFileName()} » a échoué.")

    def file_url(self, path: Path) -> QUrl:
        return QUrl.fromLocalFile(str(path))

    def close(self) -> None:
        """Destroy the profile (after its pages: the caller deletes them first) and the folder."""
        for download in list(self._active):
            download.cancel()
        self._active.clear()
        if self.policy.visit_folder == self.folder:
            self.policy.visit_folder = None
        self.profile.downloadRequested.disconnect(self._download_requested)
        self.profile.deleteLater()
        self.deleteLater()
        shutil.rmtree(self.folder, ignore_errors=True)


def remove_leftover_folders(temp_dir: Path | None = None) -> list[Path]:
    """Visit folders whose process is gone (a crash, a power cut): citizens' files must not stay."""
    removed = []
    for folder in Path(temp_dir or tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        pid = folder.name.removeprefix(FOLDER_PREFIX).split("-", 1)[0]
        try:
            mine = not hasattr(os, "getuid") or folder.stat().st_uid == os.getuid()
            if not pid.isdigit() or not mine or _alive(int(pid)):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
