"""National accounts run the dashboard: they disable and re-enable accounts (pages and command line)
and read the audit log (/journal), which no other account sees."""

import csv
import html
import io
import re

import requests
from openpyxl import load_workbook
from sqlalchemy import Engine, insert, select

from app.server.schema import audit_log, timestamp, utc_now
from tests.live_server import LiveServer, run_server_cli
from tests.server.helpers import bearer
from tests.server.web_helpers import PASSWORD, WebDesk, csrf_of, log_in


def _switch(national: requests.Session, server: LiveServer, action: str, login: str, csrf: str):
    return national.post(
        f"{server.url}/comptes/{action}", data={"csrf": csrf, "identifiant": login}, timeout=30
    )


def test_a_disabled_account_loses_its_sessions_and_token_at_once_until_re_enabled(
    web: LiveServer,
    db: Engine,
) -> None:
    """A fresh `web`: a disabled account's logins fail, and the lock-out counts failures from
    127.0.0.1, every test's address."""
    issued = run_server_cli(web.database_url, "api-token", "--login", "pref02@example.fr")
    token = issued.stdout.strip().splitlines()[-1]
    prefecture, _answer = log_in(web, "pref02@example.fr")
    assert prefecture.get(f"{web.url}/structures", allow_redirects=False, timeout=30).status_code == 200
    national, _answer = log_in(web, "anct@example.fr")
    csrf = csrf_of(national.get(f"{web.url}/comptes", timeout=30).text)

    assert _switch(national, web, "desactiver", "pref02@example.fr", "forged").status_code == 403
    own = _switch(national, web, "desactiver", "anct@example.fr", csrf)
    assert own.status_code == 400 and "votre propre compte" in html.unescape(own.text)
    done = _switch(national, web, "desactiver", "pref02@example.fr", csrf)
    assert done.status_code == 200 and "Compte « pref02@example.fr » désactivé" in html.unescape(done.text)
    assert "Réactiver" in done.text

    ended = prefecture.get(f"{web.url}/structures", allow_redirects=False, timeout=30)
    assert ended.status_code == 303 and ended.headers["location"] == "/connexion"
    assert (
        requests.get(f"{web.url}/api/v1/stats/structures", headers=bearer(token), timeout=30).status_code
        == 401
    )
    _http, refused = log_in(web, "pref02@example.fr")
    assert refused.status_code == 401
    again = _switch(national, web, "desactiver", "pref02@example.fr", csrf)
    assert again.status_code == 400 and "déjà désactivé" in html.unescape(again.text)

    enabled = run_server_cli(web.database_url, "enable-account", "--login", "PREF02@example.fr")
    assert enabled.returncode == 0 and "réactivé" in enabled.stdout, enabled.stderr
    _http, back = log_in(web, "pref02@example.fr")
    assert back.status_code == 303
    assert (
        requests.get(f"{web.url}/api/v1/stats/structures", headers=bearer(token), timeout=30).status_code
        == 200
    )
    disabled = run_server_cli(web.database_url, "disable-account", "--login", "fs3@example.fr")
    assert disabled.returncode == 0, disabled.stderr
    assert log_in(web, "fs3@example.fr")[1].status_code == 401
    unknown = run_server_cli(web.database_url, "disable-account", "--login", "personne@example.fr")
    assert unknown.returncode == 1 and "Compte inconnu" in unknown.stderr

    with db.connect() as connection:
        changes = connection.execute(
            select(audit_log.c.event, audit_log.c.login, audit_log.c.detail)
            .where(audit_log.c.event.in_(("account_disabled", "account_enabled")))
            .order_by(audit_log.c.id)
        ).all()
    assert [tuple(row) for row in changes] == [
        ("account_disabled", "anct@example.fr", "pref02@example.fr"),
        ("account_enabled", "(ligne de commande)", "pref02@example.fr"),
        ("account_disabled", "(ligne de commande)", "fs3@example.fr"),
    ]


def test_only_national_accounts_change_accounts_and_read_the_journal(shared_web: WebDesk) -> None:
    web = shared_web.server
    prefecture, _answer = log_in(web, shared_web.prefecture)
    csrf = csrf_of(prefecture.get(f"{web.url}/structures", timeout=30).text)
    assert _switch(prefecture, web, "desactiver", shared_web.local, csrf).status_code == 404
    for path in ("/journal", "/journal?format=csv"):
        assert prefecture.get(f"{web.url}{path}", timeout=30).status_code == 404, path
    assert "/journal" not in prefecture.get(f"{web.url}/structures", timeout=30).text
    assert log_in(web, shared_web.local)[1].status_code == 303  # still enabled


