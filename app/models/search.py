"""One search over everything the workstation knows: portal links, flows and their steps, referents.

SQLite FTS5 (in memory, rebuilt when the data changes) gives accent- and case-insensitive prefix
search; typos are forgiven by replacing an unknown word with the closest words of the index
(difflib), so "demenagment" still finds "Je déménage".
"""

import difflib
import sqlite3
from dataclasses import dataclass
from urllib.parse import quote_plus

from app.models.flows import GROUPS, Flow
from app.models.portal import Link
from app.models.reference import Catalogue
from app.models.referents import Referent
from app.models.text import fold
from app.models.whitelist import Whitelist

KINDS = {"link": "Sites", "flow": "Parcours", "step": "Étapes des parcours", "referent": "Référents"}
PER_KIND = 8


@dataclass(frozen=True)
class Hit:
    kind: str  # a key of KINDS
    title: str
    detail: str
    target: str  # a URL (link), a situation id (flow, step), a partner id (referent)


class SearchIndex:
    def __init__(
        self, catalogue: Catalogue, links: list[Link], flows: dict[str, Flow], referents: list[Referent]
    ) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE documents USING fts5("
            "kind UNINDEXED, title, detail, target UNINDEXED, extra, tokenize = 'unicode61 remove_diacritics 2')"
        )
        self.db.execute("CREATE VIRTUAL TABLE words USING fts5vocab(documents, row)")
        rows = [("link", link.label, link.description, link.url, link.url) for link in links]
        for flow in flows.values():
            situation = catalogue.situations[flow.situation]
            theme = catalogue.label("themes", situation.theme)
            rows.append(
                ("flow", situation.label, theme, flow.situation, " ".join((flow.intro, *situation.keywords)))
            )
            for step in flow.steps:
                rows.append(
                    ("step", step.text, f"{situation.label} · {GROUPS[step.group]}", flow.situation, "")
                )
        for referent in referents:
            partner = catalogue.label("partners", referent.partner)
            detail = " ".join(filter(None, (partner, referent.phone, referent.email)))
            rows.append(("referent", referent.name, detail, referent.partner, referent.note))
        self.db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?)", rows)
        self.vocabulary = [word for (word,) in self.db.execute("SELECT term FROM words")]

    def _terms(self, query: str) -> list[str]:
        """FTS5 terms: each word as a prefix, or, if the index has no word starting with it, the
        closest words it has (typos)."""
        terms = []
        for word in fold(query).replace("'", " ").split():
            word = "".join(c for c in word if c.isalnum())
            if not word:
                continue
            if any(known.startswith(word) for known in self.vocabulary):
                terms.append(f'"{word}"*')
                continue
            close = difflib.get_close_matches(word, self.vocabulary, n=3, cutoff=0.75)
            if not close:
                return []
            terms.append("(" + " OR ".join(f'"{match}"' for match in close) + ")")
        return terms

    def search(self, query: str) -> list[Hit]:
        """Best hits first within each kind; kinds in the order of KINDS."""
        terms = self._terms(query)
        if not terms:
            return []
        rows = self.db.execute(
            "SELECT kind, title, detail, target FROM documents WHERE documents MATCH ? ORDER BY rank",
            [" AND ".join(terms)],
        ).fetchall()
        hits: dict[str, list[Hit]] = {kind: [] for kind in KINDS}
        for kind, title, detail, target in rows:
            if len(hits[kind]) < PER_KIND:
                hits[kind].append(Hit(kind, title, detail, target))
        return [hit for kind in KINDS for hit in hits[kind]]

    def close(self) -> None:
        self.db.close()


def web_search_url(query: str, whitelist: Whitelist, engine: str) -> str:
    """The engine's URL for `query`, restricted to the whitelisted sites with `site:` filters."""
    sites = " OR ".join(f"site:{domain}" for domain in whitelist.domains)
    return engine.replace("{query}", quote_plus(f"{query} ({sites})"))
