"""The partners' referents for this structure: two per partner, kept by the responsable.

They are the people the agent calls when a case is complex. Imported and exported as the CSV that
French spreadsheets open directly (UTF-8 with BOM, `;`).

The directory is one of the structure's shared settings (`app.models.shared_settings`): a referent is
the item `referent/<partner>/<name>`, its phone, e-mail and note the value. Every referent is checked
by the shared definition (`app.models.record.check_referent`: a referent's phone and e-mail may
travel, a citizen's identifier in its note may not), enrolled or not, and once enrolled each change
is a version the structure's other workstations apply.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.models.connection import Database
from app.models.csv_files import read_rows, write_rows
from app.models.database import db_time, transaction, utc_now
from app.models.permissions import Rule, acting_agent, require
from app.models.reference import Catalogue
from app.models.shared_settings import SharedSettingError, SharedSettings
from app.models.text import fold

MAX_PER_PARTNER = 2
CSV_HEADER = ["partenaire", "nom", "telephone", "email", "note"]


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

    @property
    def item(self) -> str:
        """The shared setting this referent is."""
        from app.models.record import REFERENT_ITEM  # pydantic's record is not loaded at start-up

        return f"{REFERENT_ITEM}{self.partner}/{self.name}"

    @property
    def value(self) -> dict[str, str]:
        return {"phone": self.phone, "email": self.email, "note": self.note}


class ReferentStore:
    def __init__(self, db: Database, catalogue: Catalogue) -> None:
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
        from app.models.record import RecordError, check_referent, email_address, french_phone

        prefix = f"Ligne {line} : " if line else ""
        partner = self._partner_id(referent.partner)
        if partner is None:
            raise ReferentError(f"{prefix}partenaire inconnu « {referent.partner} ».")
        name = " ".join(referent.name.split())
        if not name:
            raise ReferentError(f"{prefix}indiquez le nom du référent.")
        if referent.email and not email_address(referent.email.strip()):
            raise ReferentError(f"{prefix}adresse e-mail invalide « {referent.email} ».")
        if referent.phone and not french_phone(referent.phone.strip()):
            raise ReferentError(f"{prefix}numéro de téléphone invalide « {referent.phone} ».")
        checked = Referent(
            partner, name, referent.phone.strip(), referent.email.strip(), referent.note.strip(), referent.id
        )
        try:
            check_referent(partner, name, checked.value, self.catalogue)
        except RecordError as error:
            raise ReferentError(f"{prefix}{error}") from None
        return checked

    def _partner_id(self, value: str) -> str | None:
        """A partner id, or a partner's label as a person would type it in a spreadsheet."""
        if value in self.catalogue.partners:
            return value
        wanted = fold(value.strip())
        return next((p.id for p in self.catalogue.partners.values() if fold(p.label) == wanted), None)

    def save(self, referent: Referent) -> Referent:
        """Add a referent, or change the one with `referent.id`; shared with the structure."""
        require(acting_agent(self.db), Rule.REFERENTS, ReferentError)
        referent = self._check(referent)
        with transaction(self.db):
            before = shared_referents(self.db)
            self._write(referent)
            _publish(self.db, before)
        return referent

    def _write(self, referent: Referent) -> None:
        others = self.db.execute(
            "SELECT count(*), count(*) FILTER (WHERE name = ?) FROM referents WHERE partner = ? AND id IS NOT ?",
            [referent.name, referent.partner, referent.id],
        ).fetchone()
        label = self.catalogue.label("partners", referent.partner)
        if others[1]:
            raise ReferentError(f"{referent.name} est déjà référent de {label}.")
        if others[0] >= MAX_PER_PARTNER:
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
        require(acting_agent(self.db), Rule.REFERENTS, ReferentError)
        with transaction(self.db):
            before = shared_referents(self.db)
            self.db.execute("DELETE FROM referents WHERE id = ?", [referent_id])
            _publish(self.db, before)

    def export_csv(self) -> bytes:
        return write_rows(CSV_HEADER, ([r.partner, r.name, r.phone, r.email, r.note] for r in self.list()))

    def import_csv(self, path: Path) -> int:
        """Replace the directory with the file's referents: all of them, or none if one is wrong."""
        require(acting_agent(self.db), Rule.REFERENTS, ReferentError)
        referents = [
            self._check(Referent(partner, name, phone, email, note), str(number))
            for number, (partner, name, phone, email, note) in read_rows(path, CSV_HEADER, ReferentError)
        ]
        with transaction(self.db):
            before = shared_referents(self.db)
            self.db.execute("DELETE FROM referents")
            for referent in referents:
                self._write(referent)
            _publish(self.db, before)
        return len(referents)


def shared_referents(db: Database) -> dict[str, dict[str, str]]:
    """The directory as shared settings' items and values (what `SharedSettings.seed` publishes)."""
    return {
        referent.item: referent.value
        for referent in (
            Referent(*row) for row in db.execute("SELECT partner, name, phone, email, note FROM referents")
        )
    }


def _publish(db: Database, before: dict[str, dict[str, str]]) -> None:
    """Send the structure what this change made of the directory (inside the caller's transaction)."""
    try:
        SharedSettings(db).change_all(before, shared_referents(db))
    except SharedSettingError as error:
        raise ReferentError(str(error)) from None


def apply_referent(db: Database, item: str, value: dict[str, Any] | None) -> None:
    """A pulled version of a referent made this workstation's (inside the caller's transaction).
    The structure's directory wins over the limit of two per partner, which only guards what is
    added here: two workstations that each added one offline both keep both."""
    from app.models.record import REFERENT_ITEM, split_item

    partner, name = split_item(item, REFERENT_ITEM)
    if value is None:
        db.execute("DELETE FROM referents WHERE partner = ? AND name = ?", [partner, name])
        return
    fields = [value["phone"], value["email"], value["note"], db_time(utc_now())]
    cursor = db.execute(
        "UPDATE referents SET phone = ?, email = ?, note = ?, updated_at = ? WHERE partner = ? AND name = ?",
        [*fields, partner, name],
    )
    if cursor.rowcount == 0:
        db.execute(
            "INSERT INTO referents (phone, email, note, updated_at, partner, name) VALUES (?, ?, ?, ?, ?, ?)",
            [*fields, partner, name],
        )
