"""The pages work on a server without internet (issue 15: no CDN at run time): everything a page or
its style sheets load is served by the server itself, from the vendored DSFR (with its licence)."""

import re
from urllib.parse import urljoin, urlsplit

import requests

from app.server.web import STATIC
from tests.server.web_helpers import NOVEMBER, WebDesk, log_in

# What a page loads (not where its links lead): style sheets, icons, images, scripts.
LOADED = re.compile(r'<(?:link|script|img|source|iframe)\b[^>]*?\b(?:href|src)="([^"]+)"')
CSS_URL = re.compile(r"url\(\s*[\"']?(?!data:)([^\"')]+)")


def _pages(desk: WebDesk) -> list[str]:
    return [
        "/tableau-de-bord",
        f"/departements/{desk.departement}",
        f"/structures/{desk.matricule}",
        "/structures",
        "/carte",
        f"/carte?departement={desk.departement}",
        "/comptes",
        "/journal",
        "/statistiques",
        "/connexion",
    ]


def test_every_page_loads_only_what_the_server_itself_serves(shared_web: WebDesk) -> None:
    national, _answer = log_in(shared_web.server, shared_web.national)
    loaded: set[str] = set()
    for path in _pages(shared_web):
        page = national.get(f"{shared_web.url}{path}", params=NOVEMBER, timeout=30)
        assert page.status_code == 200, path
        found = LOADED.findall(page.text)
        assert found, path
        loaded |= {urljoin(f"{shared_web.url}{path}", url) for url in found}
    assert _outside(loaded, shared_web) == []  # checked before anything is fetched from there
    sheets = [url for url in loaded if url.endswith(".css")]
    assert sheets
    for sheet in sheets:
        text = requests.get(sheet, timeout=30).text
        loaded |= {urljoin(sheet, url.strip()) for url in CSS_URL.findall(text)}
    assert _outside(loaded, shared_web) == []
    # The CSS's `woff` fallbacks behind each `woff2` are left out (static/dsfr/README.md): every
    # browser the pages target takes the `woff2`, which the count below checks is there.
    served = [url for url in loaded if not url.endswith(".woff")]
    missing = sorted(url for url in served if requests.get(url, timeout=30).status_code != 200)
    assert missing == []
    assert len([url for url in loaded if url.endswith(".woff2")]) >= 2  # Marianne's, not a system font


def _outside(urls: set[str], desk: WebDesk) -> list[str]:
    return sorted(url for url in urls if urlsplit(url).netloc != urlsplit(desk.url).netloc)


def test_the_vendored_dsfr_keeps_its_licence() -> None:
    licence = (STATIC / "dsfr" / "LICENSE.md").read_text(encoding="utf-8")
    assert "Licence Ouverte" in licence or "Open Licence" in licence
