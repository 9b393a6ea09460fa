"""The sync client does not trust the network: redirects, tricky addresses, unbounded answers,
drip-feeding servers and damaged local rows never lose a record nor block the others.

The hostile side is a real HTTP server on loopback (tests/hostile_server.py); the workstation is
the real sync engine on a real SQLite file; where the real reporting server is needed, it runs too.
"""

import gzip
import json
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from filelock import FileLock

from app.models.demo import add_demo_contacts, ensure_demo_setup
from app.models.settings import get_setting
from app.sync import outbox, transport
from app.sync.credentials import load_token
from app.sync.engine import enroll, lock_path, run_pass
from app.sync.status import SERVER_URL
from app.sync.transport import RETRY_AFTER_CAP, SyncError, check_server_url, retry_after_seconds
from app.ui.sync_controller import SyncController
from tests.e2e.conftest import enrolled, local_states, server_counts
from tests.hostile_server import (
    STRUCTURE,
    TOKEN,
    WORKSTATION_ID,
    HostileServer,
    acceptance,
    send,
    send_json,
    sent_ids,
)


@pytest.fixture
def hostile():
    server = HostileServer()
    yield server
    server.close()


@pytest.fixture
def elsewhere():
    """Another host, where a redirect would like the batch to go; it would accept everything."""
    server = HostileServer(records=lambda handler: send_json(handler, 200, acceptance(handler)))
    yield server
    server.close()


def enrolled_on(workspace, hostile: HostileServer, contacts: int = 20):
    """The demo bus enrolled on the hostile server, with `contacts` contacts waiting."""
    ensure_demo_setup(workspace)
    enroll(workspace, hostile.url, "7KQM-2WXP-H9TD")
    add_demo_contacts(workspace, contacts, seed=13)
    return workspace


def sync(workspace):
    return run_pass(workspace, force=True, pull_reference=False)


# --- Redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_of_the_upload_is_not_followed(workspace, hostile, elsewhere, status) -> None:
    enrolled_on(workspace, hostile)
    hostile.records = lambda handler: send(handler, status, Location=f"{elsewhere.url}/api/v1/records")
    report = sync(workspace)
    assert elsewhere.hits == [], "the batch (and the token) went to the other host"
    assert report.sent == 0 and report.pending == 20 and report.quarantined == 0
    assert "redirection" in report.error
    assert local_states(workspace) == {"pending": 20}


def test_a_redirect_of_the_session_check_is_not_followed(workspace, hostile, elsewhere) -> None:
    enrolled_on(workspace, hostile)
    hostile.session = lambda handler: send(handler, 307, Location=f"{elsewhere.url}/api/v1/session")
    hostile.records = lambda handler: send_json(handler, 200, acceptance(handler))
    report = sync(workspace)
    assert elsewhere.hits == []
    assert "/api/v1/records" not in hostile.paths()
    assert report.sent == 0 and report.pending == 20 and "redirection" in report.error


# --- One URL parser --------------------------------------------------------------------------

