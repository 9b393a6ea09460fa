"""How the web pages and their exports write numbers, times, months and départements for people in
France: « 12 345 », « 04/12/2026 à 11 h 12 » (the structure's own time zone overseas), « novembre
2026 », « 4e trimestre 2026 », « Aisne (02) », « 1 structure », « 3 contacts ». One function each,
shared by the templates, the tables and the map, so that every page says it the same way."""

from datetime import datetime
from functools import cache

from app.models.business_time import local_moment
from app.reports.periods import Period
from app.server.figures import MonthRange
from app.server.web.map import outlines

NARROW_NO_BREAK_SPACE = "\u202f"
# The map's outlines name every département but Saint-Pierre-et-Miquelon (no outline).
_EXTRA_NAMES = {"975": "Saint-Pierre-et-Miquelon"}


def number(n: int) -> str:
    """« 12 345 »: French digit groups, separated by a narrow no-break space (never cut at a line end)."""
    return f"{n:,}".replace(",", NARROW_NO_BREAK_SPACE)


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """« 0 structure », « 1 contact », « 12 345 contacts »: in French, 0 and 1 take the singular."""
    word = singular if abs(n) < 2 else plural_form or f"{singular}s"
    return f"{number(n)} {word}"


def departement_label(code: str | None) -> str:
    """« Aisne (02) »; the bare code for one without a known name, "" for none."""
    if not code:
        return ""
    name = _departement_names().get(code)
    return f"{name} ({code})" if name else code


def local_time(stored: str | None, departement: str | None = None) -> str:
    """A stored UTC time (« 2026-12-04T10:12:00Z ») as « 04/12/2026 à 11 h 12 », in the zone of
    `departement` (Paris when None); "" for none."""
    moment = local_moment(stored, departement)
    return moment_text(moment) if moment else ""


def moment_text(moment: datetime) -> str:
    """« 04/12/2026 à 11 h 12 »."""
    return f"{moment:%d/%m/%Y} à {moment.hour} h {moment:%M}"


def month_label(month: str) -> str:
    """« novembre 2026 » for « 2026-11 »."""
    return Period("month", int(month[:4]), int(month[5:7])).label


def period_label(first: str, last: str) -> str:
    """« novembre 2026 », « 4e trimestre 2026 », « année 2026 », or « de novembre 2026 à février
    2027 » for any other range of months."""
    period = MonthRange(first, last).period
    return period.label if period else f"{_from(first)} à {month_label(last)}"


def compared_to(months: MonthRange) -> str:
    """After « par rapport », as the Synthèses screen says it (`Period.compared_to`): « à octobre
    2026 », « au 3e trimestre 2026 », « à l'année 2025 », or « à la période de … à … »."""
    period = months.period
    return period.compared_to if period else f"à la période {period_label(months.first, months.last)}"


def during(months: MonthRange) -> str:
    """After « aucun contact » (`Period.during`): « en octobre 2026 », « au 3e trimestre 2026 », « en
    2025 », or « de … à … »."""
    period = months.period
    return period.during if period else period_label(months.first, months.last)


def _from(month: str) -> str:
    """« de novembre 2026 », « d'avril 2026 », « d'août 2026 », « d'octobre 2026 »."""
    label = month_label(month)
    return f"d'{label}" if label[0] in "aeiouyéèêâîôû" else f"de {label}"


@cache
def _departement_names() -> dict[str, str]:
    return {code: name for code, (name, _rings) in outlines().items()} | _EXTRA_NAMES
