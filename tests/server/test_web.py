"""The web application over real HTTP: accounts, sessions, CSRF, lock-out, scoping by URL, exports."""

import csv
import html
import io
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from app.server.schema import audit_log, web_accounts, web_sessions
from tests.live_server import LiveServer, create_structure, run_server_cli, start_server
from tests.server.helpers import bearer, contact, enrol, enrolment_code, items, post_records
from tests.server.web_helpers import NOVEMBER, PASSWORD, add_account, csrf_of, log_in


def test_add_account_keeps_an_argon2_hash_and_refuses_bad_scopes(web: LiveServer, db: Engine) -> None:
    with db.connect() as connection:
        stored = connection.execute(select(web_accounts.c.login, web_accounts.c.password_hash)).all()
    assert {login for login, _hash in stored} == {"anct@example.fr", "pref02@example.fr", "fs3@example.fr"}
    assert all(hashed.startswith("$argon2id$") and PASSWORD not in hashed for _login, hashed in stored)
    refusals = {
        ("court@example.fr", "national"): "Mot de passe trop court",
        ("d@example.fr", "departement"): "au moins un département",
        ("s@example.fr", "structure", "--matricule", "999"): "Structure inconnue",
        ("anct@example.fr", "national"): "existe déjà",
    }
    for (login, role, *scope), message in refusals.items():
        password = "court" if login.startswith("court") else PASSWORD
        done = add_account(web.database_url, login, role, *scope, password=password)
        assert done.returncode == 1 and message in done.stderr, done.stderr


def test_login_sets_a_strict_http_only_cookie_and_logout_ends_the_session(
    web: LiveServer, db: Engine
) -> None:
    http, answer = log_in(web, "ANCT@example.fr ")
    assert answer.status_code == 303 and answer.headers["location"] == "/tableau-de-bord"
    cookie = answer.headers["set-cookie"]
    assert "bv_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = http.get(f"{web.url}/tableau-de-bord", timeout=30)
    assert page.status_code == 200 and "Vue nationale" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]

    assert http.post(f"{web.url}/deconnexion", data={}, allow_redirects=False, timeout=30).status_code == 403
    with db.connect() as connection:
        assert connection.execute(select(web_sessions)).all() != []
    out = http.post(
        f"{web.url}/deconnexion", data={"csrf": csrf_of(page.text)}, allow_redirects=False, timeout=30
    )
    assert out.status_code == 303
    with db.connect() as connection:
        assert connection.execute(select(web_sessions)).all() == []
        events = connection.execute(
            select(audit_log.c.event, audit_log.c.login).order_by(audit_log.c.id)
        ).all()
    assert [tuple(event) for event in events] == [("login", "anct@example.fr"), ("logout", "anct@example.fr")]
    again = http.get(f"{web.url}/tableau-de-bord", allow_redirects=False, timeout=30)
    assert again.status_code == 303 and again.headers["location"] == "/connexion"


def test_the_session_cookie_is_secure_unless_told_otherwise(database_url: str, tmp_path: Path) -> None:
    with start_server(database_url, tmp_path / "serveur.log") as live:
        assert add_account(database_url, "anct@example.fr", "national").returncode == 0
        form = requests.get(f"{live.url}/connexion", timeout=30)
        assert "Secure" in form.headers["set-cookie"]
        csrf = csrf_of(form.text)
        # What a browser sends back over HTTPS; requests keeps Secure cookies from http:// to itself.
        answer = requests.post(
            f"{live.url}/connexion",
            data={"csrf": csrf, "identifiant": "anct@example.fr", "mot_de_passe": PASSWORD},
            headers={"Cookie": f"bv_login_csrf={csrf}"},
            allow_redirects=False,
            timeout=30,
        )
    assert answer.status_code == 303
    session_cookie = next(
        value for value in answer.raw.headers.getlist("set-cookie") if "bv_session" in value
    )
    assert session_cookie.startswith("__Host-bv_session=") and "Secure" in session_cookie


def test_a_login_form_without_its_csrf_token_is_refused(web: LiveServer) -> None:
    with requests.Session() as http:
        http.get(f"{web.url}/connexion", timeout=30)
        forged = http.post(
            f"{web.url}/connexion",
            data={"csrf": "forged", "identifiant": "anct@example.fr", "mot_de_passe": PASSWORD},
            allow_redirects=False,
            timeout=30,
        )
    assert forged.status_code == 403 and "Formulaire refusé" in forged.text
    assert "bv_session" not in forged.headers.get("set-cookie", "")


