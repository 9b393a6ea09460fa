"""Sync throughput, bytes on the wire, server ingest and GUI responsiveness during a sync.

Why: a France Services bus can go days without a network, then has a few minutes of depot Wi-Fi
or a weak 4G link to send everything it recorded; the agent keeps working while it happens. The
targets are:
1. 10,000 pending contacts uploaded to a local server in under 10 s, with under 80 bytes on the
   wire per contact (gzip);
2. server ingest on this 2-core machine: at least 5,000 contacts/s on SQLite;
3. the GUI never freezes during a sync: during a 10,000-contact sync, the longest gap between ticks
   of a 10 ms GUI timer stays under 50 ms.

Everything is real: the reporting server (`python -m app.server.cli serve`, via tests.live_server)
on a SQLite file in `--out-dir` (default bench/out/sync, git-ignored, emptied of this script's own
files at each run), workstations enrolled with a real one-time code, contacts made by the
application's demo generator, the real sync engine, the real main window and `SyncController`.
The OS keyring is outside the product (and absent on build machines): the tests' file-backed
keyring is used, in `--out-dir`.

1. Upload: a byte-counting TCP relay (its own process, so it does not share this process's GIL)
   sits on 127.0.0.1 between the workstation and the server; the workstation is enrolled through
   it. One `run_pass(force=True, pull_reference=False)` is timed end to end. Bytes up (requests:
   headers and gzip bodies) and down (responses) are counted by the relay; the gzip body bytes are
   recomputed afterwards exactly as `ServerClient.send_batch` builds them.
2. Ingest: pre-built gzip batches of 500 valid records POSTed with `requests` straight to the
   server, then the same batches again (every item a duplicate).
3. GUI: with `QT_QPA_PLATFORM=offscreen`, the main window shown, a `SyncController` attached as the
   application does, a 10 ms precise timer records each tick while `request(force=True)` sends
   10,000 contacts; the measure ends `--tail-ms` after `report_ready` (so `MainWindow.refresh`, run
   on that signal in the GUI thread, and whatever it schedules, are included). `--gui-runs` fresh
   workstations, one sync each. To say what blocked the GUI thread, the longest gaps are printed
   with the last event before them and the collections of Python's garbage collector (they hold
   the GIL, whichever thread runs them) that overlap them. As in the application, start-up ends with
   `settle_after_start()` (contact form loaded, `gc.freeze()` of what start-up allocated).

It prints figures; it never fails because a target is missed.

    .venv/bin/python bench/sync.py
    .venv/bin/python bench/sync.py --contacts 2000 --ingest-batches 20   # quicker
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import itertools
import json
import math
import multiprocessing
import os
import platform
import random
import socket
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

TARGET_UPLOAD_S = 10.0
TARGET_BYTES_PER_CONTACT = 80.0
TARGET_INGEST_PER_S = 5000.0
TARGET_GAP_MS = 50.0
TICK_MS = 10
STRUCTURE = "3"  # the demo structure (app.models.demo.DEMO_STRUCTURE)
OUR_FILES = ("server.sqlite3", "server.sqlite3-wal", "server.sqlite3-shm", "server.log", "keyring.json")
OUR_DIRS = ("workstation-upload", "workstation-gui-*")

UP, DOWN, CONNECTIONS = 0, 1, 2


# --- byte-counting relay (runs in a child process) ------------------------------------------------


def _pump(source: socket.socket, sink: socket.socket, index: int, counters: SynchronizedArray) -> None:
    try:
        while chunk := source.recv(1 << 18):
            with counters.get_lock():  # counted before forwarding: read as soon as the peer has it
                counters[index] += len(chunk)
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def _relay(target_port: int, ready: Any, counters: SynchronizedArray) -> None:
    """Forward every connection to 127.0.0.1:target_port, counting the bytes each way."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    ready.send(listener.getsockname()[1])
    while True:
        client, _ = listener.accept()
        upstream = socket.create_connection(("127.0.0.1", target_port))
        for end in (client, upstream):  # no Nagle delay added by the relay
            end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with counters.get_lock():
            counters[CONNECTIONS] += 1
        threading.Thread(target=_pump, args=(client, upstream, UP, counters), daemon=True).start()
        threading.Thread(target=_pump, args=(upstream, client, DOWN, counters), daemon=True).start()


