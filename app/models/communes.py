"""The official list of communes (INSEE code, département, name), for the commune of residence.

A record carries the INSEE code, never text: free text there would be a place to write a name or a
phone number, and a code counts the same commune under one key however it was spelt. The list is
shipped in `resources/communes/` (see its README) and read once, on first use, because the
workstation only needs it when a form opens and the server when a batch arrives.
"""

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from app.models.text import fold, match_rank
from app.paths import resources_dir

COMMUNES_FILE = "communes/communes.tsv.gz"
# Two digits (or 2A/2B, Corsica) then three: metropolitan and overseas codes alike.
INSEE_CODE = r"^(?:[0-9]{2}|2[AB])[0-9]{3}$"
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
_SEPARATORS = re.compile(r"[-'()\s]+")


def search_key(text: str) -> str:
    """`text` folded for matching: no accents nor capitals, hyphens, apostrophes and parentheses as
    spaces, "St"/"Ste" spelt out, so that "st etienne" finds "Saint-Étienne"."""
    words = _SEPARATORS.sub(" ", fold(text)).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


@dataclass(frozen=True)
class Commune:
    code: str
    departement: str
    name: str

    @property
    def label(self) -> str:
        """What the agent reads and picks: homonyms told apart by their département."""
        return f"{self.name} ({self.departement})"


class CommuneError(ValueError):
    """A commune that cannot be told from the list; the message is French and lists candidates."""


class Communes:
    """The list, looked up by code and searched by name as the agent types."""

    def __init__(self, communes: list[Commune]) -> None:
        self._by_code = {commune.code: commune for commune in communes}

    @cached_property
    def _keys(self) -> list[tuple[Commune, str, str]]:
        """(commune, name key, name key + département), made on the first search rather than at
        load: the server only checks codes."""
        return [
            (commune, name, f"{name} {commune.departement.lower()}")
            for commune in self
            for name in [search_key(commune.name)]
        ]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[Commune]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str | None) -> Commune | None:
        return self._by_code.get(code or "")

    def search(self, query: str, limit: int = 30, departement: str | None = None) -> list[Commune]:
        """Communes whose name (followed by its département) contains the typed text: exact names
        first, then names starting with it, then a word starting with it, then the rest; within each,
        `departement`'s own (the structure's: most people live nearby) before the others."""
        typed = search_key(query)
        if not typed:
            return []
        found = []
        for commune, name, with_departement in self._keys:
            if typed not in with_departement:
                continue
            rank = 0 if with_departement == typed else match_rank(typed, name)
            found.append((rank, commune.departement != departement, name, commune.code, commune))
        found.sort(key=lambda entry: entry[:4])
        return [entry[-1] for entry in found[:limit]]

    def resolve(self, text: str) -> Commune:
        """The one commune `text` names: an INSEE code, a "Nom (dép.)" label, or a name that only one
        commune bears (accents and capitals ignored); else `CommuneError` listing the candidates."""
        text = " ".join(text.split())
        if commune := self.get(text.upper()):
            return commune
        typed = search_key(text)
        exact = [c for c, name, with_departement in self._keys if typed in (name, with_departement)]
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            choices = ", ".join(f"{c.label} = {c.code}" for c in exact[:10])
            raise CommuneError(f"Plusieurs communes portent ce nom : {choices}. Indiquez le code INSEE.")
        raise CommuneError(
            "Commune de résidence introuvable dans la liste officielle : indiquez son nom exact ou son "
            "code INSEE (5 caractères)."
        )


@cache
def load_communes(path: Path | None = None) -> Communes:
    path = path or resources_dir() / COMMUNES_FILE
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle if not line.startswith("#")]
    return Communes([Commune(code, departement, name) for code, departement, name in rows])
