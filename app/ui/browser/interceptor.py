"""The second line of the browser's rule, below the pages' own navigation checks.

Every request of the visit's profile passes here (on Qt's UI thread). Documents, top-level or in a
frame, must come from the whitelist, whatever path they took (redirects, forms, scripts, <object>,
prefetches). Sub-resources — images, scripts, styles, fonts, XHR — may come from any host, but only in
https: the partners' sites use CDNs, statistics and FranceConnect's buttons from other domains, and a
resource cannot take the citizen elsewhere; what could (a page, a frame, a pop-up, a download) is
checked by host.
"""

from PySide6.QtWebEngineCore import QWebEngineUrlRequestInfo, QWebEngineUrlRequestInterceptor

from app.ui.browser.policy import SitePolicy

_Type = QWebEngineUrlRequestInfo.ResourceType
DOCUMENT_TYPES = frozenset(
    {
        _Type.ResourceTypeMainFrame,
        _Type.ResourceTypeSubFrame,
        _Type.ResourceTypeObject,
        _Type.ResourceTypePluginResource,
        _Type.ResourceTypeNavigationPreloadMainFrame,
        _Type.ResourceTypeNavigationPreloadSubFrame,
    }
)


class PolicyInterceptor(QWebEngineUrlRequestInterceptor):
    def __init__(self, policy: SitePolicy, parent=None) -> None:
        super().__init__(parent)
        self.policy = policy
        self.blocked = 0  # requests refused since the visit started

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        if info.resourceType() in DOCUMENT_TYPES:
            allowed = self.policy.allows_frame_request(url)
        else:
            allowed = self.policy.allows_subresource(url)
        if not allowed:
            self.blocked += 1
            info.block(True)
