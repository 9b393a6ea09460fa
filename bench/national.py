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
2. `--contacts` contacts generated inside PostgreSQL (three years in time order, UUIDv7 ids,
   structures weighted unevenly, partners and situations from the catalogue; with their counts, as
   ingest would leave them: `--check` compares them with a recount) — not timed as ingest;
3. the same ingest measures at N rows;
4. p50/p95 over HTTP (a national account's session) of every dashboard page, export and JSON answer,
   and the same national figures the way they were computed before (a scan of the current contacts),
   side by side, with a check that both agree;
5. the bytes on disk per contact, per table (`pg_total_relation_size`: table, indexes, TOAST).

It prints figures; it never fails because a target is missed.

    .venv/bin/python bench/national.py                       # 200,000 contacts, a few minutes
    .venv/bin/python bench/national.py --contacts 3000000    # ~10 GB of the shared disk: check df -h first
    .venv/bin/python bench/national.py --contacts 2000000 --skip-ingest   # the pages only (steps 2, 4, 5)
    .venv/bin/python bench/national.py --contacts 10000 --check --skip-ingest   # the loader = a recount?
    .venv/bin/python bench/national.py --contacts 30000000 --keep      # keep the schema: its name is printed
    .venv/bin/python bench/national.py --reuse bench_…                 # upgrade a kept schema, steps 3-5 again
                                                                      # (3: at N and empty, alternated)
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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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


def bulk_load(
    url: str, maker: Maker, workstations: dict[str, str], total: int, chunk: int = 1_000_000
) -> None:
    """`total` contacts generated inside PostgreSQL (`INSERT … SELECT … FROM generate_series`: the
    Python loader made ~4,000 contacts/s, two hours for 30 million), with their counts per structure
    and per département, the escalations' and the Pass numérique's counts that go with them, and each
    structure's last batch: what ingest would have left (`--check` compares it with a recount).

    The contacts come in time order over the three years (as the network records them), so their
    time-ordered ids (UUIDv7, made from `created_at` as the workstations do) grow like ingest's. Each
    chunk is generated once into a temporary table, then stored and counted from it (no pass over
    `records`)."""
    import psycopg

    rng = maker.rng
    matricules = maker.matricules
    share = sum(maker.weights)
    slots = [
        (slot, matricule, workstations[matricule])
        for slot, matricule in enumerate(
            m
            for m, w in zip(matricules, maker.weights, strict=True)
            for _ in range(max(1, round(w / share * 100_000)))
        )
    ]
    situations = [(k, situation, partners[0], partners[1] if len(partners) > 1 else None)
                  for k, (situation, partners) in enumerate(maker.situations)]  # fmt: skip
    weighted = {
        name: [value for value, weight in weights.items() for _ in range(weight)]
        for name, weights in (
            ("channels", maker.channels),
            ("helps", maker.helps),
            ("outcomes", maker.outcomes),
        )
    }
    end = maker.start + timedelta(minutes=maker.span)
    loaded = 0
    start = time.perf_counter()
    with psycopg.connect(**psycopg_dsn(url)) as connection, connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")  # the bench's own load: nothing to lose
        cursor.execute("SET work_mem = '512MB'")  # the chunk's counts are hashed in memory, not on disk
        cursor.execute(f"SELECT setseed({rng.random() * 2 - 1})")
        cursor.execute(
            "CREATE TEMP TABLE bench_slots (slot int PRIMARY KEY, structure text, workstation uuid)"
        )
        with cursor.copy("COPY bench_slots FROM STDIN") as copy:
            for row in slots:
                copy.write_row(row)
        cursor.execute(
            "CREATE TEMP TABLE bench_situations (k int PRIMARY KEY, situation text, p1 text, p2 text)"
        )
        with cursor.copy("COPY bench_situations FROM STDIN") as copy:
            for row in situations:
                copy.write_row(row)
        cursor.execute("CREATE TEMP TABLE bench_last (structure text PRIMARY KEY, last_seq bigint)")
        while loaded < total:
            n = min(chunk, total - loaded)
            cursor.execute(_GENERATE, {
                "first": loaded + 1, "last": loaded + n, "total": total, "slots": len(slots),
                "situations": len(situations), "start": maker.start.replace(tzinfo=None),
                "span": maker.span, "recent": (end - timedelta(days=30)).replace(tzinfo=None),
                "agents": AGENTS, **weighted,
            })  # fmt: skip
            cursor.execute(f"INSERT INTO records ({RECORD_COLUMNS}) SELECT {RECORD_COLUMNS} FROM bench_chunk")
            for sql, (table, departements) in _CHUNK_COUNTS:
                cursor.execute(
                    f"CREATE TEMP TABLE loaded_counts AS SELECT structure, local_month, dimension, value, "
                    f"sum(n) AS n FROM ({sql}) AS legs GROUP BY structure, local_month, dimension, value"
                )
                merge_counts(cursor, table, departements)
            cursor.execute(_CHUNK_WEEKS)
            cursor.execute(
                "INSERT INTO waiting_escalations (id, structure, local_month, deadline) "
                "SELECT gen_random_uuid(), structure, local_month, deadline FROM bench_chunk WHERE waiting"
            )
            cursor.execute(
                "INSERT INTO bench_last SELECT structure, max(seq) FROM bench_chunk GROUP BY structure "
                "ON CONFLICT (structure) DO UPDATE SET last_seq = greatest(bench_last.last_seq, excluded.last_seq)"
            )
            cursor.execute("DROP TABLE bench_chunk")
            connection.commit()
            loaded += n
            rate = loaded / (time.perf_counter() - start)
            print(f"\r  loaded {loaded:,} / {total:,} ({rate:,.0f}/s)", end="", flush=True)
        cursor.execute(  # most structures sent something lately, some fell silent
            "INSERT INTO structure_sequences (structure, last_seq, last_received_at) SELECT structure, "
            "last_seq, to_char(%s - make_interval(secs => -ln(1 - random()) * 72 * 3600), "
            '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\') FROM bench_last '
            "ON CONFLICT (structure) DO UPDATE SET last_received_at = excluded.last_received_at",
            (datetime.now(UTC).replace(tzinfo=None),),
        )
        connection.commit()
        connection.autocommit = True
        cursor.execute("VACUUM ANALYZE")
    print(f"\n  {total:,} contacts loaded in {time.perf_counter() - start:.0f} s (not timed as ingest)")


# One chunk of contacts, in time order over the three years, with what goes with each: whether it was
# escalated (one in 30), is still waiting for the answer (half of the last 30 days', 2 % of the older
# ones) or was answered late (15 % of the answered), and whether a Pass numérique was handed out (one
# in 30: two 10 € cheques, from booklets received). `draw` is evaluated once per row (`OFFSET 0`
# keeps the planner from pulling the subqueries up and drawing again), the picks joined on their slots.
_TIME = '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\''
_GENERATE = f"""
CREATE TEMP TABLE bench_chunk AS
SELECT id, structure, workstation AS workstation_id, 1000000000 + g AS seq,
    created AT TIME ZONE 'UTC' AS created_at, occurred AT TIME ZONE 'UTC' AS occurred_at,
    60 AS utc_offset_minutes, to_char(occurred + interval '60 minutes', 'YYYY-MM') AS local_month,
    agent, 'Accueil ' || structure AS place, channel, situation, p1, p2, concat_ws(',', p1, p2) AS partners,
    help_kind, outcome, duration_minutes, NULL::text AS age_band, first_visit, NULL::text AS residence_commune,
    non_recours, pass_numerique, NULL::uuid AS supersedes, false AS deleted,
    '2026-12-01T00:00:00Z'::timestamptz AS received_at, 0 AS clock_skew_seconds, false AS clock_skewed,
    escalated, escalated AND waiting AS waiting, escalated AND NOT waiting AND late AS late, pass,
    to_char(occurred + interval '60 minutes' + interval '4 days', {_TIME}) AS deadline
FROM (
    SELECT g, s.structure, s.workstation, occurred, created, agent, channel, t.situation, t.p1,
        CASE WHEN two THEN t.p2 END AS p2, help_kind, outcome, duration_minutes, first_visit, non_recours,
        pass_numerique, escalated, waiting_draw < CASE WHEN occurred > %(recent)s THEN 0.5 ELSE 0.02 END AS waiting,
        late, pass,
        (lpad(to_hex((extract(epoch FROM created) * 1000)::bigint + ms), 12, '0') || '7'
            || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid AS id
    FROM (
        SELECT g, floor(random() * %(slots)s)::int AS slot, floor(random() * %(situations)s)::int AS k,
            %(start)s::timestamp + make_interval(mins => floor((g - 1)::float8 / %(total)s * %(span)s)::int) AS occurred,
            %(start)s::timestamp + make_interval(mins => floor((g - 1)::float8 / %(total)s * %(span)s)::int
                + 1 + floor(random() * 29)::int) AS created,
            floor(random() * 60000)::bigint AS ms, md5(random()::text) AS h,
            (%(agents)s::text[])[1 + floor(random() * cardinality(%(agents)s::text[]))::int] AS agent,
            (%(channels)s::text[])[1 + floor(random() * cardinality(%(channels)s::text[]))::int] AS channel,
            (%(helps)s::text[])[1 + floor(random() * cardinality(%(helps)s::text[]))::int] AS help_kind,
            (%(outcomes)s::text[])[1 + floor(random() * cardinality(%(outcomes)s::text[]))::int] AS outcome,
            random() < 0.5 AS two, 3 + floor(random() * 57)::int AS duration_minutes,
            random() < 0.4 AS first_visit, random() < 0.05 AS non_recours, random() < 0.03 AS pass_numerique,
            random() < 1.0 / 30 AS escalated, random() AS waiting_draw, random() < 0.15 AS late,
            random() < 1.0 / 30 AS pass
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
        OFFSET 0
    ) AS draw
    JOIN bench_slots s USING (slot)
    JOIN bench_situations t USING (k)
    OFFSET 0
) AS contact
"""


def _counted(where: str, *legs: tuple[str, str, str]) -> str:
    """The counts of the chunk's contacts (`where`): one grouping per (dimension, value, n) leg, a
    value NULL for the contacts that do not add it (one hashing of a few thousand keys per leg is
    several times faster than one of ten rows per contact)."""
    return " UNION ALL ".join(
        f"SELECT structure, local_month, {dimension}::text AS dimension, {value}::text AS value, "
        f"sum({n})::bigint AS n FROM bench_chunk WHERE {where} AND {value} IS NOT NULL "
        "GROUP BY 1, 2, 4"
        for dimension, value, n in legs
    )


_FLAG = "CASE WHEN {} THEN '' END"
# The chunk's contacts per structure, month and "0-09" (`rollups.weekday_hour`: the weekday, Monday =
# 0, and hour on the agent's clock), added to the structures' weeks (`schema.contact_weeks`) as
# ingest would have: a week already stored is summed key by key with the chunk's.
_LOCAL = "(occurred_at AT TIME ZONE 'UTC' + utc_offset_minutes * interval '1 minute')"
_CHUNK_WEEKS = f"""
INSERT INTO contact_weeks (structure, local_month, hours)
SELECT structure, local_month, jsonb_object_agg(day || '-' || lpad(hour::text, 2, '0'), n)::text
FROM (
    SELECT structure, local_month, extract(isodow FROM {_LOCAL})::int - 1 AS day,
        extract(hour FROM {_LOCAL})::int AS hour, count(*) AS n
    FROM bench_chunk GROUP BY 1, 2, 3, 4
) AS hours GROUP BY structure, local_month ORDER BY structure, local_month
ON CONFLICT (structure, local_month) DO UPDATE SET hours = (
    SELECT jsonb_object_agg(key, n)::text FROM (
        SELECT key, sum(value::int) AS n FROM (
            SELECT * FROM jsonb_each_text(contact_weeks.hours::jsonb)
            UNION ALL SELECT * FROM jsonb_each_text(excluded.hours::jsonb)
        ) AS both_weeks GROUP BY key
    ) AS summed
)
"""
_CHUNK_COUNTS = (
    (
        _counted(  # what `rollups.contact_keys` counts for a current contact
            "true",
            ("'total'", "''", "1"),
            *(
                (f"'{name}'", name, "1")
                for name in ("situation", "channel", "outcome", "place", "help_kind", "agent")
            ),
            *((f"'{flag}'", _FLAG.format(flag), "1") for flag in ("non_recours", "pass_numerique")),
            ("'partner'", "p1", "1"),
            ("'partner'", "p2", "1"),
            ("'minutes'", "''", "duration_minutes"),
        ),
        ("contact_counts", "departement_counts"),
    ),
    (
        _counted(
            "escalated",
            ("'sent'", "''", "1"),
            ("'partner'", "p1", "1"),
            ("'answered'", _FLAG.format("NOT waiting"), "1"),
            ("'answered_late'", _FLAG.format("late"), "1"),
        ),
        ("escalation_counts", "departement_escalation_counts"),
    ),
    (
        _counted(
            "pass",
            ("'issuances'", "''", "1"),
            ("'cheques'", "'remis'", "2"),
            ("'value_cents'", "'remis'", "2000"),
            ("'cheques'", "'recu'", "2"),
            ("'value_cents'", "'recu'", "2000"),
        ),
        ("pass_counts", "departement_pass_counts"),
    ),
)


def merge_counts(cursor, table: str, departements: str) -> None:
    """Add the temporary `loaded_counts` (per structure, month, dimension, value) to the structures'
    and départements' counts of `table` and `departements`, as ingest would have, and drop it."""
    cursor.execute(
        f"INSERT INTO {table} SELECT * FROM loaded_counts ORDER BY 1, 2, 3, 4 ON CONFLICT "
        f"(structure, local_month, dimension, value) DO UPDATE SET n = {table}.n + excluded.n"
    )
    cursor.execute(
        f"INSERT INTO {departements} SELECT s.departement, c.local_month, c.dimension, c.value, "
        "SUM(c.n) FROM loaded_counts c JOIN structures s ON s.matricule = c.structure "
        "GROUP BY s.departement, c.local_month, c.dimension, c.value ON CONFLICT "
        f"(departement, local_month, dimension, value) DO UPDATE SET n = {departements}.n + excluded.n"
    )
    cursor.execute("DROP TABLE loaded_counts")


def store_counts(
    connection, counted: Counter, table: str = "contact_counts", departements: str = "departement_counts"
) -> None:
    """Add `counted` (per structure, month, dimension, value) to the structures' and départements'
    counts of `table` and `departements`, as ingest would have (not timed)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE loaded_counts (LIKE {table})")
        with cursor.copy("COPY loaded_counts FROM STDIN") as copy:
            for (structure, month, dimension, value), n in counted.items():
                copy.write_row((structure, month, dimension, value, n))
        merge_counts(cursor, table, departements)
    connection.commit()


def check_counts(engine) -> bool:
    """Whether the counts the loader left are those ingest would have: the contacts' counts equal a
    full recount of the current contacts with the server's own rule (`rollups.current`,
    `rollups.contact_keys`), and every département's counts are the sums of its structures'. For a
    small `--contacts` (it reads every contact)."""
    from sqlalchemy import func, select

    from app.server.rollups import COUNT_TABLES, WEEKDAY_HOUR, contact_keys, current
    from app.server.schema import contact_counts, contact_weeks, records, structures

    with engine.connect() as connection:
        recounted: Counter = Counter()
        for row in connection.execute(select(records).where(current(records))):
            for key, n in contact_keys(row._mapping).items():
                recounted[(row.structure, *key)] += n
        kept = {
            (row.structure, row.local_month, row.dimension, row.value): row.n
            for row in connection.execute(select(contact_counts).where(contact_counts.c.n != 0))
        }
        for structure, month, hours in connection.execute(select(contact_weeks)):
            kept.update({(structure, month, WEEKDAY_HOUR, hour): n for hour, n in json.loads(hours).items()})
        same = kept == {key: n for key, n in recounted.items() if n}
        print(f"  contacts' counts and weeks = a full recount ({len(kept):,} counts): {same}")
        for table, departements in COUNT_TABLES:
            keys = (table.c.local_month, table.c.dimension, table.c.value)
            summed = {
                tuple(row[:-1]): row[-1]
                for row in connection.execute(
                    select(structures.c.departement, *keys, func.sum(table.c.n))
                    .join(structures, structures.c.matricule == table.c.structure)
                    .group_by(structures.c.departement, *keys)
                )
                if row[-1]
            }
            held = {tuple(row[:-1]): row[-1] for row in connection.execute(select(departements)) if row[-1]}
            print(f"  {departements} = the sums of {table.name} ({len(held):,} counts): {held == summed}")
            same = same and held == summed
    return same


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


def add_bulk_workstations(engine) -> None:
    """The workstations `_WORKSTATIONS` names, that the loaded and COPY'd contacts come from."""
    from sqlalchemy import insert

    from app.server.schema import workstations

    with engine.begin() as connection:
        connection.execute(
            insert(workstations),
            [
                {
                    "id": wid,
                    "structure": matricule,
                    "installation_id": wid,
                    "label": "bulk",
                    "token_hash": hashlib.sha256(wid.encode()).hexdigest(),
                    "enrolled_at": "2024-01-01T00:00:00Z",
                }
                for matricule, wid in _WORKSTATIONS.items()
            ],
        )


