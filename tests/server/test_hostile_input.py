"""The audit's attacks on the server's input: every one gets a 2xx or a clear 4xx, never a 500, and one
bad record never fails the batch it came in (on SQLite and on PostgreSQL)."""

import json
from uuid import uuid4

import pytest
from sqlalchemy import func, select, update

from app.server.schema import records, workstations
from tests.live_server import run_server_cli
from tests.server.helpers import bearer, contact, enrol, items, post_records

SURROGATE = "\ud800"


def _raw_post(http, server, token: str, batch: list) -> object:
    """A batch serialised as any client could (`\\ud800` and `\\u0000` escapes are valid JSON)."""
    body = json.dumps({"records": batch}).encode()
    headers = {**bearer(token), "Content-Type": "application/json"}
    return http.post(f"{server.url}/api/v1/records", data=body, headers=headers, timeout=60)


def _hostile_contacts() -> list[dict]:
    """One contact per way the audit found to make the server fail."""
    surrogate_situation = {**contact(), "situation": f"declarer-impots{SURROGATE}"}
    surrogate_agent = {**contact(), "agent": f"Julie{SURROGATE}"}
    nul_place = {**contact(), "place": "Gu\x00ise"}
    nul_agent = {**contact(), "agent": "Julie\x00"}
    end_of_time = {
        **contact(),
        "created_at": "9999-12-31T23:59:59Z",
        "occurred_at": "9999-12-31T23:59:59Z",
        "utc_offset_minutes": 840,
    }
    start_of_time = {
        **contact(),
        "created_at": "0001-01-01T00:00:00+01:00",
        "occurred_at": "0001-01-01T00:00:00+01:00",
    }
    return [surrogate_situation, surrogate_agent, nul_place, nul_agent, end_of_time, start_of_time]


def test_a_hostile_item_is_rejected_and_the_rest_of_its_batch_stored(
    shared_server, http, structure, shared_token, shared_db
) -> None:
    before, after = contact(), contact()
    hostile = _hostile_contacts()
    batch = [
        *items(before),
        *items(*hostile),
        {"kind": f"contact{SURROGATE}", "record": contact()},
        {"kind": "contact\x00", "record": contact()},
        *items(after),
    ]
    response = _raw_post(http, shared_server, shared_token, batch)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [result["status"] for result in results] == ["accepted", *["rejected"] * 8, "accepted"]
    for result in results[1:-1]:
        assert result["code"] == "invalid"
        assert result["reason"] and result["reason"].isprintable()
    assert [result["id"] for result in results[1:7]] == [record["id"] for record in hostile]
    with shared_db.connect() as connection:
        ours = select(records.c.id).where(records.c.structure == structure.matricule)
        stored = set(connection.execute(ours).scalars())
    assert stored == {before["id"], after["id"]}


def test_a_refusal_never_quotes_unprintable_characters(shared_server, http, shared_token) -> None:
    """The reason quotes what was sent: an escape sequence or a NUL is shown as U+FFFD, never echoed."""
    unknown = {**contact(), "situation": "inconnue\x1b[2J\x00"}
    response = _raw_post(
        http, shared_server, shared_token, [*items(unknown), {"kind": "\x1b]0;x\x07", "record": {}}]
    )
    assert response.status_code == 200, response.text
    reasons = [result["reason"] for result in response.json()["results"]]
    assert all(reason.isprintable() for reason in reasons), reasons


