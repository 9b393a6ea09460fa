"""Health, OpenAPI, reference data with ETags, and the error format of unknown addresses: answers that
do not depend on what was stored, so the file shares one server."""

import hashlib

from app.paths import resources_dir
from tests.server.helpers import UNAUTHORIZED, bearer


def test_health(shared_server, http) -> None:
    response = http.get(f"{shared_server.url}/health", timeout=30)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_openapi_lists_the_protocol(shared_server, http) -> None:
    schema = http.get(f"{shared_server.url}/openapi.json", timeout=30).json()
    assert set(schema["paths"]) >= {
        "/api/v1/enrolment",
        "/api/v1/session",
        "/api/v1/records",
        "/api/v1/reference/{name}",
        "/api/v1/structures/{matricule}/summary",
        "/health",
    }
    ingest = schema["paths"]["/api/v1/records"]["post"]
    assert "records" in ingest["requestBody"]["content"]["application/json"]["schema"]["properties"]


def test_reference_files_carry_an_etag(shared_server, http, shared_token) -> None:
    for name in ("partners", "bouquet", "contact_fields"):
        response = http.get(
            f"{shared_server.url}/api/v1/reference/{name}", headers=bearer(shared_token), timeout=30
        )
        assert response.status_code == 200
        body = (resources_dir() / "reference" / f"{name}.json").read_bytes()
        assert response.content == body
        etag = response.headers["ETag"]
        assert etag == f'"{hashlib.sha256(body).hexdigest()}"'
        unchanged = http.get(
            f"{shared_server.url}/api/v1/reference/{name}",
            headers={**bearer(shared_token), "If-None-Match": etag},
            timeout=30,
        )
        assert (unchanged.status_code, unchanged.content) == (304, b"")
        stale = http.get(
            f"{shared_server.url}/api/v1/reference/{name}",
            headers={**bearer(shared_token), "If-None-Match": '"ancienne-version"'},
            timeout=30,
        )
        assert stale.status_code == 200


def test_reference_needs_a_token_and_a_known_name(shared_server, http, shared_token) -> None:
    anonymous = http.get(f"{shared_server.url}/api/v1/reference/partners", timeout=30)
    assert (anonymous.status_code, anonymous.json()) == (401, {"detail": UNAUTHORIZED})
    unknown = http.get(
        f"{shared_server.url}/api/v1/reference/secrets", headers=bearer(shared_token), timeout=30
    )
    assert unknown.status_code == 404
    assert unknown.json()["detail"]["code"] == "not_found"


def test_unknown_address_answers_in_the_protocol_format(shared_server, http) -> None:
    response = http.get(f"{shared_server.url}/api/v1/nulle-part", timeout=30)
    assert response.status_code == 404
    assert response.json() == {"detail": {"code": "not_found", "message": "Adresse inconnue sur ce serveur."}}
