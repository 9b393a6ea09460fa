"""The structures a workstation can belong to: the ANCT's list of 1 August 2024 as shipped
(`app.registry.anct_list` reads it, as the server's import does), or the newer list the reporting
server sent (`<data dir>/reference/structures.json`, docs/SYNC_PROTOCOL.md "Reference data").

The newest valid list serves the first-start search, the "Ma structure n'est pas dans la liste" path,
the structure's own details (`Workstation.follow_list`) and the notice that a structure closed. A
downloaded file is checked whole (`parse_structure_file`) before it replaces the previous one, and
again when read: a damaged or hostile file never stops the workstation, the shipped list serves.
"""

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property, lru_cache
from pathlib import Path

from app.models.communes import search_key
from app.models.text import french_day, match_rank
from app.paths import resources_dir
from app.registry.anct_list import MATRICULE, departement_code, read_list

STRUCTURES_FILE = "structures/liste-fs-20240801.csv"
SHIPPED_DATE = "2024-08-01"
# What the Licence Ouverte asks a reuse to say: the source and its date.
SOURCE = "ANCT — liste des structures France Services, mise à jour du 1er août 2024 (Licence Ouverte 2.0)"
PULLED_SOURCE = (
    "ANCT — liste des structures France Services (Licence Ouverte 2.0), copie du serveur de reporting "
    "du {date}"
)
PULLED_FILE = "structures.json"
FILE_VERSION = 1
# A downloaded list must keep at least this share of the shipped list's open structures: fewer is a
# partial or old list (the 2020 one had 530), not the network of today.
MINIMUM_SHARE = 0.5
MAX_STRUCTURES = 20_000  # seven times today's network: more is not a list of France Services
_REQUIRED_FIELDS = ("matricule", "name", "departement", "commune", "postal_code", "itinerant", "closed")
_TEXT_LIMITS = {"name": 200, "commune": 100, "postal_code": 10, "insee_commune": 5, "principal": 64}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Every name in the 2024 list starts so ("France services de Die", "Bus France services …"): an agent
# typing "die" means Die, so ranking compares what follows.
_FRANCE_SERVICES = re.compile(r"^(?:bus )?france services?\b")
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

    @property
    def heading(self) -> str:
        """The name as documents head it: « France Services de Nyons », never « France Services
        France Services de Nyons » (most names of the ANCT's list already begin so)."""
        if _FRANCE_SERVICES.match(search_key(self.name)):
            return self.name
        return f"France Services {self.name}"

    def describe(self) -> str:
        kind = "itinérante" if self.itinerant else "site fixe"
        return f"{self.name} — {self.commune} ({self.departement}) · n° {self.matricule} · {kind}"


@dataclass(frozen=True)
class StructureList:
    """One list of structures and what a reuse must say of it: its source and date."""

    structures: tuple[Structure, ...]  # open and closed, by matricule order of the list
    date: str  # ISO date of the list (of the server's copy, for a downloaded one)
    source: str  # the attribution the Licence Ouverte asks for, in French
    closed: Mapping[str, str] = field(default_factory=dict)  # matricule → ISO date it closed
    downloaded: bool = False

    @cached_property
    def open_structures(self) -> tuple[Structure, ...]:
        return tuple(s for s in self.structures if s.matricule not in self.closed)

    @cached_property
    def _by_matricule(self) -> dict[str, Structure]:
        return {s.matricule: s for s in self.structures}

    def find(self, matricule: str) -> Structure | None:
        return self._by_matricule.get(matricule)

    def closure_notice(self, matricule: str) -> str | None:
        """The French sentence saying the structure closed, if this list says so."""
        closed = self.closed.get(matricule)
        if closed is None:
            return None
        return (
            f"La structure n° {matricule} figure comme fermée depuis le {french_day(closed)} dans la "
            "liste des structures du serveur de reporting. Le poste continue de fonctionner et garde ses "
            "enregistrements ; si c'est une erreur, prévenez le responsable de la structure."
        )


class StructureFileError(ValueError):
    """A downloaded list this workstation does not take; the message is French."""


@cache
def load_structures(path: Path | None = None) -> tuple[Structure, ...]:
    listed = read_list(path or resources_dir() / STRUCTURES_FILE)
    return tuple(
        Structure(s.matricule, s.name, s.commune, s.departement, s.itinerant, s.postal_code) for s in listed
    )


@cache
def shipped_list() -> StructureList:
    return StructureList(load_structures(), SHIPPED_DATE, SOURCE)


def load_structure_list(pulled: Path | None = None) -> StructureList:
    """The list downloaded into the folder `pulled` if it is valid and not older than the shipped
    one, else the shipped one. Read again only when the file changed (a sync replaced it)."""
    if pulled is None:
        return shipped_list()
    path = pulled / PULLED_FILE
    try:
        stat = path.stat()
    except OSError:  # none downloaded (yet)
        return shipped_list()
    return _pulled_list(path, stat.st_mtime_ns, stat.st_size)


