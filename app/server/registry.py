"""The server's registry of structures, kept equal to the ANCT's latest list.

Why: the reporting is read by département and by format (a bus, an antenne), and a structure that
leaves the network must stop being expected to report while its history stays. An import applies a
whole publication in one transaction: new structures are added, listed ones updated, and a listed
structure the publication no longer has is marked closed (never deleted: its workstations and records
stay); a structure that moves to another département takes its figures with it
(`app.server.rollups.move_structures`). Structures declared by hand (`add-structure`) are left alone. Closing many structures at once
is what importing an old or partial list would do, so past a threshold it needs a confirmation.
Each import is written down (`registry_imports`) with the publication's date — given on the command
line, or read from the ANCT's file name (`liste-fs-20240801.csv`) — so that the pages and the file
the workstations get name the publication the registry follows.
"""

import contextlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from app.models.business_time import local_moment
from app.models.csv_files import spreadsheet_writer
from app.registry.anct_list import FORMAT_LABELS, ListedStructure
from app.server import registry_reference, rollups
from app.server.database import write_transaction
from app.server.schema import registry_imports, structures, timestamp, utc_now

# The columns an import sets, with the French names the report uses for a change.
_FIELDS = {
    "name": "nom",
    "departement": "département",
    "itinerant": "itinérance",
    "commune": "commune",
    "insee_commune": "code INSEE",
    "postal_code": "code postal",
    "address": "adresse",
    "latitude": "latitude",
    "longitude": "longitude",
    "format": "format",
    "antenne": "antenne",
    "principal": "structure principale",
    "group_label": "groupe",
}
# Closing more than this share of the listed structures (and more than `_FEW`) needs a confirmation.
_CLOSING_SHARE = 0.1
_FEW = 10


class ClosuresNeedConfirmation(Exception):
    """The list would close many structures: probably an old or partial file."""

    def __init__(self, closing: int, listed: int) -> None:
        super().__init__(
            f"Cet import fermerait {closing} structures sur les {listed} de la liste actuelle : "
            "vérifiez que le fichier est la liste complète et la plus récente de l'ANCT, "
            "puis relancez avec --confirm-closures."
        )


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    unchanged: int = 0
    unlinked_antennes: list[str] = field(default_factory=list)
    by_hand: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Publication:
    """Which publication of the ANCT's list an import applies: its file's name and, when known, the
    day the ANCT published it (YYYY-MM-DD)."""

    file_name: str
    published_on: str | None = None


class PublicationDateError(ValueError):
    """A publication date that cannot be read or lies in the future; the message is French."""


# The ANCT names its files after the publication's day: « liste-fs-20240801.csv ».
_DATE_IN_NAME = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)")


def publication_date(text: str | None, file_name: str, today: date | None = None) -> str | None:
    """The publication's day: `text` (AAAA-MM-JJ, typed by whoever imports) or else the date in the
    file's name; None when neither gives one. PublicationDateError for a date that is not one, or
    is after `today`."""
    today = today or utc_now().date()
    if text:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError as error:
            raise PublicationDateError(
                f"Date de publication illisible : « {text[:20]} » (AAAA-MM-JJ attendu, ex. 2024-08-01)."
            ) from error
    else:
        found = _DATE_IN_NAME.search(file_name)
        if found is None:
            return None
        try:
            day = date(*(int(part) for part in found.groups()))
        except ValueError:
            return None  # digits that are not a date: nothing to say about the publication
    if day > today:
        raise PublicationDateError(f"Date de publication dans le futur : {day:%d/%m/%Y}.")
    return day.isoformat()


def last_import(connection: Connection) -> RowMapping | None:
    """The latest import of the list (its publication date, file, time and changes), or None."""
    return (
        connection.execute(select(registry_imports).order_by(registry_imports.c.id.desc()).limit(1))
        .mappings()
        .first()
    )


def import_structures(
    engine: Engine,
    listed: Iterable[ListedStructure],
    *,
    confirm_closures: bool = False,
    dry_run: bool = False,
    publication: Publication | None = None,
) -> ImportReport:
    """Apply one publication of the list; with `dry_run`, say what it would do and write nothing."""
    report = ImportReport()
    publication = publication or Publication("")
    with contextlib.suppress(_DryRun):  # a dry run's transaction is rolled back; the report stays
        _apply(
            engine,
            list(listed),
            report,
            publication,
            confirm_closures=confirm_closures,
            dry_run=dry_run,
        )
        registry_reference.invalidate()  # committed: the workstations' copy is built again
    return report


class _DryRun(Exception):
    """Raised at the end of a dry run to roll its transaction back."""


