"""What every HTTP answer of the server goes through: a body size limit, security headers and one log
line per request.

Plain ASGI middlewares rather than Starlette's `BaseHTTPMiddleware`: they see the body as it streams
(a limit must hold before the body is in memory, not after) and cost nothing on the ingest's path.
Starlette's own `max_body_size` answers in English plain text when the handler does not read the body,
where every refusal of this server is the protocol's French JSON.
"""

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException
from starlette.responses import Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOO_LARGE_CODE = "too_large"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
}
# API answers carry tokens and a structure's figures: no cache keeps them, unless the answer says
# otherwise (the reference files are revalidated with their ETag).
DEFAULT_CACHE_CONTROL = "no-store"

request_log = logging.getLogger("app.server.requests")


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes its limit: an HTTPException, so that FastAPI's
    body parsing lets it through and the app's handler answers the protocol's 413."""

    def __init__(self, message: str) -> None:
        super().__init__(413, detail={"code": TOO_LARGE_CODE, "message": message})


class BodyLimit:
    """Refuse a request body over the limit of its path: at once when Content-Length says so, and as
    soon as a streamed (chunked) body passes it, before it is all read. `limits` maps a path to its
    limit; every other path gets `default`. `message(limit)` is the French refusal, in the protocol's
    JSON; `page(scope)` may answer instead (a web page's refusal, in HTML), or None to keep the JSON."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        limits: dict[str, int],
        message: Callable[[int], str],
        page: Callable[[Scope], Response | None] = lambda _scope: None,
    ) -> None:
        self.app = app
        self.default = default
        self.limits = limits
        self.message = message
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            answer = self.page(scope)
            if answer is None:
                await _refuse(send, self.message(limit))
            else:
                answer.headers["connection"] = "close"  # the body is not read
                await answer(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(self.message(limit))
            return message

        await self.app(scope, limited_receive, send)


class SecurityHeaders:
    """Security headers on every answer, and `Cache-Control: no-store` unless the answer set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                headers += [
                    (name.encode(), value.encode())
                    for name, value in SECURITY_HEADERS.items()
                    if name.encode() not in present
                ]
                if b"cache-control" not in present:
                    headers.append((b"cache-control", DEFAULT_CACHE_CONTROL.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestLog:
    """One line per request on the `app.server.requests` logger (JSON: `app.server.logs`): method,
    path (never the query string, never a header, never the body), status, duration and the
    workstation when the request was authenticated (`request.state.workstation_id`). Enough for the
    support to follow a workstation's sync without the server ever writing what the workstation
    sent. The line is written just before the answer's last byte leaves, so that whoever got the
    answer can already read it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering
        logged = False

        def log() -> None:
            nonlocal logged
            logged = True
            state = scope.get("state") or {}
            request_log.info(
                "request",
                extra={
                    "fields": {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "workstation_id": state.get("workstation_id"),
                    }
                },
            )

        async def send_and_log(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                log()
            await send(message)

        try:
            await self.app(scope, receive, send_and_log)
        finally:
            if not logged:
                log()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            text: str = value.decode("latin-1").strip()
            return text
    return None


async def _refuse(send: Send, message: str) -> None:
    body = json.dumps({"detail": {"code": TOO_LARGE_CODE, "message": message}}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
