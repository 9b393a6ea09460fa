"""The structures a workstation can belong to: the ANCT's list of 1 August 2024, for choosing the
structure at first start (`app.registry.anct_list` reads it, as the server's import does)."""

import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from app.models.communes import search_key
from app.models.text import match_rank
from app.paths import resources_dir
from app.registry.anct_list import read_list

STRUCTURES_FILE = "structures/liste-fs-20240801.csv"
# What the Licence Ouverte asks a reuse to say: the source and its date.
SOURCE = "ANCT — liste des structures France Services, mise à jour du 1er août 2024 (Licence Ouverte 2.0)"

# Every name in the 2024 list starts so ("France services de Die", "Bus France services …"): an agent
# typing "die" means Die, so ranking compares what follows.
_NAME_PREFIX = re.compile(r"^(?:bus )?france services? (?:(?:de la|de l|de|du|des|d) )?")


@dataclass(frozen=True)
class Structure:
    """A France Services structure: a fixed site, or an itinerant one (a bus) with stops."""

    matricule: str
    name: str
    commune: str
    departement: str
    itinerant: bool = False
    postal_code: str = ""

    @cached_property
    def search_key(self) -> str:
        return search_key(f"{self.name} {self.commune} {self.matricule} {self.postal_code}")

    @cached_property
    def rank_keys(self) -> tuple[str, str]:
        """The commune and the name without "France services de", as the ranking compares them."""
        return search_key(self.commune), _NAME_PREFIX.sub("", search_key(self.name))

    def describe(self) -> str:
        kind = "itinérante" if self.itinerant else "site fixe"
        return f"{self.name} — {self.commune} ({self.departement}) · n° {self.matricule} · {kind}"


@cache
def load_structures(path: Path | None = None) -> tuple[Structure, ...]:
    listed = read_list(path or resources_dir() / STRUCTURES_FILE)
    return tuple(
        Structure(s.matricule, s.name, s.commune, s.departement, s.itinerant, s.postal_code) for s in listed
    )


def search_structures(query: str, limit: int = 50) -> list[Structure]:
    """Structures whose name, commune, matricule or postal code contain every word of `query`, best
    first: the matricule typed exactly, then the commune or the name (without "France services de")
    equal to the query, then starting with it, then a word of them starting with it, then the rest."""
    typed = search_key(query)
    words = typed.split()
    found = [s for s in load_structures() if all(w in s.search_key for w in words)]
    if not words:
        return found[:limit]
    return sorted(found, key=lambda structure: _rank(structure, typed, query.strip()))[:limit]


def _rank(structure: Structure, typed: str, raw: str) -> tuple[int, str]:
    if raw in (structure.matricule, structure.postal_code):
        return -1, structure.name
    return match_rank(typed, *structure.rank_keys), structure.name
