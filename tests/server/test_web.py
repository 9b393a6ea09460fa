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
from app.server.web.accounts import create_account
from app.server.web.format import departement_label
from tests.live_server import LiveServer, create_structure, run_server_cli, start_server, unique_matricule
from tests.server.helpers import bearer, contact, enrol, enrolment_code, items, post_records
from tests.server.web_helpers import NOVEMBER, PASSWORD, WebDesk, add_account, csrf_of, log_in


def test_add_account_keeps_an_argon2_hash_and_refuses_bad_scopes(
    shared_web: WebDesk, shared_web_db: Engine
) -> None:
    url = shared_web.server.database_url
    login = f"cli-{shared_web.matricule}@example.fr"
    done = add_account(url, login, "departement", "--departement", shared_web.departement)
    assert done.returncode == 0, done.stderr
    refusals = {
        (f"court-{shared_web.matricule}@example.fr", "national"): "Mot de passe trop court",
        (f"d-{shared_web.matricule}@example.fr", "departement"): "au moins un département",
        (f"s-{shared_web.matricule}@example.fr", "structure", "--matricule", "999"): "Structure inconnue",
        (login.upper(), "national"): "existe déjà",
    }
    for (refused, role, *scope), message in refusals.items():
        password = "court" if refused.startswith("court") else PASSWORD
        done = add_account(url, refused, role, *scope, password=password)
        assert done.returncode == 1 and message in done.stderr, done.stderr
    with shared_web_db.connect() as connection:
        stored = connection.execute(
            select(web_accounts.c.login, web_accounts.c.password_hash).where(
                web_accounts.c.login.contains(shared_web.matricule)
            )
        ).all()
    ours = {shared_web.national, shared_web.prefecture, shared_web.local, login}
    assert {login for login, _hash in stored} == ours  # none of the refused ones
    assert all(hashed.startswith("$argon2id$") and PASSWORD not in hashed for _login, hashed in stored)


def test_login_sets_a_strict_http_only_cookie_and_logout_ends_the_session(
    shared_web: WebDesk, shared_web_db: Engine
) -> None:
    web = shared_web.server
    http, answer = log_in(web, shared_web.national.upper() + " ")
    assert answer.status_code == 303 and answer.headers["location"] == "/tableau-de-bord"
    cookie = answer.headers["set-cookie"]
    assert "bv_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = http.get(f"{web.url}/tableau-de-bord", timeout=30)
    assert page.status_code == 200 and "Vue nationale" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]

    ours = select(web_accounts.c.id).where(web_accounts.c.login == shared_web.national).scalar_subquery()
    sessions = select(web_sessions).where(web_sessions.c.account_id == ours)
    assert http.post(f"{web.url}/deconnexion", data={}, allow_redirects=False, timeout=30).status_code == 403
    with shared_web_db.connect() as connection:
        assert connection.execute(sessions).all() != []
    out = http.post(
        f"{web.url}/deconnexion", data={"csrf": csrf_of(page.text)}, allow_redirects=False, timeout=30
    )
    assert out.status_code == 303
    with shared_web_db.connect() as connection:
        assert connection.execute(sessions).all() == []
        events = connection.execute(
            select(audit_log.c.event, audit_log.c.login)
            .where(audit_log.c.login == shared_web.national)
            .order_by(audit_log.c.id)
        ).all()
    assert [tuple(event) for event in events] == [
        ("login", shared_web.national),
        ("logout", shared_web.national),
    ]
    again = http.get(f"{web.url}/tableau-de-bord", allow_redirects=False, timeout=30)
    assert again.status_code == 303 and again.headers["location"] == "/connexion"


