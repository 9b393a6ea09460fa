"""Every contact recorded reaches the server exactly once, whatever happens on the way."""

import json
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from app.models.demo import add_demo_contacts
from app.models.pass_numerique import parse_cheque_numbers
from app.models.settings import get_setting
from app.models.workspace import open_workspace
from app.sync import outbox
from app.sync.engine import run_pass
from tests.chaos_proxy import ChaosProxy, Faults
from tests.conftest import ROOT
from tests.e2e.conftest import enrolled, local_states, server_counts
from tests.live_server import run_server_cli
from tests.waiting import wait_until


def sync_until_done(workspace, passes: int = 300, proxy: ChaosProxy | None = None) -> int:
    """Run passes as the worker would until nothing is pending; return how many it took. A pass that
    fails fails the test, unless `proxy`, the faulty network the test syncs through, cut a request or
    an answer during it: the passes after it are for the faults the test injects, never a retry that
    would hide another failure."""
    for number in range(1, passes + 1):
        cuts = proxy_cuts(proxy)
        report = run_pass(workspace, force=True, pull_reference=False)
        if report.error is not None:
            assert proxy_cuts(proxy) > cuts, (
                f"pass {number} failed with no fault injected: {report.summary()}"
            )
        elif report.pending == 0:
            return number
    raise AssertionError(f"still pending after {passes} passes: {report.summary()}")


def add_contact_now(workspace, at: datetime | None = None, situation: str = "demenagement") -> None:
    """One contact of this month, made at `at` (now by default), beside the demo's: on a month's first
    day, before the desk opens, or in its first minutes, the demo's (or any made minutes before) are
    all last month's, and this month's figures would be empty."""
    workspace.contacts.add(
        {
            **workspace.workstation.contact_defaults(),
            "situation": situation,
            "partners": ["la-poste"],
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 10,
            "occurred_at": at or datetime.now().astimezone(),
        }
    )


def receive_booklet(workspace, who: dict, booklet: str = "C-1", numbers: str = "1001-1010") -> None:
    """A booklet of the Aisne's cheques `numbers` received into the stock of `who` (its structure
    and agent), valid 200 more days."""
    cheques = parse_cheque_numbers(numbers)
    workspace.passes.receive_booklet(
        **who,
        funder="Conseil départemental de l'Aisne",
        booklet=booklet,
        cheques=cheques,
        booklet_size=len(cheques),
        valid_until=date.today() + timedelta(days=200),
    )


def proxy_cuts(proxy: ChaosProxy | None) -> int:
    return 0 if proxy is None else proxy.counters.cut_requests + proxy.counters.cut_responses


def test_contacts_recorded_offline_arrive_when_the_network_is_back(workspace, server) -> None:
    enrolled(workspace, server)
    server.stop()  # the bus leaves the network
    add_demo_contacts(workspace, 1000, seed=1)
    report = run_pass(workspace)
    assert report.offline and report.sent == 0 and report.pending == 1000
    assert "injoignable" in report.error
    server.start()  # network back
    report = run_pass(workspace, force=True)
    assert report.error is None, report.summary()
    assert report.accepted == 1000 and report.pending == 0
    assert server_counts(server) == (1000, 1000)
    assert local_states(workspace) == {"sent": 1000}


def test_a_cutting_delaying_network_still_delivers_each_contact_once(
    workspace, shared_server, shared_proxy, own_matricule, monkeypatch
) -> None:
    enrolled(workspace, shared_server, shared_proxy.url, own_matricule)
    monkeypatch.setattr(outbox, "BATCH_RECORDS", 25)
    add_demo_contacts(workspace, 500, seed=2)
    shared_proxy.faults = Faults(cut_request=0.15, cut_response=0.2, delay=0.2, max_delay=0.05)
    passes = sync_until_done(workspace, proxy=shared_proxy)
    assert passes > 1, "the faults must have bitten"
    assert shared_proxy.counters.cut_responses > 0, "some answers were lost after the server committed"
    assert shared_proxy.counters.cut_requests > 0
    assert server_counts(shared_server, own_matricule) == (500, 500)
    assert local_states(workspace) == {"sent": 500}


def _stored_ids(server) -> set[str]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(text("SELECT id FROM records"))}
    finally:
        engine.dispose()


def _local_ids(workspace, state: str | None = None) -> set[str]:
    """The ids of the workstation's contacts, or of those whose outbox row is in `state`."""
    if state is None:
        return {row[0] for row in workspace.db.execute("SELECT id FROM contacts")}
    query = "SELECT record_id FROM outbox WHERE kind != 'setting' AND state = ?"
    return {row[0] for row in workspace.db.execute(query, (state,))}


def _killed_while_sending_keeps_its_word(workspace, server) -> None:
    """What a kill in the middle of a send left behind: the server stored only the workstation's
    contacts, each once, and every contact the workstation believes sent is on the server. (How far
    the send had gone when the kill landed is the machine's business, not the test's.)"""
    stored = _stored_ids(server)
    assert server_counts(server) == (len(stored), len(stored)), "a contact stored twice"
    assert stored <= _local_ids(workspace)
    assert _local_ids(workspace, "sent") <= stored, "a contact marked sent that the server never stored"


