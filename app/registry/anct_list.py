"""The ANCT's list of labelled France Services, read from any of its publications.

Why a reader of its own: the ANCT renames the list's columns from one publication to the next (2020:
`MATRICULE;DEPARTEMENT;FRANCE SERVICES;…;ITINERANCE`, `;`-separated; 2024: `id_fs,insee_dep,lib_fs,…,
type_fs,format_fs`, `,`-separated with a BOM) and publishes it as CSV and GeoJSON. Columns are found by
meaning (a list of the names each meaning has carried), so a new publication that renames a column
again needs one alias, not a new parser. Both the workstation (the list it ships, for its first start)
and the reporting server (`import-structures`) read the list here, so they agree on every structure.

A file that cannot be read whole is refused with every reason at once (`ListError`): an import applies
all of a publication or nothing.
"""

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from app.models.communes import load_communes, search_key
from app.models.text import fold, printable

MATRICULE = re.compile(r"[A-Za-z0-9-]{1,64}")
DEPARTEMENT = re.compile(r"0?[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-8]")

# The formats the ANCT uses (`format_fs`), folded, and what they mean here.
FORMATS = {
    "fixe": "fixe",
    "fixe_antenne(s)": "fixe_antennes",
    "multisites": "multisites",
    "bus_equivalent": "bus",
    "bus": "bus",
    "itinerante": "itinerante",
}
ITINERANT_FORMATS = frozenset({"bus", "itinerante"})
FORMAT_LABELS = {
    "fixe": "site fixe",
    "fixe_antennes": "site fixe avec antennes",
    "multisites": "multisites",
    "bus": "bus",
    "itinerante": "itinérante",
}

# Each meaning, with the column names (folded: lower case, no accents, words separated by one space)
# it has carried in the ANCT's publications and the usual spellings of a spreadsheet retyped by hand.
_ALIASES: Mapping[str, tuple[str, ...]] = {
    "matricule": ("matricule", "id fs", "id", "identifiant", "id structure", "numero"),
    "name": ("france services", "lib fs", "nom", "libelle", "nom france services", "nom structure"),
    "departement": ("departement", "insee dep", "code departement", "code dep", "dep"),
    "commune": ("commune", "lib com", "nom commune", "libelle commune"),
    "insee_commune": ("code insee", "insee com", "code commune", "code insee commune"),
    "postal_code": ("code postal", "cp"),
    "address": ("adresse",),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng", "long"),
    "itinerance": ("itinerance", "itinerante"),
    "format": ("format fs", "format", "format france services"),
    "kind": ("type fs", "type"),
    "group": ("groupe fs", "groupe"),
}
_REQUIRED = ("matricule", "name")
_MEANING_LABELS = {"matricule": "matricule", "name": "nom de la structure", "departement": "département"}
_MAX_ERRORS = 20


class ListError(ValueError):
    """The file is not a list of structures this reader can take whole; the message is French and
    names every problem found (the first twenty)."""


@dataclass(frozen=True)
class ListedStructure:
    """One structure as the ANCT lists it. `principal` is the matricule of the structure an antenne
    (or a site of a multisite structure) depends on, when the list lets it be found."""

    matricule: str
    name: str
    departement: str
    commune: str = ""
    insee_commune: str = ""
    postal_code: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    format: str | None = None
    antenne: bool = False
    itinerant: bool = False
    group: str = ""
    principal: str | None = None


