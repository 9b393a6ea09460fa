"""Sessions and CSRF for the web pages: the cookie and the form checks.

The session cookie is HttpOnly, SameSite=Strict and Secure, named `__Host-bv_session` (the browser
then refuses it from anything but this host over HTTPS). `serve --http-cookies` drops Secure (and the
`__Host-` prefix, which requires it) for http://127.0.0.1 in tests and development only.
Every POST form carries a CSRF token: the session's own once logged in; before that (the login form)
a random value also set in a cookie, which another site can neither read nor set.
"""

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request

from app.server.web.accounts import SESSION_LIFETIME, Session, api_token_account, find_session

LOGIN_CSRF_COOKIE = "bv_login_csrf"


class LoginRequired(Exception):
    """No live session: pages redirect to the login page, the JSON API answers 401."""


class Forbidden(Exception):
    """A form without the right CSRF token."""


@dataclass(frozen=True)
class CookiePolicy:
    secure: bool

    @property
    def session_name(self) -> str:
        return "__Host-bv_session" if self.secure else "bv_session"

    def session_options(self) -> dict[str, Any]:
        return {
            "httponly": True,
            "secure": self.secure,
            "samesite": "strict",
            "path": "/",
            "max_age": int(SESSION_LIFETIME.total_seconds()),
        }


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def session_token(request: Request) -> str | None:
    return request.cookies.get(request.app.state.cookies.session_name)


def current_session(request: Request) -> Session:
    """The request's live session, or LoginRequired."""
    session = optional_session(request)
    if session is None:
        raise LoginRequired
    return session


def api_session(request: Request) -> Session:
    """The JSON API's caller: an account's API token (`Authorization: Bearer …`, for tools), or else
    the session cookie (pages' own calls, a person trying the API in the browser). LoginRequired
    otherwise. A token's "session" has no CSRF token: the API only reads."""
    authorization = request.headers.get("authorization", "")
    scheme, _space, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        account = api_token_account(request.app.state.engine, token.strip())
        if account is None:
            raise LoginRequired
        return Session(account, "")
    return current_session(request)


def optional_session(request: Request) -> Session | None:
    """The request's live session if any (pages anyone may see show who is logged in)."""
    token = session_token(request)
    return find_session(request.app.state.engine, token) if token else None


async def form_fields(request: Request) -> dict[str, str]:
    """An URL-encoded form's fields (the first value of each); no multipart library needed. A NUL
    becomes U+FFFD, as undecodable bytes do: PostgreSQL's text refuses it, and no field needs it."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {
        name: values[0].replace("\x00", "\ufffd")
        for name, values in parse_qs(body, keep_blank_values=True).items()
    }


def check_csrf(expected: str | None, given: str | None) -> None:
    if not expected or not given or not secrets.compare_digest(expected.encode(), given.encode()):
        raise Forbidden
