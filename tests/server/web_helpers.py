"""The web application's accounts and a logged-in browser session over plain HTTP (requests)."""

import re
import subprocess
import sys

import requests

from tests.live_server import ROOT, LiveServer

PASSWORD = "un mot de passe assez long"
NOVEMBER = {"periode": "2026-11"}
COMMAND = (sys.executable, "-m", "app.server.cli", "add-account")


def add_account(database_url: str, login: str, role: str, *scope: str, password: str = PASSWORD):
    """`add-account` as an administrator types it, the password on standard input."""
    return subprocess.run(
        [*COMMAND, "--database", database_url, "--login", login, "--role", role, *scope],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def log_in(
    server: LiveServer, login: str, password: str = PASSWORD
) -> tuple[requests.Session, requests.Response]:
    """A new HTTP session that opened the login page and sent the form: (session, answer)."""
    http = requests.Session()
    form = http.get(f"{server.url}/connexion", timeout=30)
    answer = http.post(
        f"{server.url}/connexion",
        data={"csrf": csrf_of(form.text), "identifiant": login, "mot_de_passe": password},
        allow_redirects=False,
        timeout=30,
    )
    return http, answer
