"""Synthèses at a busy structure's scale: the aggregation, the PDF and the CSV, for a month and a year.

Why: the targets are "the monthly PDF for a structure with 10,000 contacts that month in under 2 s; the
yearly one for 100,000 contacts in under 10 s" (issue 7). A manager exports in one click and waits for
it, and the same export runs headless (`bureau-virtuel export`).

Two workstations are built once with the application's own demo generator (`add_demo_contacts`: every
record validated, written with its partners and its outbox row) and kept in `--out-dir` (default
bench/out/summaries, git-ignored) for the next runs:
- `month-10k`: at least `--month-contacts` (10,000) contacts in the last full month. The generator
  spreads contacts over the weekdays of the last N days, so it is given the days from that month's
  first day to today and as many contacts as that month's share of weekdays calls for; the other
  contacts land in the current month, as on a real workstation.
- `year-100k`: at least `--year-contacts` (100,000) in the last full calendar year, built the same way
  (so the current year holds a similar number: the database is about twice that size).
A database short of its target is topped up.

Then, in this process, `--repeats` times each (the first call apart: it pays the imports, the font
loading and SQLite's cold statements): `summarise`, `write_summary_pdf`, both together (what the
export does), `write_summary_csv` and `write_contacts_csv`. Last, the command a manager or a script
runs, `python -m app export … --format pdf|csv` as fresh subprocesses (interpreter, imports and all).

It prints figures; it never fails because a target is missed.

    .venv/bin/python bench/summaries.py          # builds both workstations the first time (~1 min)
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from app.models.demo import add_demo_contacts
from app.models.workspace import Workspace, open_workspace
from app.reports.aggregation import CONTACTS_IN_PERIOD, period_bounds, summarise
from app.reports.periods import Period
from app.reports.summary_csv import write_contacts_csv, write_summary_csv
from app.reports.summary_pdf import write_summary_pdf

ROOT = Path(__file__).resolve().parent.parent

TARGET_MONTH_S = 2.0
TARGET_YEAR_S = 10.0


@dataclass
class Result:
    name: str
    samples_s: list[float]
    first_s: float | None = None
    target_s: float | None = None
    note: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_s)

    def verdict(self) -> str:
        if self.target_s is None:
            return ""
        worst = max(self.samples_s + ([self.first_s] if self.first_s is not None else []))
        met = worst < self.target_s
        return f"< {self.target_s:g} s (every run): {'MET' if met else 'NOT MET'}"


def timed(call: Callable[[], Any], repeats: int) -> tuple[float, list[float], Any]:
    """The first call apart, then `repeats` measured calls, in seconds."""
    start = time.perf_counter()
    value = call()
    first = time.perf_counter() - start
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = call()
        samples.append(time.perf_counter() - start)
    return first, samples, value


def weekdays(start: date, end: date) -> int:
    """Monday to Friday in [start, end): the only days the demo generator fills."""
    return sum((start + timedelta(days=n)).weekday() < 5 for n in range((end - start).days))


def in_period(workspace: Workspace, period: Period) -> int:
    return workspace.db.execute(
        f"SELECT count(*) FROM {CONTACTS_IN_PERIOD}",
        period_bounds(period, workspace.workstation.structure.matricule),
    ).fetchone()[0]


def build(db_dir: Path, period: Period, target: int, seed: int) -> Workspace:
    """Open the workstation, adding demo contacts until `period` holds at least `target`."""
    workspace = open_workspace(db_dir)
    today = date.today()
    days = (today - period.start).days + 1  # the generator's window starts on the period's first day
    share = weekdays(period.start, period.end) / weekdays(period.start, today + timedelta(days=1))
    have = in_period(workspace, period)
    if have >= target:
        print(f"Reusing {workspace.path} ({have:,} contacts in {period.label}).")
        return workspace
    start = time.perf_counter()
    while have < target:
        missing = math.ceil((target - have) / share * 1.01)
        in_db = workspace.db.execute("SELECT count(*) FROM contacts").fetchone()[0]
        print(
            f"Building {workspace.path}: adding {missing:,} demo contacts over {days} days "
            f"({have:,} in {period.label} so far)…",
            flush=True,
        )
        add_demo_contacts(workspace, missing, days=days, seed=seed + in_db)
        have = in_period(workspace, period)
    print(f"Built in {time.perf_counter() - start:.0f} s: {have:,} contacts in {period.label}.", flush=True)
    workspace.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return workspace


def measure(workspace: Workspace, period: Period, target_s: float, repeats: int, out: Path) -> list[Result]:
    """In-process timings of the pieces of an export, and the export itself (summarise + PDF)."""
    catalogue = workspace.catalogue
    pdf, summary_csv, contacts_csv = out / "synthese.pdf", out / "synthese.csv", out / "contacts.csv"
    first, samples, summary = timed(lambda: summarise(workspace, period), repeats)
    results = [Result("summarise", samples, first, note=f"{summary.total:,} contacts")]
    first, samples, _ = timed(lambda: write_summary_pdf(summary, catalogue, pdf), repeats)
    pages = len(PdfReader(pdf).pages)
    size = pdf.stat().st_size / 1024
    results.append(Result("write_summary_pdf", samples, first, note=f"{pages} pages, {size:,.0f} KiB"))
    first, samples, _ = timed(
        lambda: write_summary_pdf(summarise(workspace, period), catalogue, pdf), repeats
    )
    results.append(Result("export PDF = summarise + PDF", samples, first, target_s))
    first, samples, _ = timed(lambda: write_summary_csv(summary, catalogue, summary_csv), repeats)
    results.append(Result("write_summary_csv", samples, first))
    first, samples, rows = timed(lambda: write_contacts_csv(workspace, period, contacts_csv), repeats)
    size = contacts_csv.stat().st_size / 2**20
    results.append(Result("write_contacts_csv", samples, first, note=f"{rows:,} rows, {size:,.1f} MiB"))
    return results


def measure_command(db_dir: Path, period: Period, target_s: float, runs: int, out: Path) -> list[Result]:
    """`python -m app export` in fresh processes, timed from outside, as a script would wait for it."""
    option = {"month": "--month", "quarter": "--quarter", "year": "--year"}[period.kind]
    results = []
    for kind in ("pdf", "csv"):
        command = [
            sys.executable,
            "-m",
            "app",
            "export",
            "--data-dir",
            str(db_dir),
            option,
            period.slug,
            "--format",
            kind,
            "--output",
            str(out / f"export.{kind}"),
        ]
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
            samples.append(time.perf_counter() - start)
        name = f"command: export --format {kind}"
        results.append(Result(name, samples, target_s=target_s if kind == "pdf" else None))
    return results


def print_table(title: str, results: list[Result]) -> None:
    print(f"\n{title}")
    print(f"{'measure':<32} {'n':>3} {'first':>8} {'p50':>8} {'max':>8}  {'':<26} target")
    for result in results:
        first = f"{result.first_s:8.3f}" if result.first_s is not None else f"{'':8}"
        print(
            f"{result.name:<32} {len(result.samples_s):>3} {first} {result.p50:8.3f} "
            f"{max(result.samples_s):8.3f}  {result.note:<26} {result.verdict()}"
        )
    print("(seconds; 'first' is the call before the measured ones, not counted in p50/max)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=ROOT / "bench" / "out" / "summaries",
        help="where the two workstations are built and reused (bench/out/summaries)",
    )
    parser.add_argument("--month-contacts", type=int, default=10_000, help="contacts in the month (10000)")
    parser.add_argument("--year-contacts", type=int, default=100_000, help="contacts in the year (100000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the demo data (default: 1)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls after the first (default: 5)")
    parser.add_argument("--command-runs", type=int, default=3, help="`export` subprocesses per format (3)")
    args = parser.parse_args(argv)

    import sqlite3

    import reportlab

    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, reportlab {reportlab.Version}, "
        f"{os.cpu_count()} CPUs"
    )
    today = date.today()
    scenarios = [
        ("month-10k", Period.last_full_month(today), args.month_contacts, TARGET_MONTH_S),
        ("year-100k", Period("year", today.year - 1), args.year_contacts, TARGET_YEAR_S),
    ]
    for name, period, target, target_s in scenarios:
        db_dir = args.out_dir / name
        workspace = build(db_dir, period, target, args.seed)
        try:
            total = workspace.db.execute("SELECT count(*) FROM contacts").fetchone()[0]
            size = workspace.path.stat().st_size / 2**20
            with tempfile.TemporaryDirectory(prefix="bench-summaries-") as folder:
                results = measure(workspace, period, target_s, args.repeats, Path(folder))
                results += measure_command(db_dir, period, target_s, args.command_runs, Path(folder))
        finally:
            workspace.close()
        print_table(f"{name}: {period.label}, database of {total:,} contacts ({size:,.0f} MiB)", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
