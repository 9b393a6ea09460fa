"""Ingest into a fresh SQLite file, in process, as the server does for a batch: N batches of 500
contacts from one workstation; prints the contacts per second (the batches are made before the clock
starts). Made to compare two versions of the ingest's counting side by side in one run (run it from
each version's source folder, with PYTHONPATH set to it):

    .venv/bin/python bench/ingest_sqlite.py --batches 40            # spread over nine months, any hour
    .venv/bin/python bench/ingest_sqlite.py --batches 40 --week     # a batch per week, desk hours

`--week` is how a workstation sends them (a week of a desk's contacts, Monday to Friday, 8 h to 18 h
in Paris); the default spreads each batch over nine months and every hour, the most distinct counts a
batch can touch.
"""

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))

from app.server.database import open_database
from app.server.ingest import ingest
from tests.server.helpers import contact, items, workstations

SITUATIONS = ["naissance", "demenagement", "declarer-impots"]


def batches(count: int, week: bool, rng: random.Random) -> list[list[dict]]:
    start = datetime(2026, 1, 5, 7, tzinfo=UTC)  # a Monday, 8 h in Paris
    made = []
    for number in range(count):
        batch = []
        for _ in range(500):
            if week:
                at = start + timedelta(weeks=number, days=rng.randint(0, 4), minutes=rng.randint(0, 599))
            else:
                at = start + timedelta(minutes=rng.randint(0, 400_000))
            batch.append(
                contact(
                    occurred_at=at,
                    created_at=at + timedelta(minutes=1) if week else start + timedelta(minutes=400_001),
                    duration_minutes=rng.randint(1, 60),
                    situation=rng.choice(SITUATIONS),
                )
            )
        made.append(batch)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--week", action="store_true")
    args = parser.parse_args()
    made = batches(args.batches, args.week, random.Random(1))
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(f"sqlite:///{Path(folder) / 'server.sqlite'}")
        (sender,) = workstations(engine, "accueil")
        began = time.perf_counter()
        for batch in made:
            ingest(engine, sender, items(*batch), None)
        spent = time.perf_counter() - began
        engine.dispose()
    print(f"{args.batches * 500 / spent:.0f} contacts/s")


if __name__ == "__main__":
    main()
