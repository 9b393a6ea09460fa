"""The portal's embedded browser: one off-the-record profile per citizen's visit, whitelisted sites only.

Importing this package loads QtWebEngine: import it lazily, when the first site is opened.
"""

from app.ui.browser.visit_browser import VisitBrowser

__all__ = ["VisitBrowser"]
