"""The qualified places near the structure where citizens spend their Pass numérique cheques.

The responsable keeps the directory (typed in, or imported from the spreadsheet the local
digital-inclusion network circulates); the receipt handed with the cheques lists the places of the
citizen's commune first. Imported and exported as the CSV French spreadsheets open directly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import sqlite_utils

from app.models.communes import search_key
from app.models.csv_files import PHONE, read_rows, write_rows
from app.models.database import db_time, transaction, utc_now
from app.models.text import fold

CSV_HEADER = ["nom", "adresse", "commune", "telephone", "horaires"]
_REQUIRED = {"name": "le nom du lieu", "address": "l'adresse", "commune": "la commune"}
_LABELS = {**_REQUIRED, "hours": "les horaires"}
# Long enough for real names and opening hours, short enough for a card of the citizen's receipt.
MAX_LENGTHS = {"name": 80, "address": 100, "commune": 60, "hours": 120}


class PlaceError(ValueError):
    """Invalid place or CSV; the message is French."""


@dataclass(frozen=True)
class QualifiedPlace:
    name: str
    address: str
    commune: str
    phone: str = ""
    hours: str = ""
    id: int | None = None


class PlaceStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def list(self) -> list[QualifiedPlace]:
        """Every place by commune then name, accents ignored (so "Évian" sorts among the E)."""
        places = [
            QualifiedPlace(name, address, commune, phone, hours, place_id)
            for place_id, name, address, commune, phone, hours in self.db.execute(
                "SELECT id, name, address, commune, phone, hours FROM qualified_places"
            )
        ]
        return sorted(places, key=lambda p: (fold(p.commune), fold(p.name), p.id))

    def nearby(self, commune: str, limit: int = 6) -> list[QualifiedPlace]:
        """The places for a citizen's receipt: those in their commune first (typed any way: "st genis
        pouilly" is "Saint-Genis-Pouilly"), then the others, each group by commune then name."""
        wanted = search_key(commune)
        return sorted(self.list(), key=lambda p: search_key(p.commune) != wanted)[:limit]

    def save(self, place: QualifiedPlace) -> QualifiedPlace:
        """Insert a new place, or update the one with `place.id`; return it as stored."""
        place = _check(place)
        with transaction(self.db):
            return self._write(place)

    def delete(self, place_id: int) -> None:
        with transaction(self.db):
            self.db.execute("DELETE FROM qualified_places WHERE id = ?", [place_id])

    def export_csv(self) -> bytes:
        return write_rows(CSV_HEADER, ([p.name, p.address, p.commune, p.phone, p.hours] for p in self.list()))

    def import_csv(self, path: Path) -> int:
        """Replace the directory with the file's places: all of them, or none if one is wrong."""
        places = [
            _check(QualifiedPlace(*cells), str(number))
            for number, cells in read_rows(path, CSV_HEADER, PlaceError)
        ]
        with transaction(self.db):
            self.db.execute("DELETE FROM qualified_places")
            for place in places:
                self._write(place)
        return len(places)

    def _write(self, place: QualifiedPlace) -> QualifiedPlace:
        values = [place.name, place.address, place.commune, place.phone, place.hours, db_time(utc_now())]
        if place.id is None:
            cursor = self.db.execute(
                "INSERT INTO qualified_places (name, address, commune, phone, hours, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                values,
            )
            return replace(place, id=cursor.lastrowid)
        cursor = self.db.execute(
            "UPDATE qualified_places SET name = ?, address = ?, commune = ?, phone = ?, hours = ?, "
            "updated_at = ? WHERE id = ?",
            [*values, place.id],
        )
        if cursor.rowcount == 0:
            raise PlaceError("Ce lieu a été retiré entre-temps : ajoutez-le de nouveau.")
        return place


def _check(place: QualifiedPlace, line: str = "") -> QualifiedPlace:
    """The place with its spaces tidied, or PlaceError naming the CSV line if there is one."""
    fields = {
        name: " ".join(getattr(place, name).split())
        for name in ("name", "address", "commune", "phone", "hours")
    }
    for name, label in _REQUIRED.items():
        if not fields[name]:
            raise _refused(line, f"indiquez {label}.")
    for name, limit in MAX_LENGTHS.items():
        if len(fields[name]) > limit:
            raise _refused(line, f"{limit} caractères au plus pour {_LABELS[name]}.")
    if fields["phone"] and not PHONE.match(fields["phone"]):
        raise _refused(line, f"numéro de téléphone invalide « {fields['phone']} ».")
    return QualifiedPlace(**fields, id=place.id)


def _refused(line: str, message: str) -> PlaceError:
    """ "Ligne 4 : indiquez la commune." from a file, "Indiquez la commune." from the form."""
    return PlaceError(f"Ligne {line} : {message}" if line else message[0].upper() + message[1:])
