"""A situation added to the catalogue (« J'ai besoin d'aide avec le numérique », issue 16): the server
accepts it next to the contacts of workstations that do not know it, counts it and labels it."""

import csv
import io
from pathlib import Path

import requests

from tests.live_server import create_structure, start_server
from tests.server.helpers import bearer, contact, enrol, items, post_records, statuses
from tests.server.web_helpers import add_account, log_in

LABEL = "J'ai besoin d'aide avec le numérique"


def test_the_server_accepts_counts_and_labels_digital_help(database_url: str, tmp_path: Path) -> None:
    with start_server(database_url, tmp_path / "serveur.log", ("--http-cookies",)) as live:
        code = create_structure(database_url)
        with requests.Session() as http:
            token = enrol(http, live, code).json()["token"]
            digital = contact(situation="aide-numerique", partners=["autre"], help_kind="demarche-en-ligne")
            printing = contact(situation="aide-numerique", partners=["la-poste"])
            older = contact()  # what a workstation with the former catalogue sends
            answer = post_records(http, live, token, items(digital, printing, older))
            assert statuses(answer) == ["accepted", "accepted", "accepted"]
            summary = http.get(
                f"{live.url}/api/v1/structures/3/summary",
                params={"month": "2026-11"},
                headers=bearer(token),
                timeout=30,
            ).json()
        assert summary["by_situation"] == {"aide-numerique": 2, "declarer-impots": 1}

        done = add_account(database_url, "fs3@example.fr", "structure", "--matricule", "3")
        assert done.returncode == 0, done.stderr
        web, _answer = log_in(live, "fs3@example.fr")
        exported = web.get(
            f"{live.url}/tableau-de-bord", params={"periode": "2026-11", "format": "csv"}, timeout=30
        )
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
        start = rows.index(["Contacts par situation de vie"])
        assert [LABEL, "2", "67\u202f%"] in rows[start : start + 5]  # 2 of the 3 contacts
        page = web.get(f"{live.url}/tableau-de-bord", params={"periode": "2026-11"}, timeout=30)
        assert LABEL.replace("'", "&#39;") in page.text or LABEL in page.text