def test_the_journal_is_newest_first_paginated_filtered_and_exported(
    web: LiveServer,
    db: Engine,
) -> None:
    """A fresh `web`: the journal's pages count every line of the audit log, and a failed login."""
    at = timestamp(utc_now())
    with db.begin() as connection:
        connection.execute(
            insert(audit_log),
            [
                {
                    "at": at,
                    "login": f"agent{n:03d}@example.fr",
                    "event": "login",
                    "detail": "",
                    "address": "10.0.0.1",
                }
                for n in range(120)
            ],
        )
    log_in(web, "pref02@example.fr", "pas le bon mot de passe")
    national, _answer = log_in(web, "anct@example.fr")
    first = html.unescape(national.get(f"{web.url}/journal", timeout=30).text)
    assert "122 lignes" in first and "1 / 3" in first
    lines = first[first.index("<tbody>") :]
    assert (
        lines.index("anct@example.fr") < lines.index("pref02@example.fr") < lines.index("agent119@example.fr")
    )
    assert "échec de connexion" in lines and "agent072@example.fr" in lines and "agent071@" not in lines
    last = html.unescape(national.get(f"{web.url}/journal", params={"page": "3"}, timeout=30).text)
    last = last[last.index("<tbody>") :]
    assert "agent000@example.fr" in last and "agent021@" in last and "agent022@" not in last
    bad = national.get(f"{web.url}/journal", params={"page": "zéro"}, timeout=30)
    assert bad.status_code == 400 and "Numéro de page invalide" in html.unescape(bad.text)

    filtered = html.unescape(
        national.get(f"{web.url}/journal", params={"identifiant": "PREF02"}, timeout=30).text
    )
    assert "1 ligne pour « PREF02 »" in filtered and "agent0" not in filtered.split("<tbody>")[1]
    exported = national.get(
        f"{web.url}/journal", params={"identifiant": "agent1", "format": "csv"}, timeout=30
    )
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["Date", "Identifiant", "Événement", "Détail", "Adresse"]
    assert [row[1] for row in rows[2:]] == [f"agent{n}@example.fr" for n in range(119, 99, -1)]
    assert rows[2][2] == "connexion" and " à " in rows[2][0]
    xlsx = national.get(f"{web.url}/journal", params={"format": "xlsx"}, timeout=30)
    sheet = load_workbook(io.BytesIO(xlsx.content))["journal"]
    assert sheet.max_row == 1 + 123  # the CSV export came first, and is in the journal
    newest = html.unescape(national.get(f"{web.url}/journal", timeout=30).text)
    first_line = newest[newest.index("<tbody>") :].split("</tr>")[0]
    assert "export" in first_line and "/journal?format=xlsx" in first_line


def test_the_account_form_makes_no_national_account_unless_the_role_is_chosen(shared_web: WebDesk) -> None:
    """A form sent with only a login and a password made a national account (the first role was
    preselected): one forgotten choice opened every structure's figures to a préfecture."""
    web = shared_web.server
    national, _answer = log_in(web, shared_web.national)
    form = national.get(f"{web.url}/comptes", timeout=30).text
    selected = re.findall(r'<option value="([^"]*)"[^>]* selected', form)
    assert selected == [""]
    login = f"oubli-{shared_web.matricule}@example.fr"
    fields = {"csrf": csrf_of(form), "identifiant": login, "mot_de_passe": PASSWORD}
    refused = national.post(f"{web.url}/comptes", data=fields, timeout=30)
    assert refused.status_code == 400
    assert "Choisissez le rôle du compte" in html.unescape(refused.text)
    assert log_in(web, login)[1].status_code == 401
    without = national.post(f"{web.url}/comptes", data={**fields, "role": "departement"}, timeout=30)
    message = html.unescape(without.text)
    assert without.status_code == 400 and "au moins un département." in message
    assert "--departement" not in message  # the command line's option, not a field of this page
    again = re.findall(r'<option value="([^"]*)"[^>]* selected', without.text)
    assert again == ["departement"]
