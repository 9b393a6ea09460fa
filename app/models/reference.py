"""The shipped reference data: partners, the bouquet de services and the contact form's choices.

It lives as dated JSON files in `resources/reference/` so that a content change (a partner renamed,
a situation added) is an edit of data, not of code. Every file carries `version`, `date` and `source`.
They are part of the national content (`app.content`): a newer signed version may replace them.
"""

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from app.content.bundle import REFERENCE_FILES, Content, shipped_content
from app.models.text import fold


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Partner(Choice):
    site: str
    former: str | None = None


@dataclass(frozen=True)
class Situation(Choice):
    theme: str | None
    partners: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    partners: dict[str, Partner]
    themes: dict[str, Choice]
    situations: dict[str, Situation]
    channels: dict[str, Choice]
    help_kinds: dict[str, Choice]
    outcomes: dict[str, Choice]
    age_bands: dict[str, Choice]
    escalation_channels: dict[str, Choice]
    escalation_statuses: dict[str, Choice]
    pass_situations: dict[str, Choice]
    pass_cancel_reasons: dict[str, Choice]
    pass_return_reasons: dict[str, Choice]
    defaults: dict[str, str]
    versions: dict[str, str]
    _search_cache: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def find_situations(self, query: str) -> list[Situation]:
        """Situations whose label, theme or keywords contain every typed word, accents and case
        ignored ("demenage" finds "Je déménage"); those with a label word starting with the first
        typed word come first."""
        words = fold(query).split()
        results = []
        for situation in self.situations.values():
            haystack = self._search_text(situation.id)
            if all(word in haystack for word in words):
                label_words = fold(situation.label).replace("'", " ").split()
                starts = not words or any(w.startswith(words[0]) for w in label_words)
                results.append((not starts, situation))
        return [situation for _, situation in sorted(results, key=lambda pair: pair[0])]

    def _search_text(self, situation_id: str) -> str:
        cached = self._search_cache.get(situation_id)
        if cached is None:
            situation = self.situations[situation_id]
            theme = self.label("themes", situation.theme)
            cached = fold(" ".join((situation.label, theme, *situation.keywords)))
            self._search_cache[situation_id] = cached
        return cached

    def label(self, kind: str, item_id: str | None) -> str:
        """The French label of an id, or the id itself if the data no longer knows it."""
        if item_id is None:
            return ""
        item = getattr(self, kind).get(item_id)
        return item.label if item else item_id


def _choices(items: list[dict[str, Any]]) -> dict[str, Choice]:
    return {item["id"]: Choice(item["id"], item["label"]) for item in items}


def _default(items: list[dict[str, Any]]) -> str:
    return next(str(item["id"]) for item in items if item.get("default"))


# What reading a file of the wrong shape raises.
UNUSABLE = (KeyError, TypeError, ValueError, AttributeError, StopIteration)


@cache
def load_catalogue(content: Content | None = None) -> Catalogue:
    """The catalogue of `content` (the national content the workstation uses, checked whole before it
    was accepted: `app.content.check`), else of the shipped content; read once per process. Raises
    one of UNUSABLE if its files do not make a catalogue."""
    content = content or shipped_content()
    return _catalogue(*(content.json(path) for path in REFERENCE_FILES))


def _catalogue(partners_file: dict[str, Any], bouquet: dict[str, Any], fields: dict[str, Any]) -> Catalogue:
    partners = {
        p["id"]: Partner(p["id"], p["label"], p["site"], p.get("former")) for p in partners_file["partners"]
    }
    situations = {
        s["id"]: Situation(
            s["id"], s["label"], s.get("theme"), tuple(s["partners"]), tuple(s.get("keywords", ()))
        )
        for s in bouquet["situations"]
    }
    return Catalogue(
        partners=partners,
        themes=_choices(bouquet["themes"]),
        situations=situations,
        channels=_choices(fields["channels"]),
        help_kinds=_choices(fields["help_kinds"]),
        outcomes=_choices(fields["outcomes"]),
        age_bands=_choices(fields["age_bands"]),
        escalation_channels=_choices(fields["escalation_channels"]),
        escalation_statuses=_choices(fields["escalation_statuses"]),
        pass_situations=_choices(fields["pass_situations"]),
        pass_cancel_reasons=_choices(fields["pass_cancel_reasons"]),
        pass_return_reasons=_choices(fields["pass_return_reasons"]),
        defaults={
            "channel": _default(fields["channels"]),
            "help_kind": _default(fields["help_kinds"]),
            "outcome": _default(fields["outcomes"]),
        },
        versions={
            name: f"v{data['version']} du {data['date']}"
            for name, data in (("partners", partners_file), ("bouquet", bouquet), ("fields", fields))
        },
    )
