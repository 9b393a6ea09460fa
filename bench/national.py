"""The reporting server at national scale, on PostgreSQL: dashboard figures, bytes per contact, ingest.

Why: the network has ~2,800 structures, ~10,000 workstations and ~10 million contacts a year (issue 15).
Targets: every dashboard figure under 200 ms p95 at 30 million contacts (read from the counts kept at
ingest, `app.server.rollups`, never by scanning the contacts); under 400 bytes per contact on disk;
ingest over HTTP at N rows at least as fast as on an empty database and ≥ 5,000 contacts/s, with its
ratio to a raw `COPY` of the same rows.

Everything is real: PostgreSQL (`--url`, default $BUREAU_VIRTUEL_TEST_POSTGRES_URL) in a schema of its
own, dropped at the end; the ANCT's 2024 list imported with the server's registry; the real server
(`serve --workers`) on 127.0.0.1 with workstations enrolled by the real one-time codes. In one run:

1. ingest on the empty database: 1, 8 and 32 concurrent workstations (each of its own structure) POST
   gzip batches of 500 new contacts; then a raw `COPY` of as many rows into the same tables;
2. `--contacts` contacts loaded with `COPY` (three years, structures weighted unevenly, partners and
   situations from the catalogue; with their counts, as ingest would leave them) — not timed as ingest;
3. the same ingest measures at N rows;
4. p50/p95 of the dashboard's figures, read from the counts (`rollups`, `monthly_summary`), and the same
   national figures the way they were computed before (a scan of the current contacts), side by side;
5. the bytes on disk per contact, per table (`pg_total_relation_size`: table, indexes, TOAST).

It prints figures; it never fails because a target is missed.

    .venv/bin/python bench/national.py                       # 200,000 contacts, a few minutes
    .venv/bin/python bench/national.py --contacts 3000000    # ~10 GB of the shared disk: check df -h first
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REGISTRY = ROOT / "resources" / "structures" / "liste-fs-20240801.csv"
TARGET_QUERY_MS = 200.0
TARGET_BYTES = 400.0
TARGET_INGEST = 5000.0
BATCH = 500
YEARS = (2024, 2025)  # the figures read the last full year; contacts span the three years to now
CLIENTS = (1, 8, 32)
AGENTS = ["Camille R.", "Karim B.", "Julie M.", "Sophie L.", "Marc D."]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


class Maker:
    """Contacts as the workstation sends them (the wire form), spread like the network's: structures
    weighted unevenly, three years, the catalogue's situations with their partners."""

    def __init__(self, matricules: list[str], seed: int, ids: str) -> None:
        from app.models.demo import CHANNEL_WEIGHTS, HELP_WEIGHTS, OUTCOME_WEIGHTS
        from app.models.record import new_id
        from app.models.reference import load_catalogue

        self.rng = random.Random(seed)
        self.new_id = new_id if ids == "v7" else uuid.uuid4  # v7: what workstations make now
        catalogue = load_catalogue()
        self.situations = [(s.id, list(s.partners)) for s in catalogue.situations.values()]
        self.matricules = matricules
        self.weights = [self.rng.lognormvariate(0, 0.8) for _ in matricules]
        self.channels, self.helps, self.outcomes = CHANNEL_WEIGHTS, HELP_WEIGHTS, OUTCOME_WEIGHTS
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        self.start = now - timedelta(days=3 * 365)
        self.span = int((now - timedelta(days=1) - self.start).total_seconds() // 60)

    def _pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def structures(self, n: int) -> list[str]:
        return self.rng.choices(self.matricules, weights=self.weights, k=n)

    def record(self, structure: str, recent: bool = False) -> dict:
        """A contact of `structure` at any time of the three years, or (`recent`) of the last 30 days:
        what a workstation's batch holds (it sends what it recorded since its last sync)."""
        rng = self.rng
        if recent:
            occurred = self.start + timedelta(minutes=self.span - rng.randrange(30 * 24 * 60))
        else:
            occurred = self.start + timedelta(minutes=rng.randrange(self.span))
        situation, partners = rng.choice(self.situations)
        return {
            "id": str(self.new_id()),
            "created_at": (occurred + timedelta(minutes=rng.randrange(1, 30))).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "utc_offset_minutes": 60,
            "structure": structure,
            "agent": rng.choice(AGENTS),
            "supersedes": None,
            "deleted": False,
            "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "place": f"Accueil {structure}",
            "channel": self._pick(self.channels),
            "situation": situation,
            "partners": partners[: rng.randint(1, max(1, min(2, len(partners))))],
            "help_kind": self._pick(self.helps),
            "outcome": self._pick(self.outcomes),
            "duration_minutes": rng.randrange(3, 60),
            "age_band": None,
            "first_visit": rng.random() < 0.4,
            "residence_commune": None,
            "non_recours": rng.random() < 0.05,
            "pass_numerique": rng.random() < 0.03,
        }


def rows_of(record: dict, workstation: str, seq: int) -> tuple:
    """The row ingest stores for a contact in `records` (its columns only: no JSON copy, no id
    registry, the partners in one column)."""
    occurred = datetime.strptime(record["occurred_at"], "%Y-%m-%dT%H:%M:%SZ") + timedelta(minutes=60)
    month = f"{occurred.year:04d}-{occurred.month:02d}"
    now = "2026-12-01T00:00:00Z"
    return (
        record["id"], record["structure"], workstation, seq, record["created_at"], record["occurred_at"],
        60, month, record["agent"], record["place"], record["channel"], record["situation"],
        ",".join(record["partners"]), record["help_kind"], record["outcome"], record["duration_minutes"],
        record["age_band"], record["first_visit"], record["residence_commune"], record["non_recours"],
        record["pass_numerique"], None, False, now, 0, False,
    )  # fmt: skip


RECORD_COLUMNS = (
    "id, structure, workstation_id, seq, created_at, occurred_at, utc_offset_minutes, local_month, agent, "
    "place, channel, situation, partners, help_kind, outcome, duration_minutes, age_band, first_visit, "
    "residence_commune, non_recours, pass_numerique, supersedes, deleted, received_at, clock_skew_seconds, "
    "clock_skewed"
)


def copy_rows(cursor, rows: list[tuple]) -> None:
    with cursor.copy(f"COPY records ({RECORD_COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def counts_of(records: list[dict]) -> Counter:
    counted: Counter = Counter()
    for record in records:
        occurred = datetime.strptime(record["occurred_at"], "%Y-%m-%dT%H:%M:%SZ") + timedelta(minutes=60)
        key = (record["structure"], f"{occurred.year:04d}-{occurred.month:02d}")
        counted[(*key, "total", "")] += 1
        for name in ("situation", "channel", "outcome", "place", "help_kind", "agent"):
            counted[(*key, name, record[name])] += 1
        for flag in ("non_recours", "pass_numerique"):
            if record[flag]:
                counted[(*key, flag, "")] += 1
        for partner in record["partners"]:
            counted[(*key, "partner", partner)] += 1
    return counted


def bulk_load(url: str, maker: Maker, workstations: dict[str, str], total: int, chunk: int = 50_000) -> None:
    """`total` contacts with `COPY`, and their counts per structure and per département: what ingest
    would have left."""
    import psycopg

    dsn = psycopg_dsn(url)
    counted: Counter = Counter()
    seqs: Counter = Counter()
    loaded = 0
    start = time.perf_counter()
    with psycopg.connect(**dsn) as connection:
        while loaded < total:
            n = min(chunk, total - loaded)
            records = [maker.record(structure) for structure in maker.structures(n)]
            rows = []
            for record in records:
                seqs[record["structure"]] += 1
                rows.append(
                    rows_of(record, workstations[record["structure"]], seqs[record["structure"]] + 10**9)
                )
            with connection.cursor() as cursor:
                copy_rows(cursor, rows)
            connection.commit()
            counted.update(counts_of(records))
            loaded += n
            rate = loaded / (time.perf_counter() - start)
            print(f"\r  loaded {loaded:,} / {total:,} ({rate:,.0f}/s)", end="", flush=True)
        store_counts(connection, counted)
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
    print(f"\n  {total:,} contacts loaded in {time.perf_counter() - start:.0f} s (not timed as ingest)")


def store_counts(connection, counted: Counter) -> None:
    """Add `counted` (per structure, month, dimension, value) to the structures' and départements'
    counts, as ingest would have (not timed)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE loaded_counts (LIKE contact_counts)")
        with cursor.copy("COPY loaded_counts FROM STDIN") as copy:
            for (structure, month, dimension, value), n in counted.items():
                copy.write_row((structure, month, dimension, value, n))
        cursor.execute(
            "INSERT INTO contact_counts SELECT * FROM loaded_counts ON CONFLICT "
            "(structure, local_month, dimension, value) DO UPDATE SET n = contact_counts.n + excluded.n"
        )
        cursor.execute(
            "INSERT INTO departement_counts SELECT s.departement, c.local_month, c.dimension, c.value, "
            "SUM(c.n) FROM loaded_counts c JOIN structures s ON s.matricule = c.structure "
            "GROUP BY s.departement, c.local_month, c.dimension, c.value ON CONFLICT "
            "(departement, local_month, dimension, value) DO UPDATE SET n = departement_counts.n + excluded.n"
        )
        cursor.execute("DROP TABLE loaded_counts")
    connection.commit()


def psycopg_dsn(url: str) -> dict:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    dsn = {
        "host": parsed.host,
        "port": parsed.port or 5432,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
    }
    if "options" in parsed.query:
        dsn["options"] = parsed.query["options"]
    return dsn


def enrol_clients(server, engine, matricules: list[str]) -> list[str]:
    import requests

    from app.server.accounts import issue_code

    tokens = []
    with requests.Session() as http:
        for matricule in matricules:
            body = {
                "code": issue_code(engine, matricule),
                "installation_id": str(uuid.uuid4()),
                "label": "bench",
            }
            response = http.post(f"{server.url}/api/v1/enrolment", json=body, timeout=60)
            response.raise_for_status()
            tokens.append(response.json()["token"])
    return tokens


def measure_ingest(
    server, url: str, maker: Maker, clients: list[tuple[str, str]], batches: int, recent: bool
) -> dict:
    """Contacts/s over HTTP with 1, 8 and 32 concurrent workstations, and of a COPY of as many rows.
    `recent`: batches of contacts of the last 30 days (as workstations send them, a few months and
    values per batch); otherwise spread over three years (the worst case for the counts: ~1,300
    (month, dimension, value) keys per batch to upsert)."""
    import psycopg
    import requests

    results = {}
    for n in CLIENTS:
        chosen = clients[:n]
        bodies = {
            token: [
                gzip.compress(
                    json.dumps(
                        {
                            "records": [
                                {"kind": "contact", "record": maker.record(matricule, recent)}
                                for _ in range(BATCH)
                            ]
                        }
                    ).encode()
                )
                for _ in range(batches)
            ]
            for matricule, token in chosen
        }

        def post(token: str, bodies: dict[str, list[bytes]] = bodies) -> list[int]:
            statuses = []
            with requests.Session() as http:
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Content-Encoding": "gzip",
                    "Content-Type": "application/json",
                }
                for body in bodies[token]:
                    response = http.post(
                        f"{server.url}/api/v1/records", data=body, headers=headers, timeout=300
                    )
                    statuses.append(response.status_code)
            return statuses

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=n) as pool:
            statuses = [
                status for answer in pool.map(post, [token for _, token in chosen]) for status in answer
            ]
        seconds = time.perf_counter() - start
        sent = n * batches * BATCH
        errors = Counter(status for status in statuses if status != 200)
        results[n] = sent / seconds
        print(
            f"  HTTP, {n:>2} workstation(s): {sent:>7,} contacts in {seconds:6.1f} s = {sent / seconds:>7,.0f}/s  errors {dict(errors) or 'none'}"
        )
    # The same volume as the largest HTTP run, COPY'd in batches of BATCH in one session.
    sent = CLIENTS[-1] * batches * BATCH
    records = [
        maker.record(structure, recent)
        for structure, _ in clients[: CLIENTS[-1]]
        for _ in range(batches * BATCH)
    ]
    prepared = [rows_of(record, _WORKSTATIONS[record["structure"]], next(_COPY_SEQ)) for record in records]
    start = time.perf_counter()
    with psycopg.connect(**psycopg_dsn(url)) as connection:
        for first in range(0, len(prepared), BATCH):
            part = prepared[first : first + BATCH]
            with connection.cursor() as cursor:
                copy_rows(cursor, part)
            connection.commit()
        seconds = time.perf_counter() - start
        store_counts(connection, counts_of(records))  # so that the figures below count these too
    results["copy"] = sent / seconds
    print(
        f"  raw COPY, one session, batches of {BATCH}: {sent:,} contacts in {seconds:.1f} s = {sent / seconds:,.0f}/s"
    )
    best = max(results[n] for n in CLIENTS)
    print(f"  best HTTP / COPY: {best / results['copy']:.2f}")
    return results


# The workstation the loaded and COPY'd contacts are stored as coming from, per structure.
_WORKSTATIONS: dict[str, str] = {}
_COPY_SEQ = itertools.count(2 * 10**9)  # feed numbers of the COPY'd rows, clear of the real ones


def measure_queries(engine, repeats: int, departement: str, matricule: str) -> None:
    from sqlalchemy import func, select, text

    from app.server.rollups import NATIONAL, Scope, by_departement, by_month, by_structure, current, months
    from app.server.schema import records, structures
    from app.server.summary import monthly_summary

    year = months(str(YEARS[-1]))
    month = f"{YEARS[-1]}-06"
    scope = Scope(departements=(departement,))
    figures = {
        "national year by month": lambda c: by_month(c, NATIONAL, "total", *year),
        "national year by partner and month": lambda c: by_month(c, NATIONAL, "partner", *year),
        "national year by situation and month": lambda c: by_month(c, NATIONAL, "situation", *year),
        "map: départements, year": lambda c: by_departement(c, "total", *year),
        f"département {departement}: month by situation": lambda c: by_month(
            c, scope, "situation", month, month
        ),
        f"département {departement}: structures, quarter": lambda c: by_structure(
            c, scope, *months(f"{YEARS[-1]}-T2")
        ),
        f"département {departement}: year by month": lambda c: by_month(c, scope, "total", *year),
        "national: structures, year": lambda c: by_structure(c, NATIONAL, *year),
        f"structure {matricule}: monthly_summary": lambda c: monthly_summary(c, matricule, month),
        f"structure {matricule}: year by outcome": lambda c: by_month(
            c, Scope(structure=matricule), "outcome", *year
        ),
    }
    in_year = records.c.local_month.between(*year)
    before = {
        "BEFORE national year by month (scan)": lambda c: c.execute(
            select(records.c.local_month, func.count())
            .where(in_year, current(records))
            .group_by(records.c.local_month)
        ).all(),
        "BEFORE national year by partner and month (scan)": lambda c: c.execute(
            select(records.c.local_month, text("partner"), func.count())
            .select_from(records)
            .join(text("unnest(string_to_array(records.partners, ',')) AS partner"), text("true"))
            .where(in_year, current(records))
            .group_by(records.c.local_month, text("partner"))
        ).all(),
        f"BEFORE département {departement}: month (scan)": lambda c: c.execute(
            select(records.c.situation, func.count())
            .join(structures, structures.c.matricule == records.c.structure)
            .where(structures.c.departement == departement, records.c.local_month == month, current(records))
            .group_by(records.c.situation)
        ).all(),
    }
    print(
        f"  {'figure':<52} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}  target < {TARGET_QUERY_MS:g} ms p95"
    )
    with engine.connect() as connection:
        counted = {
            month: values[""] for month, values in figures["national year by month"](connection).items()
        }
        scanned = dict(before["BEFORE national year by month (scan)"](connection))
        print(
            f"  (national year by month from the counts = a scan of the current contacts: {counted == scanned})"
        )
        for name, figure in figures.items():
            times = []
            for _ in range(repeats + 1):
                start = time.perf_counter()
                figure(connection)
                times.append((time.perf_counter() - start) * 1000)
            first, rest = times[0], times[1:]
            p95 = percentile(rest, 95)
            print(
                f"  {name:<52} {first:>9.1f} {statistics.median(rest):>8.1f} {p95:>8.1f}  {verdict(p95 < TARGET_QUERY_MS)}"
            )
        for name, figure in before.items():
            times = []
            for _ in range(3):
                start = time.perf_counter()
                figure(connection)
                times.append((time.perf_counter() - start) * 1000)
            print(
                f"  {name:<52} {times[0]:>9.1f} {statistics.median(times):>8.1f} {max(times):>8.1f}  (3 runs, max shown as p95)"
            )


def measure_bytes(engine, contacts: int) -> None:
    from sqlalchemy import text

    tables = ("records", "contact_counts", "departement_counts")
    total = 0
    with engine.connect() as connection:
        print(f"  {'table':<18} {'table+TOAST':>14} {'indexes':>14} {'bytes/contact':>14}")
        for table in tables:
            heap, indexes = connection.execute(
                text("SELECT pg_table_size(CAST(:t AS regclass)), pg_indexes_size(CAST(:t AS regclass))"),
                {"t": table},
            ).one()
            total += heap + indexes
            print(f"  {table:<18} {heap:>14,} {indexes:>14,} {(heap + indexes) / contacts:>14.0f}")
        for index, size in connection.execute(
            text(
                "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index "
                "WHERE indrelid = CAST('records' AS regclass) ORDER BY 1"
            )
        ):
            print(f"    index {index:<36} {size:>14,} {size / contacts:>14.0f}")
        row_bytes = connection.execute(text("SELECT avg(pg_column_size(r.*)) FROM records r")).scalar_one()
        print(
            f"    average row of records (pg_column_size, without the 24+4 bytes of header): {row_bytes:.0f}"
        )
        rows, cells = connection.execute(
            text("SELECT count(*), count(DISTINCT (structure, local_month)) FROM contact_counts")
        ).one()
    print(
        f"  contact_counts: {rows:,} rows, {rows / max(cells, 1):.0f} per structure × month ({cells:,} of them)"
    )
    per = total / contacts
    print(
        f"  {'total':<18} {total:>29,} {per:>14.0f}   target < {TARGET_BYTES:g} B/contact: {verdict(per < TARGET_BYTES)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=200_000, help="contacts loaded (default 200,000)")
    parser.add_argument(
        "--url", default=os.environ.get("BUREAU_VIRTUEL_TEST_POSTGRES_URL"), help="PostgreSQL URL"
    )
    parser.add_argument(
        "--batches", type=int, default=4, help="batches of 500 per workstation per ingest run"
    )
    parser.add_argument("--repeats", type=int, default=30, help="timed runs of each figure")
    parser.add_argument("--workers", type=int, default=2, help="server processes (serve --workers)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--ids",
        choices=("v7", "v4"),
        default="v7",
        help="record ids: v7 (today's workstations) or v4 (older)",
    )
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("--url or BUREAU_VIRTUEL_TEST_POSTGRES_URL is needed (PostgreSQL)")

    from sqlalchemy import insert

    from app.registry.anct_list import read_list
    from app.server.database import open_database
    from app.server.registry import import_structures
    from app.server.schema import workstations
    from tests.live_server import fresh_postgres_url, start_server

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"bench/national.py — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, {args.contacts:,} contacts, {args.ids} ids, server --workers {args.workers}"
    )
    with fresh_postgres_url(args.url) as url:
        engine = open_database(url)
        try:
            report = import_structures(engine, read_list(REGISTRY))
            matricules = sorted(report.added)
            print(f"  {len(matricules):,} structures imported from {REGISTRY.name}")
            maker = Maker(matricules, args.seed, args.ids)
            with engine.begin() as connection:  # one workstation per structure for the loaded contacts
                for matricule in matricules:
                    _WORKSTATIONS[matricule] = str(uuid.uuid4())
                connection.execute(
                    insert(workstations),
                    [
                        {
                            "id": wid,
                            "structure": m,
                            "installation_id": wid,
                            "label": "bulk",
                            "token_hash": hashlib.sha256(wid.encode()).hexdigest(),
                            "enrolled_at": "2024-01-01T00:00:00Z",
                        }
                        for m, wid in _WORKSTATIONS.items()
                    ],
                )
            with start_server(url, options=("--workers", str(args.workers))) as server:
                chosen = maker.rng.sample(matricules, CLIENTS[-1])
                clients = list(zip(chosen, enrol_clients(server, engine, chosen), strict=True))
                print("\n1. Ingest on the empty database (batches of the last 30 days, then of three years)")
                empty = measure_ingest(server, url, maker, clients, args.batches, recent=True)
                empty_spread = measure_ingest(server, url, maker, clients, args.batches, recent=False)
                print(f"\n2. Loading {args.contacts:,} contacts")
                bulk_load(url, maker, _WORKSTATIONS, args.contacts)
                print(f"\n3. Ingest at {args.contacts:,} contacts (last 30 days, then three years)")
                full = measure_ingest(server, url, maker, clients, args.batches, recent=True)
                full_spread = measure_ingest(server, url, maker, clients, args.batches, recent=False)
                for label, before, after in (
                    ("30 days", empty, full),
                    ("three years", empty_spread, full_spread),
                ):
                    best_empty, best_full = max(before[n] for n in CLIENTS), max(after[n] for n in CLIENTS)
                    print(
                        f"  {label}: best HTTP at N / empty: {best_full / best_empty:.2f}; ≥ {TARGET_INGEST:,.0f}/s "
                        f"at N: {verdict(best_full >= TARGET_INGEST)}; at least as fast as empty: "
                        f"{verdict(best_full >= 0.95 * best_empty)}"
                    )
            from sqlalchemy import text

            with engine.connect() as connection:
                stored = connection.execute(text("SELECT count(*) FROM records")).scalar_one()
                departement = connection.execute(
                    text(
                        "SELECT s.departement FROM contact_counts c JOIN structures s ON s.matricule = c.structure "
                        "WHERE c.dimension = 'total' GROUP BY s.departement ORDER BY sum(c.n) DESC LIMIT 1"
                    )
                ).scalar_one()
                matricule = connection.execute(
                    text(
                        "SELECT structure FROM contact_counts WHERE dimension = 'total' GROUP BY structure ORDER BY sum(n) DESC LIMIT 1"
                    )
                ).scalar_one()
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
            print(f"\n4. Dashboard figures at {stored:,} contacts (the busiest département and structure)")
            measure_queries(engine, args.repeats, departement, matricule)
            print(f"\n5. Bytes on disk at {stored:,} contacts")
            measure_bytes(engine, stored)
        finally:
            engine.dispose()
    print("\n  schema dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