REFUSED_URLS = [
    "http://evil.example\\@127.0.0.1/",
    "http://evil.example\\@127.0.0.1:8000/api",
    "https://127.0.0.1@evil.example",
    "http://user:secret@127.0.0.1:8000",
    "http://127.0.0.1#@evil.example",
    "http://127.0.0.1?@evil.example",
    "http://127.0.0.1 @evil.example",
    "http://127.0.0.1\t.evil.example",
    "http://127.0.0.1\r\nHost: evil.example",
    "http://127.0.0.1%2f@evil.example",
    "http://%65vil.example",
    "https://rеporting.exemple.fr",  # a Cyrillic е
    "https://reporting.exemple.fr\u200b",
    "https://réseau.exemple.fr",
    "https://reporting.exemple.fr/?jeton=1",
    "https://reporting.exemple.fr/#ancre",
    "http://reporting.exemple.fr",
    "http://127.0.0.1.evil.example",
    "http://localhost.evil.example",
    "http://0x7f.0.0.1",
    "ftp://127.0.0.1",
    "javascript:alert(1)",
    "127.0.0.1:8000",
    "https://",
    "http://127.0.0.1:99999",
    "http://127.0.0.1:0",
    "http://localhost:80:80",
    "http://[::1",
    "",
]
ACCEPTED_URLS = [
    ("https://reporting.exemple.fr", "https://reporting.exemple.fr"),
    ("  https://reporting.exemple.fr/  ", "https://reporting.exemple.fr"),
    ("https://reporting.exemple.fr:8443/bureau-virtuel/", "https://reporting.exemple.fr:8443/bureau-virtuel"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("http://localhost:8000/", "http://localhost:8000"),
    ("http://[::1]:8000", "http://[::1]:8000"),
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_tricky_server_addresses_are_refused_in_french(url) -> None:
    with pytest.raises(
        SyncError, match=r"Adresse de serveur invalide|doit commencer par https://"
    ) as refused:
        check_server_url(url)
    assert all(character.isprintable() for character in str(refused.value)), "no control character echoed"


@pytest.mark.parametrize(("url", "kept"), ACCEPTED_URLS)
def test_ordinary_server_addresses_are_kept(url, kept) -> None:
    assert check_server_url(url) == kept


def test_a_backslash_address_never_connects_anywhere(workspace, hostile) -> None:
    """urlsplit reads 127.0.0.1 there, but the connection would go to evil.example: refused before
    any request, so nothing (no code, no token) leaves the workstation."""
    ensure_demo_setup(workspace)
    with pytest.raises(SyncError, match="Adresse de serveur invalide"):
        enroll(workspace, f"http://evil.example\\@127.0.0.1:{hostile.port}/", "7KQM-2WXP-H9TD")
    assert hostile.hits == []


@pytest.mark.parametrize(
    "change",
    [
        {"token": "jeton\r\nX-Autre: 1"},
        {"token": 12345678901234567890},
        {"token": ""},
        {"workstation_id": "../../etc"},
        {"structure": {**STRUCTURE, "name": "\x1b]0;pirate\x07Bus"}},
        {"structure": {**STRUCTURE, "departement": ["02"]}},
        {"structure": {**STRUCTURE, "matricule": True}},
        {"structure": {**STRUCTURE, "itinerant": "oui"}},
        {"structure": "3"},
    ],
)
def test_a_malformed_enrolment_answer_keeps_nothing(workspace, hostile, change) -> None:
    ensure_demo_setup(workspace)
    answer = {"token": TOKEN, "workstation_id": WORKSTATION_ID, "structure": STRUCTURE} | change
    hostile.enrolment = lambda handler: send_json(handler, 201, answer)
    with pytest.raises(SyncError, match="Réponse d'inscription incomplète ou invalide"):
        enroll(workspace, hostile.url, "7KQM-2WXP-H9TD")
    assert get_setting(workspace.db, SERVER_URL) is None and load_token(hostile.url) is None


# --- Bounds ----------------------------------------------------------------------------------

FAR = "Fri, 31 Dec 9999 23:59:59 GMT"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("-30", 0.0),
        ("1e12", RETRY_AFTER_CAP),
        ("1e400", RETRY_AFTER_CAP),
        ("inf", RETRY_AFTER_CAP),
        ("-inf", 0.0),
        ("nan", None),
        ("315360000", RETRY_AFTER_CAP),
        (FAR, RETRY_AFTER_CAP),
        ("Mon, 01 Jan 0001 00:00:00 GMT", 0.0),
        ("Mon, 23 Nov 2026 10:02:00 GMT", 120.0),
        ("demain", None),
        (None, None),
    ],
)
def test_retry_after_is_bounded(value, seconds) -> None:
    assert retry_after_seconds(value, now=datetime(2026, 11, 23, 10, 0, tzinfo=UTC)) == seconds


@pytest.mark.parametrize("value", ["1e12", "inf", "nan", "-30", "315360000", FAR])
def test_an_absurd_retry_after_neither_crashes_the_pass_nor_parks_the_records(
    workspace, hostile, value
) -> None:
    enrolled_on(workspace, hostile)
    hostile.records = lambda handler: send(handler, 429, b'{"detail": "busy"}', Retry_After=value)
    before = datetime.now(UTC).replace(microsecond=0)
    report = sync(workspace)
    assert report.sent == 0 and report.pending == 20 and "429" in report.error
    assert local_states(workspace) == {"pending": 20}
    due = [
        datetime.fromisoformat(row[0].replace("Z", "+00:00"))
        for row in workspace.db.execute("SELECT next_try_at FROM outbox")
    ]
    assert max(due) <= before + timedelta(seconds=RETRY_AFTER_CAP + 5)


