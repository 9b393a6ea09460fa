"""The partners' referents for this structure: two per partner, kept by the responsable.

They are the people the agent calls when a case is complex. Imported and exported as the CSV that
French spreadsheets open directly (UTF-8 with BOM, `;`).
"""

import re
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from app.models.csv_files import PHONE, read_rows, write_rows
from app.models.database import db_time, transaction, utc_now
from app.models.reference import Catalogue
from app.models.text import fold

MAX_PER_PARTNER = 2
CSV_HEADER = ["partenaire", "nom", "telephone", "email", "note"]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ReferentError(ValueError):
    """Invalid referent or CSV; the message is French."""


@dataclass(frozen=True)
class Referent:
    partner: str
    name: str
    phone: str = ""
    email: str = ""
    note: str = ""
    id: int | None = None


class ReferentStore:
    def __init__(self, db: sqlite_utils.Database, catalogue: Catalogue) -> None:
        self.db = db
        self.catalogue = catalogue

    def list(self, partner: str | None = None) -> list[Referent]:
        where, params = ("WHERE partner = ?", [partner]) if partner else ("", [])
        return [
            Referent(row[1], row[2], row[3] or "", row[4] or "", row[5] or "", row[0])
            for row in self.db.execute(
                f"SELECT id, partner, name, phone, email, note FROM referents {where} ORDER BY partner, id",
                params,
            )
        ]

    def _check(self, referent: Referent, line: str = "") -> Referent:
        prefix = f"Ligne {line} : " if line else ""
        partner = self._partner_id(referent.partner)
        if partner is None:
            raise ReferentError(f"{prefix}partenaire inconnu « {referent.partner} ».")
        name = " ".join(referent.name.split())
        if not name:
            raise ReferentError(f"{prefix}indiquez le nom du référent.")
        if referent.email and not _EMAIL.match(referent.email.strip()):
            raise ReferentError(f"{prefix}adresse e-mail invalide « {referent.email} ».")
        if referent.phone and not PHONE.match(referent.phone.strip()):
            raise ReferentError(f"{prefix}numéro de téléphone invalide « {referent.phone} ».")
        return Referent(
            partner, name, referent.phone.strip(), referent.email.strip(), referent.note.strip(), referent.id
        )

    def _partner_id(self, value: str) -> str | None:
        """A partner id, or a partner's label as a person would type it in a spreadsheet."""
        if value in self.catalogue.partners:
            return value
        wanted = fold(value.strip())
        return next((p.id for p in self.catalogue.partners.values() if fold(p.label) == wanted), None)

    def save(self, referent: Referent) -> Referent:
        referent = self._check(referent)
        with transaction(self.db):
            self._write(referent)
        return referent

    def _write(self, referent: Referent) -> None:
        others = self.db.execute(
            "SELECT count(*) FROM referents WHERE partner = ? AND id IS NOT ?",
            [referent.partner, referent.id],
        ).fetchone()[0]
        if others >= MAX_PER_PARTNER:
            label = self.catalogue.label("partners", referent.partner)
            raise ReferentError(f"{label} a déjà {MAX_PER_PARTNER} référents : modifiez ou retirez-en un.")
        values = [
            referent.partner,
            referent.name,
            referent.phone,
            referent.email,
            referent.note,
            db_time(utc_now()),
        ]
        if referent.id is None:
            self.db.execute(
                "INSERT INTO referents (partner, name, phone, email, note, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                values,
            )
        else:
            self.db.execute(
                "UPDATE referents SET partner = ?, name = ?, phone = ?, email = ?, note = ?, updated_at = ? WHERE id = ?",
                [*values, referent.id],
            )

    def delete(self, referent_id: int) -> None:
        with transaction(self.db):
            self.db.execute("DELETE FROM referents WHERE id = ?", [referent_id])

    def export_csv(self) -> bytes:
        return write_rows(CSV_HEADER, ([r.partner, r.name, r.phone, r.email, r.note] for r in self.list()))

    def import_csv(self, path: Path) -> int:
        """Replace the directory with the file's referents: all of them, or none if one is wrong."""
        referents = [
            self._check(Referent(*cells), str(number))
            for number, cells in read_rows(path, CSV_HEADER, ReferentError)
        ]
        with transaction(self.db):
            self.db.execute("DELETE FROM referents")
            for referent in referents:
                self._write(referent)
        return len(referents)
