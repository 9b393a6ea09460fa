"""A page of the visit: every navigation, redirect and frame is checked against the whitelist."""

from collections.abc import Callable

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile

from app.ui.browser.policy import SitePolicy


class GuardedPage(QWebEnginePage):
    # Emitted from inside Chromium's navigation check: connect them queued, never load from there.
    navigation_blocked = Signal(QUrl)  # the top-level document: the tab shows why
    frame_blocked = Signal(QUrl)  # a frame inside an allowed page: it stays empty

    def __init__(
        self,
        profile: QWebEngineProfile,
        policy: SitePolicy,
        new_window: Callable[[QWebEnginePage.WebWindowType], "GuardedPage"],
        parent=None,
    ) -> None:
        super().__init__(profile, parent)
        self.policy = policy
        self._new_window = new_window

    def acceptNavigationRequest(self, url: QUrl, navigation_type, is_main_frame: bool) -> bool:  # type: ignore[override]  # Qt passes a QUrl
        # Links, forms, scripts, back/forward and server redirects (NavigationTypeRedirect) all come here.
        if self.policy.allows_navigation(url, recheck=is_main_frame):
            return True
        (self.navigation_blocked if is_main_frame else self.frame_blocked).emit(QUrl(url))
        return False

    def createWindow(self, window_type: QWebEnginePage.WebWindowType) -> QWebEnginePage:
        """target=_blank, window.open: a new tab of the same visit, under the same rule."""
        return self._new_window(window_type)
