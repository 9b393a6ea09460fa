"""The stats API's 200 answers against the live server's own `/openapi.json`: real answers (national,
département and structure scopes, the public one) are valid under the documented schemas, and the
documented keys are exactly the answers' keys — the models of app/server/web/api_models.py document
the dicts of app/server/figures.py and must not drift from them."""

import jsonschema_rs
import requests

from app.server.web.api import router
from tests.server.web_helpers import NOVEMBER, WebDesk, log_in

FIGURES = "/api/v1/stats/figures"
STRUCTURES = "/api/v1/stats/structures"
PUBLIC = "/api/v1/stats/public"


def _documented(openapi: dict, path: str) -> dict:
    """The 200 answer's schema of `path`, its references resolvable (the document's components)."""
    schema = openapi["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return {**schema, "components": openapi["components"]}


def _valid(schema: dict, answer: requests.Response) -> object:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    errors = [str(error) for error in jsonschema_rs.Draft202012Validator(schema).iter_errors(body)]
    assert errors == [], (answer.url, errors)
    return body


def test_real_answers_are_valid_under_the_documented_schemas(shared_web: WebDesk) -> None:
    web = shared_web.server
    openapi = requests.get(f"{web.url}/openapi.json", timeout=30).json()
    figures, structures = _documented(openapi, FIGURES), _documented(openapi, STRUCTURES)
    national, _answer = log_in(web, shared_web.national)
    prefecture, _answer = log_in(web, shared_web.prefecture)
    local, _answer = log_in(web, shared_web.local)
    for http, query in (
        (national, NOVEMBER),
        (national, {**NOVEMBER, "departement": shared_web.departement}),
        (prefecture, {"du": "2026-10", "au": "2026-11"}),
        (local, {**NOVEMBER, "structure": shared_web.matricule}),
        (local, {"periode": "2025"}),  # nothing: null share, zeros
    ):
        _valid(figures, http.get(f"{web.url}{FIGURES}", params=query, timeout=30))
    for http in (national, prefecture, local):
        rows = _valid(structures, http.get(f"{web.url}{STRUCTURES}", timeout=30))
        assert rows  # an empty list would check nothing of a row's schema
    ours = {row["matricule"]: row for row in national.get(f"{web.url}{STRUCTURES}", timeout=30).json()}
    # The silent one never synced (nulls), the other did (times): both forms of the row were checked.
    assert ours[shared_web.other]["last_record_at"] is None and ours[shared_web.other]["silent"]
    assert ours[shared_web.matricule]["last_record_at"].endswith("Z")
    public = _documented(openapi, PUBLIC)
    for query in ({"periode": "2026"}, {"du": "2026-10", "au": "2026-11"}):
        body = _valid(public, requests.get(f"{web.url}{PUBLIC}", params=query, timeout=30))
        assert shared_web.departement in body["departements"]


def test_the_documented_keys_are_exactly_the_answers_keys(shared_web: WebDesk) -> None:
    """A key added to an answer and not to its model, or to the model and not to the answer, fails
    here: `additionalProperties: false` alone would not catch a documented key the answer lost."""
    web = shared_web.server
    schemas = requests.get(f"{web.url}/openapi.json", timeout=30).json()["components"]["schemas"]
    national, _answer = log_in(web, shared_web.national)
    local, _answer = log_in(web, shared_web.local)
    documented = schemas["FiguresAnswer"]
    assert documented["additionalProperties"] is False
    across = national.get(f"{web.url}{FIGURES}", params=NOVEMBER, timeout=30).json()
    one = local.get(f"{web.url}{FIGURES}", params={**NOVEMBER, "structure": shared_web.matricule}, timeout=30)
    # Across structures, the required keys; for one structure, also its agents, places and week.
    assert set(across) == set(documented["required"])
    assert set(one.json()) == set(documented["properties"])
    assert set(documented["properties"]) - set(documented["required"]) == {
        "by_agent",
        "by_place",
        "by_weekday_hour",
    }
    row = national.get(f"{web.url}{STRUCTURES}", timeout=30).json()[0]
    assert list(row) == list(schemas["StructureRow"]["properties"]) == schemas["StructureRow"]["required"]
    public = requests.get(f"{web.url}{PUBLIC}", params={"periode": "2026"}, timeout=30).json()
    assert list(public) == list(schemas["PublicAnswer"]["properties"]) == schemas["PublicAnswer"]["required"]


def test_every_documented_key_has_a_french_description(shared_web: WebDesk) -> None:
    schemas = requests.get(f"{shared_web.url}/openapi.json", timeout=30).json()["components"]["schemas"]
    for name in ("FiguresAnswer", "StructureRow", "PublicAnswer"):
        assert schemas[name]["description"], name
        for key, field in schemas[name]["properties"].items():
            assert len(field.get("description", "")) > 10, (name, key)
    paths = requests.get(f"{shared_web.url}/openapi.json", timeout=30).json()["paths"]
    for path in (FIGURES, STRUCTURES, PUBLIC):
        operation = paths[path]["get"]
        assert operation["summary"] and operation["description"], path
        assert operation["responses"]["200"]["description"] != "Successful Response", path


def test_the_answers_are_documented_not_validated() -> None:
    """The models document the answers; validating the national list (~2,850 rows) through them on
    every request would cost its time and could change its bytes (test_web_exports.py pins them)."""
    assert {route.path: route.response_model for route in router.routes} == {
        FIGURES: None,
        STRUCTURES: None,
        PUBLIC: None,
    }
