"""Structures, enrolment codes and workstation tokens: which workstation may send for which structure.

Only SHA-256 digests of codes and tokens are stored, so a copy of the database cannot send anything.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import ColumnElement, Connection, Engine, Row, Select, insert, select, update

from app.registry.anct_list import MATRICULE, departement_code
from app.server.database import write_transaction
from app.server.schema import enrolment_codes, structures, timestamp, utc_now, workstations

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 12
CODE_VALIDITY = timedelta(days=7)
# `last_seen_at` is refreshed at most this often, so that a read-only request rarely writes.
LAST_SEEN_PRECISION = timedelta(minutes=1)


class AccountError(Exception):
    """A refused administration request; `str(error)` is a French sentence."""


@dataclass(frozen=True)
class Structure:
    matricule: str
    name: str
    departement: str
    itinerant: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "matricule": self.matricule,
            "name": self.name,
            "departement": self.departement,
            "itinerant": self.itinerant,
        }


@dataclass(frozen=True)
class Workstation:
    id: str
    structure: Structure
    label: str | None
    enrolled_at: str
    last_seen_at: str | None
    revoked_at: str | None


def digest(secret: str) -> str:
    """What is stored in place of a code or a token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(code: str) -> str:
    """Codes are typed by people: case, dashes and spaces do not matter."""
    return re.sub(r"[\s-]", "", code).upper()


def create_structure(engine: Engine, matricule: str, name: str, departement: str, itinerant: bool) -> str:
    """Register a structure and return its first enrolment code."""
    matricule = matricule.strip()
    name = name.strip()
    code = departement_code(departement)
    if not MATRICULE.fullmatch(matricule):
        raise AccountError(
            f"Matricule invalide : « {matricule} » (chiffres, lettres ou tirets, 64 caractères au plus)."
        )
    if not 1 <= len(name) <= 200:
        raise AccountError("Nom de structure invalide : de 1 à 200 caractères.")
    if code is None:
        raise AccountError(f"Département invalide : « {departement.strip()} » (exemples : 02, 2A, 974).")
    with write_transaction(engine) as connection:
        existing = find_structure(connection, matricule)
        if existing is not None:
            raise AccountError(
                f"La structure de matricule « {matricule} » existe déjà (« {existing.name} »). "
                f"Pour un nouveau code d'inscription : enrolment-code --matricule {matricule}."
            )
        connection.execute(
            insert(structures).values(
                matricule=matricule,
                name=name,
                departement=code,
                itinerant=itinerant,
                created_at=timestamp(utc_now()),
            )
        )
        return _issue_code(connection, matricule)


def issue_code(engine: Engine, matricule: str) -> str:
    """A new one-time enrolment code for an existing structure."""
    with write_transaction(engine) as connection:
        if find_structure(connection, matricule) is None:
            raise AccountError(f"Structure inconnue : matricule « {matricule} ».")
        return _issue_code(connection, matricule)


def find_structure(connection: Connection, matricule: str) -> Structure | None:
    row = connection.execute(select(structures).where(structures.c.matricule == matricule)).first()
    return _structure(row) if row else None


def code_structure(engine: Engine, code: str) -> str | None:
    """The matricule of the structure a code was issued for (used or not, expired or not), or None: a
    refused code counts against its structure in the enrolment's lock-out."""
    with engine.connect() as connection:
        return connection.execute(
            select(enrolment_codes.c.structure).where(
                enrolment_codes.c.code_hash == digest(normalise_code(code))
            )
        ).scalar_one_or_none()


