"""The pages speak as a préfecture reads: local times, named départements, months in words, French
plurals (the functions themselves: tests/unit/test_web_format.py)."""

import html
import re

import requests
from sqlalchemy import Engine, select, update

from app.server.schema import workstations
from tests.live_server import LiveServer
from tests.server.web_helpers import NOVEMBER, log_in


def _text(page: str) -> str:
    """The page's text, tags dropped and entities read."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_structures_page_names_departements_and_shows_local_times(
    web: LiveServer,
    db: Engine,
) -> None:
    with db.begin() as connection:
        connection.execute(update(workstations).values(last_seen_at="2026-12-04T10:12:00Z"))
        assert connection.execute(select(workstations.c.structure)).scalars().all() == ["3"]
    national, _answer = log_in(web, "anct@example.fr")
    text = _text(national.get(f"{web.url}/structures", timeout=30).text)
    assert "2 structures dans votre périmètre, dont 1 silencieuse" in text
    assert "Aisne (02)" in text and "Nord (59)" in text
    assert "04/12/2026 à 11 h 12" in text and "UTC" not in text and "2026-12-04T" not in text


def test_overviews_name_the_departement_and_write_months_in_words(web: LiveServer) -> None:
    prefecture, _answer = log_in(web, "pref02@example.fr")
    overview = _text(
        prefecture.get(f"{web.url}/tableau-de-bord", params={"periode": "2026-T4"}, timeout=30).text
    )
    assert "Aisne (02)" in overview and "Département 02" not in overview
    assert "Période : 4e trimestre 2026" in overview
    assert "octobre 2026 1 novembre 2026 2 décembre 2026 0" in overview
    assert "1 structure avec de l'activité" in overview
    national, _answer = log_in(web, "anct@example.fr")
    nord = _text(national.get(f"{web.url}/departements/59", params=NOVEMBER, timeout=30).text)
    assert "Nord (59)" in nord and "0 structure avec de l'activité" in nord


def test_the_public_page_heads_its_columns_with_months_in_words(web: LiveServer) -> None:
    page = _text(requests.get(f"{web.url}/statistiques", params={"periode": "2026"}, timeout=30).text)
    assert "Période : année 2026" in page
    assert "janvier 2026" in page and "Aisne (02) 0 0" in page
