"""Enrolment codes, tokens and revocation, through the admin command and real HTTP."""

import re
from uuid import UUID, uuid4

from sqlalchemy import update

from app.server.schema import enrolment_codes
from tests.live_server import create_structure, run_server_cli
from tests.server.helpers import INVALID_CODE, UNAUTHORIZED, bearer, enrol, enrolment_code

CODE = re.compile(
    r"[ABCDEFGHJKMNPQRSTVWXYZ23456789]{4}-[ABCDEFGHJKMNPQRSTVWXYZ23456789]{4}-[ABCDEFGHJKMNPQRSTVWXYZ23456789]{4}"
)


def session(http, server, token: str):
    return http.get(f"{server.url}/api/v1/session", headers=bearer(token), timeout=30)


def test_enrolment_gives_a_token_and_adopts_the_structure(shared_server, http, structure) -> None:
    code = structure.code
    assert CODE.fullmatch(code)
    typed = code.lower().replace("-", " ")  # typed by a person: case and separators do not matter
    response = enrol(http, shared_server, typed)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["structure"] == {
        "matricule": structure.matricule,
        "name": "Thiérache Sambre et Oise",
        "departement": "02",
        "itinerant": True,
    }
    assert UUID(answer["workstation_id"])
    assert len(answer["token"]) >= 43
    checked = session(http, shared_server, answer["token"])
    assert checked.status_code == 200
    assert checked.json()["workstation_id"] == answer["workstation_id"]
    assert checked.json()["structure"] == answer["structure"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", checked.json()["server_time"])


def test_a_code_serves_one_installation_only(server, http) -> None:
    """On a server of its own, as every test of a refused code: the lock-out counts refusals per
    address, and every test's address is 127.0.0.1."""
    code = create_structure(server.database_url)
    assert enrol(http, server, code).status_code == 201
    again = enrol(http, server, code)
    assert again.status_code == 401
    assert again.json() == {"detail": INVALID_CODE}
    unknown = enrol(http, server, "AAAA-BBBB-CCCC")
    assert (unknown.status_code, unknown.json()) == (401, {"detail": INVALID_CODE})


def test_a_retried_enrolment_replaces_the_token(shared_server, http, structure) -> None:
    code = structure.code
    installation = str(uuid4())
    first = enrol(http, shared_server, code, installation).json()
    second = enrol(http, shared_server, code, installation)
    assert second.status_code == 201
    assert second.json()["workstation_id"] == first["workstation_id"]
    assert second.json()["token"] != first["token"]
    old = session(http, shared_server, first["token"])
    assert (old.status_code, old.json()) == (401, {"detail": UNAUTHORIZED})
    assert session(http, shared_server, second.json()["token"]).status_code == 200


def test_an_expired_code_is_refused(server, http, db) -> None:
    code = create_structure(server.database_url)
    with db.begin() as connection:
        connection.execute(update(enrolment_codes).values(expires_at="2020-01-01T00:00:00Z"))
    response = enrol(http, server, code)
    assert (response.status_code, response.json()) == (401, {"detail": INVALID_CODE})


def test_unknown_or_missing_token_is_unauthorized(shared_server, http) -> None:
    unknown = session(http, shared_server, "pas-un-jeton")
    assert unknown.status_code == 401
    assert unknown.json() == {"detail": UNAUTHORIZED}
    assert unknown.headers["WWW-Authenticate"] == "Bearer"
    missing = http.get(f"{shared_server.url}/api/v1/session", timeout=30)
    assert (missing.status_code, missing.json()) == (401, {"detail": UNAUTHORIZED})


def test_a_malformed_enrolment_is_422(shared_server, http) -> None:
    response = http.post(f"{shared_server.url}/api/v1/enrolment", json={"code": "AAAA-BBBB-CCCC"}, timeout=30)
    assert response.status_code == 422


def test_revoked_workstation_is_unauthorized(server, http) -> None:
    url = server.database_url
    code = create_structure(url)
    installation = str(uuid4())
    enrolled = enrol(http, server, code, installation).json()
    listed = run_server_cli(url, "workstations", "--matricule", "3")
    assert listed.returncode == 0, listed.stderr
    [line] = [line for line in listed.stdout.splitlines() if line.startswith(enrolled["workstation_id"])]
    assert "poste-accueil" in line
    assert line.endswith("actif")

    revoked = run_server_cli(url, "revoke", "--workstation", enrolled["workstation_id"])
    assert revoked.returncode == 0, revoked.stderr
    assert "révoqué" in revoked.stdout
    refused = session(http, server, enrolled["token"])
    assert (refused.status_code, refused.json()) == (401, {"detail": UNAUTHORIZED})
    listed = run_server_cli(url, "workstations", "--matricule", "3")
    assert "révoqué le " in listed.stdout
    # The lost-answer retry cannot bring a revoked workstation back.
    retried = enrol(http, server, code, installation)
    assert (retried.status_code, retried.json()) == (401, {"detail": INVALID_CODE})


def test_a_new_code_enrols_another_workstation(shared_server, http, structure) -> None:
    url = shared_server.database_url
    first = enrol(http, shared_server, structure.code).json()
    code = enrolment_code(shared_server)
    assert CODE.fullmatch(code)
    second = enrol(http, shared_server, code)
    assert second.status_code == 201
    assert second.json()["workstation_id"] != first["workstation_id"]
    listed = run_server_cli(url, "workstations", "--matricule", structure.matricule).stdout
    assert first["workstation_id"] in listed
    assert second.json()["workstation_id"] in listed
