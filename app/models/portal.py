"""The portal's links: the shipped national ones, plus local links and domains a responsable adds.

Adding a local link, or allowing a site from the browser's "blocked" page, widens the whitelist for
this workstation; both are recorded with who did it and when, because what the citizen's browser
may reach is an accountable decision.
"""

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from app.content.bundle import Content, shipped_content
from app.models.connection import Database
from app.models.database import db_time, transaction, utc_now
from app.models.permissions import Rule, acting_agent, require
from app.models.settings import get_setting, set_setting
from app.models.shared_settings import ENGINE_KEY, SharedSettings
from app.models.whitelist import Whitelist, load_whitelist

DEFAULT_ENGINE = "https://duckduckgo.com/?q={query}"
ENGINE_SETTING = ENGINE_KEY


class PortalError(ValueError):
    """Refused input; the message is French."""


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    description: str
    partner: str | None = None
    theme: str | None = None
    local: bool = False
    added_by: str = ""


LINKS_FILE = "portal/links.json"


@cache
def shipped_links(content: Content | None = None) -> tuple[Link, ...]:
    """The national links of `content`, else of the shipped content (`app.content`)."""
    data = (content or shipped_content()).json(LINKS_FILE)
    return tuple(
        Link(item["label"], item["url"], item["description"], item.get("partner"), item.get("theme"))
        for item in data["links"]
    )