def test_the_session_cookie_is_secure_unless_told_otherwise(
    shared_server: LiveServer, shared_db: Engine
) -> None:
    """On the shared API server, started without `--http-cookies`."""
    login = f"anct-{unique_matricule()}@example.fr"
    create_account(shared_db, login, PASSWORD, "national")
    form = requests.get(f"{shared_server.url}/connexion", timeout=30)
    assert "Secure" in form.headers["set-cookie"]
    csrf = csrf_of(form.text)
    # What a browser sends back over HTTPS; requests keeps Secure cookies from http:// to itself.
    answer = requests.post(
        f"{shared_server.url}/connexion",
        data={"csrf": csrf, "identifiant": login, "mot_de_passe": PASSWORD},
        headers={"Cookie": f"bv_login_csrf={csrf}"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303
    session_cookie = next(
        value for value in answer.raw.headers.getlist("set-cookie") if "bv_session" in value
    )
    assert session_cookie.startswith("__Host-bv_session=") and "Secure" in session_cookie


def test_a_login_form_without_its_csrf_token_is_refused(shared_web: WebDesk) -> None:
    """Refused before the password is checked: no failed login for the lock-out to count."""
    with requests.Session() as http:
        http.get(f"{shared_web.url}/connexion", timeout=30)
        forged = http.post(
            f"{shared_web.url}/connexion",
            data={"csrf": "forged", "identifiant": shared_web.national, "mot_de_passe": PASSWORD},
            allow_redirects=False,
            timeout=30,
        )
    assert forged.status_code == 403 and "Formulaire refusé" in forged.text
    assert "bv_session" not in forged.headers.get("set-cookie", "")


def test_repeated_failures_lock_the_login_out_even_with_the_right_password(
    web: LiveServer, db: Engine, tmp_path: Path
) -> None:
    """Failures count across server processes on one database: 3 on one, 2 on another lock both.
    A fresh `web`: the lock-out counts failures from 127.0.0.1, the address of every test."""
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


@pytest.mark.parametrize("account", ["prefecture", "local"])
def test_tampered_urls_outside_the_scope_get_a_404(shared_web: WebDesk, account: str) -> None:
    desk = shared_web
    forbidden = [f"/structures/{desk.other}", f"/departements/{desk.other_departement}"]
    if account == "prefecture":
        forbidden.append(f"/structures/{desk.other}?format=csv")
    else:
        forbidden += [f"/departements/{desk.departement}", "/structures/nope"]
    http, answer = log_in(desk.server, getattr(desk, account))
    assert answer.status_code == 303
    for path in forbidden:
        page = http.get(f"{desk.url}{path}", timeout=30)
        assert page.status_code == 404 and "Page introuvable" in page.text, path
    for query in ({"structure": desk.other}, {"departement": desk.other_departement}):
        answer = http.get(f"{desk.url}/api/v1/stats/figures", params=query, timeout=30)
        assert answer.status_code == 404, query
    listed = http.get(f"{desk.url}/api/v1/stats/structures", timeout=30).json()
    assert [row["matricule"] for row in listed] == [desk.matricule]
    assert f"/structures/{desk.other}" not in http.get(f"{desk.url}/structures", timeout=30).text
    assert http.get(f"{desk.url}/structures/{desk.matricule}", timeout=30).status_code == 200


def test_a_national_account_sees_every_structure_and_a_structure_account_lands_on_its_own(
    shared_web: WebDesk,
) -> None:
    desk = shared_web
    national, _answer = log_in(desk.server, desk.national)
    listed = national.get(f"{desk.url}/api/v1/stats/structures", timeout=30).json()
    ours = [
        (row["matricule"], row["silent"])
        for row in listed
        if row["matricule"] in (desk.matricule, desk.other)
    ]
    assert ours == [(desk.matricule, False), (desk.other, True)]
    assert national.get(f"{desk.url}/departements/{desk.other_departement}", timeout=30).status_code == 200
    own, _answer = log_in(desk.server, desk.local)
    landing = own.get(f"{desk.url}/tableau-de-bord", allow_redirects=False, timeout=30)
    assert landing.status_code == 303 and landing.headers["location"] == f"/structures/{desk.matricule}"


def test_pages_and_api_need_a_session(shared_web: WebDesk) -> None:
    page = requests.get(
        f"{shared_web.url}/structures/{shared_web.matricule}", allow_redirects=False, timeout=30
    )
    assert page.headers["location"] == "/connexion"
    answer = requests.get(f"{shared_web.url}/api/v1/stats/figures", timeout=30)
    assert answer.status_code == 401 and answer.json()["detail"]["code"] == "unauthorized"


def test_exports_say_what_the_json_says_and_are_audited(shared_web: WebDesk, shared_web_db: Engine) -> None:
    web = shared_web.server
    http, _answer = log_in(web, shared_web.prefecture)
    figures = http.get(f"{web.url}/api/v1/stats/figures", params=NOVEMBER, timeout=30).json()
    assert figures["total"] == 2 and figures["by_partner"] == {"dgfip": 2, "caf": 1}
    assert figures["escalations_sent"] == 1 and figures["structures"] == 1
    assert figures["solved_on_the_spot_share"] == 0.5

    csv_answer = http.get(f"{web.url}/tableau-de-bord", params={**NOVEMBER, "format": "csv"}, timeout=30)
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert csv_answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_answer.content.decode("utf-8-sig")), delimiter=";"))
    partners = rows[rows.index(["Contacts par partenaire"]) + 2 :][:2]
    # Each with its share of the contacts (a contact can have several partners).
    assert partners == [
        ["Finances publiques (DGFiP)", "2", "100\u202f%"],
        ["CAF (Allocations familiales)", "1", "50\u202f%"],
    ]
    assert ["Contacts", "2"] in rows and ["Sollicitations envoyées", "1"] in rows

    xlsx = http.get(f"{web.url}/tableau-de-bord", params={**NOVEMBER, "format": "xlsx"}, timeout=30)
    book = load_workbook(io.BytesIO(xlsx.content))
    assert list(book["mois"].iter_rows(values_only=True)) == [
        ("Mois (AAAA-MM)", "Mois", "Contacts"),
        ("2026-11", "novembre 2026", 2),
    ]
    assert [row[1] for row in book["partner"].iter_rows(min_row=2, values_only=True)] == [2, 1]
    with shared_web_db.connect() as connection:
        exports = (
            connection.execute(
                select(audit_log.c.detail)
                .where(audit_log.c.event == "export", audit_log.c.login == shared_web.prefecture)
                .order_by(audit_log.c.id)
            )
            .scalars()
            .all()
        )
    assert exports == [
        "/tableau-de-bord?periode=2026-11&format=csv",
        "/tableau-de-bord?periode=2026-11&format=xlsx",
    ]