def against_empty(args, url: str, server, clients: list[tuple[str, str]], maker: Maker, options) -> None:
    """Ingest at N (the kept schema of `--reuse`) and on an empty database, alternated `--rounds`
    times in one run: the same code, the same machine's moment, so that the ratio is the database's
    size and not the noise between two runs an hour apart (0.93 and 1.07 in one such pair)."""
    from app.registry.anct_list import read_list
    from app.server.database import open_database
    from app.server.registry import import_structures
    from tests.live_server import start_server

    with bench_schema(args.url, False, None) as empty_url:
        empty_engine = open_database(empty_url)
        try:
            import_structures(empty_engine, read_list(REGISTRY))
            add_bulk_workstations(empty_engine)
            with start_server(empty_url, options=options) as empty_server:
                matricules = [matricule for matricule, _ in clients]
                empty_clients = list(
                    zip(matricules, enrol_clients(empty_server, empty_engine, matricules), strict=True)
                )
                ratios: dict[str, list[float]] = {"30 days": [], "three years": []}
                for round_ in range(1, args.rounds + 1):
                    for label, recent in (("30 days", True), ("three years", False)):
                        print(f"\n  round {round_}, {label}: the empty database")
                        empty = measure_ingest(
                            empty_server, empty_url, maker, empty_clients, args.batches, recent
                        )
                        print(f"  round {round_}, {label}: at N")
                        full = measure_ingest(server, url, maker, clients, args.batches, recent)
                        ratios[label].append(max(full[n] for n in CLIENTS) / max(empty[n] for n in CLIENTS))
                        best = max(full[n] for n in CLIENTS)
                        print(
                            f"  round {round_}, {label}: best HTTP at N / empty: {ratios[label][-1]:.2f}; "
                            f"≥ {TARGET_INGEST:,.0f}/s at N: {verdict(best >= TARGET_INGEST)}"
                        )
        finally:
            empty_engine.dispose()
    for label, found in ratios.items():
        middle = statistics.median(found)
        print(
            f"  {label}: at N / empty, per round {', '.join(f'{r:.2f}' for r in found)}, median {middle:.2f}; "
            f"at least as fast as empty: {verdict(middle >= 0.95)}"
        )


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


