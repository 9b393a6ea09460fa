"""The public list of labelled France Services (March 2020), for choosing the structure at first start."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.models.text import fold
from app.paths import resources_dir

STRUCTURES_FILE = "structures/france_services_structures_2020.csv"


@dataclass(frozen=True)
class Structure:
    """A France Services structure: a fixed site, or an itinerant one (a bus) with stops."""

    matricule: str
    name: str
    commune: str
    departement: str
    itinerant: bool = False
    postal_code: str = ""

    @property
    def search_key(self) -> str:
        return fold(f"{self.name} {self.commune} {self.matricule} {self.postal_code}")

    def describe(self) -> str:
        kind = "itinérante" if self.itinerant else "site fixe"
        return f"{self.name} — {self.commune} ({self.departement}) · n° {self.matricule} · {kind}"


def _commune(raw: str) -> str:
    """The list spells communes in capitals; agents read them better in title case."""
    return "-".join(part.capitalize() for part in raw.strip().title().split("-")) if raw.isupper() else raw


@cache
def load_structures(path: Path | None = None) -> tuple[Structure, ...]:
    path = path or resources_dir() / STRUCTURES_FILE
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return tuple(
        Structure(
            matricule=row["MATRICULE"].strip(),
            name=row["FRANCE SERVICES"].strip(),
            commune=_commune(row["COMMUNE"]),
            departement=row["DEPARTEMENT"].strip().zfill(2),
            itinerant=row["ITINERANCE"].strip().lower() == "oui",
            postal_code=row["CODE POSTAL"].strip(),
        )
        for row in rows
        if row["MATRICULE"].strip()
    )


def search_structures(query: str, limit: int = 50) -> list[Structure]:
    """Structures whose name, commune, matricule or postal code contain every word of `query`."""
    words = fold(query).split()
    found = [s for s in load_structures() if all(w in s.search_key for w in words)]
    exact = [s for s in found if s.matricule == query.strip()]
    return (exact + [s for s in found if s not in exact])[:limit]