def test_the_structure_figures_are_the_monthly_summary(shared_web: WebDesk) -> None:
    """One aggregation: the page's figures for a month are the structure's monthly summary."""
    web, matricule = shared_web.server, shared_web.matricule
    http, _answer = log_in(web, shared_web.local)
    figures = http.get(
        f"{web.url}/api/v1/stats/figures", params={**NOVEMBER, "structure": matricule}, timeout=30
    ).json()
    with requests.Session() as workstation:
        token = enrol(workstation, web, enrolment_code(web, matricule)).json()["token"]
        summary = workstation.get(
            f"{web.url}/api/v1/structures/{matricule}/summary",
            params={"month": "2026-11"},
            headers=bearer(token),
            timeout=30,
        ).json()
    assert {key: figures[key] for key in summary if key not in ("matricule", "month")} == {
        key: value for key, value in summary.items() if key not in ("matricule", "month")
    }
    quarter = http.get(f"{web.url}/api/v1/stats/figures", params={"periode": "2026-T4"}, timeout=30).json()
    assert quarter["total"] == 3 and quarter["by_month"] == {"2026-10": 1, "2026-11": 2, "2026-12": 0}


def test_a_bad_period_gets_a_french_message(shared_web: WebDesk) -> None:
    web = shared_web.server
    http, _answer = log_in(web, shared_web.national)
    page = http.get(f"{web.url}/tableau-de-bord", params={"du": "2026-13", "au": "2026-11"}, timeout=30)
    assert page.status_code == 400 and "Mois « du » invalide" in page.text
    answer = http.get(f"{web.url}/api/v1/stats/figures", params={"periode": "novembre"}, timeout=30)
    assert answer.status_code == 400 and "Période incompréhensible" in answer.json()["detail"]["message"]
    export = http.get(f"{web.url}/tableau-de-bord", params={"format": "pdf"}, timeout=30)
    assert export.status_code == 400 and "Format d'export inconnu" in html.unescape(export.text)


def test_the_public_page_needs_no_account(shared_web: WebDesk) -> None:
    """Every test's structures are on the public page: this one reads its own départements' rows."""
    url, own, silent = shared_web.url, shared_web.departement, shared_web.other_departement
    page = requests.get(f"{url}/statistiques", params={"periode": "2026"}, timeout=30)
    assert page.status_code == 200 and "Contacts par mois et par département" in page.text
    public = requests.get(f"{url}/api/v1/stats/public", params={"periode": "2026"}, timeout=30).json()
    assert public["departements"][own]["2026-11"] == 2 and public["departements"][own]["2026-10"] == 1
    assert silent not in public["departements"]
    assert public["national"]["2026-11"] >= 2 and public["national"]["2026-10"] >= 1
    xlsx = requests.get(f"{url}/statistiques", params={"periode": "2026", "format": "xlsx"}, timeout=30)
    rows = list(load_workbook(io.BytesIO(xlsx.content))["departements"].iter_rows(values_only=True))
    assert [row[-1] for row in rows[1:] if row[0] == own] == [3]
    assert [row for row in rows[1:] if row[0] == silent] == []