def read_list(path: Path) -> list[ListedStructure]:
    """Every structure of the ANCT list in `path` (CSV or GeoJSON), antennes linked to their principal."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ListError(f"Fichier illisible : {path} ({error.strerror or error}).") from error
    return parse_list(raw, path.name)


def parse_list(raw: bytes, name: str = "") -> list[ListedStructure]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # an export from an old spreadsheet
    if text.lstrip().startswith("{") or name.lower().endswith((".geojson", ".json")):
        rows = _geojson_rows(text)
    else:
        rows = _csv_rows(text)
    return _link_antennes(_structures(rows))


def _csv_rows(text: str) -> list[dict[str, str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
        return [dict(zip(header, row, strict=False)) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as error:  # e.g. a cell of over 128 KB: not a list of structures
        raise ListError(f"Ce fichier n'est pas un tableau CSV lisible ({error}).") from error


def _geojson_rows(text: str) -> list[dict[str, str]]:
    """A FeatureCollection's properties, with the point's coordinates when the properties lack them."""
    try:
        document = json.loads(text)
        features = document["features"]
        rows = []
        for feature in features:
            properties = {
                str(key): "" if value is None else str(value) for key, value in feature["properties"].items()
            }
            geometry = feature.get("geometry") or {}
            if geometry.get("type") == "Point":
                longitude, latitude = geometry["coordinates"][:2]
                properties.setdefault("longitude", str(longitude))
                properties.setdefault("latitude", str(latitude))
            rows.append(properties)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ListError(
            "Ce fichier n'est pas un GeoJSON de structures (FeatureCollection de points)."
        ) from error
    return rows


def _columns(header: Iterable[str]) -> dict[str, str]:
    """Meaning → the file's column name; refuses a file where a required meaning has no column or a
    meaning has two."""
    found: dict[str, list[str]] = defaultdict(list)
    for column in header:
        key = " ".join(re.sub(r"[^a-z0-9()]+", " ", fold(column).replace("_", " ")).split())
        for meaning, aliases in _ALIASES.items():
            if key in aliases:
                found[meaning].append(column)
    problems = [
        f"plusieurs colonnes pour « {_MEANING_LABELS.get(meaning, meaning)} » : {', '.join(columns)}"
        for meaning, columns in found.items()
        if len(columns) > 1
    ]
    for meaning in _REQUIRED:
        if meaning not in found:
            expected = ", ".join(_ALIASES[meaning][:3])
            problems.append(
                f"aucune colonne pour « {_MEANING_LABELS[meaning]} » (attendu par exemple : {expected})"
            )
    if "departement" not in found and "insee_commune" not in found:
        problems.append("aucune colonne pour le département ni pour le code INSEE de la commune")
    if problems:
        names = ", ".join(printable(column) for column in header) or "aucune"
        raise ListError(
            "Colonnes non reconnues : " + " ; ".join(problems) + f". Colonnes du fichier : {names}."
        )
    return {meaning: columns[0] for meaning, columns in found.items()}


def _structures(rows: list[dict[str, str]]) -> list[ListedStructure]:
    if not rows:
        raise ListError("Le fichier ne contient aucune structure.")
    columns = _columns(rows[0].keys())
    structures: list[ListedStructure] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        value = {meaning: (row.get(column) or "").strip() for meaning, column in columns.items()}
        try:
            structure = _structure(value)
        except ValueError as error:
            errors.append(f"ligne {line} : {error}")
            continue
        if structure.matricule in seen:
            errors.append(
                f"ligne {line} : matricule {structure.matricule} déjà à la ligne {seen[structure.matricule]}"
            )
            continue
        seen[structure.matricule] = line
        structures.append(structure)
    if errors:
        more = f" (et {len(errors) - _MAX_ERRORS} autres)" if len(errors) > _MAX_ERRORS else ""
        raise ListError(
            "Lignes refusées : " + " ; ".join(errors[:_MAX_ERRORS]) + more + ". Rien n'a été importé."
        )
    return structures


def _structure(value: dict[str, str]) -> ListedStructure:
    matricule = value["matricule"]
    if not MATRICULE.fullmatch(matricule):
        raise ValueError(f"matricule invalide « {printable(matricule[:70])} »")
    name = " ".join(value["name"].split())
    if not 1 <= len(name) <= 200 or not name.isprintable():
        raise ValueError(f"nom de structure invalide pour le matricule {matricule}")
    insee_commune = value.get("insee_commune", "").upper()
    departement = departement_code(value.get("departement", "") or _departement_of(insee_commune))
    if departement is None:
        raise ValueError(
            f"département invalide « {printable(value.get('departement', '')[:10])} » (matricule {matricule})"
        )
    format_ = FORMATS.get(fold(value.get("format", "")).replace(" ", "_"))
    return ListedStructure(
        matricule=matricule,
        name=name,
        departement=departement,
        commune=_commune(value.get("commune", ""), insee_commune),
        insee_commune=insee_commune,
        postal_code=value.get("postal_code", ""),
        address=" ".join(value.get("address", "").split()),
        latitude=_coordinate(value.get("latitude", ""), 90),
        longitude=_coordinate(value.get("longitude", ""), 180),
        format=format_,
        antenne=fold(value.get("kind", "")) == "antenne",
        itinerant=format_ in ITINERANT_FORMATS or fold(value.get("itinerance", "")) == "oui",
        group=" ".join(value.get("group", "").split()),
    )


def departement_code(raw: str) -> str | None:
    """The département's code as the State writes it (02, 2A, 974), or None when `raw` is not one."""
    code = raw.strip().upper()
    return code.zfill(2) if DEPARTEMENT.fullmatch(code) else None


