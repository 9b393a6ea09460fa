"""The list of structures: a page at a time, narrowed by département and by a search; its files
give every structure the filters keep."""

import csv
import io
import re

from sqlalchemy import Engine, insert

from app.server.schema import structures, timestamp, utc_now
from tests.live_server import LiveServer
from tests.server.web_helpers import WebDesk, log_in

PAS_DE_CALAIS = 230


def _add_structures(db: Engine, departement: str = "62", prefix: str = "") -> None:
    """230 structures in the Pas-de-Calais (or `departement`), one in ten in Béthune, beside the
    fixture's 3 (02) and 4 (59); `prefix` before their matricules keeps them apart from other tests'."""
    now = timestamp(utc_now())
    rows = [
        {
            "matricule": f"{prefix}{1000 + n}",
            "name": f"France Services n° {n:03d}",
            "departement": departement,
            "itinerant": False,
            "created_at": now,
            "commune": "Béthune" if n % 10 == 0 else "Arras",
        }
        for n in range(PAS_DE_CALAIS)
    ]
    with db.begin() as connection:
        connection.execute(insert(structures), rows)


def _listed(page: str) -> list[str]:
    """The matricules in the page's table."""
    table = page[page.index('id="tableau-structures"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<th scope="row"><a href="/structures/([^"]+)">', table)


def _csv_matricules(body: bytes) -> list[str]:
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    return [line[0] for line in lines[2:]]


def test_the_national_list_is_paged_and_filtered_and_its_files_are_whole(web: LiveServer, db: Engine) -> None:
    """A fresh `web`: the national list's pages count every structure of the database."""
    _add_structures(db)
    national, _answer = log_in(web, "anct@example.fr")
    first = national.get(f"{web.url}/structures", timeout=30)
    assert first.status_code == 200
    assert len(_listed(first.text)) == 100
    assert "232 structures dans votre périmètre" in first.text and "Page 1 sur 3" in first.text
    assert 'href="/structures?page=2"' in first.text
    last = national.get(f"{web.url}/structures", params={"page": "3"}, timeout=30).text
    assert len(_listed(last)) == 32
    everything = national.get(f"{web.url}/structures", params={"format": "csv"}, timeout=30)
    assert len(_csv_matricules(everything.content)) == 232
    assert set(_csv_matricules(everything.content)) >= set(_listed(first.text)) | set(_listed(last))

    aisne = national.get(f"{web.url}/structures", params={"departement": "02"}, timeout=30).text
    assert _listed(aisne) == ["3"] and 'value="02" selected' in aisne
    bethune = national.get(
        f"{web.url}/structures", params={"departement": "62", "recherche": "bethune"}, timeout=30
    )
    assert len(_listed(bethune.text)) == PAS_DE_CALAIS // 10
    assert "23 structures pour ce filtre" in bethune.text
    assert "departement=62&amp;recherche=bethune&amp;format=csv" in bethune.text
    filtered = national.get(
        f"{web.url}/structures",
        params={"departement": "62", "recherche": "bethune", "format": "xlsx"},
        timeout=30,
    )
    assert filtered.status_code == 200 and filtered.content[:2] == b"PK"
    by_matricule = national.get(f"{web.url}/structures", params={"recherche": "1005"}, timeout=30).text
    assert _listed(by_matricule) == ["1005"]
    assert national.get(f"{web.url}/structures", params={"page": "0"}, timeout=30).status_code == 400
    assert national.get(f"{web.url}/structures", params={"departement": "XX"}, timeout=30).status_code == 404


def test_a_departement_account_cannot_list_another_departement(
    shared_web: WebDesk, shared_web_db: Engine
) -> None:
    web, other = shared_web.server, shared_web.other_departement
    _add_structures(shared_web_db, other, prefix=f"{shared_web.matricule}-")
    prefecture, _answer = log_in(web, shared_web.prefecture)
    own = prefecture.get(f"{web.url}/structures", timeout=30).text
    assert _listed(own) == [shared_web.matricule] and 'id="departement"' not in own  # no choice
    for params in ({"departement": other}, {"departement": other, "format": "csv"}):
        assert prefecture.get(f"{web.url}/structures", params=params, timeout=30).status_code == 404