def measure_pages(server, engine, repeats: int, departement: str, matricule: str) -> None:
    """p50/p95 of every dashboard page, export and JSON answer, over HTTP against the real server,
    logged in as a national account (the widest scope: the slowest); and, for scale, the same
    national figures computed the way they were before the counts (a scan of the current contacts)."""
    import requests
    from sqlalchemy import func, select, text

    from app.server.rollups import current
    from app.server.schema import records
    from tests.server.web_helpers import add_account, log_in

    year, month = str(YEARS[-1]), f"{YEARS[-1]}-06"
    email = f"bench-{uuid.uuid4().hex[:8]}@example.fr"  # one per run: a kept schema is measured again
    added = add_account(server.database_url, email, "national")
    assert added.returncode == 0, added.stderr
    http, answer = log_in(server, email)
    assert answer.status_code == 303, answer.text
    pages = {
        "national overview, month": ("/tableau-de-bord", {"periode": month}),
        "national overview, year": ("/tableau-de-bord", {"periode": year}),
        f"département {departement} overview, month": (f"/departements/{departement}", {"periode": month}),
        f"département {departement} overview, year": (f"/departements/{departement}", {"periode": year}),
        "structures list (national, first page of 100)": ("/structures", {}),
        f"structures list, département {departement}": ("/structures", {"departement": departement}),
        "structures list, search « saint »": ("/structures", {"recherche": "saint"}),
        f"structure {matricule} page, year": (f"/structures/{matricule}", {"periode": year}),
        "map, year (national: points as one drawing)": ("/carte", {"periode": year}),
        f"map, year, département {departement} (points as links)": (
            "/carte",
            {"periode": year, "departement": departement},
        ),
        "public statistics page, year (no login)": ("/statistiques", {"periode": year}),
        "CSV export, national overview, year": ("/tableau-de-bord", {"periode": year, "format": "csv"}),
        "XLSX export, national overview, year": ("/tableau-de-bord", {"periode": year, "format": "xlsx"}),
        "CSV export, structures list": ("/structures", {"format": "csv"}),
        "XLSX export, structures list": ("/structures", {"format": "xlsx"}),
        "API figures, national, year": ("/api/v1/stats/figures", {"periode": year}),
        "API figures, national, quarter": ("/api/v1/stats/figures", {"periode": f"{year}-T2"}),
        f"API figures, département {departement}, year": (
            "/api/v1/stats/figures",
            {"periode": year, "departement": departement},
        ),
        f"API figures, structure {matricule}, month": (
            "/api/v1/stats/figures",
            {"periode": month, "structure": matricule},
        ),
        "API structures (national)": ("/api/v1/stats/structures", {}),
        "API public, year (no login)": ("/api/v1/stats/public", {"periode": year}),
    }
    print(
        f"  {'page or answer':<52} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}  target < {TARGET_QUERY_MS:g} ms p95"
    )
    worst = 0.0
    anonymous = requests.Session()
    for name, (path, params) in pages.items():
        client = anonymous if "no login" in name else http
        times = []
        for _ in range(repeats + 1):
            start = time.perf_counter()
            response = client.get(f"{server.url}{path}", params=params, timeout=300)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (name, response.status_code, response.text[:200])
        first, rest = times[0], times[1:]
        p95 = percentile(rest, 95)
        worst = max(worst, p95)
        print(
            f"  {name:<52} {first:>9.1f} {statistics.median(rest):>8.1f} {p95:>8.1f}  {verdict(p95 < TARGET_QUERY_MS)}"
        )
    print(
        f"  worst p95: {worst:.1f} ms — every page and answer < {TARGET_QUERY_MS:g} ms: {verdict(worst < TARGET_QUERY_MS)}"
    )
    national = http.get(f"{server.url}/api/v1/stats/figures", params={"periode": year}, timeout=300).json()
    in_year = records.c.local_month.between(f"{year}-01", f"{year}-12")
    before = {
        "BEFORE national year by month (scan)": select(records.c.local_month, func.count())
        .where(in_year, current(records))
        .group_by(records.c.local_month),
        "BEFORE national year by partner (scan)": select(text("partner"), func.count())
        .select_from(records)
        .join(text("unnest(string_to_array(records.partners, ',')) AS partner"), text("true"))
        .where(in_year, current(records))
        .group_by(text("partner")),
    }
    with engine.connect() as connection:
        for name, query in before.items():
            times = []
            for _ in range(3):
                start = time.perf_counter()
                found = dict(connection.execute(query).all())
                times.append((time.perf_counter() - start) * 1000)
            print(
                f"  {name:<52} {times[0]:>9.1f} {statistics.median(times):>8.1f} {max(times):>8.1f}  (3 runs, max shown as p95)"
            )
            shown = national["by_month"] if "month" in name else national["by_partner"]
            print(f"    the page's figures = this scan: { ({k: v for k, v in shown.items() if v} == found) }")