def test_server_killed_mid_batch_and_restarted(workspace, server) -> None:
    enrolled(workspace, server)
    add_demo_contacts(workspace, 4000, seed=3)
    # The pass runs on its own connection, as the GUI worker does.
    second = open_workspace(workspace.path.parent)
    sending = threading.Thread(
        target=run_pass, args=(second,), kwargs={"force": True, "pull_reference": False}
    )
    sending.start()
    wait_until(lambda: server_counts(server)[0] > 0, 30, "the server storing the first batch")
    server.kill()
    sending.join(60)
    assert not sending.is_alive(), "the pass must end when its server dies"
    second.close()
    _killed_while_sending_keeps_its_word(workspace, server)
    server.start()
    sync_until_done(workspace)
    assert server_counts(server) == (4000, 4000)
    assert local_states(workspace) == {"sent": 4000}


def test_client_killed_while_sending_then_restarted(workspace, server, data_dir) -> None:
    enrolled(workspace, server)
    add_demo_contacts(workspace, 20000, seed=4)
    command = [sys.executable, "-m", "app", "sync", "--data-dir", str(data_dir)]
    client = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: server_counts(server)[0] > 0, 60, "the server storing the first batch")
    client.kill()
    client.wait()
    _killed_while_sending_keeps_its_word(workspace, server)
    workspace.close()
    # One run finishes the job: the kill left nothing (a lock, a batch claimed) that a retry would hide.
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "0 en attente" in finished.stdout
    assert server_counts(server) == (20000, 20000)


def test_a_captive_portal_is_not_taken_for_success(
    workspace, shared_server, shared_proxy, own_matricule
) -> None:
    enrolled(workspace, shared_server, shared_proxy.url, own_matricule)
    add_demo_contacts(workspace, 50, seed=5)
    shared_proxy.mode = "portal"
    report = run_pass(workspace, force=True)
    assert report.offline and report.sent == 0
    assert "page web" in report.error
    shared_proxy.canned_prefix = (
        "/api/v1/records"  # the portal lets the session check through, not the upload
    )
    report = run_pass(workspace, force=True)
    assert report.sent == 0 and report.pending == 50
    assert local_states(workspace) == {"pending": 50}
    assert server_counts(shared_server, own_matricule) == (0, 0)
    shared_proxy.mode = "forward"
    sync_until_done(workspace)
    assert server_counts(shared_server, own_matricule) == (50, 50)


def test_a_conflict_is_quarantined_and_the_rest_goes_through(workspace, shared_server, own_matricule) -> None:
    enrolled(workspace, shared_server, matricule=own_matricule)
    add_demo_contacts(workspace, 10, seed=6)
    sync_until_done(workspace)
    [victim] = workspace.db.execute("SELECT id FROM contacts LIMIT 1").fetchone()
    # The same id with other content (a damaged copy, a cloned disk): the server must not accept it.
    workspace.db.execute("UPDATE contacts SET duration_minutes = duration_minutes + 1 WHERE id = ?", [victim])
    workspace.db.execute("UPDATE outbox SET state = 'pending' WHERE record_id = ?", [victim])
    add_demo_contacts(workspace, 20, seed=7)
    report = run_pass(workspace, force=True)
    assert report.rejected == 1 and report.accepted == 20 and report.pending == 0
    state, reason = workspace.db.execute(
        "SELECT state, last_error FROM outbox WHERE record_id = ?", [victim]
    ).fetchone()
    assert state == "rejected" and reason
    assert report.quarantined == 1
    assert server_counts(shared_server, own_matricule) == (30, 30)


def test_a_revoked_workstation_keeps_its_contacts_and_is_told_why(
    workspace, shared_server, own_matricule
) -> None:
    enrolled(workspace, shared_server, matricule=own_matricule)
    add_demo_contacts(workspace, 5, seed=8)
    revoked = run_server_cli(
        shared_server.database_url,
        "revoke",
        "--workstation",
        get_setting(workspace.db, "sync.workstation_id"),
    )
    assert revoked.returncode == 0, revoked.stderr
    report = run_pass(workspace, force=True)
    assert report.unauthorized and report.sent == 0 and report.pending == 5
    assert "autorisé" in report.error
    assert get_setting(workspace.db, "sync.unauthorized") is True


def test_too_large_batches_are_split(workspace, shared_server, own_matricule, monkeypatch) -> None:
    enrolled(workspace, shared_server, matricule=own_matricule)
    monkeypatch.setattr(outbox, "BATCH_RECORDS", 1200)  # the server takes 500 at most
    monkeypatch.setattr(outbox, "BATCH_BYTES", 64 * 1024 * 1024)
    add_demo_contacts(workspace, 1200, seed=9)
    report = run_pass(workspace, force=True)
    assert report.error is None and report.accepted == 1200 and report.pending == 0
    assert server_counts(shared_server, own_matricule) == (1200, 1200)


