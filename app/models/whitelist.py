"""The portal's whitelist: the only sites the workstation opens, links in flows included."""

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from app.content.bundle import Content, shipped_content

WHITELIST_FILE = "portal/whitelist.json"


@dataclass(frozen=True)
class Whitelist:
    domains: dict[str, str]  # domain → French label

    def with_domains(self, extra: dict[str, str]) -> "Whitelist":
        """The shipped list plus domains allowed on this workstation."""
        return Whitelist({**self.domains, **extra})

    def allows(self, url: str) -> bool:
        """https, and the host is a listed domain or one of its sub-domains."""
        parts = urlsplit(url)
        return parts.scheme == "https" and self.allows_host(parts.hostname or "")

    def allows_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)


@cache
def load_whitelist(content: Content | None = None) -> Whitelist:
    """The national whitelist of `content`, else of the shipped content (`app.content`)."""
    data = (content or shipped_content()).json(WHITELIST_FILE)
    return Whitelist({entry["domain"].lower(): entry["label"] for entry in data["domains"]})
