"""Building valid records with the shared record classes, workstations of structure 3 straight in the
server's database, and talking to the server over HTTP."""

import gzip
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import uuid4

import requests
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Table, func, select

from app.models.record import ContactRecord, EscalationRecord, validate_record
from app.models.reference import load_catalogue
from app.server.accounts import Workstation, create_structure, issue_code
from app.server.accounts import enrol as enrol_in_database
from app.server.database import MIGRATIONS, write_transaction
from tests.live_server import LiveServer, run_server_cli

MATRICULE = "3"  # the structure of a fresh server's tests; the `structure` fixture swaps in its own
UNAUTHORIZED = {
    "code": "unauthorized",
    "message": "Ce poste n'est pas (ou plus) autorisé à envoyer des données. Demandez un nouveau code "
    "d'inscription au responsable de la structure.",
}
INVALID_CODE = {
    "code": "invalid_code",
    "message": "Code d'inscription inconnu, expiré ou déjà utilisé. Demandez un nouveau code au "
    "responsable de la structure.",
}


@dataclass(frozen=True)
class OwnStructure:
    """A structure only one test uses, and a one-time code to enrol a workstation in it."""

    matricule: str
    code: str


def contact(**fields) -> dict:
    """A valid contact of structure 3 on 10 November 2026, as JSON; `fields` override."""
    values = {
        "id": uuid4(),
        "created_at": datetime(2026, 11, 10, 9, 45, tzinfo=UTC),
        "utc_offset_minutes": 60,
        "occurred_at": datetime(2026, 11, 10, 9, 30, tzinfo=UTC),
        "structure": MATRICULE,
        "agent": "Julie M.",
        "place": "Guise",
        "channel": "sur-place",
        "situation": "declarer-impots",
        "partners": ["dgfip"],
        "help_kind": "information",
        "outcome": "resolu",
        "duration_minutes": 15,
        **fields,
    }
    return ContactRecord(**values).model_dump(mode="json")


def escalation(**fields) -> dict:
    """A valid escalation of structure 3, sent on Tuesday 10 November 2026 at 10:00 in Paris and
    still waiting, as JSON; `fields` override."""
    values = {
        "id": uuid4(),
        "created_at": datetime(2026, 11, 10, 9, 1, tzinfo=UTC),
        "utc_offset_minutes": 60,
        "structure": MATRICULE,
        "agent": "Julie M.",
        "partner": "caf",
        "situation": "declarer-impots",
        "sent_at": datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
        "channel": "administration-plus",
        "status": "en-attente",
        **fields,
    }
    return EscalationRecord(**values).model_dump(mode="json")


def status_change(original: dict, status: str, answered_at: datetime | None, **fields) -> dict:
    """The record that changes `original`'s status: a new escalation superseding it."""
    kept = {key: value for key, value in original.items() if key not in ("id", "supersedes")}
    return escalation(
        **{**kept, "status": status, "answered_at": answered_at, "supersedes": original["id"], **fields}
    )


def pass_line(event: str = "recu", cheques: list[str] | None = None, **fields) -> dict:
    """A valid Pass numérique ledger line of structure 3 on 10 November 2026, as JSON: by default the
    reception of booklet C-001, ten 10 € cheques C001 to C010; `fields` override (a `remis` line needs
    its `issuance`, a `retour` or `annule` line its `reason`)."""
    cheques = cheques or [f"C{n:03d}" for n in range(1, 11)]
    values = {
        "id": uuid4(),
        "created_at": datetime(2026, 11, 10, 9, 1, tzinfo=UTC),
        "utc_offset_minutes": 60,
        "structure": MATRICULE,
        "agent": "Julie M.",
        "occurred_at": datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
        "event": event,
        "funder": "Conseil départemental de l'Aisne",
        "booklet": "C-001",
        "booklet_size": len(cheques) if event == "recu" else None,
        "cheques": cheques,
        "value_cents": 10_00,
        "valid_until": date(2027, 6, 30),
        **fields,
    }
    record = validate_record(values, catalogue=load_catalogue(), kind="pass_ledger")
    return record.model_dump(mode="json")


