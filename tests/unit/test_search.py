from urllib.parse import unquote_plus

from app.models.flows import load_flows
from app.models.portal import shipped_links
from app.models.reference import load_catalogue
from app.models.referents import Referent
from app.models.search import SearchIndex, web_search_url
from app.models.whitelist import load_whitelist


def index(referents=()) -> SearchIndex:
    return SearchIndex(load_catalogue(), list(shipped_links()), load_flows(), list(referents))


def test_accents_case_and_prefixes() -> None:
    search = index()
    hits = search.search("DEMENAG")
    flows = [hit for hit in hits if hit.kind == "flow"]
    assert flows[0].target == "demenagement"
    assert any(hit.kind == "link" and "laposte" in hit.target for hit in hits), "La Poste: réexpédition"
    assert any(hit.kind == "step" and hit.target == "demenagement" for hit in hits)
    assert any(hit.kind == "link" and "ameli" in hit.target for hit in search.search("Améli"))


def test_typos_are_tolerated() -> None:
    search = index()
    assert any(hit.target == "demenagement" for hit in search.search("demenagment"))
    assert any(hit.kind == "link" and "impots.gouv.fr" in hit.target for hit in search.search("impots"))
    assert search.search("zzzzqqqq") == []


def test_results_are_grouped_by_kind_and_referents_are_found() -> None:
    search = index(
        [Referent("caf", "Mme Martin", "04 50 00 00 01", "referente@caf.example.fr", "allocation logement")]
    )
    hits = search.search("martin")
    assert [hit.kind for hit in hits] == ["referent"]
    kinds = [hit.kind for hit in search.search("retraite")]
    assert kinds == sorted(kinds, key=["link", "flow", "step", "referent"].index)


def test_web_search_is_restricted_to_the_whitelist() -> None:
    url = web_search_url("prime d'activité", load_whitelist(), "https://duckduckgo.com/?q={query}")
    text = unquote_plus(url)
    assert text.startswith("https://duckduckgo.com/?q=prime d'activité (")
    assert "site:caf.fr" in text and "site:ameli.fr" in text