def domain_of(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise PortalError(
            "L'adresse doit commencer par https:// (connexion chiffrée), par exemple https://www.exemple.fr."
        )
    host = parts.hostname.lower()
    return host.removeprefix("www.")


LOCAL_LINK_REASON = "lien local « {} »"  # why a local link's site is allowed; its removal looks for it


class PortalStore:
    def __init__(self, db: Database, content: Content | None = None) -> None:
        self.db = db
        self.content = content  # the national content in use; None: the shipped one

    def links(self) -> list[Link]:
        local = [
            Link(label, url, description, local=True, added_by=added_by)
            for label, url, description, added_by in self.db.execute(
                "SELECT label, url, description, added_by FROM local_links ORDER BY label"
            )
        ]
        return [*shipped_links(self.content), *local]

    def local_domains(self) -> dict[str, str]:
        return {
            domain: f"{reason} (ajouté par {added_by})"
            for domain, reason, added_by in self.db.execute(
                "SELECT domain, reason, added_by FROM allowed_domains"
            )
        }

    def whitelist(self) -> Whitelist:
        """Shipped domains, those allowed here, and the web search engine (its results page only
        leads to whitelisted sites: anything else is blocked by the browser)."""
        engine = {
            domain_of(self.search_engine()): "moteur de recherche (résultats limités aux sites autorisés)"
        }
        return load_whitelist(self.content).with_domains({**self.local_domains(), **engine})

    def search_engine(self) -> str:
        engine: str = get_setting(self.db, ENGINE_SETTING, DEFAULT_ENGINE)
        return engine

    def set_search_engine(self, url: str, added_by: str) -> None:
        """A responsable may choose another engine; `{query}` marks where the words go."""
        require(acting_agent(self.db), Rule.SEARCH_ENGINE, PortalError)
        url = url.strip()
        domain_of(url)
        if "{query}" not in url:
            raise PortalError("L'adresse du moteur doit contenir {query} à la place des mots cherchés.")
        with transaction(self.db):
            set_setting(self.db, ENGINE_SETTING, url)
            set_setting(self.db, ENGINE_SETTING + ".by", added_by)
            SharedSettings(self.db).change("search.engine", url)

    def add_local_link(self, label: str, url: str, description: str, added_by: str) -> Link:
        """A local link (the mairie, the département…); its domain joins the whitelist."""
        require(acting_agent(self.db), Rule.LOCAL_LINKS, PortalError)
        label, description = " ".join(label.split()), " ".join(description.split())
        if not label:
            raise PortalError("Indiquez le nom du lien.")
        if not description:
            raise PortalError("Indiquez une description d'une ligne.")
        domain_of(url)
        with transaction(self.db):
            if self.db.execute("SELECT 1 FROM local_links WHERE url = ?", [url.strip()]).fetchone():
                raise PortalError("Ce lien existe déjà.")
            self.write_link(label, url.strip(), description, added_by)
            SharedSettings(self.db).change(
                f"link/{url.strip()}", {"label": label, "description": description}
            )
        return Link(label, url.strip(), description, local=True, added_by=added_by)

    def write_link(self, label: str, url: str, description: str, added_by: str) -> None:
        """A local link and its site in the whitelist (inside the caller's transaction): added here,
        or a version of the structure's shared settings applied (then it may already be here)."""
        now = db_time(utc_now())
        self.db.execute(
            "INSERT INTO local_links (label, url, description, added_by, added_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (url) DO UPDATE SET label = excluded.label, description = excluded.description",
            [label, url, description, added_by, now],
        )
        self._allow(domain_of(url), LOCAL_LINK_REASON.format(label), added_by, now)

    def remove_local_link(self, url: str) -> None:
        """A local link the structure no longer wants. Its site leaves the whitelist too, unless
        another local link uses it or it was allowed for another reason."""
        require(acting_agent(self.db), Rule.LOCAL_LINKS, PortalError)
        with transaction(self.db):
            if not self.db.execute("SELECT 1 FROM local_links WHERE url = ?", [url]).fetchone():
                raise PortalError("Ce lien local n'existe plus.")
            self.erase_link(url)
            SharedSettings(self.db).change(f"link/{url}", None, deleted=True)

    def erase_link(self, url: str) -> None:
        """Remove a local link (inside the caller's transaction), and its site unless another local
        link uses it or it was allowed for another reason."""
        self.db.execute("DELETE FROM local_links WHERE url = ?", [url])
        domain = domain_of(url)
        others = [other for (other,) in self.db.execute("SELECT url FROM local_links")]
        if all(domain_of(other) != domain for other in others):
            self.db.execute(
                "DELETE FROM allowed_domains WHERE domain = ? AND reason LIKE ?",
                [domain, LOCAL_LINK_REASON.format("%")],
            )

    def allow_domain(self, domain: str, reason: str, added_by: str) -> None:
        require(acting_agent(self.db), Rule.ALLOWED_SITES, PortalError)
        domain = domain.lower().strip().removeprefix("www.")
        if not domain or "/" in domain or "." not in domain:
            raise PortalError(f"Nom de domaine invalide : « {domain} ».")
        with transaction(self.db):
            self.allow(domain, reason, added_by)
            SharedSettings(self.db).change(f"site/{domain}", {"reason": reason})

    def allow(self, domain: str, reason: str, added_by: str) -> None:
        """A site allowed (inside the caller's transaction), here or by a pulled shared setting."""
        self._allow(domain, reason, added_by, db_time(utc_now()))

    def allowed_sites(self) -> dict[str, tuple[str, str]]:
        """The sites allowed for their own sake (not for a local link), by domain: (reason, by whom)."""
        return {
            domain: (reason, added_by)
            for domain, reason, added_by in self.db.execute(
                "SELECT domain, reason, added_by FROM allowed_domains WHERE reason NOT LIKE ? ORDER BY domain",
                [LOCAL_LINK_REASON.format("%")],
            )
        }

    def remove_domain(self, domain: str) -> None:
        """A site the structure no longer allows: the browsers of its workstations refuse it after
        their next pass (unless one of their local links still uses it)."""
        require(acting_agent(self.db), Rule.ALLOWED_SITES, PortalError)
        with transaction(self.db):
            if domain not in self.allowed_sites():
                raise PortalError(f"Le site « {domain} » n'est plus dans les sites autorisés.")
            self.disallow(domain)
            SharedSettings(self.db).change(f"site/{domain}", None, deleted=True)

    def disallow(self, domain: str) -> None:
        """Take a site out of the whitelist (inside the caller's transaction), here or by a pulled
        removal; a local link that uses it keeps it allowed, for the link's sake."""
        self.db.execute("DELETE FROM allowed_domains WHERE domain = ?", [domain])
        now = db_time(utc_now())
        for label, url, added_by in self.db.execute(
            "SELECT label, url, added_by FROM local_links"
        ).fetchall():
            if domain_of(url) == domain:
                self._allow(domain, LOCAL_LINK_REASON.format(label), added_by, now)

    def shared_items(self) -> dict[str, dict[str, str]]:
        """The local links and the sites allowed for their own sake, as shared settings' items and
        values (what `SharedSettings.seed` publishes)."""
        items = {
            f"link/{url}": {"label": label, "description": description}
            for label, url, description in self.db.execute("SELECT label, url, description FROM local_links")
        }
        for domain, (reason, _added_by) in self.allowed_sites().items():
            items[f"site/{domain}"] = {"reason": reason}
        return items

    def _allow(self, domain: str, reason: str, added_by: str, when: str) -> None:
        self.db.execute(
            "INSERT INTO allowed_domains (domain, reason, added_by, added_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (domain) DO NOTHING",
            [domain, reason, added_by, when],
        )