def enrol(
    engine: Engine, code: str, installation_id: str, label: str | None
) -> tuple[str, Workstation] | None:
    """Exchange a code for a token, or None if the code is unknown, expired or another installation's.

    The installation that used a code may use it again (its answer was lost): it gets a new token for
    the same workstation and the previous token stops working.
    """
    code_hash = digest(normalise_code(code))
    now = timestamp(utc_now())
    token = secrets.token_urlsafe(32)
    with write_transaction(engine) as connection:
        claimed = connection.execute(
            update(enrolment_codes)
            .where(
                enrolment_codes.c.code_hash == code_hash,
                enrolment_codes.c.installation_id.is_(None),
                enrolment_codes.c.expires_at > now,
            )
            .values(installation_id=installation_id, used_at=now)
        ).rowcount
        row = connection.execute(
            select(enrolment_codes).where(enrolment_codes.c.code_hash == code_hash)
        ).first()
        if row is None or row.installation_id != installation_id or row.expires_at <= now:
            return None
        if claimed:
            workstation_id = str(uuid4())
            connection.execute(
                insert(workstations).values(
                    id=workstation_id,
                    structure=row.structure,
                    installation_id=installation_id,
                    label=label,
                    token_hash=digest(token),
                    enrolled_at=now,
                    last_seen_at=now,
                )
            )
            connection.execute(
                update(enrolment_codes)
                .where(enrolment_codes.c.code_hash == code_hash)
                .values(workstation_id=workstation_id)
            )
        else:
            workstation_id = row.workstation_id
            renewed = connection.execute(
                update(workstations)
                .where(workstations.c.id == workstation_id, workstations.c.revoked_at.is_(None))
                .values(token_hash=digest(token), last_seen_at=now)
            ).rowcount
            if not renewed:
                return None
        row = _workstation_query(connection, workstations.c.id == workstation_id)
        assert row is not None  # renewed just now, in this transaction
        return token, _workstation(row)


def authenticate(engine: Engine, token: str) -> Workstation | None:
    """The active workstation holding `token`, or None (unknown or revoked)."""
    with engine.connect() as connection:
        found = _workstation_query(connection, workstations.c.token_hash == digest(token))
    if found is None or found.revoked_at is not None:
        return None
    now = utc_now()
    if found.last_seen_at is None or datetime.fromisoformat(found.last_seen_at) < now - LAST_SEEN_PRECISION:
        with write_transaction(engine) as connection:
            connection.execute(
                update(workstations).where(workstations.c.id == found.id).values(last_seen_at=timestamp(now))
            )
    return _workstation(found)


def list_workstations(engine: Engine, matricule: str) -> list[Workstation]:
    with engine.connect() as connection:
        if find_structure(connection, matricule) is None:
            raise AccountError(f"Structure inconnue : matricule « {matricule} ».")
        rows = connection.execute(
            _workstation_select()
            .where(workstations.c.structure == matricule)
            .order_by(workstations.c.enrolled_at, workstations.c.id)
        ).all()
    return [_workstation(row) for row in rows]


def revoke(engine: Engine, workstation_id: str) -> tuple[Workstation, bool]:
    """Revoke a workstation's token; the flag says whether it was still active."""
    if not _is_uuid(workstation_id):  # no workstation has such an id (and PostgreSQL's uuid refuses it)
        raise AccountError(f"Poste inconnu : « {workstation_id} » (voir la commande workstations).")
    with write_transaction(engine) as connection:
        revoked = connection.execute(
            update(workstations)
            .where(workstations.c.id == workstation_id, workstations.c.revoked_at.is_(None))
            .values(revoked_at=timestamp(utc_now()))
        ).rowcount
        row = _workstation_query(connection, workstations.c.id == workstation_id)
    if row is None:
        raise AccountError(f"Poste inconnu : « {workstation_id} » (voir la commande workstations).")
    return _workstation(row), bool(revoked)


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def _issue_code(connection: Connection, matricule: str) -> str:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = utc_now()
    connection.execute(
        insert(enrolment_codes).values(
            code_hash=digest(code),
            structure=matricule,
            created_at=timestamp(now),
            expires_at=timestamp(now + CODE_VALIDITY),
        )
    )
    return "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _workstation_select() -> Select[Any]:
    return select(
        workstations.c.id,
        workstations.c.label,
        workstations.c.enrolled_at,
        workstations.c.last_seen_at,
        workstations.c.revoked_at,
        structures.c.matricule,
        structures.c.name,
        structures.c.departement,
        structures.c.itinerant,
    ).join(structures, structures.c.matricule == workstations.c.structure)


def _workstation_query(connection: Connection, condition: ColumnElement[bool]) -> Row[Any] | None:
    return connection.execute(_workstation_select().where(condition)).first()


def _structure(row: Row[Any]) -> Structure:
    return Structure(row.matricule, row.name, row.departement, row.itinerant)


def _workstation(row: Row[Any]) -> Workstation:
    return Workstation(row.id, _structure(row), row.label, row.enrolled_at, row.last_seen_at, row.revoked_at)