@pytest.mark.parametrize(
    "field, value",
    [("code", f"AAAA-BBBB-CC{SURROGATE}"), ("code", "AAAA-BBBB\x00-CCCC"), ("label", f"poste{SURROGATE}")],
)
def test_enrolment_with_unprintable_text_is_422(shared_server, http, field: str, value: str) -> None:
    body = {"code": "AAAA-BBBB-CCCC", "installation_id": str(uuid4()), field: value}
    response = http.post(
        f"{shared_server.url}/api/v1/enrolment",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"]["code"] == "invalid_request"
    assert f"« {field} »" in response.json()["detail"]["message"]


def test_a_valid_code_with_a_nul_in_the_label_is_422_and_stores_nothing(
    shared_server, http, structure, shared_db
) -> None:
    code = structure.code
    body = {"code": code, "installation_id": str(uuid4()), "label": "poste\x00accueil"}
    response = http.post(
        f"{shared_server.url}/api/v1/enrolment",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 422, response.text
    with shared_db.connect() as connection:
        enrolled = select(func.count()).where(workstations.c.structure == structure.matricule)
        assert connection.execute(enrolled).scalar_one() == 0
    assert enrol(http, shared_server, code).status_code == 201  # the code is still good


def test_enrolment_types_are_strict_and_unknown_fields_refused(shared_server, http, structure) -> None:
    code = structure.code
    installation = str(uuid4())
    for body in (
        {"code": code, "installation_id": installation, "nom": "Dupont"},
        {"code": 123456789012, "installation_id": installation},
        {"code": code, "installation_id": installation, "label": 42},
        {"code": code, "installation_id": 42},
    ):
        response = http.post(f"{shared_server.url}/api/v1/enrolment", json=body, timeout=30)
        assert response.status_code == 422, (body, response.text)
    assert enrol(http, shared_server, code, installation).status_code == 201


def test_a_validation_error_never_echoes_the_input(shared_server, http) -> None:
    secret = "SECRET-7KQM-2WXP-H9TD"
    response = http.post(
        f"{shared_server.url}/api/v1/enrolment",
        json={"code": secret * 10, "installation_id": f"pas-un-uuid-{secret}", "label": secret},
        timeout=30,
    )
    assert response.status_code == 422
    assert secret not in response.text
    detail = response.json()["detail"]
    assert detail["code"] == "invalid_request"
    assert detail["message"].startswith("Requête invalide : vérifiez ")
    assert "« code »" in detail["message"] and "« installation_id »" in detail["message"]
    unreadable = http.post(
        f"{shared_server.url}/api/v1/enrolment",
        data=f'{{"code": "{secret}"',
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert unreadable.status_code == 422
    assert secret not in unreadable.text


def test_strange_query_and_header_values_are_4xx(shared_server, http, structure, shared_token) -> None:
    url = f"{shared_server.url}/api/v1/structures/{structure.matricule}/summary"
    for month in ("\x00", "2026-11\x1b[2J", "9" * 5000):
        response = http.get(url, params={"month": month}, headers=bearer(shared_token), timeout=30)
        assert response.status_code == 400, response.text
        assert response.json()["detail"]["message"].isprintable()
    reference = http.get(
        f"{shared_server.url}/api/v1/reference/%00%1b", headers=bearer(shared_token), timeout=30
    )
    assert reference.status_code == 404
    assert reference.json()["detail"]["message"].isprintable()
    for device_time in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "nonsense"):
        response = post_records(http, shared_server, shared_token, items(contact()), device_time=device_time)
        assert response.status_code == 200, response.text


def test_the_workstations_listing_prints_no_control_character(
    shared_server, http, structure, shared_db
) -> None:
    enrolled = enrol(http, shared_server, structure.code).json()
    with shared_db.begin() as connection:  # a label stored before labels were checked
        ours = update(workstations).where(workstations.c.structure == structure.matricule)
        connection.execute(ours.values(label="poste\x1b]0;titre\x07\x1b[2J"))
    listed = run_server_cli(shared_server.database_url, "workstations", "--matricule", structure.matricule)
    assert listed.returncode == 0, listed.stderr
    [line] = [line for line in listed.stdout.splitlines() if line.startswith(enrolled["workstation_id"])]
    assert "poste\ufffd]0;titre\ufffd\ufffd[2J" in line
    assert all(part.isprintable() for part in line.split("\t"))
