"""Joining a structure: a new workstation enrols and takes three years of three workstations' records.

Why: issue 14, point 1 — a PC joining a structure with three years of three PCs (about 50,000
records) is ready in under 10 s on loopback; the bytes per record pulled are reported.

Everything is real: the reporting server (`python -m app.server.cli serve`, via tests.live_server) on
a SQLite file in `--out-dir` (default bench/out/join, git-ignored, emptied of this script's own files
at each run); three writer workstations made with the demo generator each send a third of `--records`
contacts spread over `--days` days (not timed); then a workstation never set up joins through the
byte-counting relay of bench/sync.py exactly as the wizard and `bureau-virtuel enroll` do: `enroll()`
then `pull_structure()` with a progress callback. "Ready" is the time of both together. The OS keyring
is outside the product: the tests' file-backed keyring is used, in `--out-dir`. It prints figures; it
never fails because a target is missed.

    .venv/bin/python bench/join.py
    .venv/bin/python bench/join.py --records 6000   # quicker
    .venv/bin/python bench/join.py --reuse --profile bench/out/join/join.prof   # the join again, profiled

`--reuse` keeps the server and the writers of the previous run (same `--records`) and only joins again;
`--profile FILE` writes the cProfile statistics of the timed part to FILE and prints its top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.pull import clean  # noqa: E402
from bench.sync import Relay, use_test_keyring, verdict  # noqa: E402

TARGET_READY_S = 10.0
WRITERS = 3
OUR_DIRS = ("writer-1", "writer-2", "writer-3", "joiner")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=3 * 365)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "out" / "join")
    parser.add_argument("--reuse", action="store_true", help="keep the previous run's server and writers")
    parser.add_argument("--profile", type=Path, help="write the join's cProfile statistics to this file")
    args = parser.parse_args(argv)
    reuse = args.reuse and (args.out_dir / "server.sqlite3").exists()
    if reuse:
        shutil.rmtree(args.out_dir / "joiner", ignore_errors=True)
    else:
        clean(args.out_dir, OUR_DIRS)
    use_test_keyring(args.out_dir / "keyring.json")

    from app.models.demo import add_demo_contacts, ensure_demo_setup
    from app.models.workspace import open_workspace
    from app.sync.engine import enroll, pull_structure, run_pass
    from tests.live_server import create_structure, run_server_cli, start_server

    database = f"sqlite:///{args.out_dir / 'server.sqlite3'}"

    def code() -> str:
        result = run_server_cli(database, "enrolment-code", "--matricule", "3")
        return result.stdout.strip().splitlines()[-1]

    with start_server(database, log_path=args.out_dir / "server.log") as server:
        relay = Relay(server.port)
        try:
            share = args.records // WRITERS
            for number in range(1, 0 if reuse else WRITERS + 1):
                count = share if number < WRITERS else args.records - share * (WRITERS - 1)
                writer = open_workspace(args.out_dir / f"writer-{number}")
                ensure_demo_setup(writer)
                # One after the other: the file-backed keyring keys the token by server address, and a
                # writer that has sent everything needs it no more.
                enroll(writer, server.url, create_structure(database) if number == 1 else code())
                start = time.perf_counter()
                add_demo_contacts(writer, count, days=args.days, seed=number)
                while run_pass(writer, force=True, pull_reference=False).pending:
                    pass
                print(
                    f"Writer {number}: {count:,} contacts over {args.days} days, made and sent in "
                    f"{time.perf_counter() - start:.1f} s (not timed)",
                    flush=True,
                )
                writer.close()

            joiner = open_workspace(args.out_dir / "joiner")
            assert not joiner.workstation.is_set_up
            steps: list[tuple[float, int, int]] = []
            joining = code()
            profile = cProfile.Profile() if args.profile else None
            before = relay.snapshot()
            start, cpu = time.perf_counter(), time.process_time()
            if profile is not None:
                profile.enable()
            enroll(joiner, relay.url, joining)
            received = pull_structure(
                joiner, lambda done, total: steps.append((time.perf_counter() - start, done, total))
            )
            if profile is not None:
                profile.disable()
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            after = relay.snapshot()
            down = after[1] - before[1]
            stored = joiner.db.execute("SELECT count(*) FROM contacts WHERE origin IS NOT NULL").fetchone()[0]
            assert received == stored == args.records, (received, stored)
            assert joiner.workstation.structure.matricule == "3"
            print(
                f"\nJoin: enrolled and {received:,} records pulled and applied in {seconds:.2f} s "
                f"({received / seconds:,.0f} records/s; target < {TARGET_READY_S:.0f} s: "
                f"{verdict(seconds < TARGET_READY_S)}); {after[2] - before[2]} connection(s)"
            )
            print(
                f"  CPU time of the joining process (all its threads; the server's is not counted): {cpu:.2f} s "
                f"(the machine's load average: {', '.join(f'{load:.1f}' for load in os.getloadavg())})"
            )
            print(
                f"  on the wire: {after[0] - before[0]:,} B up, {down:,} B down = "
                f"{down / received:.1f} B per record down (gzip, enrolment included)"
            )
            first, last = steps[0], steps[-1]
            print(
                f"  progress: {len(steps)} steps, first at {first[0]:.2f} s ({first[1]:,}/{first[2]:,}), "
                f"last at {last[0]:.2f} s ({last[1]:,}/{last[2]:,})"
            )
            joiner.close()
            if profile is not None:
                profile.dump_stats(args.profile)
                print(f"\nProfile (under cProfile, slower than the figures above) in {args.profile}:")
                pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        finally:
            relay.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