def test_an_oversized_answer_is_not_taken_for_an_acknowledgement(workspace, hostile) -> None:
    """A valid acknowledgement padded past the limit: stopped while it streams in."""
    enrolled_on(workspace, hostile)

    def huge(handler) -> None:
        answer = acceptance(handler) | {"padding": "x" * (transport.MAX_ANSWER_BYTES + 1)}
        send_json(handler, 200, answer)

    hostile.records = huge
    report = sync(workspace)
    assert report.sent == 0 and report.pending == 20 and "trop volumineuse" in report.error
    assert local_states(workspace) == {"pending": 20}


def test_a_gzip_bomb_counts_at_its_decompressed_size(workspace, hostile) -> None:
    enrolled_on(workspace, hostile)

    def bomb(handler) -> None:
        text = json.dumps(acceptance(handler)).encode()
        padded = text[:-1] + b" " * (4 * transport.MAX_ANSWER_BYTES) + b"}"  # JSON whitespace
        send(handler, 200, gzip.compress(padded), Content_Encoding="gzip")

    hostile.records = bomb
    report = sync(workspace)
    assert report.sent == 0 and report.pending == 20 and "trop volumineuse" in report.error


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_drip_feeding_server_does_not_hold_the_pass(workspace, hostile, monkeypatch, where) -> None:
    """One byte every 0.1 s never trips the read time-out; the request's own deadline cuts it."""
    monkeypatch.setattr(transport, "REQUEST_DEADLINE", 1.5)
    enrolled_on(workspace, hostile)
    hung_up = threading.Event()

    def drip(handler) -> None:
        body = json.dumps(acceptance(handler)).encode()  # a valid answer: only its pace is wrong
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        quick, slow = (head.encode(), body) if where == "body" else (b"", head.encode() + body)
        handler.wfile.write(quick)
        handler.wfile.flush()
        try:
            for byte in slow:  # about 2 minutes for the whole answer
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            hung_up.set()
            raise

    hostile.records = drip
    started = time.monotonic()
    report = sync(workspace)
    elapsed = time.monotonic() - started
    assert report.sent == 0 and report.pending == 20 and "trop lentement" in report.error
    assert local_states(workspace) == {"pending": 20}
    assert hung_up.wait(30), "the client must have hung up on the server"
    assert elapsed < 30, f"the pass was held {elapsed:.0f} s"


def test_a_deeply_nested_answer_is_a_protocol_error(workspace, hostile) -> None:
    enrolled_on(workspace, hostile)
    hostile.records = lambda handler: send(handler, 200, b"[" * 200_000 + b"]" * 200_000)
    report = sync(workspace)
    assert report.sent == 0 and report.pending == 20 and "illisible" in report.error


def test_server_texts_are_stored_and_shown_without_control_characters(workspace, hostile) -> None:
    """A reason or message carrying terminal escape sequences (or not even a string) is cleaned."""
    enrolled_on(workspace, hostile, contacts=2)
    escape = "\x1b[2J\x1b]0;pirate\x07Refusé\u202e : date invalide"

    def refuse(handler) -> None:
        results = [
            {"id": record_id, "status": "rejected", "code": ["invalid"], "reason": escape}
            for record_id in sent_ids(handler)
        ]
        send_json(handler, 200, {"received_at": "2026-11-23T10:00:00Z", "results": results})

    hostile.records = refuse
    report = sync(workspace)
    assert report.error is None and report.rejected == 2
    reasons = [row[0] for row in workspace.db.execute("SELECT last_error FROM outbox")]
    assert reasons == ["[2J]0;pirateRefusé : date invalide"] * 2
    hostile.session = lambda handler: send_json(handler, 401, {"detail": {"message": escape * 100}})
    report = sync(workspace)
    assert report.unauthorized and all(character.isprintable() for character in report.error)
    assert len(report.error) <= 300


# --- A record that cannot be sent never blocks the others --------------------------------------


