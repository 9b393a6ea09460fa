"""What the identifier guard and the strict record checks cost: per note, per record validated as
the server's ingest does it, and per contact prepared as the form saves it.

Why: every free-text value of every record now goes through the guard, on the workstation at each
save and on the server for each ingested record; the target is that this costs nothing measurable
next to a save (p95 under 1 ms) and to the ingest (5,000 contacts/s on this machine).

It only calls what existed before the guard (`identifier_problem`, `validate_record`,
`ContactStore.prepare`), so it runs unchanged on the code before and after, side by side:

    .venv/bin/python bench/guard.py
    git archive BEFORE | tar -x -C /tmp/before && PYTHONPATH=/tmp/before .venv/bin/python bench/guard.py

It prints figures; it never fails because a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import cycle
from typing import Any
from uuid import uuid4

import app
from app.models.record import validate_record
from app.models.reference import load_catalogue
from app.models.structures import Structure
from app.models.workspace import open_workspace

NOTES = [
    "",
    "RDV le 12/03 à 14h avec la MSA",
    "2 enfants, dossier APL en cours",
    "Revenir le 12/03/2026 avec l'avis d'imposition 2025",
    "Rendez-vous CAF à 14h30, formulaire cerfa 15652*03, dossier APL en cours, 2 enfants",
    "Mme souhaite refaire sa demande de prime d'activité ; simulation faite, 194 € par mois",
    "Problème de connexion FranceConnect, mot de passe réinitialisé, à revoir la semaine prochaine",
]
PLACES = ["Guise", "Wassigny", "Étreux", "Saint-Martin-d'Hères", "Villeneuve-sur-Lot"]
AGENTS = ["Julie M.", "Karim B.", "Camille R."]


def timed_us(call: Callable[[], Any], times: int) -> list[float]:
    call()  # warm-up, not counted
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


def line(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"| {name} | {len(samples)} | {statistics.median(samples):.1f} | {p95:.1f} | {max(samples):.1f} |"


def contacts(count: int) -> list[dict[str, Any]]:
    """Records as the server receives them: JSON, distinct ids, a few places and agents."""
    now = datetime.now(UTC).replace(microsecond=0)
    places, agents = cycle(PLACES), cycle(AGENTS)
    return [
        {
            "id": str(uuid4()),
            "created_at": (now - timedelta(minutes=n)).isoformat(),
            "utc_offset_minutes": 60,
            "occurred_at": (now - timedelta(minutes=n + 5)).isoformat(),
            "structure": "3",
            "agent": next(agents),
            "place": next(places),
            "channel": "sur-place",
            "situation": "declarer-impots",
            "partners": ["dgfip"],
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 15,
            "first_visit": n % 2 == 0,
        }
        for n in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=5000, help="records validated (5000)")
    parser.add_argument("--saves", type=int, default=2000, help="contacts prepared (2000)")
    args = parser.parse_args()
    print(f"code: {app.__file__}")

    from app.models.note_guard import identifier_problem

    notes = cycle(NOTES)
    rows = [
        line("`identifier_problem` (note)", timed_us(lambda: identifier_problem(next(notes)), args.saves))
    ]

    catalogue = load_catalogue()
    records = iter(contacts(args.records + 1))
    validate = lambda: validate_record(next(records), catalogue=catalogue, kind="contact")  # noqa: E731
    samples = timed_us(validate, args.records)
    rows.append(line("`validate_record` (server ingest, per contact)", samples))
    rate = 1e6 / statistics.mean(samples)

    with tempfile.TemporaryDirectory() as folder:
        workspace = open_workspace(folder)
        structure = Structure("1", "Valserhône", "Valserhône", "01")
        workspace.workstation.set_up(structure, [], None, [("Camille R.", "responsable")])
        defaults = workspace.workstation.contact_defaults()
        fields = {
            **defaults,
            "situation": "declarer-impots",
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 10,
        }
        prepare = lambda: workspace.contacts.prepare(fields, next(notes))  # noqa: E731
        rows.append(
            line("`ContactStore.prepare` (save's validation, with note)", timed_us(prepare, args.saves))
        )
        workspace.close()

    print("| measure (µs) | n | p50 | p95 | max |\n|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nvalidation alone: {rate:,.0f} contacts/s on one core")


if __name__ == "__main__":
    main()
