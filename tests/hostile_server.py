"""A hostile HTTP server on loopback, standing for the network or a server that misbehaves.

It plays the reporting server well enough for a workstation to enrol and pass the session check,
then answers `POST /api/v1/records` with whatever the test asks for: a redirect, an endless body,
one byte a second. It is outside the product (stdlib http.server in a thread), and records every
request it gets so that a test can tell what reached it.
"""

import gzip
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STRUCTURE = {"matricule": "3", "name": "Thiérache Sambre et Oise", "departement": "02", "itinerant": True}
WORKSTATION_ID = "7d8f2a4e-0c59-4c5e-9a55-0d3c4f7e9b11"
TOKEN = "hostile-3q2N8vXJk7bE1mPzR5tYwLcD0aUfGhIs9oQe4WnBy6"


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body_bytes: int


Behaviour = Callable[[BaseHTTPRequestHandler], None]


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    """A whole answer; header names with `_` for `-` (Retry_After → Retry-After)."""
    handler.send_response(status)
    headers.setdefault("Content_Type", "application/json")
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def send_json(handler: BaseHTTPRequestHandler, status: int, payload: object) -> None:
    send(handler, status, json.dumps(payload).encode())


def sent_ids(handler: BaseHTTPRequestHandler) -> list[str]:
    """The ids of the records in the upload `handler` received (gzip-compressed JSON)."""
    return [item["record"]["id"] for item in json.loads(gzip.decompress(handler.body))["records"]]


def acceptance(handler: BaseHTTPRequestHandler) -> dict:
    """The answer a real server gives when it accepts every record of the upload."""
    return {
        "received_at": "2026-11-23T10:00:00Z",
        "results": [{"id": i, "status": "accepted"} for i in sent_ids(handler)],
    }


@dataclass
class HostileServer:
    """`records` answers the uploads; `session` the session check (a valid answer by default)."""

    records: Behaviour | None = None
    session: Behaviour | None = None
    enrolment: Behaviour | None = None
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:  # quiet test output
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                self.body = body
                owner.hits.append(Hit(self.command, self.path, dict(self.headers), len(body)))
                behaviour = owner.route(self.command, self.path)
                try:
                    behaviour(self)
                except OSError:  # the client hung up: that is what some tests wait for
                    self.close_connection = True

            do_GET = do_POST = do_PUT = _serve  # http.server calls do_<METHOD>

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def route(self, method: str, path: str) -> Behaviour:
        if path.endswith("/api/v1/enrolment"):
            return self.enrolment or (
                lambda handler: send_json(
                    handler, 201, {"token": TOKEN, "workstation_id": WORKSTATION_ID, "structure": STRUCTURE}
                )
            )
        if path.endswith("/api/v1/session"):
            return self.session or (
                lambda handler: send_json(
                    handler, 200, {"workstation_id": WORKSTATION_ID, "structure": STRUCTURE}
                )
            )
        if path.endswith("/api/v1/records") and self.records is not None:
            return self.records
        return lambda handler: send_json(handler, 404, {"detail": {"code": "not_found", "message": "?"}})

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
