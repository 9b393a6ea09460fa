"""What the citizen's browser may reach: the portal's whitelist, applied to Qt's URLs.

One policy object serves the whole browser: the pages ask it about navigations (top-level, frames,
redirects, pop-ups), the request interceptor about every request, the visit about downloads. It keeps
a snapshot of the whitelist, read again when a responsable allows a site or before refusing a
top-level navigation (a local link may have been added in Paramètres meanwhile).
"""

from enum import Enum
from pathlib import Path

from PySide6.QtCore import QUrl

from app.models.portal import PortalStore
from app.models.whitelist import Whitelist

NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})
# Content that comes from no new host: our own message pages (data:), blank frames, blobs a page built
# itself, and the built-in PDF viewer (chrome-extension:, chrome:).
INTERNAL_SCHEMES = frozenset({"about", "data", "chrome", "chrome-extension", "qrc"})


class Refusal(Enum):
    """Why a navigation was refused; it decides the message shown in the tab."""

    NOT_LISTED = "not-listed"  # https, but the host is not on the whitelist
    NOT_SECURE = "not-secure"  # a network address without https
    OTHER_SCHEME = "other-scheme"  # mailto:, tel:, file: outside the visit's folder, javascript:…


class SitePolicy:
    def __init__(self, portal: PortalStore, *, allow_http: bool = False) -> None:
        self.portal = portal
        self.allow_http = allow_http  # tests only: they serve plain http on 127.0.0.1
        self.whitelist: Whitelist = portal.whitelist()
        self.visit_folder: Path | None = None  # downloaded files may be shown from there

    def refresh(self) -> None:
        self.whitelist = self.portal.whitelist()

    def refusal(self, url: QUrl) -> Refusal | None:
        """None if a tab may show `url`, else why not."""
        scheme = url.scheme().lower()
        if scheme in NETWORK_SCHEMES:
            if not self._secure(scheme):
                return Refusal.NOT_SECURE
            return None if self.whitelist.allows_host(url.host()) else Refusal.NOT_LISTED
        if scheme == "blob":  # blob:https://host/uuid, made by a page of that origin
            return self.refusal(QUrl(url.path()))
        if scheme in ("about", "data"):
            # A page cannot send the top frame to a data: address (Chromium refuses it); only our own
            # message pages use one.
            return None
        if scheme == "file" and self.in_visit_folder(url):
            return None
        return Refusal.OTHER_SCHEME

    def allows_navigation(self, url: QUrl, *, recheck: bool = False) -> bool:
        if self.refusal(url) is None:
            return True
        if recheck and self.refusal(url) is Refusal.NOT_LISTED:
            self.refresh()
            return self.refusal(url) is None
        return False

    def allows_frame_request(self, url: QUrl) -> bool:
        """A document request (top-level or frame) seen by the interceptor."""
        scheme = url.scheme().lower()
        if scheme in NETWORK_SCHEMES or scheme in ("blob", "file"):
            return self.refusal(url) is None
        return scheme in INTERNAL_SCHEMES

    def allows_subresource(self, url: QUrl) -> bool:
        """Images, scripts, styles, fonts, XHR…: from any host, but never in clear text."""
        scheme = url.scheme().lower()
        return scheme not in NETWORK_SCHEMES or self._secure(scheme)

    def allows_download(self, url: QUrl, page_url: QUrl | None) -> bool:
        scheme = url.scheme().lower()
        if scheme in NETWORK_SCHEMES or scheme == "blob":
            return self.refusal(url) is None
        if scheme == "data":  # a file the page built: as trustworthy as the page itself
            return page_url is not None and page_url.scheme() != "data" and self.refusal(page_url) is None
        return False  # file: (already here), chrome:…

    def in_visit_folder(self, url: QUrl) -> bool:
        if self.visit_folder is None or not url.isLocalFile():
            return False
        return Path(url.toLocalFile()).resolve().is_relative_to(self.visit_folder.resolve())

    def site_label(self, host: str) -> str:
        """The whitelist's name for the site of `host` ("Assurance Maladie"), or ""."""
        host = host.lower().rstrip(".")
        matches = [d for d in self.whitelist.domains if host == d or host.endswith("." + d)]
        return self.whitelist.domains[max(matches, key=len)] if matches else ""

    def _secure(self, scheme: str) -> bool:
        return scheme in ("https", "wss") or (self.allow_http and scheme in ("http", "ws"))
