"""The web application of the reporting server: accounts, sessions, pages, exports and the
dashboard's JSON API (docs/ARCHITECTURE.md, "Web application")."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.server.web import api, pages
from app.server.web.auth import CookiePolicy, new_failed_logins

STATIC = Path(__file__).resolve().parent / "static"


def install(app: FastAPI, *, secure_cookies: bool = True) -> None:
    """Add the pages, the JSON API, the static files (DSFR) and their error pages to `app`."""
    app.state.cookies = CookiePolicy(secure_cookies)
    app.state.failed_logins = new_failed_logins()
    app.include_router(pages.router)
    app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for error, handler in pages.EXCEPTION_HANDLERS.items():
        app.add_exception_handler(error, handler)