def test_the_dashboard_api_is_in_the_openapi_schema(shared_web: WebDesk) -> None:
    paths = requests.get(f"{shared_web.url}/openapi.json", timeout=30).json()["paths"]
    assert {"/api/v1/stats/figures", "/api/v1/stats/structures", "/api/v1/stats/public"} <= set(paths)
    assert "/connexion" not in paths


def test_the_map_colours_only_the_scope_and_links_to_its_pages(shared_web: WebDesk) -> None:
    web, own, other = shared_web.server, shared_web.departement, shared_web.other_departement
    http, _answer = log_in(web, shared_web.prefecture)
    page = html.unescape(http.get(f"{web.url}/carte", params={"periode": "2026"}, timeout=30).text)
    assert f"<title>{departement_label(own)} : 3 contacts</title>" in page
    assert f"<title>{departement_label(other)} : 0 contact</title>" in page
    assert f'href="/departements/{own}?periode=2026"' in page
    exported = http.get(f"{web.url}/carte", params={"periode": "2026", "format": "csv"}, timeout=30)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1:] == [
        ["Code du département", "Département", "Contacts"],
        [own, departement_label(own), "3"],
    ]


def test_a_national_account_creates_accounts_in_the_pages_with_its_csrf_token(
    shared_web: WebDesk, shared_web_db: Engine
) -> None:
    web = shared_web.server
    national, _answer = log_in(web, shared_web.national)
    form = national.get(f"{web.url}/comptes", timeout=30)
    assert form.status_code == 200 and shared_web.prefecture in form.text
    created_login = f"pref-nord-{shared_web.matricule}@example.fr"
    fields = {
        "identifiant": created_login,
        "role": "departement",
        "departements": shared_web.other_departement,
        "mot_de_passe": PASSWORD,
    }
    forged = national.post(f"{web.url}/comptes", data={**fields, "csrf": "forged"}, timeout=30)
    assert forged.status_code == 403
    refused = national.post(
        f"{web.url}/comptes", data={**fields, "departements": "99x", "csrf": csrf_of(form.text)}, timeout=30
    )
    assert refused.status_code == 400 and "Département invalide" in html.unescape(refused.text)
    created = national.post(f"{web.url}/comptes", data={**fields, "csrf": csrf_of(form.text)}, timeout=30)
    assert created.status_code == 200 and f"Compte « {created_login} » créé" in html.unescape(created.text)
    nord, answer = log_in(web, created_login)
    assert answer.status_code == 303
    assert [
        row["matricule"] for row in nord.get(f"{web.url}/api/v1/stats/structures", timeout=30).json()
    ] == [shared_web.other]
    assert nord.get(f"{web.url}/comptes", timeout=30).status_code == 404
    with shared_web_db.connect() as connection:
        details = (
            connection.execute(
                select(audit_log.c.detail).where(
                    audit_log.c.event == "account_created", audit_log.c.login == shared_web.national
                )
            )
            .scalars()
            .all()
        )
    assert details == [f"{created_login} (departement)"]


def test_tools_read_the_api_with_their_accounts_token_in_its_scope(shared_web: WebDesk) -> None:
    web = shared_web.server

    def issue() -> str:
        done = run_server_cli(web.database_url, "api-token", "--login", shared_web.prefecture)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    first = issue()
    answer = requests.get(
        f"{web.url}/api/v1/stats/figures", params=NOVEMBER, headers=bearer(first), timeout=30
    )
    assert answer.status_code == 200 and answer.json()["total"] == 2
    outside = requests.get(
        f"{web.url}/api/v1/stats/figures",
        params={"structure": shared_web.other},
        headers=bearer(first),
        timeout=30,
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


def test_a_name_typed_as_a_formula_stays_text_in_the_exports(shared_web: WebDesk) -> None:
    web, matricule = shared_web.server, shared_web.matricule
    with requests.Session() as workstation:
        token = enrol(workstation, web, enrolment_code(web, matricule)).json()["token"]
        batch = items(
            contact(structure=matricule, agent='=HYPERLINK("http://example.com")', place="+33 Guise")
        )
        assert post_records(workstation, web, token, batch).status_code == 200
    http, _answer = log_in(web, shared_web.local)
    xlsx = http.get(f"{web.url}/structures/{matricule}", params={**NOVEMBER, "format": "xlsx"}, timeout=30)
    book = load_workbook(io.BytesIO(xlsx.content))
    agents = {cell.value: cell.data_type for cell in book["agent"]["A"][1:]}
    assert agents == {"Julie M.": "s", '=HYPERLINK("http://example.com")': "s"}
    exported = http.get(f"{web.url}/structures/{matricule}", params={**NOVEMBER, "format": "csv"}, timeout=30)
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