def test_an_unreadable_record_is_quarantined_and_the_others_go(
    workspace, shared_server, own_matricule, monkeypatch
) -> None:
    """A date stored by a typo (`--at 0202-…` became `202-11-20T…`) or a damaged row used to crash
    every pass; now each such record is set aside with a French reason and the queue goes on."""
    enrolled(workspace, shared_server, matricule=own_matricule)
    monkeypatch.setattr(outbox, "BATCH_RECORDS", 2)  # the first batch is made only of bad records
    add_demo_contacts(workspace, 20, seed=14)
    first, second = (
        row[0] for row in workspace.db.execute("SELECT record_id FROM outbox ORDER BY rowid LIMIT 2")
    )
    workspace.db.execute("UPDATE contacts SET occurred_at = '202-11-20T10:00:00Z' WHERE id = ?", [first])
    workspace.db.execute("UPDATE contacts SET partners = '[\"caf\"' WHERE id = ?", [second])
    report = sync(workspace)
    assert report.error is None, report.summary()
    assert report.accepted == 18 and report.pending == 0 and report.quarantined == 2
    assert "2 refusés (mis en quarantaine)" in report.summary()
    assert server_counts(shared_server, own_matricule) == (18, 18)
    reasons = dict(
        workspace.db.execute("SELECT record_id, last_error FROM outbox WHERE state = 'rejected'").fetchall()
    )
    assert reasons.keys() == {first, second}
    assert "occurred_at" in reasons[first] and "ne peut pas être envoyé" in reasons[first]
    assert "202-11-20" not in reasons[first], "the reason names the field, never the value"
    again = sync(workspace)
    assert again.error is None and again.sent == 0 and again.pending == 0
    assert again.quarantined == 2 and again.rejected == 0


def test_an_unexpected_failure_releases_the_batch_and_the_lock(
    workspace, shared_server, own_matricule
) -> None:
    """The outcome cannot be written (here a trigger stands for a full disk): the pass fails loudly,
    but no record stays `sending` and the next pass runs and delivers."""
    enrolled(workspace, shared_server, matricule=own_matricule)
    add_demo_contacts(workspace, 10, seed=15)
    workspace.db.execute(
        "CREATE TEMP TRIGGER full_disk BEFORE UPDATE OF state ON main.outbox WHEN NEW.state = 'sent' "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    with pytest.raises(sqlite3.DatabaseError):
        sync(workspace)
    assert local_states(workspace) == {"pending": 10}
    with FileLock(lock_path(workspace), timeout=0):
        pass  # free: the failed pass let go of it
    workspace.db.execute("DROP TRIGGER full_disk")
    report = sync(workspace)
    assert report.error is None and not report.busy
    assert report.sent == 10 and report.pending == 0  # the server had them already: duplicates
    assert server_counts(shared_server, own_matricule) == (10, 10)


def test_closing_the_window_cuts_a_held_upload_and_keeps_the_batch(
    qtbot, workspace, hostile, monkeypatch
) -> None:
    """A server that holds the upload (a dead link that keeps the socket open) never holds the
    window's closing: the request in flight is cut, the batch goes back to the queue with no
    backoff, and the next start sends it."""
    monkeypatch.setattr(transport, "REQUEST_DEADLINE", 3600.0)  # only the closing can end the upload
    enrolled_on(workspace, hostile)
    held, released = threading.Event(), threading.Event()

    def hold(handler) -> None:
        held.set()
        released.wait(600)
        handler.close_connection = True  # the client hung up long ago: nothing to answer

    hostile.records = hold
    controller = SyncController(workspace.path.parent)
    try:
        controller.request(force=True)
        qtbot.waitUntil(held.is_set, timeout=15000)
        controller.stop()
        assert controller.worker_thread.isFinished()
    finally:
        released.set()
    rows = workspace.db.execute(
        "SELECT state, attempts, last_error FROM outbox WHERE kind = 'contact'"
    ).fetchall()
    assert {(state, attempts) for state, attempts, _ in rows} == {("pending", 0)}
    assert all("arrêtée à la fermeture" in error for _, _, error in rows)
    hostile.records = lambda handler: send_json(handler, 200, acceptance(handler))
    report = sync(workspace)
    assert report.error is None and report.pending == 0 and local_states(workspace) == {"sent": 20}