def test_repeated_failures_lock_the_login_out_even_with_the_right_password(
    web: LiveServer, db: Engine, tmp_path: Path
) -> None:
    """Failures count across server processes on one database: 3 on one, 2 on another lock both."""
    with start_server(web.database_url, tmp_path / "second.log", ("--http-cookies",)) as second:
        for server in (web, web, web, second, second):
            _http, answer = log_in(server, "pref02@example.fr", "pas le bon mot de passe")
            assert answer.status_code == 401 and "Identifiant ou mot de passe incorrect." in answer.text
        for server in (web, second):
            _http, locked = log_in(server, "PREF02@example.fr")
            assert locked.status_code == 429 and "Trop de tentatives" in html.unescape(locked.text)
    _http, other = log_in(web, "anct@example.fr")
    assert other.status_code == 429  # the same address failed too often: locked whatever the login
    with db.connect() as connection:
        events = connection.execute(select(audit_log.c.event)).scalars().all()
    assert events.count("login_failed") == 5 and events.count("locked_out") == 3


@pytest.mark.parametrize(
    ("login", "forbidden"),
    [
        ("pref02@example.fr", ["/structures/4", "/departements/59", "/structures/4?format=csv"]),
        ("fs3@example.fr", ["/structures/4", "/departements/59", "/departements/02", "/structures/nope"]),
    ],
)
def test_tampered_urls_outside_the_scope_get_a_404(web: LiveServer, login: str, forbidden: list[str]) -> None:
    http, answer = log_in(web, login)
    assert answer.status_code == 303
    for path in forbidden:
        page = http.get(f"{web.url}{path}", timeout=30)
        assert page.status_code == 404 and "Page introuvable" in page.text, path
    for query in ({"structure": "4"}, {"departement": "59"}):
        answer = http.get(f"{web.url}/api/v1/stats/figures", params=query, timeout=30)
        assert answer.status_code == 404, query
    listed = http.get(f"{web.url}/api/v1/stats/structures", timeout=30).json()
    assert [row["matricule"] for row in listed] == ["3"]
    assert "/structures/4" not in http.get(f"{web.url}/structures", timeout=30).text
    assert http.get(f"{web.url}/structures/3", timeout=30).status_code == 200


def test_a_national_account_sees_every_structure_and_a_structure_account_lands_on_its_own(
    web: LiveServer,
) -> None:
    national, _answer = log_in(web, "anct@example.fr")
    listed = national.get(f"{web.url}/api/v1/stats/structures", timeout=30).json()
    assert [(row["matricule"], row["silent"]) for row in listed] == [("3", False), ("4", True)]
    assert national.get(f"{web.url}/departements/59", timeout=30).status_code == 200
    own, _answer = log_in(web, "fs3@example.fr")
    landing = own.get(f"{web.url}/tableau-de-bord", allow_redirects=False, timeout=30)
    assert landing.status_code == 303 and landing.headers["location"] == "/structures/3"


def test_pages_and_api_need_a_session(web: LiveServer) -> None:
    assert (
        requests.get(f"{web.url}/structures/3", allow_redirects=False, timeout=30).headers["location"]
        == "/connexion"
    )
    answer = requests.get(f"{web.url}/api/v1/stats/figures", timeout=30)
    assert answer.status_code == 401 and answer.json()["detail"]["code"] == "unauthorized"


def test_exports_say_what_the_json_says_and_are_audited(web: LiveServer, db: Engine) -> None:
    http, _answer = log_in(web, "pref02@example.fr")
    figures = http.get(f"{web.url}/api/v1/stats/figures", params=NOVEMBER, timeout=30).json()
    assert figures["total"] == 2 and figures["by_partner"] == {"dgfip": 2, "caf": 1}
    assert figures["escalations_sent"] == 1 and figures["structures"] == 1
    assert figures["solved_on_the_spot_share"] == 0.5

    csv_answer = http.get(f"{web.url}/tableau-de-bord", params={**NOVEMBER, "format": "csv"}, timeout=30)
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert csv_answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_answer.content.decode("utf-8-sig")), delimiter=";"))
    partners = rows[rows.index(["Contacts par partenaire"]) + 2 :][:2]
    assert partners == [["DGFiP (Finances publiques)", "2"], ["CAF (Allocations familiales)", "1"]] or [
        int(n) for _name, n in partners
    ] == [2, 1]
    assert ["Contacts", "2"] in rows and ["Sollicitations envoyées", "1"] in rows

    xlsx = http.get(f"{web.url}/tableau-de-bord", params={**NOVEMBER, "format": "xlsx"}, timeout=30)
    book = load_workbook(io.BytesIO(xlsx.content))
    assert list(book["mois"].iter_rows(values_only=True)) == [
        ("Mois (AAAA-MM)", "Mois", "Contacts"),
        ("2026-11", "novembre 2026", 2),
    ]
    assert [row[1] for row in book["partner"].iter_rows(min_row=2, values_only=True)] == [2, 1]
    with db.connect() as connection:
        exports = (
            connection.execute(select(audit_log.c.detail).where(audit_log.c.event == "export"))
            .scalars()
            .all()
        )
    assert exports == [
        "/tableau-de-bord?periode=2026-11&format=csv",
        "/tableau-de-bord?periode=2026-11&format=xlsx",
    ]