def measure_bytes(engine, contacts: int) -> None:
    from sqlalchemy import text

    tables = (
        "records",
        "contact_counts",
        "contact_weeks",
        "departement_counts",
        "escalation_counts",
        "departement_escalation_counts",
        "waiting_escalations",
        "pass_counts",
        "departement_pass_counts",
    )
    total = 0
    with engine.connect() as connection:
        print(f"  {'table':<30} {'table+TOAST':>14} {'indexes':>14} {'bytes/contact':>14}")
        for table in tables:
            heap, indexes = connection.execute(
                text("SELECT pg_table_size(CAST(:t AS regclass)), pg_indexes_size(CAST(:t AS regclass))"),
                {"t": table},
            ).one()
            total += heap + indexes
            print(f"  {table:<30} {heap:>14,} {indexes:>14,} {(heap + indexes) / contacts:>14.0f}")
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
        f"  {'total':<30} {total:>29,} {per:>14.0f}   target < {TARGET_BYTES:g} B/contact: {verdict(per < TARGET_BYTES)}"
    )


@contextmanager
def bench_schema(base_url: str, keep: bool, reuse: str | None) -> Iterator[str]:
    """`base_url` narrowed to the bench's schema: `reuse` (an existing one, kept), or a new one, dropped
    at the end unless `keep` (a 30-million load takes an hour: a migration can then be measured on it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = reuse or f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        if not reuse:
            with admin.connect() as connection:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
        print(f"  schema {schema}")
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        if keep or reuse:
            print(f"\n  schema {schema} kept (drop it: DROP SCHEMA {schema} CASCADE)")
        else:
            with admin.connect() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            print("\n  schema dropped")
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=200_000, help="contacts loaded (default 200,000)")
    parser.add_argument(
        "--url", default=os.environ.get("BUREAU_VIRTUEL_TEST_POSTGRES_URL"), help="PostgreSQL URL"
    )
    parser.add_argument(
        "--batches", type=int, default=4, help="batches of 500 per workstation per ingest run"
    )
    parser.add_argument("--repeats", type=int, default=30, help="timed runs of each page and answer")
    parser.add_argument(
        "--skip-ingest",
        action="store_true",
        help="load the contacts and time the pages only (no ingest runs)",
    )
    parser.add_argument("--workers", type=int, default=2, help="server processes (serve --workers)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="load, compare the counts with a full recount and stop (a small --contacts: 10,000)",
    )
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the schema at the end")
    parser.add_argument(
        "--reuse",
        metavar="SCHEMA",
        help="a schema kept by --keep: upgrade it, then measure ingest at N, pages and bytes (no load)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="with --reuse: rounds of ingest at N and on an empty database, alternated (default 2)",
    )
    parser.add_argument(
        "--ids",
        choices=("v7", "v4"),
        default="v7",
        help="record ids: v7 (today's workstations) or v4 (older)",
    )
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("--url or BUREAU_VIRTUEL_TEST_POSTGRES_URL is needed (PostgreSQL)")

    from sqlalchemy import select, text

    from app.registry.anct_list import read_list
    from app.server.database import open_database
    from app.server.registry import import_structures
    from app.server.schema import workstations
    from tests.live_server import start_server

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"bench/national.py — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, {f'schema {args.reuse}' if args.reuse else f'{args.contacts:,} contacts'}, {args.ids} ids, server --workers {args.workers}"
    )
    with bench_schema(args.url, args.keep, args.reuse) as url:
        engine = open_database(url)
        try:
            if args.reuse:  # the structures and bulk workstations of the kept load
                with engine.connect() as connection:
                    rows = connection.execute(
                        select(workstations.c.structure, workstations.c.id).where(
                            workstations.c.label == "bulk"
                        )
                    )
                    _WORKSTATIONS.update({structure: wid for structure, wid in rows})
                    copied = connection.execute(text("SELECT max(seq) FROM records")).scalar_one()
                global _COPY_SEQ  # after the feed numbers the earlier runs' COPYs took
                _COPY_SEQ = itertools.count(max(2 * 10**9, (copied or 0) + 1))
                matricules = sorted(_WORKSTATIONS)
                print(f"  {len(matricules):,} structures of the kept schema")
            else:
                report = import_structures(engine, read_list(REGISTRY))
                matricules = sorted(report.added)
                print(f"  {len(matricules):,} structures imported from {REGISTRY.name}")
                # one workstation per structure for the loaded contacts
                _WORKSTATIONS.update({matricule: str(uuid.uuid4()) for matricule in matricules})
                add_bulk_workstations(engine)
            maker = Maker(matricules, args.seed, args.ids)
            options = (
                "--workers",
                str(args.workers),
                "--http-cookies",
            )  # cookies over plain HTTP on loopback
            with start_server(url, options=options) as server:
                if not args.skip_ingest:
                    chosen = maker.rng.sample(matricules, CLIENTS[-1])
                    clients = list(zip(chosen, enrol_clients(server, engine, chosen), strict=True))
                if not args.skip_ingest and not args.reuse:
                    print(
                        "\n1. Ingest on the empty database (batches of the last 30 days, then of three years)"
                    )
                    empty = measure_ingest(server, url, maker, clients, args.batches, recent=True)
                    empty_spread = measure_ingest(server, url, maker, clients, args.batches, recent=False)
                if not args.reuse:
                    print(f"\n2. Loading {args.contacts:,} contacts")
                    bulk_load(url, maker, _WORKSTATIONS, args.contacts)
                if args.check:
                    return 0 if check_counts(engine) else 1
                if not args.skip_ingest and args.reuse:
                    print(
                        f"\n3. Ingest at N contacts and on an empty database, alternated, {args.rounds} round(s) "
                        "(last 30 days, then three years)"
                    )
                    against_empty(args, url, server, clients, maker, options)
                elif not args.skip_ingest:
                    print("\n3. Ingest at N contacts (last 30 days, then three years)")
                    full = measure_ingest(server, url, maker, clients, args.batches, recent=True)
                    full_spread = measure_ingest(server, url, maker, clients, args.batches, recent=False)
                    for label, before, after in (
                        ("30 days", empty, full),
                        ("three years", empty_spread, full_spread),
                    ):
                        best_empty, best_full = (
                            max(before[n] for n in CLIENTS),
                            max(after[n] for n in CLIENTS),
                        )
                        print(
                            f"  {label}: best HTTP at N / empty: {best_full / best_empty:.2f}; ≥ {TARGET_INGEST:,.0f}/s "
                            f"at N: {verdict(best_full >= TARGET_INGEST)}; at least as fast as empty: "
                            f"{verdict(best_full >= 0.95 * best_empty)}"
                        )

                with engine.connect() as connection:
                    stored = connection.execute(text("SELECT count(*) FROM records")).scalar_one()
                    departement = connection.execute(
                        text(
                            "SELECT departement FROM departement_counts WHERE dimension = 'total' "
                            "GROUP BY departement ORDER BY sum(n) DESC LIMIT 1"
                        )
                    ).scalar_one()
                    matricule = connection.execute(
                        text(
                            "SELECT structure FROM contact_counts WHERE dimension = 'total' GROUP BY structure ORDER BY sum(n) DESC LIMIT 1"
                        )
                    ).scalar_one()
                with engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
                print(
                    f"\n4. Every dashboard page and JSON answer over HTTP at {stored:,} contacts "
                    "(national account; the busiest département and structure)"
                )
                measure_pages(server, engine, args.repeats, departement, matricule)
            print(f"\n5. Bytes on disk at {stored:,} contacts")
            measure_bytes(engine, stored)
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
