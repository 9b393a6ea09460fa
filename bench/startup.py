"""Start-up time of Bureau virtuel, against a bare PySide6 window started in the same run.

Why: the target is "start-up until the main window is shown: median under 1.0 s, and at most 2x a
bare PySide6 QMainWindow started in the same run" (issue 17). The absolute figure depends on the
machine; the ratio to a bare Qt window tells how much the application itself adds (imports, database
opening and migration, reference data, the first screen and its queries). Memory too: the peak
resident size (max RSS) of each kind of run, side by side.

Each sample is one fresh subprocess, timed from outside (wall clock around `subprocess.run`), so it
includes the interpreter, the imports and the Qt platform plugin, as an agent would wait for them.
The bare script and `python -m app --self-test` (run through `runpy`, as `-m` does) alternate, so
any drift of the machine affects both. Each also prints its in-process time (first statement to
last exit handler): the app's minus the bare window's, pair by pair, is the application's own part,
the figure a change to the application can move, less blurred by the interpreter's start.
The application's database is first filled with `demo --contacts 5000 --seed 1`. The application's
bytecode is compiled first (`compileall`), as an installation or the first `./run` leaves it, so that
a `PYTHONDONTWRITEBYTECODE` in the environment does not make every run compile `app/` from source
(the bare script's PySide6 is always compiled, in site-packages).

This prints figures; it never fails because a target is missed (exit status 1 only if a run crashes).

    .venv/bin/python bench/startup.py            # Qt "offscreen" platform
    .venv/bin/python bench/startup.py --xvfb     # a real X server (Xvfb, started and stopped here)
    .venv/bin/python bench/startup.py --data-dir bench/out/contacts-1m --contacts 0 --runs 5  # a big database
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent

TARGET_MEDIAN_S = 1.0
TARGET_RATIO = 2.0

# Both kinds of run print the seconds from their first statement to the end of their last exit
# handler (registered first, so run last): the time spent in-process, without the interpreter's own
# start and the loading of the executable, which the wall clock includes and which no change to the
# application can shorten. The app's own part is its in-process time minus the bare window's.
IN_PROCESS_MARK = "in-process seconds:"
IN_PROCESS_CLOCK = (
    "import atexit, time; _started = time.perf_counter(); "
    f"atexit.register(lambda: print('{IN_PROCESS_MARK}', time.perf_counter() - _started, flush=True)); "
)
BARE_SCRIPT = IN_PROCESS_CLOCK + (
    "import sys; from PySide6.QtWidgets import QApplication, QMainWindow; "
    "from PySide6.QtCore import QTimer; app = QApplication(sys.argv); w = QMainWindow(); w.show(); "
    "QTimer.singleShot(0, app.quit); app.exec()"
)
# `python -m app`, its arguments after the script as `-m` leaves them.
APP_SCRIPT = IN_PROCESS_CLOCK + (
    "import runpy, sys; sys.argv[0] = 'app'; runpy.run_module('app', run_name='__main__', alter_sys=True)"
)


@contextmanager
def xvfb_display() -> Iterator[str]:
    """Start `Xvfb` on a free display (it picks it and writes it to a pipe), stop it afterwards."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()  # written once the server accepts connections
        if not number:
            raise RuntimeError(f"Xvfb did not start (exit status {server.poll()})")
        yield f":{number}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def environment(display: str | None) -> dict[str, str]:
    """The one environment both kinds of run share: offscreen, or the given X display."""
    env = dict(os.environ)
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "BUREAU_VIRTUEL_DATA_DIR"):
        env.pop(name, None)
    if display is None:
        env["QT_QPA_PLATFORM"] = "offscreen"
    else:
        env["DISPLAY"] = display
        env["QT_QPA_PLATFORM"] = "xcb"
    return env


class Sample(NamedTuple):
    """One subprocess: seconds of wall clock, peak resident MiB, CPU seconds (user + system, every
    thread: on a loaded machine the wall clock waits for other processes, the CPU time much less)
    and in-process seconds (as the child printed them, 0 if it did not)."""

    elapsed: float
    peak: float
    cpu: float
    in_process: float


def timed_run(command: list[str], env: dict[str, str]) -> Sample:
    """One subprocess measured; exit with its output if it fails.

    The child is reaped with `os.wait4`, which gives its own resource usage (max RSS, CPU time), not
    that of every child so far as `getrusage(RUSAGE_CHILDREN)` would.
    """
    with tempfile.TemporaryFile(mode="w+") as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if process.returncode != 0:
            output.seek(0)
            sys.exit(f"Run failed (exit status {process.returncode}): {' '.join(command)}\n{output.read()}")
        output.seek(0)
        marks = [line for line in output.read().splitlines() if line.startswith(IN_PROCESS_MARK)]
    in_process = float(marks[-1].removeprefix(IN_PROCESS_MARK)) if marks else 0.0
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(elapsed, usage.ru_maxrss / 1024, cpu, in_process)  # max RSS in KiB on Linux


