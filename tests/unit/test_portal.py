import pytest

from app.models.portal import PortalError, shipped_links
from app.models.reference import load_catalogue

REQUIRED = [
    "ameli.fr",
    "caf.fr",
    "lassuranceretraite.fr",
    "info-retraite.fr",
    "agirc-arrco.fr",
    "impots.gouv.fr",
    "francetravail.fr",
    "msa.fr",
    "ants.gouv.fr",
    "service-public.gouv.fr",
    "justice.fr",
    "laposte.fr",
    "mesdroitssociaux.gouv.fr",
    "franceconnect.gouv.fr",
    "aplus.beta.gouv.fr",
    "aidantsconnect.beta.gouv.fr",
]


def test_the_national_links_are_there_described_and_whitelisted(desk) -> None:
    links = shipped_links()
    urls = " ".join(link.url for link in links)
    for domain in REQUIRED:
        assert domain in urls, domain
    catalogue = load_catalogue()
    whitelist = desk.portal.whitelist()
    for link in links:
        assert link.description and whitelist.allows(link.url)
        assert link.partner is None or link.partner in catalogue.partners
        assert link.theme is None or link.theme in catalogue.themes


def test_a_local_link_widens_the_whitelist_and_records_who(desk) -> None:
    assert not desk.portal.whitelist().allows("https://www.mairie-guise.fr/demarches")
    desk.portal.add_local_link(
        "Mairie de Guise", "https://www.mairie-guise.fr", "État civil et inscriptions.", "Camille R."
    )
    assert desk.portal.whitelist().allows("https://www.mairie-guise.fr/demarches")
    assert desk.portal.whitelist().allows("https://mairie-guise.fr")
    [local] = [link for link in desk.portal.links() if link.local]
    assert local.added_by == "Camille R."
    assert desk.db.execute("SELECT added_by, added_at FROM allowed_domains").fetchone()[0] == "Camille R."
    with pytest.raises(PortalError, match="existe déjà"):
        desk.portal.add_local_link("Encore", "https://www.mairie-guise.fr", "x", "Camille R.")


def test_removing_a_local_link_takes_its_site_out_unless_something_else_needs_it(desk) -> None:
    portal = desk.portal
    portal.add_local_link("Mairie de Guise", "https://www.mairie-guise.fr", "État civil.", "Camille R.")
    portal.add_local_link("Mairie : cantine", "https://mairie-guise.fr/cantine", "Cantine.", "Camille R.")
    portal.allow_domain("aisne.com", "autorisé depuis le navigateur", "Camille R.")
    portal.add_local_link("Département", "https://aisne.com", "Aides du département.", "Camille R.")

    portal.remove_local_link("https://www.mairie-guise.fr")
    assert [link.label for link in portal.links() if link.local] == ["Département", "Mairie : cantine"]
    assert portal.whitelist().allows("https://www.mairie-guise.fr/"), "the other link still needs it"
    portal.remove_local_link("https://mairie-guise.fr/cantine")
    assert not portal.whitelist().allows("https://www.mairie-guise.fr/")
    portal.remove_local_link("https://aisne.com")
    assert not [link for link in portal.links() if link.local]
    assert portal.whitelist().allows("https://aisne.com/aides"), "allowed before, for its own reason"
    with pytest.raises(PortalError, match="n'existe plus"):
        portal.remove_local_link("https://aisne.com")


def test_only_https_links_are_accepted(desk) -> None:
    with pytest.raises(PortalError, match="https://"):
        desk.portal.add_local_link("Site", "http://www.exemple.fr", "Une ligne.", "Camille R.")
    assert not [link for link in desk.portal.links() if link.local]


def test_the_search_engine_is_a_setting_and_its_site_is_allowed(desk) -> None:
    assert desk.portal.whitelist().allows("https://duckduckgo.com/?q=caf")
    with pytest.raises(PortalError, match="query"):
        desk.portal.set_search_engine("https://www.qwant.com/?q=", "Camille R.")
    desk.portal.set_search_engine("https://www.qwant.com/?q={query}", "Camille R.")
    assert desk.portal.search_engine() == "https://www.qwant.com/?q={query}"
    assert desk.portal.whitelist().allows("https://www.qwant.com/?q=caf")
    assert not desk.portal.whitelist().allows("https://duckduckgo.com/?q=caf")
