"""The web application's errors are French DSFR pages, never a 500; the API keeps its JSON errors."""

import html

import requests

from tests.server.web_helpers import PASSWORD, WebDesk, csrf_of, log_in


def _is_error_page(answer: requests.Response, status: int, title: str) -> bool:
    return (
        answer.status_code == status
        and answer.headers["content-type"].startswith("text/html")
        and '<html lang="fr"' in answer.text
        and "/static/dsfr/dsfr.min.css" in answer.text
        and f"<h1>{title}</h1>" in answer.text
    )


def test_unknown_pages_get_a_french_page_and_the_api_its_json(shared_web: WebDesk) -> None:
    for path in ("/nulle-part", f"/structures/{shared_web.matricule}/inconnu", "/static/absent.css"):
        answer = requests.get(f"{shared_web.url}{path}", timeout=30)
        assert _is_error_page(answer, 404, "Page introuvable"), path
    for path in ("/api/v1/nulle-part", "/api/v1/stats/nulle-part"):
        answer = requests.get(f"{shared_web.url}{path}", timeout=30)
        assert answer.status_code == 404 and answer.json()["detail"]["code"] == "not_found", path


def test_a_wrong_method_gets_a_french_page(shared_web: WebDesk) -> None:
    http, _answer = log_in(shared_web.server, shared_web.national)
    assert _is_error_page(
        http.get(f"{shared_web.url}/deconnexion", timeout=30), 405, "Action impossible sur cette page"
    )
    assert _is_error_page(
        http.post(f"{shared_web.url}/structures", timeout=30), 405, "Action impossible sur cette page"
    )
    refused = http.post(f"{shared_web.url}/api/v1/stats/figures", timeout=30)
    assert refused.status_code == 405 and refused.json()["detail"]["code"] == "method_not_allowed"


def test_nul_characters_in_forms_and_addresses_are_refused_cleanly(shared_web: WebDesk) -> None:
    """PostgreSQL's text refuses NUL: a page that passed it on would answer 500."""
    http, _answer = log_in(shared_web.server, shared_web.national)
    assert http.get(f"{shared_web.url}/structures/{shared_web.matricule}%00", timeout=30).status_code == 404
    api = http.get(
        f"{shared_web.url}/api/v1/stats/figures",
        params={"structure": f"{shared_web.matricule}\x00"},
        timeout=30,
    )
    assert api.status_code == 404
    form = http.get(f"{shared_web.url}/comptes", timeout=30)
    refused = http.post(
        f"{shared_web.url}/comptes",
        data={
            "csrf": csrf_of(form.text),
            "identifiant": f"fs9-{shared_web.matricule}@example.fr",
            "role": "structure",
            "matricule": f"{shared_web.matricule}\x00",
            "mot_de_passe": PASSWORD,
        },
        timeout=30,
    )
    assert refused.status_code == 400 and "Structure inconnue" in refused.text
    _other, failed = log_in(shared_web.server, shared_web.national.replace("@", "\x00@"))
    assert failed.status_code == 401


def test_a_form_over_64_kib_gets_a_french_page_and_the_api_its_json(shared_web: WebDesk) -> None:
    http, _answer = log_in(shared_web.server, shared_web.national)
    csrf = csrf_of(http.get(f"{shared_web.url}/comptes", timeout=30).text)
    form = {
        "csrf": csrf,
        "identifiant": f"gros-{shared_web.matricule}@example.fr",
        "mot_de_passe": PASSWORD,
        "role": "national",
    }
    form["departements"] = "02 " * 30_000  # ~90 KB
    declared = http.post(f"{shared_web.url}/comptes", data=form, timeout=30)
    body = "&".join(f"{name}={value.replace(' ', '+')}" for name, value in form.items()).encode()
    streamed = http.post(  # chunked: no Content-Length, refused while it streams
        f"{shared_web.url}/comptes",
        data=(body[index : index + 8192] for index in range(0, len(body), 8192)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    for answer in (declared, streamed):
        assert _is_error_page(answer, 413, "Formulaire trop volumineux"), answer.text[:300]
        assert "rien n'a été enregistré" in html.unescape(answer.text)
    assert (
        f"gros-{shared_web.matricule}@example.fr"
        not in http.get(f"{shared_web.url}/comptes", timeout=30).text
    )
    api = requests.post(f"{shared_web.url}/api/v1/enrol", data=b"x" * 70_000, timeout=30)
    assert api.status_code == 413 and api.headers["content-type"] == "application/json"
    assert "trop volumineux" in api.json()["detail"]["message"]