def describe(name: str, samples: list[float]) -> str:
    return (
        f"{name:<28} median {statistics.median(samples):6.3f} s   p90 {statistics.quantiles(samples, n=10, method='inclusive')[8]:6.3f} s   "
        f"min {min(samples):6.3f} s   max {max(samples):6.3f} s"
    )


def measure(runs: int, contacts: int, seed: int, data_dir: Path, display: str | None) -> int:
    env = environment(display)
    python = sys.executable
    bare = [python, "-c", BARE_SCRIPT]
    app = [python, "-c", APP_SCRIPT, "--data-dir", str(data_dir), "--self-test"]
    fill = [python, "-m", "app", "--data-dir", str(data_dir), "demo", "--contacts", str(contacts)]
    fill += ["--seed", str(seed)]

    if contacts > 0:
        print(f"Filling {data_dir} with {contacts} demo contacts…", flush=True)
        timed_run(fill, env)
    else:
        print(f"Using {data_dir} as it is.", flush=True)
    compileall.compile_dir(ROOT / "app", quiet=1)
    print("Warm-up: one run of each (not counted).", flush=True)
    timed_run(bare, env)
    timed_run(app, env)

    bare_samples: list[Sample] = []
    app_samples: list[Sample] = []
    for number in range(1, runs + 1):
        bare_samples.append(timed_run(bare, env))
        app_samples.append(timed_run(app, env))
        one_bare, one_app = bare_samples[-1], app_samples[-1]
        print(
            f"  run {number:2}/{runs}: bare {one_bare.elapsed:.3f} s {one_bare.peak:.0f} MiB, "
            f"app {one_app.elapsed:.3f} s {one_app.peak:.0f} MiB "
            f"(in-process: bare {one_bare.in_process:.3f} s, app {one_app.in_process:.3f} s; "
            f"CPU: bare {one_bare.cpu:.3f} s, app {one_app.cpu:.3f} s)",
            flush=True,
        )
    bare_times = [sample.elapsed for sample in bare_samples]
    app_times = [sample.elapsed for sample in app_samples]

    bare_median, app_median = statistics.median(bare_times), statistics.median(app_times)
    ratio = app_median / bare_median
    print()
    print(describe("bare QMainWindow", bare_times))
    print(describe("python -m app --self-test", app_times))
    print(f"{'ratio of medians':<28} {ratio:.2f}x")
    for name, field in (("in-process", "in_process"), ("CPU time", "cpu")):
        bare_figures = [getattr(sample, field) for sample in bare_samples]
        app_figures = [getattr(sample, field) for sample in app_samples]
        own = [one_app - one_bare for one_app, one_bare in zip(app_figures, bare_figures, strict=True)]
        print(
            f"{name + ', median':<28} bare {statistics.median(bare_figures):.3f} s, "
            f"app {statistics.median(app_figures):.3f} s "
            f"({statistics.median(app_figures) / statistics.median(bare_figures):.2f}x); "
            f"the app's own part (app - bare, per pair): median {statistics.median(own):.3f} s"
        )
    bare_peak = statistics.median(sample.peak for sample in bare_samples)
    app_peak = statistics.median(sample.peak for sample in app_samples)
    print(
        f"{'max RSS, median':<28} bare {bare_peak:.0f} MiB, app {app_peak:.0f} MiB "
        f"({app_peak / bare_peak:.2f}x)"
    )
    print()
    median_ok = app_median < TARGET_MEDIAN_S
    ratio_ok = ratio <= TARGET_RATIO
    print(
        f"Target median < {TARGET_MEDIAN_S:.1f} s: {'MET' if median_ok else 'NOT MET'} ({app_median:.3f} s)"
    )
    print(f"Target ratio <= {TARGET_RATIO:.0f}x:    {'MET' if ratio_ok else 'NOT MET'} ({ratio:.2f}x)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each kind (default: 15)")
    parser.add_argument(
        "--contacts",
        type=int,
        default=5000,
        help="demo contacts added to the database first (default: 5000; 0: use --data-dir as it is)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the demo data (default: 1)")
    parser.add_argument(
        "--xvfb", action="store_true", help="run both under a real X server (Xvfb) instead of offscreen"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="data folder for the app (default: a temporary folder, removed after); demo contacts are added to it",
    )
    args = parser.parse_args(argv)

    import PySide6

    platform_name = "xcb (Xvfb)" if args.xvfb else "offscreen"
    print(
        f"Python {platform.python_version()}, PySide6 {PySide6.__version__}, {os.cpu_count()} CPUs, "
        f"Qt platform: {platform_name}, {args.runs} runs of each"
    )
    with tempfile.TemporaryDirectory(prefix="bv-startup-") as scratch:
        data_dir = args.data_dir or Path(scratch)
        if args.xvfb:
            with xvfb_display() as display:
                print(f"Xvfb on display {display}")
                return measure(args.runs, args.contacts, args.seed, data_dir, display)
        return measure(args.runs, args.contacts, args.seed, data_dir, None)


if __name__ == "__main__":
    sys.exit(main())
