"""Memory given back after "Terminer l'accompagnement": RSS before, during and after 10 visits.

Why: the workstation's browser runs all day; every citizen's visit gets a fresh off-the-record
QtWebEngine profile, and "Terminer l'accompagnement" destroys its tabs, pages and profile. If a
destroyed visit left memory behind, a day of 20–40 visits would slowly fill a modest PC. Measured:
the real `VisitBrowser` (offscreen), against the tests' local server (`tests/browser/sites.py`:
two whitelisted names and a forbidden one mapped to 127.0.0.1 by Chromium's host resolver rules,
`allow_http=True`). Each visit opens `--pages` tabs (www.ameli.fr with a cookie and local storage,
www.caf.fr, then more pages of both), follows a link in the first tab, then ends.

Figures, in MiB: RSS of this process (the browser side: Qt, Chromium's browser process), RSS of
its QtWebEngineProcess children (zygote, GPU, network service, renderers), and PSS of the whole tree
(shared pages counted once; /proc/PID/smaps_rollup). "Before" is after the window is built, before
any web content; the first visit pays Chromium's start (its helper processes stay for the session),
so growth is counted from the end of that warm-up visit. After each end, the script waits until the
visit's renderer processes are gone (at most 10 s) and 1 s more.

    .venv/bin/python bench/browser.py
    .venv/bin/python bench/browser.py --visits 20 --pages 4
"""

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def status_kib(pid: int | str, field: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid: int | str) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def renderers(root: int) -> int:
    count = 0
    for pid in descendants(root):
        try:
            if b"--type=renderer" in Path(f"/proc/{pid}/cmdline").read_bytes():
                count += 1
        except OSError:
            pass
    return count


def memory() -> dict[str, float]:
    me = os.getpid()
    children = descendants(me)
    return {
        "rss": status_kib(me) / 1024,
        "children": sum(status_kib(pid) for pid in children) / 1024,
        "pss": (pss_kib(me) + sum(pss_kib(pid) for pid in children)) / 1024,
        "processes": len(children),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10, help="visits after the warm-up one (10)")
    parser.add_argument("--pages", type=int, default=2, help="tabs opened per visit (2)")
    args = parser.parse_args()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.browser.sites import AMELI, CAF, HOST_RULES, Sites

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f'--no-sandbox --host-resolver-rules="{HOST_RULES}"'

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.models.demo import ensure_demo_setup
    from app.models.workspace import open_workspace
    from app.ui.browser import VisitBrowser

    app = QApplication.instance() or QApplication([])

    def wait(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    def wait_until(predicate, timeout: float = 30.0) -> bool:
        """Run the event loop (deferred deletions included, as in the application) until `predicate`."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return False
            wait(0.02)
        return True

    sites = Sites()
    paths = [(AMELI, "/cookie"), (CAF, "/"), (AMELI, "/deuxieme"), (CAF, "/cadres")]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        workspace = open_workspace(folder)
        ensure_demo_setup(workspace)
        browser = VisitBrowser(workspace, allow_http=True)
        browser.show()
        wait(0.5)
        before = memory()
        print(
            f"PySide6 {__import__('PySide6').__version__}, {os.cpu_count()} CPUs, {args.visits} visits of {args.pages} tabs"
        )
        print(
            f"{'moment':<26} {'RSS self':>9} {'RSS children':>13} {'PSS tree':>9} {'procs':>6} {'end (ms)':>9}"
        )

        def row(name: str, figures: dict, end_ms: float | None = None) -> None:
            rows.append((name, figures))
            end = f"{end_ms:9.0f}" if end_ms is not None else ""
            print(
                f"{name:<26} {figures['rss']:9.1f} {figures['children']:13.1f} {figures['pss']:9.1f} "
                f"{figures['processes']:6d} {end:>9}",
                flush=True,
            )

        row("before (window, no page)", before)
        baseline_renderers = 0
        for visit in range(args.visits + 1):
            for index in range(args.pages):
                host, path = paths[index % len(paths)]
                browser.open(sites.url(host, path))
            tabs = browser.tab_list()
            if not wait_until(
                lambda tabs=tabs: all(not t.page.isLoading() and t.page.url().host() for t in tabs)
            ):
                print("pages did not load in 30 s", file=sys.stderr)
                return 1
            tabs[0].page.runJavaScript(
                "document.getElementById('plain') && document.getElementById('plain').click()"
            )
            wait(0.5)
            during = memory()
            started = time.perf_counter()
            profile_gone = []
            browser.visit.profile.destroyed.connect(lambda *_, gone=profile_gone: gone.append(True))
            browser.end_visit()
            wait_until(lambda gone=profile_gone: bool(gone), 10)
            end_ms = (time.perf_counter() - started) * 1000
            wait_until(lambda: renderers(os.getpid()) <= baseline_renderers, 10)
            gc.collect()
            wait(1.0)
            after = memory()
            name = "warm-up visit" if visit == 0 else f"visit {visit}"
            row(f"{name}: during", during)
            row(f"{name}: after Terminer", after, end_ms)
        browser.close()
        workspace.close()
    sites.close()
    del app

    warm = next(f for n, f in rows if n == "warm-up visit: after Terminer")
    last = rows[-1][1]
    afters = [f for n, f in rows if n.endswith("after Terminer") and not n.startswith("warm")]
    durings = [f for n, f in rows if n.endswith("during") and not n.startswith("warm")]
    given_back = [d["pss"] - a["pss"] for d, a in zip(durings, afters, strict=True)]
    print()
    print(
        f"Chromium's start (warm-up, PSS tree): {warm['pss'] - before['pss']:+.1f} MiB, kept for the session"
    )
    print(
        f"After {args.visits} visits vs after the warm-up: RSS self {last['rss'] - warm['rss']:+.1f} MiB, "
        f"RSS children {last['children'] - warm['children']:+.1f} MiB, PSS tree {last['pss'] - warm['pss']:+.1f} MiB"
    )
    if len(afters) >= 3:
        slope = (afters[-1]["pss"] - afters[0]["pss"]) / (len(afters) - 1)
        print(
            f"  of which the first visit after the warm-up: PSS tree {afters[0]['pss'] - warm['pss']:+.1f} MiB; "
            f"then {slope:+.2f} MiB per visit (visits 1 to {len(afters)}, PSS tree)"
        )
    print(
        f"Given back at each Terminer (PSS tree, during − after): min {min(given_back):.1f}, "
        f"max {max(given_back):.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