def closure_notice(pulled: Path, matricule: str) -> str | None:
    """The French sentence saying the structure closed, if the list the server sent says so. Only a
    downloaded list can: the shipped one lists no closure, so with none downloaded nothing is read
    (the main window asks at start, and parsing the shipped list would cost it ~75 ms)."""
    if not (pulled / PULLED_FILE).is_file():
        return None
    return load_structure_list(pulled).closure_notice(matricule)


@lru_cache(maxsize=4)  # the current file of a workspace or two; a replaced one drops out
def _pulled_list(path: Path, _mtime_ns: int, _size: int) -> StructureList:
    """Keyed by the file's time and size: a replaced file is read again, an unchanged one never."""
    try:
        return parse_structure_file(path.read_bytes())
    except (OSError, StructureFileError):
        return shipped_list()  # a damaged file never stops the workstation: the shipped list serves


def parse_structure_file(raw: bytes) -> StructureList:
    """The list in a file the server sent, checked whole: StructureFileError (French) if it is not
    valid JSON of the expected shape, if a field has the wrong type or length, if a matricule
    appears twice, if it has fewer than half the shipped list's open structures, or if it is older
    than the shipped list."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise StructureFileError("fichier illisible (JSON attendu)") from error
    if not isinstance(document, dict) or document.get("version") != FILE_VERSION:
        raise StructureFileError("format de fichier inconnu")
    day = document.get("date")
    if not isinstance(day, str) or not _ISO_DATE.fullmatch(day) or not _valid_date(day):
        raise StructureFileError("date de la liste absente ou invalide")
    if day < SHIPPED_DATE:
        raise StructureFileError(
            f"liste du {french_day(day)}, plus ancienne que celle livrée avec l'application"
        )
    fields, rows = document.get("fields"), document.get("structures")
    if not isinstance(fields, list) or not all(isinstance(name, str) for name in fields):
        raise StructureFileError("colonnes absentes")
    missing = [name for name in _REQUIRED_FIELDS if name not in fields]
    if missing or len(set(fields)) != len(fields):
        raise StructureFileError("colonnes manquantes ou en double : " + ", ".join(missing))
    if not isinstance(rows, list) or len(rows) > MAX_STRUCTURES:
        raise StructureFileError("liste des structures absente ou trop longue")
    structures, closed = [], {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(fields):
            raise StructureFileError(f"structure n° {number} mal formée")
        structure, closed_on = _structure(dict(zip(fields, row, strict=True)), number)
        structures.append(structure)
        if closed_on is not None:
            closed[structure.matricule] = closed_on
    if len({s.matricule for s in structures}) != len(structures):
        raise StructureFileError("un matricule apparaît deux fois")
    minimum = int(len(shipped_list().open_structures) * MINIMUM_SHARE)
    if len(structures) - len(closed) < minimum:
        raise StructureFileError(
            f"{len(structures) - len(closed)} structures ouvertes seulement, au moins {minimum} attendues"
        )
    source = PULLED_SOURCE.format(date=french_day(day))
    return StructureList(tuple(structures), day, source, closed, downloaded=True)


def _structure(value: dict[str, object], number: int) -> tuple[Structure, str | None]:
    """One row of a downloaded list, every field of the expected type and size."""
    problem = StructureFileError(f"structure n° {number} invalide")
    matricule, departement = value["matricule"], value["departement"]
    if not isinstance(matricule, str) or not MATRICULE.fullmatch(matricule):
        raise problem
    if not isinstance(departement, str) or departement_code(departement) != departement:
        raise problem
    for name, limit in _TEXT_LIMITS.items():
        text = value.get(name, "")
        if text is None and name == "principal":
            continue
        if not isinstance(text, str) or len(text) > limit or not text.isprintable():
            raise problem
    if not value["name"] or not isinstance(value["itinerant"], bool):
        raise problem
    closed = value["closed"]
    if closed is not None and not (
        isinstance(closed, str) and _ISO_DATE.fullmatch(closed) and _valid_date(closed)
    ):
        raise problem
    structure = Structure(
        matricule,
        str(value["name"]),
        str(value["commune"]),
        departement,
        value["itinerant"],
        str(value["postal_code"]),
    )
    return structure, closed


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def search_structures(
    query: str, limit: int = 50, structures: Sequence[Structure] | None = None
) -> list[Structure]:
    """Structures (of `structures`, by default the shipped list's open ones) whose name, commune,
    matricule or postal code contain every word of `query`, best first: the matricule typed exactly,
    then the commune or the name (without "France services de") equal to the query, then starting
    with it, then a word of them starting with it, then the rest."""
    typed = search_key(query)
    words = typed.split()
    candidates = shipped_list().open_structures if structures is None else structures
    found = [s for s in candidates if all(w in s.search_key for w in words)]
    if not words:
        return found[:limit]
    return sorted(found, key=lambda structure: _rank(structure, typed, query.strip()))[:limit]


def _rank(structure: Structure, typed: str, raw: str) -> tuple[int, str]:
    if raw in (structure.matricule, structure.postal_code):
        return -1, structure.name
    return match_rank(typed, *structure.rank_keys), structure.name