def _departement_of(insee_commune: str) -> str:
    return insee_commune[:3] if insee_commune.startswith("97") else insee_commune[:2]


def _commune(raw: str, insee_commune: str) -> str:
    """The commune as the list spells it, unless it spells it in capitals (the 2020 list: « ST JEAN D
    ANGELY », accents and hyphens lost): then the official list's name for its INSEE code
    (« Saint-Jean-d'Angély »), else the capitals in title case."""
    raw = " ".join(raw.split())
    if not raw.isupper():
        return raw
    official = load_communes().get(insee_commune)
    return official.name if official else "-".join(part.capitalize() for part in raw.title().split("-"))


def _coordinate(raw: str, bound: float) -> float | None:
    try:
        number = float(raw.replace(",", "."))
    except ValueError:
        return None
    return number if -bound <= number <= bound else None


_SITE_SUFFIX = re.compile(r"\s+[-–]\s+(?:antenne|site)\b", re.IGNORECASE)
# What names of one structure's sites spell differently: « France services Fraize » and « France
# services de Fraize », « Vexin Thelle » and « Vexin-Thelle », « d’Épinac » and « Epinac », « du
# Molay-Littry » and « de Le Molay-Littry » (a bus stays a bus: « Bus France services d'Ebreuil » is
# not « France services Ebreuil »).
_NAME_PREFIX = re.compile(r"^france services? (?:multisites )?(?:(?:de la|de l|de|du|des|d) )?")
_CONTRACTIONS = re.compile(r"\bde (le|les)\b")


def _name_key(name: str) -> str:
    """A structure's name as the linking of antennes compares it: folded, hyphens and apostrophes as
    spaces (`search_key`), « de le » as « du », without « France services (multisites) de »."""
    key = _CONTRACTIONS.sub(lambda found: "du" if found[1] == "le" else "des", search_key(name))
    return _NAME_PREFIX.sub("", key)


def _link_antennes(structures: list[ListedStructure]) -> list[ListedStructure]:
    """Each antenne with the matricule of its principal, found in this order: the principal of the same
    département whose name is the antenne's before " - Antenne …" / " - Site …" (as `_name_key` spells
    both); else the only principal
    of the same département in the antenne's group (`groupe_fs`); else the only principal of the
    département whose name starts so; else the only one whose name ends it, after a word (« Point
    info 14 d'Isigny sur Mer – Antenne de … » is « France services d'Isigny-sur-Mer »'s). An antenne
    matching none stays unlinked (the import says so)."""
    principals = [(s, _name_key(s.name)) for s in structures if not s.antenne]
    by_name: dict[tuple[str, str], list[ListedStructure]] = defaultdict(list)
    by_group: dict[tuple[str, str], list[ListedStructure]] = defaultdict(list)
    for principal, folded in principals:
        by_name[principal.departement, folded].append(principal)
        if principal.group:
            by_group[principal.departement, principal.group].append(principal)
    linked = []
    for structure in structures:
        if structure.antenne:
            prefix = _name_key(_SITE_SUFFIX.split(structure.name)[0])
            candidates = (
                by_name.get((structure.departement, prefix), []),
                by_group.get((structure.departement, structure.group), []) if structure.group else [],
                [
                    p
                    for p, folded in principals
                    if p.departement == structure.departement and folded.startswith(prefix)
                ],
                [
                    p
                    for p, folded in principals
                    if p.departement == structure.departement and f" {prefix}".endswith(f" {folded}")
                ],
            )
            match = next((found[0].matricule for found in candidates if len(found) == 1), None)
            structure = replace(structure, principal=match)
        linked.append(structure)
    return linked
