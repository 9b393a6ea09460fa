"""The web application's accounts, sessions and audit log.

Three roles: `national` sees everything, `departement` the structures of its départements,
`structure` one structure (its responsable). Passwords are hashed with Argon2 (argon2-cffi's
defaults, RFC 9106's low-memory profile); a login that does not exist costs the same hash, so that
timing does not tell which logins exist. Sessions are kept on the server (only the SHA-256 of the
cookie is stored): logging out or disabling an account ends them at once, and several server
processes on one database share them without a shared secret.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from app.models.text import printable
from app.registry.anct_list import departement_code
from app.server.accounts import AccountError, find_structure
from app.server.database import write_transaction
from app.server.schema import (
    audit_log,
    timestamp,
    utc_now,
    web_account_departements,
    web_accounts,
    web_sessions,
)

ROLES = ("national", "departement", "structure")
# The audit log's events, and how the journal page names them.
EVENTS = {
    "login": "connexion",
    "login_failed": "échec de connexion",
    "locked_out": "connexion bloquée",
    "logout": "déconnexion",
    "export": "export",
    "account_created": "compte créé",
    "account_disabled": "compte désactivé",
    "account_enabled": "compte réactivé",
}
ROLE_LABELS = {"national": "national", "departement": "département", "structure": "structure"}
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
SESSION_LIFETIME = timedelta(hours=8)
# After this many failed logins within the window, for one login or from one address, logins are
# refused until the oldest of them leaves the window (even with the right password): the server's
# lock-out (`app.server.rate_limit`), shared by every server process.
MAX_FAILED_LOGINS = 5
FAILED_LOGINS_WINDOW_SECONDS = 15 * 60
_LOGIN = re.compile(r"[a-z0-9][a-z0-9._@+-]{2,253}")
_hasher = PasswordHasher()
# Verified against when the login is unknown: the answer takes as long as for a wrong password.
_UNKNOWN_LOGIN_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Account:
    id: int
    login: str
    role: str
    departements: tuple[str, ...]
    structure: str | None


@dataclass(frozen=True)
class Session:
    account: Account
    csrf_token: str


def normalise_login(login: str) -> str:
    return login.strip().lower()


def create_account(
    engine: Engine,
    login: str,
    password: str,
    role: str,
    departements: list[str] | None = None,
    structure: str | None = None,
) -> Account:
    """A new account; AccountError (French) for a bad login, password or scope."""
    login = normalise_login(login)
    if not _LOGIN.fullmatch(login):
        raise AccountError(
            f"Identifiant invalide : « {login[:60]} » (une adresse électronique ou un nom de 3 à 254 "
            "caractères : lettres minuscules, chiffres, « . _ @ + - »)."
        )
    check_password(password)
    if not role:
        raise AccountError("Choisissez le rôle du compte : national, département ou structure.")
    if role not in ROLES:
        raise AccountError(f"Rôle inconnu : « {role} » (national, departement ou structure).")
    codes: list[str] = []
    if role == "departement":
        for given in departements or []:
            code = departement_code(given)
            if code is None:
                raise AccountError(f"Département invalide : « {given.strip()} » (exemples : 02, 2A, 974).")
            codes.append(code)
        if not codes:
            raise AccountError("Un compte département doit avoir au moins un département.")
    elif departements:
        raise AccountError("Seul un compte département a des départements.")
    if role == "structure" and not structure:
        raise AccountError("Un compte structure doit avoir le matricule de sa structure.")
    if role != "structure" and structure:
        raise AccountError("Seul un compte structure a une structure.")
    password_hash = _hasher.hash(password)
    with write_transaction(engine) as connection:
        if structure and find_structure(connection, structure) is None:
            raise AccountError(f"Structure inconnue : matricule « {structure} ».")
        if connection.execute(select(web_accounts.c.id).where(web_accounts.c.login == login)).first():
            raise AccountError(f"Le compte « {login} » existe déjà.")
        account_id = connection.execute(
            insert(web_accounts)
            .values(
                login=login,
                password_hash=password_hash,
                role=role,
                structure=structure,
                created_at=timestamp(utc_now()),
            )
            .returning(web_accounts.c.id)
        ).scalar_one()
        for code in sorted(set(codes)):
            connection.execute(
                insert(web_account_departements).values(account_id=account_id, departement=code)
            )
        return _account(connection, account_id)


def list_accounts(engine: Engine) -> list[dict[str, Any]]:
    """Every account, with its scope, for the national accounts' page (no hash)."""
    with engine.connect() as connection:
        ids = connection.execute(select(web_accounts.c.id).order_by(web_accounts.c.login)).scalars().all()
        rows = connection.execute(
            select(web_accounts.c.id, web_accounts.c.created_at, web_accounts.c.disabled_at)
        )
        times = {row.id: (row.created_at, row.disabled_at) for row in rows}
        return [
            {
                "account": _account(connection, account_id),
                "created_at": times[account_id][0],
                "disabled_at": times[account_id][1],
            }
            for account_id in ids
        ]


def check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(
            f"Mot de passe trop court ou trop long : de {MIN_PASSWORD_LENGTH} à {MAX_PASSWORD_LENGTH} caractères."
        )


