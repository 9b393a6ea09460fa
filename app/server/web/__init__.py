"""The web application of the reporting server: accounts, sessions, pages, exports and the
dashboard's JSON API (docs/ARCHITECTURE.md, "Web application")."""

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from app.server.rate_limit import FailureLimiter
from app.server.web import api, pages
from app.server.web.accounts import FAILED_LOGINS_WINDOW_SECONDS, MAX_FAILED_LOGINS
from app.server.web.auth import CookiePolicy
from app.server.web.pages import STATIC_CACHE_CONTROL

STATIC = Path(__file__).resolve().parent / "static"


class CachedStaticFiles(StaticFiles):
    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = STATIC_CACHE_CONTROL
        return response


def install(app: FastAPI, *, secure_cookies: bool = True) -> None:
    """Add the pages, the JSON API, the static files (DSFR) and their error pages to `app` (whose
    `state.engine` is set)."""
    app.state.cookies = CookiePolicy(secure_cookies)
    app.state.failed_logins = FailureLimiter(
        app.state.engine, "login", MAX_FAILED_LOGINS, FAILED_LOGINS_WINDOW_SECONDS
    )
    app.include_router(pages.router)
    app.include_router(api.router)
    app.mount("/static", CachedStaticFiles(directory=STATIC), name="static")
    for error, handler in pages.EXCEPTION_HANDLERS.items():
        app.add_exception_handler(error, handler)