@pytest.mark.parametrize(
    ("status", "retry_after", "earliest"), [(429, "120", 119), (503, None, 0), (500, None, 0)]
)
def test_busy_or_failing_server_backs_off(
    workspace, shared_server, shared_proxy, own_matricule, status, retry_after, earliest
) -> None:
    enrolled(workspace, shared_server, shared_proxy.url, own_matricule)
    add_demo_contacts(workspace, 30, seed=10)
    shared_proxy.mode, shared_proxy.status, shared_proxy.retry_after = "status", status, retry_after
    shared_proxy.canned_prefix = "/api/v1/records"
    before = datetime.now().astimezone().replace(microsecond=0)  # the outbox keeps whole seconds
    report = run_pass(workspace, force=True)
    assert report.sent == 0 and report.pending == 30 and str(status) in report.error
    rows = workspace.db.execute("SELECT attempts, next_try_at FROM outbox").fetchall()
    assert all(attempts == 1 for attempts, _ in rows)
    due = [datetime.fromisoformat(next_try.replace("Z", "+00:00")) for _, next_try in rows]
    assert min(due) >= before + timedelta(seconds=earliest)
    assert max(due) <= before + timedelta(seconds=max(earliest, 0) + outbox.BACKOFF_BASE * 2 + 5)
    canned = shared_proxy.counters.canned
    if earliest:
        assert run_pass(workspace).sent == 0  # not due yet: the pass does not even try
        assert shared_proxy.counters.canned == canned
    shared_proxy.mode = "forward"
    sync_until_done(workspace)
    assert server_counts(shared_server, own_matricule) == (30, 30)


def test_escalations_travel_in_the_same_outbox_and_reach_the_summary(
    workspace, shared_server, own_matricule
) -> None:
    enrolled(workspace, shared_server, matricule=own_matricule)
    add_demo_contacts(workspace, 5, seed=16)
    structure = workspace.workstation.structure.matricule
    first = workspace.escalations.create(
        {
            "structure": structure,
            "agent": "Julie M.",
            "partner": "caf",
            "situation": "allocation-logement",
            "channel": "administration-plus",
        }
    )
    workspace.escalations.set_status(str(first.id), "repondu", "Julie M.")
    report = run_pass(workspace, force=True)
    assert report.error is None and report.accepted == 7 and report.pending == 0
    month = datetime.now().astimezone().strftime("%Y-%m")
    summary = run_server_cli(
        shared_server.database_url, "summary", "--matricule", structure, "--month", month, "--format", "json"
    )
    figures = json.loads(summary.stdout)
    assert figures["escalations_sent"] == 1 and figures["escalations_answered"] == 1
    assert figures["escalations_by_partner"] == {"caf": 1}


def test_pass_numerique_reaches_the_server_once_through_a_cutting_network(
    workspace, shared_server, shared_proxy, own_matricule, monkeypatch
) -> None:
    """Ledger lines and handings out travel in the same outbox, with the same guarantees, and the
    server's month counts the stock exactly as the workstation does."""
    enrolled(workspace, shared_server, shared_proxy.url, own_matricule)
    monkeypatch.setattr(outbox, "BATCH_RECORDS", 2)
    structure = workspace.workstation.structure.matricule
    who = {"structure": structure, "agent": "Julie M."}
    passes = workspace.passes
    for booklet, numbers in (("C-1", "1001-1010"), ("C-2", "2001-2005")):
        receive_booklet(workspace, who, booklet, numbers)
    passes.hand_out(**who, cheques=["1001", "1002", "1003"], age_band="75-plus", autonomy_level="debutant")
    passes.hand_out(**who, cheques=["1004", "2001"])  # two booklets: two ledger lines
    passes.return_to_stock(**who, cheques=["2001"], reason="erreur")
    passes.cancel(**who, cheques=["1010"], reason="abime")
    shared_proxy.faults = Faults(cut_response=1.0)  # every answer lost after the server committed
    assert run_pass(workspace, force=True, pull_reference=False).error is not None
    assert shared_proxy.counters.cut_responses > 0
    shared_proxy.faults = Faults(cut_request=0.2)
    sync_until_done(workspace, proxy=shared_proxy)  # the resent records are duplicates: stored once
    assert local_states(workspace) == {"sent": 9}
    engine = create_engine(shared_server.database_url)
    try:
        with engine.connect() as connection:
            counts = [
                connection.execute(
                    text(f"SELECT count(*), count(DISTINCT id) FROM {table} WHERE structure = :ours"),
                    {"ours": structure},
                ).one()
                for table in ("pass_ledger", "pass_issuances")
            ]
    finally:
        engine.dispose()
    assert counts == [(7, 7), (2, 2)]
    month = datetime.now().astimezone().strftime("%Y-%m")
    summary = run_server_cli(
        shared_server.database_url, "summary", "--matricule", structure, "--month", month, "--format", "json"
    )
    figures = json.loads(summary.stdout)
    assert figures["pass_issuances"] == 2
    assert (figures["pass_cheques_received"], figures["pass_cheques_handed_out"]) == (15, 5)
    assert figures["pass_value_handed_out_cents"] == 5000
    assert (figures["pass_cheques_returned"], figures["pass_cheques_cancelled"]) == (1, 1)
    assert figures["pass_stock_left"] == passes.summary().available == 10
