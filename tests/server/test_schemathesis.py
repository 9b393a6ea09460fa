"""The audit's fuzzing, kept small: schemathesis generates requests from the live server's own
`/openapi.json` (valid and invalid ones, each sent with the workstation's token and without) against
the real server on SQLite, and on PostgreSQL when it is configured (the stats API's operations
with a national account's API token instead). Any 5xx, or any answer the schema
does not document (status, content type, headers, body), fails the test. Bounded by the number of
examples per operation, a few seconds each; the audit ran it for 30 minutes."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine

from app.server.web.accounts import create_account, issue_api_token
from tests.live_server import LiveServer
from tests.server.helpers import bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 100


def _stats_token(server: LiveServer) -> str:
    """An API token of a national account: the stats API's answers (app/server/web/api.py) are
    checked against their documented schemas only when they are 200s, which a workstation's token
    never gets."""
    engine = create_engine(server.database_url)
    try:
        create_account(engine, "anct@example.fr", "mot de passe assez long", "national")
        return issue_api_token(engine, "anct@example.fr")
    finally:
        engine.dispose()


def test_every_answer_is_documented_and_none_is_a_5xx(server: LiveServer, token: str) -> None:
    stats_token = _stats_token(server)

    def _token_for(case) -> str:
        return stats_token if case.operation.path.startswith("/api/v1/stats/") else token

    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11  # the protocol's 8 and the dashboard's 3 (app/server/web/api.py)
    for operation in operations:
        has_input = any(
            len(parameters)
            for parameters in (operation.path_parameters, operation.query, operation.headers, operation.body)
        )
        modes = (
            (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if has_input else (GenerationMode.POSITIVE,)
        )
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION // 2,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def probe(case) -> None:
                case.call_and_validate(base_url=server.url, headers=bearer(_token_for(case)), checks=CHECKS)
                anonymous = case.call(base_url=server.url)
                case.validate_response(anonymous, checks=CHECKS)

            probe()


def test_the_schema_documents_every_field_of_the_summary(server: LiveServer, token: str, http) -> None:
    """Extra fields pass the schema check above: the summary's documented fields must be exactly its
    fields (the Pass numérique figures were missing)."""
    documented = http.get(f"{server.url}/openapi.json", timeout=30).json()["components"]["schemas"][
        "SummaryAnswer"
    ]
    summary = http.get(
        f"{server.url}/api/v1/structures/3/summary",
        params={"month": "2026-11"},
        headers=bearer(token),
        timeout=30,
    )
    assert summary.status_code == 200, summary.text
    assert set(documented["properties"]) == set(summary.json())
    assert set(documented["required"]) == set(summary.json())


def test_every_operation_documents_the_refusals_any_request_can_get(server: LiveServer, http) -> None:
    """A too large body (413), a malformed request (422) and a database momentarily unavailable (503)
    can happen anywhere: schemathesis cannot provoke the last one, so it is checked here."""
    paths = http.get(f"{server.url}/openapi.json", timeout=30).json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert {"413", "422", "503"} <= set(operation["responses"]), (method, path)
