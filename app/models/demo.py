"""Realistic demo contacts, for trying the workstation, for benchmarks and for screenshots."""

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from app.models.structures import load_structures
from app.models.workspace import Workspace

DEMO_STRUCTURE = "3"  # Thiérache Sambre et Oise: an itinerant France Services of the 2020 list
DEMO_STOPS = ["Guise", "Wassigny", "Le Nouvion-en-Thiérache", "Étreux", "Origny-en-Thiérache"]
DEMO_AGENTS = [("Camille R.", "responsable"), ("Karim B.", "agent"), ("Julie M.", "agent")]
BATCH = 500

# Rough shares of requests (France Services 2023: France Titres 19 %, CAF 16 %, Assurance Maladie 16 %,
# DGFiP 15 %), spread over the bouquet's situations.
SITUATION_WEIGHTS = {
    "papiers-identite": 12,
    "se-deplacer": 8,
    "declarer-impots": 15,
    "rembourser-soins": 12,
    "allocation-logement": 8,
    "naissance": 3,
    "difficultes-financieres": 5,
    "chercher-emploi": 7,
    "preparer-retraite": 6,
    "depart-retraite": 2,
    "demenagement": 3,
    "affilie-msa": 2,
    "handicap": 3,
    "perte-proche": 2,
    "prendre-soin-sante": 2,
    "informations-jeunesse": 1,
    "litige-conflit": 1,
    "victime-infraction": 1,
    "litige-consommation": 1,
    "gerer-energie": 2,
    "service-postal": 2,
    "autre": 2,
}
CHANNEL_WEIGHTS = {"sur-place": 70, "telephone": 18, "email": 6, "visio": 2, "domicile": 4}
HELP_WEIGHTS = {"information": 35, "demarche-en-ligne": 40, "constitution-dossier": 15, "orientation": 10}
OUTCOME_WEIGHTS = {"resolu": 72, "oriente": 18, "attente-referent": 10}


def ensure_demo_setup(workspace: Workspace) -> None:
    """A workstation not set up yet gets the demo agents, and a sample structure from the real list
    unless it already has one: an enrolled workstation keeps the server's, or the server would
    refuse every demo contact."""
    workstation = workspace.workstation
    if workstation.is_set_up:
        return
    structure = workstation.structure
    if structure is None:
        sample = next(s for s in load_structures() if s.matricule == DEMO_STRUCTURE)
        workstation.set_up(sample, DEMO_STOPS, DEMO_STOPS[0], DEMO_AGENTS)
        return
    stops = workstation.stops or [structure.commune]
    workstation.set_up(structure, stops, workstation.current_stop, DEMO_AGENTS)


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _opening_time(rng: random.Random, now: datetime, days: int) -> datetime:
    """A moment of a weekday's opening hours among the last `days` days, before `now`; when there is
    none (a window of only a weekend, or today before 9 h), a moment of the hour before `now`."""
    opening = now.replace(hour=9, minute=0, second=0, microsecond=0)
    if not any((now - timedelta(days=n)).weekday() < 5 and (n > 0 or opening < now) for n in range(days)):
        return now - timedelta(seconds=rng.randrange(1, 3600))
    while True:
        day = now - timedelta(days=rng.randrange(days))
        if day.weekday() < 5:
            minute = rng.choice([9, 9, 10, 10, 10, 11, 11, 14, 14, 15, 15, 16]) * 60 + rng.randrange(60)
            moment = day.replace(
                hour=minute // 60, minute=minute % 60, second=rng.randrange(60), microsecond=0
            )
            if moment < now:
                return moment


def add_demo_contacts(
    workspace: Workspace,
    count: int,
    *,
    days: int = 91,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add `count` contacts over the last `days` days, committed in batches so a kill loses no batch."""
    ensure_demo_setup(workspace)
    rng = random.Random(seed)
    catalogue, store = workspace.catalogue, workspace.contacts
    structure = workspace.workstation.structure
    assert structure is not None
    agents = [agent.name for agent in workspace.workstation.agents()]
    places = workspace.workstation.places()
    now = datetime.now().astimezone()
    situations = {k: v for k, v in SITUATION_WEIGHTS.items() if k in catalogue.situations}
    added = 0
    while added < count:
        batch = []
        for _ in range(min(BATCH, count - added)):
            situation = _pick(rng, situations)
            partners = list(catalogue.situations[situation].partners)
            chosen = partners[:2] if len(partners) > 1 and rng.random() < 0.15 else partners[:1]
            fields = {
                "occurred_at": _opening_time(rng, now, days),
                "structure": structure.matricule,
                "agent": rng.choice(agents),
                "place": rng.choice(places),
                "channel": _pick(rng, CHANNEL_WEIGHTS),
                "situation": situation,
                "partners": chosen,
                "help_kind": _pick(rng, HELP_WEIGHTS),
                "outcome": _pick(rng, OUTCOME_WEIGHTS),
                "duration_minutes": max(3, min(90, round(rng.lognormvariate(2.6, 0.6)))),
                "age_band": rng.choice([None, *catalogue.age_bands]),
                "first_visit": rng.random() < 0.4,
                "non_recours": rng.random() < 0.05,
                "pass_numerique": rng.random() < 0.03,
            }
            batch.append((store.prepare(fields), ""))
        store.add_many(batch)
        added += len(batch)
        if progress:
            progress(added)
    return added
