"""The qualified places near the structure where citizens spend their Pass numérique cheques.

The responsable keeps the directory (typed in, or imported from the spreadsheet the local
digital-inclusion network circulates); the receipt handed with the cheques lists the places of the
citizen's commune first. Imported and exported as the CSV French spreadsheets open directly.

The directory is one of the structure's shared settings (`app.models.shared_settings`): a place is
the item `place/<commune>/<name>`, its address, phone and opening hours the value. Every place is
checked by the shared definition (`app.models.record.check_place`: a venue's address and phone may
travel, a citizen's identifier in its name or hours may not), enrolled or not, and once enrolled each
change is a version the structure's other workstations apply.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.models.communes import search_key
from app.models.connection import Database
from app.models.csv_files import read_rows, write_rows
from app.models.database import db_time, transaction, utc_now
from app.models.permissions import Rule, acting_agent, require
from app.models.record import PLACE_ITEM, PLACE_LIMITS, RecordError, check_place, french_phone, split_item
from app.models.shared_settings import SharedSettingError, SharedSettings
from app.models.text import fold

CSV_HEADER = ["nom", "adresse", "commune", "telephone", "horaires"]
_REQUIRED = {"name": "le nom du lieu", "address": "l'adresse", "commune": "la commune"}
_LABELS = {**_REQUIRED, "hours": "les horaires"}
# Long enough for real names and opening hours, short enough for a card of the citizen's receipt.
MAX_LENGTHS = {field: PLACE_LIMITS[field] for field in _LABELS}


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

    @property
    def item(self) -> str:
        """The shared setting this place is."""
        return f"{PLACE_ITEM}{self.commune}/{self.name}"

    @property
    def value(self) -> dict[str, str]:
        return {"address": self.address, "phone": self.phone, "hours": self.hours}


class PlaceStore:
    def __init__(self, db: Database) -> None:
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

    def nearby(self, commune: str, limit: int = 6) -> builtins.list[QualifiedPlace]:
        """The places for a citizen's receipt: those in their commune first (typed any way: "st genis
        pouilly" is "Saint-Genis-Pouilly"), then the others, each group by commune then name."""
        wanted = search_key(commune)
        return sorted(self.list(), key=lambda p: search_key(p.commune) != wanted)[:limit]

    def save(self, place: QualifiedPlace) -> QualifiedPlace:
        """Insert a new place, or update the one with `place.id`; return it as stored."""
        require(acting_agent(self.db), Rule.PLACES, PlaceError)
        place = _check(place)
        with transaction(self.db):
            before = shared_places(self.db)
            place = self._write(place)
            _publish(self.db, before)
            return place

    def delete(self, place_id: int) -> None:
        require(acting_agent(self.db), Rule.PLACES, PlaceError)
        with transaction(self.db):
            before = shared_places(self.db)
            self.db.execute("DELETE FROM qualified_places WHERE id = ?", [place_id])
            _publish(self.db, before)

    def export_csv(self) -> bytes:
        return write_rows(CSV_HEADER, ([p.name, p.address, p.commune, p.phone, p.hours] for p in self.list()))

    def import_csv(self, path: Path) -> int:
        """Replace the directory with the file's places: all of them, or none if one is wrong."""
        require(acting_agent(self.db), Rule.PLACES, PlaceError)
        places = [
            _check(QualifiedPlace(name, address, commune, phone, hours), str(number))
            for number, (name, address, commune, phone, hours) in read_rows(path, CSV_HEADER, PlaceError)
        ]
        with transaction(self.db):
            before = shared_places(self.db)
            self.db.execute("DELETE FROM qualified_places")
            for place in places:
                self._write(place)
            _publish(self.db, before)
        return len(places)

    def _write(self, place: QualifiedPlace) -> QualifiedPlace:
        if self.db.execute(
            "SELECT 1 FROM qualified_places WHERE commune = ? AND name = ? AND id IS NOT ?",
            [place.commune, place.name, place.id],
        ).fetchone():
            raise PlaceError(f"« {place.name} » est déjà dans la liste pour {place.commune}.")
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
    if fields["phone"] and not french_phone(fields["phone"]):
        raise _refused(line, f"numéro de téléphone invalide « {fields['phone']} ».")
    checked = QualifiedPlace(**fields, id=place.id)
    try:
        check_place(checked.commune, checked.name, checked.value)
    except RecordError as error:
        raise _refused(line, str(error)) from None
    return checked


def shared_places(db: Database) -> dict[str, dict[str, str]]:
    """The directory as shared settings' items and values (what `SharedSettings.seed` publishes)."""
    return {
        place.item: place.value
        for place in (
            QualifiedPlace(*row)
            for row in db.execute("SELECT name, address, commune, phone, hours FROM qualified_places")
        )
    }


def _publish(db: Database, before: dict[str, dict[str, str]]) -> None:
    """Send the structure what this change made of the directory (inside the caller's transaction)."""
    try:
        SharedSettings(db).change_all(before, shared_places(db))
    except SharedSettingError as error:
        raise PlaceError(str(error)) from None


def apply_place(db: Database, item: str, value: dict[str, Any] | None) -> None:
    """A pulled version of a place made this workstation's (inside the caller's transaction)."""
    commune, name = split_item(item, PLACE_ITEM)
    if value is None:
        db.execute("DELETE FROM qualified_places WHERE commune = ? AND name = ?", [commune, name])
        return
    fields = [value["address"], value["phone"], value["hours"], db_time(utc_now())]
    cursor = db.execute(
        "UPDATE qualified_places SET address = ?, phone = ?, hours = ?, updated_at = ? "
        "WHERE commune = ? AND name = ?",
        [*fields, commune, name],
    )
    if cursor.rowcount == 0:
        db.execute(
            "INSERT INTO qualified_places (address, phone, hours, updated_at, commune, name) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [*fields, commune, name],
        )


def _refused(line: str, message: str) -> PlaceError:
    """ "Ligne 4 : indiquez la commune." from a file, "Indiquez la commune." from the form."""
    return PlaceError(f"Ligne {line} : {message}" if line else message[0].upper() + message[1:])
