"""The structure's feed: pulling another workstation's records, and a pass with nothing new.

Why: every workstation of a structure pulls what the others sent (issue 14). Targets:
1. a pass with nothing new (session check, empty send, the feed's last page, the three reference
   files answered 304) costs under 100 ms and under 2 KB on the wire;
2. a workstation catching up with ~50,000 records of the structure (three years of three PCs is
   about that) does so in under 10 s on loopback; the bytes per record pulled are reported.

Everything is real: the reporting server (`python -m app.server.cli serve`, via tests.live_server)
on a SQLite file in `--out-dir` (default bench/out/pull, git-ignored, emptied of this script's own
files at each run); a writer workstation made with the demo generator sends `--records` contacts;
a reader workstation, enrolled through the byte-counting relay of bench/sync.py, pulls them with
the real sync engine (`run_pass`). The OS keyring is outside the product: the tests' file-backed
keyring is used, in `--out-dir`. It prints figures; it never fails because a target is missed.

    .venv/bin/python bench/pull.py
    .venv/bin/python bench/pull.py --records 5000 --idle-runs 10   # quicker
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sync import Relay, new_workstation, percentile, use_test_keyring, verdict  # noqa: E402

TARGET_IDLE_MS = 100.0
TARGET_IDLE_BYTES = 2048
TARGET_CATCH_UP_S = 10.0
OUR_FILES = ("server.sqlite3", "server.sqlite3-wal", "server.sqlite3-shm", "server.log", "keyring.json")
OUR_DIRS = ("writer", "reader")


def clean(out_dir: Path, dirs: tuple[str, ...] = OUR_DIRS) -> None:
    """Remove what an earlier run of this bench (or bench/join.py, with its `dirs`) left in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in OUR_FILES:
        (out_dir / name).unlink(missing_ok=True)
    for name in dirs:
        shutil.rmtree(out_dir / name, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--idle-runs", type=int, default=30)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "out" / "pull")
    args = parser.parse_args(argv)
    clean(args.out_dir)
    use_test_keyring(args.out_dir / "keyring.json")

    from app.sync.engine import run_pass
    from tests.live_server import create_structure, run_server_cli, start_server

    database = f"sqlite:///{args.out_dir / 'server.sqlite3'}"
    with start_server(database, log_path=args.out_dir / "server.log") as server:
        relay = Relay(server.port)
        try:
            print(f"Writer: {args.records:,} contacts, sent directly (not timed)", flush=True)
            writer = new_workstation(
                args.out_dir / "writer", server.url, create_structure(database), args.records, 7
            )
            start = time.perf_counter()
            while run_pass(writer, force=True, pull_reference=False).pending:
                pass
            print(f"  sent in {time.perf_counter() - start:.1f} s", flush=True)
            code = (
                run_server_cli(database, "enrolment-code", "--matricule", "3").stdout.strip().splitlines()[-1]
            )
            print("Reader: enrolled through the relay", flush=True)
            reader = new_workstation(args.out_dir / "reader", relay.url, code, 0, 8)

            before = relay.snapshot()
            start = time.perf_counter()
            report = run_pass(reader, force=True, pull_reference=False)
            seconds = time.perf_counter() - start
            after = relay.snapshot()
            down = after[1] - before[1]
            pulled = reader.db.execute("SELECT count(*) FROM contacts WHERE origin IS NOT NULL").fetchone()[0]
            assert report.error is None and report.pulled == pulled == args.records, report
            print(
                f"\nCatch-up: {pulled:,} records pulled and applied in {seconds:.2f} s "
                f"({pulled / seconds:,.0f} records/s; target < {TARGET_CATCH_UP_S:.0f} s: "
                f"{verdict(seconds < TARGET_CATCH_UP_S)}); {after[2] - before[2]} connection(s)"
            )
            print(
                f"  on the wire: {after[0] - before[0]:,} B up, {down:,} B down = "
                f"{down / pulled:.1f} B per record down (gzip)"
            )

            run_pass(reader)  # the reference files' ETags, once
            times, sizes = [], []
            for _ in range(args.idle_runs):
                before = relay.snapshot()
                start = time.perf_counter()
                report = run_pass(reader)
                times.append((time.perf_counter() - start) * 1000)
                after = relay.snapshot()
                sizes.append((after[0] - before[0]) + (after[1] - before[1]))
                assert report.error is None and report.pulled == 0, report
            median, p95 = statistics.median(times), percentile(times, 95)
            print(
                f"\nPass with nothing new ({args.idle_runs} runs): median {median:.1f} ms, p95 {p95:.1f} ms, "
                f"max {max(times):.1f} ms (target < {TARGET_IDLE_MS:.0f} ms: {verdict(p95 < TARGET_IDLE_MS)}); "
                f"{statistics.median(sizes):,.0f} B on the wire, up and down "
                f"(target < {TARGET_IDLE_BYTES} B: {verdict(max(sizes) < TARGET_IDLE_BYTES)})"
            )
            writer.close()
            reader.close()
        finally:
            relay.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
