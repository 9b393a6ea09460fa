"""The web application's accounts and a logged-in browser session over plain HTTP (requests)."""

import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from sqlalchemy import Engine

from app.server.accounts import create_structure
from app.server.web.accounts import create_account
from tests.live_server import ROOT, LiveServer, unique_matricule
from tests.server.helpers import contact, enrol, escalation, items, post_records

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


def november_records(structure: str) -> list[dict]:
    """What the web tests' first structure sent: two contacts in November 2026 (one to the CAF and
    the DGFiP, by telephone, oriented), one in October, and one escalation in November."""
    return items(
        contact(structure=structure),
        contact(structure=structure, partners=["caf", "dgfip"], outcome="oriente", channel="telephone"),
        contact(structure=structure, occurred_at=datetime(2026, 10, 5, 9, tzinfo=UTC)),
    ) + items(escalation(structure=structure), kind="escalation")


@dataclass(frozen=True)
class WebDesk:
    """One test's part of the shared web server (`shared_web`): structures in the roles of `web`'s
    3 (`matricule`, itinerant, in `departement`, `november_records` sent) and 4 (`other`, in
    `other_departement`, silent), and one account per role, all of its own."""

    server: LiveServer
    matricule: str
    other: str
    departement: str
    other_departement: str

    @classmethod
    def declared(cls, server: LiveServer, departement: str, other_departement: str) -> "WebDesk":
        return cls(server, unique_matricule(), unique_matricule(), departement, other_departement)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def national(self) -> str:
        return f"anct-{self.matricule}@example.fr"

    @property
    def prefecture(self) -> str:
        """The account of `departement`, as `web`'s pref02."""
        return f"pref-{self.matricule}@example.fr"

    @property
    def local(self) -> str:
        """The account of the structure `matricule`, as `web`'s fs3."""
        return f"fs-{self.matricule}@example.fr"


def populate(desk: WebDesk, engine: Engine) -> None:
    """Declare the desk's structures and accounts straight in the database (as the admin commands
    do, without their subprocesses) and send the first structure's records over HTTP."""
    code = create_structure(engine, desk.matricule, "Thiérache Sambre et Oise", desk.departement, True)
    create_structure(engine, desk.other, "Maubeuge", desk.other_departement, False)
    with requests.Session() as http:
        token = enrol(http, desk.server, code).json()["token"]
        assert post_records(http, desk.server, token, november_records(desk.matricule)).status_code == 200
    create_account(engine, desk.national, PASSWORD, "national")
    create_account(engine, desk.prefecture, PASSWORD, "departement", departements=[desk.departement])
    create_account(engine, desk.local, PASSWORD, "structure", structure=desk.matricule)
