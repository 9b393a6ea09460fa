"""A tab: the web view, and the notice bar of a refused site ("Autoriser ce site", responsables only)."""

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWebEngineCore import QWebEngineLoadingInfo, QWebEnginePage
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.models.permissions import Rule
from app.models.portal import PortalError
from app.models.shared_settings import SharedSettingError
from app.models.workspace import Workspace
from app.ui.browser.messages import Kind, Message
from app.ui.browser.page import GuardedPage

ALLOW_REASON = "autorisé depuis le navigateur"
_Status = QWebEngineLoadingInfo.LoadStatus
_Domain = QWebEngineLoadingInfo.ErrorDomain


class BrowserTab(QWidget):
    changed = Signal()  # title, address or message: the window updates its labels
    status = Signal(str)  # a French message for the status bar

    def __init__(self, workspace: Workspace, page: GuardedPage, zoom: float) -> None:
        super().__init__()
        self.workspace = workspace
        self.page = page
        self.policy = page.policy
        self.zoom = zoom
        self.message: Message | None = None  # shown instead of a site, if any
        self._pending: Message | None = None  # being loaded with setHtml
        self._messages: dict[str, Message] = {}  # data: address of a message page → its message

        self.view = QWebEngineView()
        self.view.setAccessibleName("Page du site")
        self.view.setAccessibleDescription(
            "Le site ouvert pour la personne ; Alt+← revient en arrière, F5 recharge, Ctrl+P imprime."
        )
        self.view.setPage(page)
        page.setParent(self.view)  # deleted with the view, before the visit's profile
        self.notice = QFrame()
        self.notice.setObjectName("browserNotice")
        self.notice_label = QLabel()
        self.notice_label.setWordWrap(True)
        self.notice_label.setAccessibleName("Site refusé")
        self.allow_button = QPushButton("Autoriser ce site")
        self.allow_button.setAccessibleName("Autoriser ce site")
        self.allow_button.setToolTip("Ajoute ce site à la liste des sites autorisés du poste, à votre nom.")
        self.allow_button.clicked.connect(self.allow_site)
        notice_layout = QHBoxLayout(self.notice)
        notice_layout.addWidget(self.notice_label, 1)
        notice_layout.addWidget(self.allow_button)
        self.notice.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.notice)
        layout.addWidget(self.view, 1)

        queued = Qt.ConnectionType.QueuedConnection  # never load from inside Chromium's navigation check
        page.navigation_blocked.connect(self._navigation_blocked, queued)
        page.frame_blocked.connect(self._frame_blocked, queued)
        page.loadingChanged.connect(self._loading_changed)
        page.renderProcessTerminated.connect(self._render_process_terminated)
        page.urlChanged.connect(self._url_changed)
        page.titleChanged.connect(lambda _title: self.changed.emit())

    # What the window shows about this tab

    def title(self) -> str:
        if self.message is not None:
            return self.message.title
        return self.page.title() or self.page.url().host() or "Nouvel onglet"

    def address(self) -> QUrl:
        """The site the agent is on: the refused or unreachable one while a message is shown."""
        return self.message.url if self.message is not None else self.page.url()

    # Navigation

    def load(self, url: QUrl) -> None:
        self.page.load(url)

    def reload(self) -> None:
        """F5: on a message page, try the site again; else reload the page."""
        if self.message is not None:
            self.page.load(self.message.url)  # back online; or allowed meanwhile, else refused again
        else:
            self.page.triggerAction(QWebEnginePage.WebAction.Reload)

    def set_zoom(self, factor: float) -> None:
        self.zoom = factor
        self.page.setZoomFactor(factor)

    def show_message(self, message: Message) -> None:
        self._pending = message
        self._set_message(message)
        self.page.setHtml(message.html())

    # Refused sites

    def refresh_notice(self) -> None:
        """The button follows who is working now (the agent may have changed in the main window)."""
        message = self.message
        if message is None or not message.can_be_allowed:
            self.notice.hide()
            return
        why_not = self.workspace.workstation.refusal(Rule.ALLOWED_SITES)
        self.allow_button.setEnabled(why_not is None)
        self.allow_button.setToolTip(
            why_not or "Ajoute ce site à la liste des sites autorisés du poste, à votre nom."
        )
        self.notice_label.setText(
            f"« {message.host} » n'est pas sur la liste des sites autorisés du poste."
            + (f" {why_not}" if why_not else "")
        )
        self.notice.show()

    def allow_site(self) -> None:
        message, agent = self.message, self.workspace.workstation.current_agent
        if message is None or not message.can_be_allowed:
            return
        why_not = self.workspace.workstation.refusal(Rule.ALLOWED_SITES)
        if why_not is not None or agent is None:
            self.refresh_notice()
            self.status.emit(why_not or "")
            return
        try:
            self.workspace.portal.allow_domain(message.host, ALLOW_REASON, agent.name)
        except (PortalError, SharedSettingError) as error:
            self.status.emit(str(error))
            return
        self.policy.refresh()
        self.status.emit(f"« {message.host} » est autorisé sur ce poste (par {agent.name}).")
        self.page.load(message.url)

    # Signals of the page

    def _navigation_blocked(self, url: QUrl) -> None:
        self.show_message(Message(Kind.BLOCKED, url, self.policy.refusal(url)))

    def _frame_blocked(self, url: QUrl) -> None:
        self.status.emit(
            f"Un cadre de la page venant de « {url.host() or url.scheme()} » a été bloqué (site non autorisé)."
        )

    def _loading_changed(self, info: QWebEngineLoadingInfo) -> None:
        if info.status() == _Status.LoadSucceededStatus:
            self.page.setZoomFactor(self.zoom)  # Chromium may reset it when the site changes
            return
        if info.status() != _Status.LoadFailedStatus or info.url().scheme() == "data":
            return  # started; or stopped (a refused navigation, a download, the Stop key)
        url = info.url()
        refusal = self.policy.refusal(url)
        if refusal is not None:  # refused by the request interceptor, the second line
            self.show_message(Message(Kind.BLOCKED, url, refusal))
        elif info.errorDomain() == _Domain.HttpStatusCodeDomain:
            return  # the site answered (404, 500…) with its own page
        elif info.errorDomain() == _Domain.CertificateErrorDomain:
            self.show_message(Message(Kind.CERTIFICATE, url, detail=info.errorString()))
        else:
            self.show_message(Message(Kind.OFFLINE, url, detail=info.errorString()))

    def _render_process_terminated(self, status, _code: int) -> None:
        if status != QWebEnginePage.RenderProcessTerminationStatus.NormalTerminationStatus:
            self.show_message(Message(Kind.CRASHED, self.address()))

    def _url_changed(self, url: QUrl) -> None:
        if url.scheme() == "data":
            key = url.toString()
            if self._pending is not None:
                self._messages[key] = self._pending
                self._pending = None
            self._set_message(self._messages.get(key))  # back and forward reach message pages too
        elif self._pending is None:
            self._set_message(None)
        else:
            self.changed.emit()

    def _set_message(self, message: Message | None) -> None:
        self.message = message
        self.refresh_notice()
        self.changed.emit()
