"""What every answer goes through: body size limits, the enrolment's lock-out, security headers, no
banner, the interactive docs only on request, and one log line per request that never carries a
secret. All over real HTTP against the real server."""

import http.client
import json
import re
import socket
from collections.abc import Iterator
from email.message import Message
from uuid import uuid4

import pytest
import requests

from app.server.api import MAX_FAILED_CODES
from tests.live_server import LiveServer, create_structure, start_server
from tests.server.helpers import bearer, contact, enrol, enrolment_code, items, post_records
from tests.waiting import wait_until

ENROLMENT = "/api/v1/enrolment"


def post_from(server: LiveServer, source: str, path: str, body: bytes) -> tuple[int, Message, dict]:
    """POST from the loopback address `source` (127.0.0.2, …: another client as the server sees
    it); the status, the headers and the JSON answer."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(source, 0))
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.headers, json.loads(response.read())
    finally:
        connection.close()


def enrol_from(server: LiveServer, source: str, code: str) -> tuple[int, Message, dict]:
    body = json.dumps({"code": code, "installation_id": str(uuid4()), "label": "poste"}).encode()
    return post_from(server, source, ENROLMENT, body)


def test_a_body_over_its_limit_is_413_in_french_whether_declared_or_streamed(shared_server, http) -> None:
    url = f"{shared_server.url}{ENROLMENT}"
    declared = http.post(
        url, data=b"x" * (65 * 1024), headers={"Content-Type": "application/json"}, timeout=30
    )
    assert declared.status_code == 413
    assert declared.json()["detail"] == {
        "code": "too_large",
        "message": "Corps de la requête trop volumineux : 64 Kio au plus.",
    }
    assert declared.headers["X-Content-Type-Options"] == "nosniff"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count as it reads
        yield b'{"code": "'
        for _ in range(20):
            yield b"A" * 8192
        yield b'"}'

    streamed = http.post(url, data=chunks(), headers={"Content-Type": "application/json"}, timeout=30)
    assert streamed.status_code == 413
    assert streamed.json()["detail"]["code"] == "too_large"


def test_a_records_body_may_be_larger_than_other_bodies(shared_server, http, shared_token) -> None:
    batch = items(*(contact() for _ in range(200)))
    assert len(json.dumps({"records": batch})) > 64 * 1024
    response = post_records(http, shared_server, shared_token, batch, compress=False)
    assert response.status_code == 200, response.text


def test_repeated_wrong_codes_lock_the_address_out(server, http) -> None:
    code = create_structure(server.database_url)
    for _ in range(MAX_FAILED_CODES):
        assert enrol(http, server, "AAAA-BBBB-CCCC").status_code == 401
    locked = enrol(http, server, code)  # even a good code: the address is locked out
    assert locked.status_code == 429
    assert locked.json()["detail"]["code"] == "too_many_attempts"
    assert locked.json()["detail"]["message"].startswith(
        "Trop de codes d'inscription refusés : réessayez dans "
    )
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    status, _headers, answer = enrol_from(server, "127.0.0.2", code)  # another address is not
    assert status == 201, answer


def test_refused_codes_count_across_server_processes(server, database_url: str, tmp_path) -> None:
    """The lock-out is in the database: refusals on one server process count on another."""
    code = create_structure(server.database_url)
    with start_server(database_url, tmp_path / "second.log") as second:
        for n in range(MAX_FAILED_CODES):
            status, _headers, _answer = enrol_from((server, second)[n % 2], "127.0.0.7", "AAAA-BBBB-CCCC")
            assert status == 401
        for live in (server, second):
            status, headers, answer = enrol_from(live, "127.0.0.7", code)
            assert (status, answer["detail"]["code"]) == (429, "too_many_attempts")
            assert re.search(r"réessayez dans \d+ min\.", answer["detail"]["message"])
            assert 0 < int(headers["Retry-After"]) <= 15 * 60


def test_repeated_refusals_for_a_structure_lock_its_enrolment_out(server, http) -> None:
    used = create_structure(server.database_url)
    assert enrol(http, server, used).status_code == 201
    for n in range(MAX_FAILED_CODES):  # the used code, from as many addresses
        status, _headers, _answer = enrol_from(server, f"127.0.0.{10 + n}", used)
        assert status == 401
    fresh = enrolment_code(server)
    status, headers, answer = enrol_from(server, "127.0.0.99", fresh)
    assert (status, answer["detail"]["code"]) == (429, "too_many_attempts")
    assert int(headers["Retry-After"]) > 0
    other = create_structure(server.database_url, matricule="59", name="Avesnois")
    status, _headers, answer = enrol_from(server, "127.0.0.99", other)  # other structures enrol
    assert status == 201, answer


def test_security_headers_and_no_banner_on_every_answer(
    shared_server, http, shared_token, new_structure
) -> None:
    answers = [
        http.get(f"{shared_server.url}/health", timeout=30),
        http.get(f"{shared_server.url}/api/v1/session", headers=bearer(shared_token), timeout=30),
        http.get(f"{shared_server.url}/api/v1/session", timeout=30),
        http.get(f"{shared_server.url}/api/v1/nulle-part", timeout=30),
        http.get(f"{shared_server.url}/api/v1/reference/partners", headers=bearer(shared_token), timeout=30),
    ]
    for response in answers:
        assert "server" not in {name.lower() for name in response.headers}, response.headers
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert [response.headers["Cache-Control"] for response in answers] == [
        "no-store",
        "no-store",
        "no-store",
        "no-store",
        "no-cache",  # revalidated with its ETag
    ]
    enrolled = enrol(http, shared_server, new_structure().code)
    assert enrolled.status_code == 201
    assert enrolled.headers["Cache-Control"] == "no-store"  # it carries the token


def test_the_workers_of_serve_log_no_query_string(database_url, tmp_path) -> None:
    """`serve --workers 2`: each worker writes the same request lines, and no access log of uvicorn's
    (which printed the query string and the client's port)."""
    with start_server(database_url, tmp_path / "workers.log", ("--workers", "2")) as server:
        answer = requests.get(
            f"{server.url}/statistiques", params={"periode": "2026", "secret": "dans-la-requete"}, timeout=30
        )
        assert answer.status_code == 200
        wait_until(lambda: '"path": "/statistiques"' in server.output(), 30, "the request's line in the log")
        everything = server.output()
    assert "dans-la-requete" not in everything and "uvicorn.access" not in everything


def test_interactive_docs_only_when_asked_for(server, http, database_url, tmp_path) -> None:
    assert http.get(f"{server.url}/openapi.json", timeout=30).status_code == 200
    assert http.get(f"{server.url}/docs", timeout=30).status_code == 404
    assert http.get(f"{server.url}/redoc", timeout=30).status_code == 404
    server.stop()
    with start_server(database_url, log_path=tmp_path / "docs.log", options=("--docs",)) as documented:
        assert http.get(f"{documented.url}/docs", timeout=30).status_code == 200
        assert http.get(f"{documented.url}/redoc", timeout=30).status_code == 200


@pytest.fixture
def log_lines(server: LiveServer):
    def read() -> list[dict]:
        lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
        return [line for line in lines if line.get("logger") == "app.server.requests"]

    return read


def test_one_log_line_per_request_without_secrets(server, http, log_lines) -> None:
    code = create_structure(server.database_url)
    enrolled = enrol(http, server, code).json()
    token = enrolled["token"]
    sent = contact(agent="Agent Temoin")
    assert post_records(http, server, token, items(sent)).status_code == 200
    summary = http.get(
        f"{server.url}/api/v1/structures/3/summary",
        params={"month": "2026-11", "secret": "dans-la-requete"},
        headers=bearer(token),
        timeout=30,
    )
    assert summary.status_code == 200
    assert (
        http.get(f"{server.url}/api/v1/session", headers=bearer("faux-jeton"), timeout=30).status_code == 401
    )

    lines = log_lines()
    assert [(line["method"], line["path"], line["status"]) for line in lines[-4:]] == [
        ("POST", ENROLMENT, 201),
        ("POST", "/api/v1/records", 200),
        ("GET", "/api/v1/structures/3/summary", 200),
        ("GET", "/api/v1/session", 401),
    ]
    assert [line["workstation_id"] for line in lines[-4:]] == [
        enrolled["workstation_id"],
        enrolled["workstation_id"],
        enrolled["workstation_id"],
        None,
    ]
    assert all(isinstance(line["duration_ms"], int | float) and line["event"] == "request" for line in lines)
    everything = server.output()
    for secret in (
        token,
        code,
        code.replace("-", ""),
        "Agent Temoin",
        "dans-la-requete",
        "faux-jeton",
        sent["id"],
    ):
        assert secret not in everything


def test_a_workstation_that_hangs_up_mid_upload_is_no_server_error(server, token) -> None:
    """The network drops halfway through a batch: the server stores nothing, answers (to nobody) a
    refusal and logs one request line, never a traceback (which `server.stop()` would report)."""
    head = (
        "POST /api/v1/records HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: 100000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(head.encode() + b'{"records": [')
    logged = wait_until(
        lambda: [line for line in server.output().splitlines() if '"path": "/api/v1/records"' in line],
        30,
        "the server logging the cut request",
    )
    assert '"status": 400' in logged[0]
    server.stop()