def _apply(
    engine: Engine,
    listed: list[ListedStructure],
    report: ImportReport,
    publication: Publication,
    *,
    confirm_closures: bool,
    dry_run: bool,
) -> None:
    now = timestamp(utc_now())
    with write_transaction(engine) as connection:
        stored = {row["matricule"]: row for row in connection.execute(select(structures)).mappings()}
        new_rows: list[dict[str, Any]] = []
        moved: list[tuple[str, str, str]] = []  # (structure, former département, new one)
        for structure in listed:
            values = _values(structure)
            row = stored.get(structure.matricule)
            if row is None:
                report.added.append(structure.matricule)
                new_rows.append({"matricule": structure.matricule, "created_at": now, **values})
                continue
            changes = [label for name, label in _FIELDS.items() if row[name] != values[name]]
            if row["closed_at"] is not None:
                report.reopened.append(structure.matricule)
            elif changes:
                report.changed.append((structure.matricule, changes))
            elif row["listed"]:
                report.unchanged += 1
            else:
                report.changed.append((structure.matricule, ["inscrite dans la liste"]))
            if changes or row["closed_at"] is not None or not row["listed"]:
                connection.execute(
                    update(structures).where(structures.c.matricule == structure.matricule).values(**values)
                )
            if row["departement"] != values["departement"]:
                moved.append((structure.matricule, row["departement"], values["departement"]))
        if new_rows:
            connection.execute(insert(structures), new_rows)
        rollups.move_structures(connection, moved)  # their figures go with them
        report.moved = [matricule for matricule, _former, _new in moved]
        report.unlinked_antennes = [s.matricule for s in listed if s.antenne and s.principal is None]
        in_list = {s.matricule for s in listed}
        absent = [row for matricule, row in stored.items() if matricule not in in_list]
        report.by_hand = sorted((row["matricule"] for row in absent if not row["listed"]), key=_order)
        report.closed = sorted(
            (row["matricule"] for row in absent if row["listed"] and row["closed_at"] is None), key=_order
        )
        open_listed = sum(1 for row in stored.values() if row["listed"] and row["closed_at"] is None)
        if len(report.closed) > max(_FEW, _CLOSING_SHARE * open_listed) and not confirm_closures:
            raise ClosuresNeedConfirmation(len(report.closed), open_listed)
        if report.closed:
            connection.execute(
                update(structures).where(structures.c.matricule.in_(report.closed)).values(closed_at=now)
            )
        connection.execute(
            insert(registry_imports).values(
                published_on=publication.published_on,
                file_name=publication.file_name[:255],
                imported_at=now,
                added=len(report.added),
                changed=len(report.changed) + len(report.reopened),
                closed=len(report.closed),
                moved=len(report.moved),
            )
        )
        if dry_run:
            raise _DryRun


def list_structures(connection: Connection, departement: str | None = None) -> list[RowMapping]:
    """The registry, by département then matricule (numerically where it is a number)."""
    query = select(structures)
    if departement is not None:
        query = query.where(structures.c.departement == departement)
    rows = list(connection.execute(query).mappings())
    return sorted(rows, key=lambda row: (row["departement"], _order(row["matricule"])))


# (JSON key, CSV column) of each listed field, in the order both formats give them.
_LISTING = (
    ("matricule", "matricule"),
    ("name", "nom"),
    ("departement", "département"),
    ("commune", "commune"),
    ("insee_commune", "code INSEE"),
    ("postal_code", "code postal"),
    ("format", "format"),
    ("itinerant", "itinérante"),
    ("antenne", "antenne"),
    ("principal", "structure principale"),
    ("group_label", "groupe"),
    ("latitude", "latitude"),
    ("longitude", "longitude"),
    ("listed", "dans la liste de l'ANCT"),
    ("closed_at", "fermée le"),
)


def render_structures(rows: list[RowMapping], output_format: str) -> bytes:
    """The registry as JSON (a list of objects) or as a French spreadsheet's CSV."""
    if output_format == "json":
        return (
            json.dumps([{key: row[key] for key, _ in _LISTING} for row in rows], ensure_ascii=False, indent=2)
            + "\n"
        ).encode()
    out = io.StringIO()
    writer = spreadsheet_writer(out)
    writer.writerow([column for _, column in _LISTING])
    for row in rows:
        writer.writerow([_cell(key, row[key], row["departement"]) for key, _ in _LISTING])
    return out.getvalue().encode("utf-8-sig")


def _cell(key: str, value: Any, departement: str) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if key == "format":
        return FORMAT_LABELS.get(value, "") if value else ""
    if key == "closed_at" and value:  # the day, in the structure's time zone, as a spreadsheet reads it
        return f"{local_moment(value, departement):%d/%m/%Y}"
    if isinstance(value, float):
        return str(value).replace(".", ",")  # French spreadsheets read a decimal comma
    return "" if value is None else str(value)


def _values(structure: ListedStructure) -> dict[str, Any]:
    return {
        "name": structure.name,
        "departement": structure.departement,
        "itinerant": structure.itinerant,
        "commune": structure.commune[:100],
        "insee_commune": structure.insee_commune[:5],
        "postal_code": structure.postal_code[:10],
        "address": structure.address[:300],
        "latitude": structure.latitude,
        "longitude": structure.longitude,
        "format": structure.format,
        "antenne": structure.antenne,
        "principal": structure.principal,
        "group_label": structure.group[:200],
        "listed": True,
        "closed_at": None,
    }


def _order(matricule: str) -> tuple[int, str]:
    return (int(matricule), "") if matricule.isdigit() else (1 << 62, matricule)