class Relay:
    def __init__(self, target_port: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.counters = context.Array("q", 3)
        receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_relay, args=(target_port, sender, self.counters), daemon=True)
        self.process.start()
        self.port = receiver.recv()
        self.url = f"http://127.0.0.1:{self.port}"

    def snapshot(self) -> tuple[int, int, int]:
        with self.counters.get_lock():
            return self.counters[UP], self.counters[DOWN], self.counters[CONNECTIONS]

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)


# --- helpers --------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def use_test_keyring(path: Path) -> None:
    """The tests' file-backed keyring, for this process and any subprocess."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["BUREAU_VIRTUEL_TEST_KEYRING"] = str(path)
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.keyring_backend.TestKeyring"
    import keyring

    from tests.keyring_backend import TestKeyring

    keyring.set_keyring(TestKeyring())


def clean(out_dir: Path) -> None:
    """Remove what a previous run of this script left in `out_dir` (and nothing else)."""
    import shutil

    out_dir.mkdir(parents=True, exist_ok=True)
    for name in OUR_FILES:
        (out_dir / name).unlink(missing_ok=True)
    for pattern in OUR_DIRS:
        for folder in out_dir.glob(pattern):
            shutil.rmtree(folder, ignore_errors=True)


def new_workstation(data_dir: Path, server_url: str, code: str, contacts: int, seed: int) -> Any:
    """A fresh data folder, set up as the demo bus, enrolled with `code`, with `contacts` pending."""
    from app.models.demo import add_demo_contacts, ensure_demo_setup
    from app.models.workspace import open_workspace
    from app.sync.engine import enroll

    workspace = open_workspace(data_dir)
    ensure_demo_setup(workspace)
    print(f"  {enroll(workspace, server_url, code)}")
    start = time.perf_counter()
    add_demo_contacts(workspace, contacts, seed=seed)
    print(
        f"  {contacts:,} demo contacts added in {time.perf_counter() - start:.1f} s (not timed)", flush=True
    )
    return workspace


# --- 1. upload ------------------------------------------------------------------------------------


@dataclass
class Upload:
    contacts: int
    seconds: float
    up: int
    down: int
    connections: int
    batches: int
    gzip_bytes: int
    json_bytes: int
    answer_bytes: int  # the answers' JSON, rebuilt as the server writes it
    answer_gzip_bytes: int  # the same, if the server gzipped its answers
    summary: str

    def per_contact(self, value: int) -> float:
        return value / self.contacts


def sent_bodies(workspace: Any) -> tuple[int, int, int, int, int]:
    """Batches, then gzip and JSON bytes of the bodies the pass sent (rebuilt as send_batch builds
    them), then JSON and gzip bytes of the answers (rebuilt as the server writes them).

    The outbox is walked in the order `claim_batch` takes it, cut into batches as it cuts them.
    """
    from app.sync import outbox

    ids = [
        row[0]
        for row in workspace.db.execute("SELECT record_id FROM outbox WHERE kind = 'contact' ORDER BY rowid")
    ]
    batches = gzip_total = json_total = answer_total = answer_gzip_total = 0
    received_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    position = 0
    while position < len(ids):
        chunk = ids[position : position + outbox.BATCH_RECORDS]
        records = workspace.contacts.records(chunk)
        items, size = [], 0
        for record_id in chunk:
            item = {"kind": "contact", "record": records[record_id].model_dump(mode="json")}
            size += len(json.dumps(item, separators=(",", ":")))
            if items and size > outbox.BATCH_BYTES:
                break
            items.append(item)
        text = json.dumps({"records": items}, separators=(",", ":")).encode()
        json_total += len(text)
        gzip_total += len(gzip.compress(text, compresslevel=6))
        results = [{"id": item["record"]["id"], "status": "accepted"} for item in items]
        answer = json.dumps({"received_at": received_at, "results": results}, separators=(",", ":")).encode()
        answer_total += len(answer)
        answer_gzip_total += len(gzip.compress(answer, compresslevel=6))
        batches += 1
        position += len(items)
    return batches, gzip_total, json_total, answer_total, answer_gzip_total


def measure_upload(workspace: Any, relay: Relay, contacts: int) -> Upload:
    from app.sync.engine import run_pass

    up0, down0, connections0 = relay.snapshot()
    start = time.perf_counter()
    report = run_pass(workspace, force=True, pull_reference=False)
    seconds = time.perf_counter() - start
    up1, down1, connections1 = relay.snapshot()
    if report.error or report.pending:
        print(f"  WARNING: the pass did not send everything: {report.summary()}")
    bodies = sent_bodies(workspace)
    return Upload(
        report.sent,
        seconds,
        up1 - up0,
        down1 - down0,
        connections1 - connections0,
        *bodies,
        report.summary(),
    )


def print_upload(result: Upload) -> None:
    n = result.contacts
    requests_made = result.batches + 1  # GET /session, then one POST per batch
    print(f"  {result.summary}")
    print(
        f"  run_pass: {result.seconds:.2f} s for {n:,} contacts = {n / result.seconds:,.0f} contacts/s"
        f"   target < {TARGET_UPLOAD_S:g} s: {verdict(result.seconds < TARGET_UPLOAD_S)}"
    )
    print(
        f"  requests: {requests_made} ({result.batches} batches of ≤ 200 + 1 session check) "
        f"on {result.connections} TCP connection(s)"
    )
    print(f"  {'bytes':<36} {'total':>12} {'per contact':>12}")
    rows = [
        ("up (request headers + bodies)", result.up),
        ("down (responses)", result.down),
        ("up + down", result.up + result.down),
        ("gzip bodies (as send_batch)", result.gzip_bytes),
        ("JSON bodies before gzip", result.json_bytes),
        ("up minus bodies (headers)", result.up - result.gzip_bytes),
        ("answers' JSON (rebuilt)", result.answer_bytes),
        ("down if answers were gzipped (est.)", result.down - result.answer_bytes + result.answer_gzip_bytes),
        (
            "up + down, answers gzipped (est.)",
            result.up + result.down - result.answer_bytes + result.answer_gzip_bytes,
        ),
    ]
    for name, value in rows:
        print(f"  {name:<36} {value:>12,} {result.per_contact(value):>12.1f}")
    per_request = (result.up - result.gzip_bytes) / requests_made
    print(
        f"  (≈ {per_request:.0f} header bytes per request; gzip ratio {result.json_bytes / result.gzip_bytes:.1f}×)"
    )
    print(
        f"  target < {TARGET_BYTES_PER_CONTACT:g} B/contact with gzip: "
        f"gzip body {verdict(result.per_contact(result.gzip_bytes) < TARGET_BYTES_PER_CONTACT)}, "
        f"up {verdict(result.per_contact(result.up) < TARGET_BYTES_PER_CONTACT)}, "
        f"up + down {verdict(result.per_contact(result.up + result.down) < TARGET_BYTES_PER_CONTACT)}"
    )


# --- 2. ingest ------------------------------------------------------------------------------------


def make_batches(batches: int, size: int, seed: int) -> list[bytes]:
    """gzip bodies of `size` valid contact records each, structure 3, uuid4 ids."""
    from app.models.demo import CHANNEL_WEIGHTS, DEMO_AGENTS, DEMO_STOPS, HELP_WEIGHTS, OUTCOME_WEIGHTS
    from app.models.record import validate_record
    from app.models.reference import load_catalogue

    catalogue = load_catalogue()
    rng = random.Random(seed)
    situations = list(catalogue.situations)
    now = datetime.now(UTC).replace(microsecond=0)

    def pick(weights: dict[str, int]) -> str:
        return rng.choices(list(weights), weights=list(weights.values()))[0]

    bodies = []
    for _ in range(batches):
        items = []
        for _ in range(size):
            situation = catalogue.situations[rng.choice(situations)]
            occurred = now - timedelta(days=rng.randrange(91), minutes=rng.randrange(600))
            record = validate_record(
                {
                    "id": uuid.uuid4(),
                    "created_at": occurred + timedelta(minutes=rng.randrange(1, 30)),
                    "utc_offset_minutes": 60,
                    "occurred_at": occurred,
                    "structure": STRUCTURE,
                    "agent": rng.choice(DEMO_AGENTS)[0],
                    "place": rng.choice(DEMO_STOPS),
                    "channel": pick(CHANNEL_WEIGHTS),
                    "situation": situation.id,
                    "partners": list(situation.partners[:1]),
                    "help_kind": pick(HELP_WEIGHTS),
                    "outcome": pick(OUTCOME_WEIGHTS),
                    "duration_minutes": rng.randrange(3, 60),
                    "first_visit": rng.random() < 0.4,
                },
                catalogue=catalogue,
                now=now + timedelta(hours=1),
            )
            items.append({"kind": "contact", "record": record.model_dump(mode="json")})
        text = json.dumps({"records": items}, separators=(",", ":")).encode()
        bodies.append(gzip.compress(text, compresslevel=6))
    return bodies


@dataclass
class Posted:
    seconds: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def post_all(session: Any, url: str, bodies: list[bytes]) -> Posted:
    posted = Posted()
    for body in bodies:
        device_time = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = {
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "X-Device-Time": device_time,
        }
        start = time.perf_counter()
        response = session.post(url, data=body, headers=headers, timeout=60)
        posted.seconds.append(time.perf_counter() - start)
        if response.status_code != 200:
            print(f"  WARNING: HTTP {response.status_code}: {response.text[:200]}")
            continue
        for result in response.json()["results"]:
            posted.statuses[result["status"]] = posted.statuses.get(result["status"], 0) + 1
    return posted


def measure_ingest(server_url: str, token: str, batches: int, size: int, seed: int) -> None:
    import requests

    start = time.perf_counter()
    bodies = make_batches(batches + 1, size, seed)
    print(
        f"  {batches + 1} batches of {size} records built and gzipped in {time.perf_counter() - start:.1f} s "
        f"(not timed); {sum(map(len, bodies)) / ((batches + 1) * size):.1f} gzip bytes/record"
    )
    url = f"{server_url}/api/v1/records"
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        warm = post_all(session, url, bodies[:1])
        print(f"  warm-up batch (not counted): {warm.seconds[0] * 1000:.0f} ms, {warm.statuses}")
        fresh = post_all(session, url, bodies[1:])
        again = post_all(session, url, bodies[1:])
    print(
        f"  {'POST /api/v1/records':<28} {'n':>3} {'p50 ms':>8} {'max ms':>8} {'p50/s':>8} {'overall/s':>10}  answers"
    )
    for name, posted in (("new records", fresh), ("re-sent (duplicates)", again)):
        p50 = statistics.median(posted.seconds)
        overall = len(posted.seconds) * size / sum(posted.seconds)
        print(
            f"  {name:<28} {len(posted.seconds):>3} {p50 * 1000:>8.0f} {max(posted.seconds) * 1000:>8.0f} "
            f"{size / p50:>8,.0f} {overall:>10,.0f}  {posted.statuses}"
        )
    overall = len(fresh.seconds) * size / sum(fresh.seconds)
    print(
        f"  target ≥ {TARGET_INGEST_PER_S:,.0f} contacts/s (new records, overall): {verdict(overall >= TARGET_INGEST_PER_S)}"
    )


# --- 3. GUI ---------------------------------------------------------------------------------------


class GcPauses:
    """Python's cyclic garbage collections (they hold the GIL), with the thread that ran each."""

    def __init__(self) -> None:
        self.main = threading.get_ident()
        self.pauses: list[tuple[float, float, int, str]] = []  # start, end, generation, thread
        self._started: dict[int, float] = {}

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        now, ident = time.perf_counter(), threading.get_ident()
        if phase == "start":
            self._started[ident] = now
        elif (begin := self._started.pop(ident, None)) is not None:
            thread = "GUI thread" if ident == self.main else "sync thread"
            self.pauses.append((begin, now, info["generation"], thread))

    def during(self, begin: float, end: float) -> str:
        found = [
            f"gen{generation} GC in {thread} {1000 * (stop - start):.0f} ms"
            for start, stop, generation, thread in self.pauses
            if start < end and stop > begin
        ]
        return "; ".join(found) or "no GC"