def pass_issuance(cheques: list[str], **fields) -> dict:
    """A valid handing out of Pass numérique `cheques` (10 € each unless `value_cents` says otherwise)
    in structure 3 on 10 November 2026, as JSON; `fields` override."""
    values = {
        "id": uuid4(),
        "created_at": datetime(2026, 11, 10, 9, 1, tzinfo=UTC),
        "utc_offset_minutes": 60,
        "structure": MATRICULE,
        "agent": "Julie M.",
        "issued_at": datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
        "cheques": cheques,
        "value_cents": 10_00 * len(cheques),
        **fields,
    }
    record = validate_record(values, catalogue=load_catalogue(), kind="pass_issuance")
    return record.model_dump(mode="json")


def setting(item: str = "pass.threshold", value=12, **fields) -> dict:
    """A valid version of shared setting `item` of structure 3, changed on 10 November 2026, as JSON;
    `fields` override."""
    values = {
        "id": uuid4(),
        "created_at": datetime(2026, 11, 10, 9, 1, tzinfo=UTC),
        "changed_at": datetime(2026, 11, 10, 9, 1, tzinfo=UTC),
        "utc_offset_minutes": 60,
        "structure": MATRICULE,
        "agent": "Julie M.",
        "item": item,
        "value": value,
        **fields,
    }
    return validate_record(values, kind="setting").model_dump(mode="json")


def items(*records: dict, kind: str = "contact") -> list[dict]:
    return [{"kind": kind, "record": record} for record in records]


def workstations(engine: Engine, *labels: str) -> list[Workstation]:
    """Structure 3 declared in the server's database, and one workstation enrolled in it per label,
    without HTTP (for the tests that call the ingest and the feed directly)."""
    codes = [create_structure(engine, MATRICULE, "Thiérache Sambre et Oise", "02", True)]
    codes += [issue_code(engine, MATRICULE) for _ in labels[1:]]
    enrolled = []
    for code, label in zip(codes, labels, strict=True):
        issued = enrol_in_database(engine, code, str(uuid4()), label)
        assert issued is not None
        enrolled.append(issued[1])
    return enrolled


def downgrade(engine: Engine, revision: str) -> None:
    """Take the server's database back to migration `revision`, as a database of that version was."""
    with write_transaction(engine) as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def count(engine: Engine, table: Table) -> int:
    """The rows of `table` of the test's structure (MATRICULE), whoever else's the database holds."""
    with engine.connect() as connection:
        query = select(func.count()).select_from(table).where(table.c.structure == MATRICULE)
        return connection.execute(query).scalar_one()


def enrolment_code(server: LiveServer, matricule: str | None = None) -> str:
    """A new one-time code of a structure already declared (the test's own by default), from the
    server's command line."""
    result = run_server_cli(server.database_url, "enrolment-code", "--matricule", matricule or MATRICULE)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def enrolled(http: requests.Session, server: LiveServer, code: str) -> dict:
    """Enrol a new workstation with `code`: the answer (`token`, `workstation_id`…)."""
    response = enrol(http, server, code)
    assert response.status_code == 201, response.text
    return response.json()


def feed_page(http: requests.Session, server: LiveServer, token: str, after: int = 0, **params) -> dict:
    """One page of the structure's feed after the cursor `after`, as the server answers it."""
    response = http.get(
        f"{server.url}/api/v1/records", params={"after": after, **params}, headers=bearer(token), timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def enrol(
    http: requests.Session, server: LiveServer, code: str, installation_id: str | None = None
) -> requests.Response:
    body = {"code": code, "installation_id": installation_id or str(uuid4()), "label": "poste-accueil"}
    return http.post(f"{server.url}/api/v1/enrolment", json=body, timeout=30)


def post_records(
    http: requests.Session,
    server: LiveServer,
    token: str,
    batch: list[dict],
    *,
    compress: bool = True,
    device_time: str | None = None,
) -> requests.Response:
    """A batch as the workstation sends it: gzip JSON with its clock in `X-Device-Time`."""
    body = json.dumps({"records": batch}).encode()
    headers = {**bearer(token), "Content-Type": "application/json"}
    if compress:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    if device_time:
        headers["X-Device-Time"] = device_time
    return http.post(f"{server.url}/api/v1/records", data=body, headers=headers, timeout=60)


def statuses(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [result["status"] for result in response.json()["results"]]