def test_the_structure_figures_are_the_monthly_summary(web: LiveServer) -> None:
    """One aggregation: the page's figures for a month are the structure's monthly summary."""
    http, _answer = log_in(web, "fs3@example.fr")
    figures = http.get(
        f"{web.url}/api/v1/stats/figures", params={**NOVEMBER, "structure": "3"}, timeout=30
    ).json()
    with requests.Session() as workstation:
        token = enrol(workstation, web, enrolment_code(web)).json()["token"]
        summary = workstation.get(
            f"{web.url}/api/v1/structures/3/summary",
            params={"month": "2026-11"},
            headers=bearer(token),
            timeout=30,
        ).json()
    assert {key: figures[key] for key in summary if key not in ("matricule", "month")} == {
        key: value for key, value in summary.items() if key not in ("matricule", "month")
    }
    quarter = http.get(f"{web.url}/api/v1/stats/figures", params={"periode": "2026-T4"}, timeout=30).json()
    assert quarter["total"] == 3 and quarter["by_month"] == {"2026-10": 1, "2026-11": 2, "2026-12": 0}


def test_a_bad_period_gets_a_french_message(web: LiveServer) -> None:
    http, _answer = log_in(web, "anct@example.fr")
    page = http.get(f"{web.url}/tableau-de-bord", params={"du": "2026-13", "au": "2026-11"}, timeout=30)
    assert page.status_code == 400 and "Mois « du » invalide" in page.text
    answer = http.get(f"{web.url}/api/v1/stats/figures", params={"periode": "novembre"}, timeout=30)
    assert answer.status_code == 400 and "Période incompréhensible" in answer.json()["detail"]["message"]
    export = http.get(f"{web.url}/tableau-de-bord", params={"format": "pdf"}, timeout=30)
    assert export.status_code == 400 and "Format d'export inconnu" in html.unescape(export.text)


def test_the_public_page_needs_no_account(web: LiveServer) -> None:
    page = requests.get(f"{web.url}/statistiques", params={"periode": "2026"}, timeout=30)
    assert page.status_code == 200 and "Contacts par mois et par département" in page.text
    public = requests.get(f"{web.url}/api/v1/stats/public", params={"periode": "2026"}, timeout=30).json()
    assert public["national"]["2026-11"] == 2 and public["national"]["2026-10"] == 1
    assert list(public["departements"]) == ["02"]
    xlsx = requests.get(f"{web.url}/statistiques", params={"periode": "2026", "format": "xlsx"}, timeout=30)
    rows = list(load_workbook(io.BytesIO(xlsx.content))["departements"].iter_rows(values_only=True))
    assert rows[1][0] == "02" and rows[1][-1] == 3


def test_the_dashboard_api_is_in_the_openapi_schema(web: LiveServer) -> None:
    paths = requests.get(f"{web.url}/openapi.json", timeout=30).json()["paths"]
    assert {"/api/v1/stats/figures", "/api/v1/stats/structures", "/api/v1/stats/public"} <= set(paths)
    assert "/connexion" not in paths


def test_the_map_colours_only_the_scope_and_links_to_its_pages(web: LiveServer) -> None:
    http, _answer = log_in(web, "pref02@example.fr")
    page = html.unescape(http.get(f"{web.url}/carte", params={"periode": "2026"}, timeout=30).text)
    assert "<title>Aisne (02) : 3 contacts</title>" in page
    assert "<title>Nord (59) : 0 contact</title>" in page
    assert 'href="/departements/02?periode=2026"' in page
    exported = http.get(f"{web.url}/carte", params={"periode": "2026", "format": "csv"}, timeout=30)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1:] == [["Code du département", "Département", "Contacts"], ["02", "Aisne (02)", "3"]]


