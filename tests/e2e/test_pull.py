"""Records travel both ways: two workstations of one structure, each a real `bureau-virtuel` process,
record and sync; afterwards each counts the whole structure, and agrees with the server."""

import csv
import json
import os
from datetime import datetime
from pathlib import Path

from app.models.demo import add_demo_contacts, ensure_demo_setup
from app.models.settings import get_setting
from app.models.workspace import open_workspace
from app.reports.aggregation import as_server_summary, summarise
from app.reports.periods import Period
from app.sync import pull
from app.sync.engine import enroll, run_pass
from app.sync.status import PULL_CURSOR, freshness
from tests.chaos_proxy import Faults
from tests.conftest import run_cli
from tests.e2e.conftest import enrolled
from tests.e2e.test_sync import proxy_cuts, sync_until_done
from tests.live_server import LiveServer, create_structure, run_server_cli


def _code(server: LiveServer) -> str:
    result = run_server_cli(server.database_url, "enrolment-code", "--matricule", "3")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _pc(data_dir: Path, *args: str, check: bool = True):
    """`bureau-virtuel *args` on the workstation in `data_dir`, which has its own OS keyring."""
    env = {
        **os.environ,
        "BUREAU_VIRTUEL_TEST_KEYRING": str(data_dir.with_name(f"{data_dir.name}.keyring.json")),
    }
    return run_cli(*args, data_dir=data_dir, check=check, env=env)


def _aggregates(path: Path) -> list[list[str]]:
    """The aggregates CSV without its "Édité le" line (the time each file was written)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row for row in csv.reader(handle, delimiter=";") if row[0] != "Édité le"]


def test_two_workstations_of_a_structure_count_the_whole_structure(
    tmp_path: Path, server: LiveServer
) -> None:
    first, second = tmp_path / "poste-1", tmp_path / "poste-2"
    codes = [create_structure(server.database_url), _code(server)]
    for data_dir, code, contacts, seed in ((first, codes[0], "300", "1"), (second, codes[1], "200", "2")):
        _pc(data_dir, "demo", "--contacts", contacts, "--seed", seed)
        _pc(data_dir, "enroll", "--server", server.url, "--code", code)
    for data_dir in (first, second, first, second):
        result = _pc(data_dir, "sync", check=False)
        assert result.returncode == 0, result.stdout + result.stderr

    now = datetime.now().astimezone()
    month = Period("month", now.year, now.month)
    exported = []
    for data_dir in (first, second):
        output = data_dir / "synthese.csv"
        _pc(
            data_dir,
            "export",
            "--month",
            month.slug,
            "--format",
            "csv",
            "--output",
            str(output),
        )
        exported.append(_aggregates(output))
    assert exported[0] == exported[1]
    assert exported[0][4][:2] == ["Contacts", "Total de la période"]

    answer = run_server_cli(
        server.database_url, "summary", "--matricule", "3", "--month", month.slug, "--format", "json"
    )
    assert answer.returncode == 0, answer.stderr
    on_server = json.loads(answer.stdout)
    assert int(exported[0][4][2]) == on_server["total"] > 0
    for data_dir, own in ((first, 300), (second, 200)):
        workspace = open_workspace(data_dir)
        try:
            assert as_server_summary(summarise(workspace, month)) == on_server
            counts = dict(workspace.db.execute("SELECT origin IS NULL, count(*) FROM contacts GROUP BY 1"))
            assert counts == {1: own, 0: 500 - own}  # the other's records, with their origin
            assert (
                workspace.db.execute("SELECT count(*) FROM outbox WHERE kind != 'setting'").fetchone()[0]
                == own
            )  # never re-sent
            assert (
                workspace.db.execute(
                    "SELECT count(*) FROM contacts WHERE origin IS NOT NULL AND note IS NOT NULL"
                ).fetchone()[0]
                == 0
            )
            sentence = freshness(workspace.db).sentence()
            assert sentence is not None and sentence.startswith("Données des autres postes à jour au ")
        finally:
            workspace.close()


def test_a_cutting_network_never_skips_nor_doubles_a_pulled_record(
    workspace, tmp_path: Path, server: LiveServer, proxy, monkeypatch
) -> None:
    """The reader pulls 600 records in pages of 25 (the next one fetched while the current one is
    applied) through a proxy that cuts requests and answers: pass after pass, it ends with each of
    them exactly once, and counts what the server counts."""
    enrolled(workspace, server)
    add_demo_contacts(workspace, 600, seed=4)
    sync_until_done(workspace)
    reader = open_workspace(tmp_path / "lecteur")
    try:
        ensure_demo_setup(reader)
        enroll(reader, proxy.url, _code(server))
        monkeypatch.setattr(pull, "PAGE_RECORDS", 25)
        proxy.faults = Faults(cut_request=0.1, cut_response=0.2, delay=0.2, max_delay=0.05)
        reports = []
        while not reports or reports[-1].error is not None:
            assert len(reports) < 300, f"still failing after 300 passes: {reports[-1].summary()}"
            cuts = proxy_cuts(proxy)
            reports.append(run_pass(reader, pull_reference=False))
            failed = reports[-1].error is not None
            assert not failed or proxy_cuts(proxy) > cuts, f"failed, nothing cut: {reports[-1].summary()}"
        assert len(reports) > 1 and proxy.counters.cut_responses > 0, "the faults must have bitten"
        assert sum(report.pulled for report in reports) == 600
        rows = reader.db.execute("SELECT count(*), count(DISTINCT id) FROM contacts WHERE origin IS NOT NULL")
        assert rows.fetchone() == (600, 600)
        now = datetime.now().astimezone()
        month = Period("month", now.year, now.month)
        assert as_server_summary(summarise(reader, month)) == as_server_summary(summarise(workspace, month))
    finally:
        reader.close()


def test_a_pull_cut_between_pages_keeps_the_pages_it_applied(
    workspace, tmp_path: Path, server: LiveServer, proxy, monkeypatch
) -> None:
    """A catch-up applies several pages in one transaction (`pull.GROUP_SECONDS`); when the server
    fails to give the next page, the pages already applied are committed with their cursor and
    counted, and the next pass goes on from there: nothing lost, nothing pulled twice."""
    enrolled(workspace, server)
    add_demo_contacts(workspace, 100, seed=5)
    sync_until_done(workspace)
    reader = open_workspace(tmp_path / "lecteur")
    try:
        ensure_demo_setup(reader)
        enroll(reader, proxy.url, _code(server))
        monkeypatch.setattr(pull, "PAGE_RECORDS", 25)
        monkeypatch.setattr(pull, "GROUP_SECONDS", 3600.0)  # every page in one group until the failure
        proxy.mode, proxy.status, proxy.canned_prefix = "status", 503, "/api/v1/records?after=50&"
        cut = run_pass(reader, pull_reference=False)
        assert cut.error is not None and proxy.counters.canned == 1
        assert get_setting(reader.db, PULL_CURSOR) == 50  # the feed's first two pages, committed
        pulled = reader.db.execute("SELECT count(*) FROM contacts WHERE origin IS NOT NULL").fetchone()[0]
        assert 0 < cut.pulled == pulled <= 50
        proxy.mode = "forward"
        resumed = run_pass(reader, pull_reference=False)
        assert resumed.error is None and cut.pulled + resumed.pulled == 100
        rows = reader.db.execute("SELECT count(*), count(DISTINCT id) FROM contacts WHERE origin IS NOT NULL")
        assert rows.fetchone() == (100, 100)
    finally:
        reader.close()
