"""The pages speak as a préfecture reads: local times, named départements, months in words, French
plurals (the functions themselves: tests/unit/test_web_format.py)."""

import html
import re

import requests
from sqlalchemy import Engine, select, update

from app.server.schema import workstations
from app.server.web.format import departement_label
from tests.live_server import LiveServer
from tests.server.web_helpers import NOVEMBER, WebDesk, log_in


def _text(page: str) -> str:
    """The page's text, tags dropped and entities read."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_structures_page_names_departements_and_shows_local_times(
    web: LiveServer,
    db: Engine,
) -> None:
    """A fresh `web`: the national list's head counts every structure of the database."""
    with db.begin() as connection:
        connection.execute(update(workstations).values(last_seen_at="2026-12-04T10:12:00Z"))
        assert connection.execute(select(workstations.c.structure)).scalars().all() == ["3"]
    national, _answer = log_in(web, "anct@example.fr")
    text = _text(national.get(f"{web.url}/structures", timeout=30).text)
    assert "2 structures dans votre périmètre, dont 1 silencieuse" in text
    assert "Aisne (02)" in text and "Nord (59)" in text
    assert "04/12/2026 à 11 h 12" in text and "UTC" not in text and "2026-12-04T" not in text


def test_overviews_name_the_departement_and_write_months_in_words(shared_web: WebDesk) -> None:
    web, own, other = shared_web.server, shared_web.departement, shared_web.other_departement
    prefecture, _answer = log_in(web, shared_web.prefecture)
    overview = _text(
        prefecture.get(f"{web.url}/tableau-de-bord", params={"periode": "2026-T4"}, timeout=30).text
    )
    # The name itself comes from the map's outlines (the names' table: tests/unit/test_web_format.py).
    assert departement_label(own) in overview and f"Département {own}" not in overview
    assert departement_label(own) != own
    assert "Période : 4e trimestre 2026" in overview
    assert "octobre 2026 1 novembre 2026 2 décembre 2026 0" in overview
    assert "1 structure avec de l'activité" in overview
    national, _answer = log_in(web, shared_web.national)
    silent = _text(national.get(f"{web.url}/departements/{other}", params=NOVEMBER, timeout=30).text)
    assert departement_label(other) in silent and "0 structure avec de l'activité" in silent


def test_the_public_page_heads_its_columns_with_months_in_words(shared_web: WebDesk) -> None:
    page = _text(requests.get(f"{shared_web.url}/statistiques", params={"periode": "2026"}, timeout=30).text)
    assert "Période : année 2026" in page
    assert "janvier 2026" in page and f"{departement_label(shared_web.departement)} 0 0" in page