def test_a_national_account_creates_accounts_in_the_pages_with_its_csrf_token(
    web: LiveServer, db: Engine
) -> None:
    national, _answer = log_in(web, "anct@example.fr")
    form = national.get(f"{web.url}/comptes", timeout=30)
    assert form.status_code == 200 and "pref02@example.fr" in form.text
    fields = {
        "identifiant": "pref59@example.fr",
        "role": "departement",
        "departements": "59",
        "mot_de_passe": PASSWORD,
    }
    forged = national.post(f"{web.url}/comptes", data={**fields, "csrf": "forged"}, timeout=30)
    assert forged.status_code == 403
    refused = national.post(
        f"{web.url}/comptes", data={**fields, "departements": "99x", "csrf": csrf_of(form.text)}, timeout=30
    )
    assert refused.status_code == 400 and "Département invalide" in html.unescape(refused.text)
    created = national.post(f"{web.url}/comptes", data={**fields, "csrf": csrf_of(form.text)}, timeout=30)
    assert created.status_code == 200 and "Compte « pref59@example.fr » créé" in html.unescape(created.text)
    nord, answer = log_in(web, "pref59@example.fr")
    assert answer.status_code == 303
    assert [
        row["matricule"] for row in nord.get(f"{web.url}/api/v1/stats/structures", timeout=30).json()
    ] == ["4"]
    assert nord.get(f"{web.url}/comptes", timeout=30).status_code == 404
    with db.connect() as connection:
        details = (
            connection.execute(select(audit_log.c.detail).where(audit_log.c.event == "account_created"))
            .scalars()
            .all()
        )
    assert details == ["pref59@example.fr (departement)"]


def test_tools_read_the_api_with_their_accounts_token_in_its_scope(web: LiveServer) -> None:
    def issue() -> str:
        done = run_server_cli(web.database_url, "api-token", "--login", "pref02@example.fr")
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    first = issue()
    answer = requests.get(
        f"{web.url}/api/v1/stats/figures", params=NOVEMBER, headers=bearer(first), timeout=30
    )
    assert answer.status_code == 200 and answer.json()["total"] == 2
    outside = requests.get(
        f"{web.url}/api/v1/stats/figures", params={"structure": "4"}, headers=bearer(first), timeout=30
    )
    assert outside.status_code == 404
    second = issue()
    for token in (first, "inconnu"):
        refused = requests.get(f"{web.url}/api/v1/stats/structures", headers=bearer(token), timeout=30)
        assert refused.status_code == 401, token
    assert (
        requests.get(f"{web.url}/api/v1/stats/structures", headers=bearer(second), timeout=30).status_code
        == 200
    )
    unknown = run_server_cli(web.database_url, "api-token", "--login", "personne@example.fr")
    assert unknown.returncode == 1 and "Compte inconnu" in unknown.stderr


def test_a_name_typed_as_a_formula_stays_text_in_the_exports(web: LiveServer) -> None:
    with requests.Session() as workstation:
        token = enrol(workstation, web, enrolment_code(web)).json()["token"]
        batch = items(contact(agent='=HYPERLINK("http://example.com")', place="+33 Guise"))
        assert post_records(workstation, web, token, batch).status_code == 200
    http, _answer = log_in(web, "fs3@example.fr")
    xlsx = http.get(f"{web.url}/structures/3", params={**NOVEMBER, "format": "xlsx"}, timeout=30)
    book = load_workbook(io.BytesIO(xlsx.content))
    agents = {cell.value: cell.data_type for cell in book["agent"]["A"][1:]}
    assert agents == {"Julie M.": "s", '=HYPERLINK("http://example.com")': "s"}
    exported = http.get(f"{web.url}/structures/3", params={**NOVEMBER, "format": "csv"}, timeout=30)
    assert "'=HYPERLINK" in exported.content.decode("utf-8-sig")


def test_an_account_of_two_departements_sees_both_and_nothing_else(web: LiveServer) -> None:
    create_structure(web.database_url, "5", "Lille", "59", itinerant=False)
    create_structure(web.database_url, "6", "Arras", "62", itinerant=False)
    done = add_account(
        web.database_url, "region@example.fr", "departement", "--departement", "59", "--departement", "2"
    )
    assert done.returncode == 0, done.stderr
    http, _answer = log_in(web, "region@example.fr")
    listed = http.get(f"{web.url}/api/v1/stats/structures", timeout=30).json()
    assert sorted(row["matricule"] for row in listed) == ["3", "4", "5"]
    assert http.get(f"{web.url}/api/v1/stats/figures", params=NOVEMBER, timeout=30).json()["total"] == 2
    overview = html.unescape(http.get(f"{web.url}/tableau-de-bord", timeout=30).text)
    assert "Aisne (02), Nord (59)" in overview
    for path in ("/departements/02", "/departements/59", "/structures/5"):
        assert http.get(f"{web.url}{path}", timeout=30).status_code == 200, path
    for path in ("/departements/62", "/structures/6", "/structures?departement=62"):
        assert http.get(f"{web.url}{path}", timeout=30).status_code == 404, path
    outside = http.get(f"{web.url}/api/v1/stats/figures", params={"departement": "62"}, timeout=30)
    assert outside.status_code == 404