@dataclass
class GuiRun:
    summary: str
    pending: int
    sent: int
    sync_s: float
    refresh_ms: float
    span_s: float
    idle_max_ms: float
    gaps: list[tuple[float, float]]  # (length s, start perf_counter)
    marks: dict[str, float]
    gc: GcPauses

    @property
    def sizes_ms(self) -> list[float]:
        return [gap * 1000 for gap, _ in self.gaps]


def measure_gui(app: Any, workspace: Any, idle_ms: int, tail_ms: int, timeout_s: float) -> GuiRun | None:
    """One sync of everything pending in `workspace`, with the main window shown and a 10 ms timer."""
    import gc

    from PySide6.QtCore import QEventLoop, Qt, QTimer

    from app.sync.status import pending_count
    from app.ui.application import settle_after_start
    from app.ui.main_window import MainWindow
    from app.ui.sync_controller import SyncController

    def run_loop(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    window = MainWindow(workspace)
    window.show()
    settle_after_start()
    run_loop(1000)  # the application's first second: form import at 300 ms, sync attached at 500 ms

    controller = SyncController(workspace.path.parent, window)
    marks: dict[str, float] = {}
    reports: list[Any] = []
    controller.started.connect(lambda: marks.setdefault("started", time.perf_counter()))
    # Connected before attach_sync's own slot, and after it: together they time MainWindow._sync_report.
    controller.report_ready.connect(lambda _report: marks.setdefault("report_ready", time.perf_counter()))
    window.attach_sync(controller)
    loop = QEventLoop()

    def after_refresh(report: Any) -> None:
        marks["refreshed"] = time.perf_counter()
        reports.append(report)
        QTimer.singleShot(tail_ms, loop.quit)

    controller.report_ready.connect(after_refresh)
    ticks: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    try:
        timer.start()
        ticks.append(time.perf_counter())
        run_loop(idle_ms)  # baseline: the same timer with no sync
        idle = [b - a for a, b in itertools.pairwise(ticks)]
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        marks["request"] = time.perf_counter()
        ticks.clear()
        ticks.append(marks["request"])
        controller.request(force=True)
        loop.exec()
        timer.stop()
        ticks.append(time.perf_counter())  # a gap still open at the end counts too
        marks["end"] = ticks[-1]
    finally:
        gc.callbacks.remove(pauses)
    pending = pending_count(workspace.db)
    controller.stop()
    window.close()
    window.deleteLater()
    app.processEvents()
    if not reports:
        print(f"  WARNING: no report within {timeout_s:g} s")
        return None
    return GuiRun(
        reports[0].summary(),
        pending,
        reports[0].sent,
        marks["report_ready"] - marks["request"],
        1000 * (marks["refreshed"] - marks["report_ready"]),
        marks["end"] - marks["request"],
        1000 * max(idle, default=0.0),
        [(ticks[i] - ticks[i - 1], ticks[i - 1]) for i in range(1, len(ticks))],
        marks,
        pauses,
    )


def timed_collect() -> float:
    import gc

    start = time.perf_counter()
    gc.collect()
    return 1000 * (time.perf_counter() - start)


def print_gui(runs: list[GuiRun], tail_ms: int) -> None:
    print(
        f"  {'run':>3} {'sync s':>7} {'contacts/s':>10} {'refresh ms':>10} {'ticks':>6} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'>20 ms':>6} {'idle max':>8}  pending after"
    )
    for number, run in enumerate(runs, start=1):
        sizes = run.sizes_ms
        print(
            f"  {number:>3} {run.sync_s:>7.2f} {run.sent / run.sync_s:>10,.0f} {run.refresh_ms:>10.1f} "
            f"{len(sizes) - 1:>6} {statistics.median(sizes):>7.1f} {percentile(sizes, 99):>7.1f} "
            f"{max(sizes):>7.1f} {sum(1 for size in sizes if size > 20):>6} {run.idle_max_ms:>8.1f}  {run.pending:,}"
        )
    print(
        f"  (sync = request → report_ready; refresh = MainWindow._sync_report on report_ready; gaps measured "
        f"from the request until {tail_ms} ms after it; idle max = the same timer before the request)"
    )
    print(f"  {runs[0].summary}")
    longest = max(max(run.sizes_ms) for run in runs)
    print(
        f"  longest gap over {len(runs)} run(s): {longest:.1f} ms   target < {TARGET_GAP_MS:g} ms: {verdict(longest < TARGET_GAP_MS)}"
    )
    print(
        "  longest gaps (run, start relative to the request, last event before, GC collections overlapping):"
    )
    everything = [
        (gap, begin, number, run) for number, run in enumerate(runs, start=1) for gap, begin in run.gaps
    ]
    for gap, begin, number, run in sorted(everything, key=lambda entry: entry[0], reverse=True)[:8]:
        before = [name for name, moment in sorted(run.marks.items(), key=lambda kv: kv[1]) if moment <= begin]
        print(
            f"    run {number}: {gap * 1000:6.1f} ms at +{(begin - run.marks['request']) * 1000:7.0f} ms "
            f"after '{before[-1] if before else '-'}'; {run.gc.during(begin, begin + gap)}"
        )
    pauses = [(stop - start) * 1000 for run in runs for start, stop, _, _ in run.gc.pauses]
    if pauses:
        print(f"  GC collections during the runs: {len(pauses)}, longest {max(pauses):.1f} ms")


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000, help="pending contacts to sync (10000)")
    parser.add_argument(
        "--ingest-batches", type=int, default=24, help="batches of --batch-size POSTed directly (24)"
    )
    parser.add_argument(
        "--batch-size", type=int, default=500, help="records per ingest batch (500, the maximum)"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=ROOT / "bench" / "out" / "sync", help="server database, workstations"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the demo data (default: 1)")
    parser.add_argument(
        "--tail-ms", type=int, default=1000, help="GUI measure continues after report_ready (1000)"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="give up on the GUI sync after (300 s)")
    parser.add_argument("--gui-runs", type=int, default=5, help="GUI measures, 0 to skip them (5)")
    parser.add_argument("--idle-ms", type=int, default=500, help="timer baseline before the GUI sync (500)")
    args = parser.parse_args(argv)

    out_dir = args.out_dir.resolve()
    clean(out_dir)
    use_test_keyring(out_dir / "keyring.json")

    import sqlite3

    import PySide6

    from app.sync.credentials import load_token
    from tests.live_server import create_structure, run_server_cli, start_server

    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, PySide6 {PySide6.__version__}, "
        f"{os.cpu_count()} CPUs"
    )
    database_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    with start_server(database_url, log_path=out_dir / "server.log") as server:
        print(f"Server {server.url} on {out_dir / 'server.sqlite3'}")
        relay = Relay(server.port)
        try:
            print(f"\n1. Upload of {args.contacts:,} pending contacts through the counting relay {relay.url}")
            code = create_structure(database_url, STRUCTURE)
            workspace = new_workstation(
                out_dir / "workstation-upload", relay.url, code, args.contacts, args.seed
            )
            try:
                upload = measure_upload(workspace, relay, args.contacts)
            finally:
                workspace.close()
            print_upload(upload)
        finally:
            relay.stop()

        print(
            f"\n2. Server ingest: {args.ingest_batches} gzip batches of {args.batch_size}, straight to {server.url}"
        )
        token = load_token(relay.url)
        assert token is not None
        measure_ingest(server.url, token, args.ingest_batches, args.batch_size, args.seed)

        if args.gui_runs:
            print(
                f"\n3. GUI during a sync of {args.contacts:,} contacts, {args.gui_runs} run(s) "
                f"(offscreen, main window + SyncController, {TICK_MS} ms precise timer)"
            )
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

            from app.ui.application import make_application

            app = make_application()
            import gc

            gc.collect()
            print(
                f"  objects tracked by the GC in this process before the runs: {len(gc.get_objects()):,} "
                f"(a full collection now: {timed_collect():.1f} ms)"
            )
            runs = []
            for number in range(1, args.gui_runs + 1):
                result = run_server_cli(database_url, "enrolment-code", "--matricule", STRUCTURE)
                code = result.stdout.strip().splitlines()[-1]
                workspace = new_workstation(
                    out_dir / f"workstation-gui-{number}", server.url, code, args.contacts, args.seed + number
                )
                try:
                    run = measure_gui(app, workspace, args.idle_ms, args.tail_ms, args.timeout)
                finally:
                    workspace.close()
                if run is not None:
                    runs.append(run)
            if runs:
                print_gui(runs, args.tail_ms)
    return 0


if __name__ == "__main__":
    sys.exit(main())