def verify_login(engine: Engine, login: str, password: str) -> Account | None:
    """The active account with this login and password, or None (unknown, wrong or disabled)."""
    with engine.connect() as connection:
        row = connection.execute(
            select(web_accounts.c.id, web_accounts.c.password_hash, web_accounts.c.disabled_at).where(
                web_accounts.c.login == normalise_login(login)
            )
        ).first()
        try:
            _hasher.verify(row.password_hash if row else _UNKNOWN_LOGIN_HASH, password[:MAX_PASSWORD_LENGTH])
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled_at is not None:
            return None
        return _account(connection, row.id)


def open_session(engine: Engine, account: Account) -> tuple[str, Session]:
    """A new session: the cookie's value (shown once) and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utc_now()
    with write_transaction(engine) as connection:
        # Expired sessions go as new ones come: the table holds only live ones.
        connection.execute(delete(web_sessions).where(web_sessions.c.expires_at <= timestamp(now)))
        connection.execute(
            insert(web_sessions).values(
                token_hash=_digest(token),
                account_id=account.id,
                csrf_token=csrf,
                created_at=timestamp(now),
                expires_at=timestamp(now + SESSION_LIFETIME),
            )
        )
    return token, Session(account, csrf)


def find_session(engine: Engine, token: str) -> Session | None:
    """The live session of this cookie, or None (unknown, expired, or its account disabled)."""
    with engine.connect() as connection:
        row = connection.execute(
            select(web_sessions.c.account_id, web_sessions.c.csrf_token, web_sessions.c.expires_at)
            .join(web_accounts, web_accounts.c.id == web_sessions.c.account_id)
            .where(web_sessions.c.token_hash == _digest(token), web_accounts.c.disabled_at.is_(None))
        ).first()
        if row is None or datetime.fromisoformat(row.expires_at) <= utc_now():
            return None
        return Session(_account(connection, row.account_id), row.csrf_token)


def close_session(engine: Engine, token: str) -> None:
    with write_transaction(engine) as connection:
        connection.execute(delete(web_sessions).where(web_sessions.c.token_hash == _digest(token)))


def issue_api_token(engine: Engine, login: str) -> str:
    """A new API token for the account (shown once; the previous one stops working)."""
    token = secrets.token_urlsafe(32)
    with write_transaction(engine) as connection:
        changed = connection.execute(
            update(web_accounts)
            .where(web_accounts.c.login == normalise_login(login), web_accounts.c.disabled_at.is_(None))
            .values(api_token_hash=_digest(token))
        ).rowcount
    if not changed:
        raise AccountError(f"Compte inconnu ou désactivé : « {normalise_login(login)} ».")
    return token


def api_token_account(engine: Engine, token: str) -> Account | None:
    """The active account holding this API token, or None."""
    with engine.connect() as connection:
        account_id = connection.execute(
            select(web_accounts.c.id).where(
                web_accounts.c.api_token_hash == _digest(token), web_accounts.c.disabled_at.is_(None)
            )
        ).scalar_one_or_none()
        return _account(connection, account_id) if account_id is not None else None


def set_account_enabled(engine: Engine, login: str, enabled: bool) -> Account:
    """Re-enable an account, or disable it: its open sessions end at once and neither its password
    nor its API token works any more (`find_session`, `verify_login` and `api_token_account` read
    `disabled_at`); re-enabling brings the API token back. AccountError (French) for an unknown login
    or an account already in that state."""
    login = normalise_login(login)
    with write_transaction(engine) as connection:
        row = connection.execute(
            select(web_accounts.c.id, web_accounts.c.disabled_at).where(web_accounts.c.login == login)
        ).first()
        if row is None:
            raise AccountError(f"Compte inconnu : « {printable(login)[:254]} ».")
        if (row.disabled_at is None) == enabled:
            raise AccountError(f"Le compte « {login} » est déjà {'actif' if enabled else 'désactivé'}.")
        connection.execute(
            update(web_accounts)
            .where(web_accounts.c.id == row.id)
            .values(disabled_at=None if enabled else timestamp(utc_now()))
        )
        if not enabled:
            connection.execute(delete(web_sessions).where(web_sessions.c.account_id == row.id))
        return _account(connection, row.id)


def audit(
    engine: Engine, event: str, login: str, address: str, account: Account | None = None, detail: str = ""
) -> None:
    """One line of the audit log: `event` is one of EVENTS."""
    with write_transaction(engine) as connection:
        connection.execute(
            insert(audit_log).values(
                at=timestamp(utc_now()),
                account_id=account.id if account else None,
                login=normalise_login(login)[:254],
                event=event,
                detail=detail[:300],
                address=address[:64],
            )
        )


def read_audit_log(
    engine: Engine, login_contains: str = "", offset: int = 0, limit: int | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """The audit log, newest first, only the lines whose login contains `login_contains` (any case):
    how many there are, and those from `offset` (at most `limit`, all when None)."""
    wanted = audit_log.c.login.contains(normalise_login(login_contains), autoescape=True)
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(audit_log).where(wanted)).scalar_one()
        rows = connection.execute(
            select(
                audit_log.c.at, audit_log.c.login, audit_log.c.event, audit_log.c.detail, audit_log.c.address
            )
            .where(wanted)
            .order_by(audit_log.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return total, [row._asdict() for row in rows]


def _account(connection: Connection, account_id: int) -> Account:
    row = connection.execute(select(web_accounts).where(web_accounts.c.id == account_id)).one()
    departements = connection.execute(
        select(web_account_departements.c.departement)
        .where(web_account_departements.c.account_id == account_id)
        .order_by(web_account_departements.c.departement)
    ).scalars()
    return Account(row.id, row.login, row.role, tuple(departements), row.structure)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
