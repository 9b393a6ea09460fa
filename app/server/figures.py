"""The figures of the web application and its JSON API: one scope, one period, plain dicts.

The interface is meant to outlive its implementation: `figures`, `structure_list` and
`public_by_month` take a connection, a `Scope` (`app.server.scope`) and a `MonthRange`, and return
plain dicts and lists. They read the counts kept at ingest (`app.server.rollups`) with
`app.server.summary.period_summary` — the computation of the structure's monthly summary, hence
exactly the workstation's Synthèses — a structure's from its own counts, a département's or the
nation's from the départements' counts: a handful of queries per page, never a scan of the records.

How months add up: counts and breakdowns are summed; `pass_stock_left` is the stock at the end of
the period's last month; `by_agent` and `by_place` are given for one structure only (the agents and
the desks and stops of different structures have nothing to add up).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from app.models.reference import Situation
from app.reports.periods import Period, PeriodError
from app.server import rollups
from app.server.content import catalogue
from app.server.rollups import MINUTES, active_structures, by_departement, by_month
from app.server.schema import structure_sequences, structures, timestamp, utc_now, workstations
from app.server.scope import Scope, visible
from app.server.summary import period_summary, valid_month

MAX_MONTHS = 36
SILENT_AFTER = timedelta(days=14)


@dataclass(frozen=True)
class MonthRange:
    """From `first` to `last` (`YYYY-MM`, both included): a month, a quarter, a year or any range."""

    first: str
    last: str

    @property
    def months(self) -> list[str]:
        return [_month(index) for index in range(_month_index(self.first), _month_index(self.last) + 1)]

    @property
    def label(self) -> str:
        return self.first if self.first == self.last else f"{self.first} à {self.last}"

    def shifted(self, months: int) -> "MonthRange":
        """The same number of months, `months` later (earlier when negative)."""
        return MonthRange(_month(_month_index(self.first) + months), _month(_month_index(self.last) + months))

    def previous(self) -> "MonthRange":
        """The months just before, as many: October for November, Q3 for Q4, 2025 for 2026 — what
        `Period.previous` gives the Synthèses screen."""
        return self.shifted(-len(self.months))

    def year_before(self) -> "MonthRange":
        """The same months a year before (`Period.year_before`)."""
        return self.shifted(-12)

    @property
    def period(self) -> Period | None:
        """The month, quarter or year these months are, if they are one."""
        if self.first[:4] != self.last[:4]:
            return None
        year, start, end = int(self.first[:4]), int(self.first[5:]), int(self.last[5:])
        if start == end:
            return Period("month", year, start)
        if (start, end) == (1, 12):
            return Period("year", year)
        if start % 3 == 1 and end == start + 2:
            return Period("quarter", year, end // 3)
        return None


def _month_index(month: str) -> int:
    """ "2026-11" as a count of months, so that months are stepped through by adding."""
    return int(month[:4]) * 12 + int(month[5:]) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_period(periode: str | None, du: str | None, au: str | None, today: datetime) -> MonthRange:
    """The period of a page or an answer: `periode` (2026-11, 2026-T4 or 2026), or `du` and `au`
    (two months), or else the current month. PeriodError (French) for anything else."""
    if periode and (du or au):
        raise PeriodError("Indiquez soit une période, soit des mois de début et de fin, pas les deux.")
    if periode:
        months = Period.parse(periode).months
        return MonthRange(months[0], months[-1])
    if du or au:
        for name, value in (("du", du), ("au", au)):
            if not value or not valid_month(value.strip()):
                raise PeriodError(
                    f"Mois « {name} » invalide : « {(value or '')[:16]} » (format attendu : AAAA-MM)."
                )
        chosen = MonthRange(du.strip(), au.strip())  # type: ignore[union-attr]
        if chosen.first > chosen.last:
            raise PeriodError("Le mois de début est après le mois de fin.")
        if len(chosen.months) > MAX_MONTHS:
            raise PeriodError(f"Période trop longue : {MAX_MONTHS} mois au plus.")
        return chosen
    month = f"{today.year:04d}-{today.month:02d}"
    return MonthRange(month, month)


def figures(
    connection: Connection, scope: Scope, period: MonthRange, now: datetime | None = None
) -> dict[str, Any]:
    """The figures of `scope` over `period`: the keys of the structure's monthly summary (less
    `matricule` and `month`, and `by_agent` and `by_place` unless the scope is one structure), plus `by_theme`
    (contacts per theme of their situation), `by_month` (contacts per month), `structures` (how
    many structures of the scope had any activity), the Synthèses' comparisons: `previous_total`
    and `year_before_total`, the contacts of `period.previous()` and `period.year_before()` (read
    with the period's own months, in one query of the monthly totals), `total_minutes` (their time
    with the public), and for one structure `by_weekday_hour` (contacts per "0-09": Monday, 9 h to
    10 h on the agent's wall clock; `rollups.weekday_hour`)."""
    now = now or utc_now()
    first, last = period.first, period.last
    own = scope.structure is not None
    result = period_summary(connection, scope, first, last, now, own=own)
    result["solved_on_the_spot_share"] = (
        round(result["by_outcome"].get("resolu", 0) / result["total"], 3) if result["total"] else None
    )
    result["by_theme"] = _by_theme(result["by_situation"], catalogue(connection.engine).situations)
    minutes = rollups.sums(connection, rollups.COUNT_TABLES[0], scope, first, last, (MINUTES,))
    result["total_minutes"] = minutes.get(MINUTES, {}).get("", 0)
    if own:
        result["by_weekday_hour"] = rollups.week(connection, scope, first, last)
    previous, year_before = period.previous(), period.year_before()
    per_month = by_month(connection, scope, "total", min(previous.first, year_before.first), last)
    result["by_month"] = {month: per_month.get(month, {}).get("", 0) for month in period.months}
    for key, months in (("previous_total", previous.months), ("year_before_total", year_before.months)):
        result[key] = sum(per_month.get(month, {}).get("", 0) for month in months)
    result["structures"] = active_structures(connection, scope, first, last)
    return result


def _by_theme(by_situation: dict[str, int], situations: dict[str, Situation]) -> dict[str, int]:
    """Contacts per theme of the server's catalogue (`app.server.content.catalogue`), from the counts
    per situation; a situation the catalogue does not know, or without a theme, under ''."""
    themes: Counter[str] = Counter()
    for situation, n in by_situation.items():
        known = situations.get(situation)
        themes[(known.theme if known else None) or ""] += n
    return dict(sorted(themes.items(), key=lambda pair: (-pair[1], pair[0])))


def structure_list(connection: Connection, scope: Scope, now: datetime | None = None) -> list[dict[str, Any]]:
    """The structures of `scope`, with their workstations' last sync and their last batch received;
    `silent` when nothing came for 14 days (or never), closed structures apart."""
    now = now or utc_now()
    last_seen = (
        select(workstations.c.structure, func.max(workstations.c.last_seen_at).label("last_seen_at"))
        .group_by(workstations.c.structure)
        .subquery()
    )
    rows = connection.execute(
        select(
            structures.c.matricule,
            structures.c.name,
            structures.c.departement,
            structures.c.commune,
            structures.c.format,
            structures.c.closed_at,
            structures.c.latitude,
            structures.c.longitude,
            last_seen.c.last_seen_at,
            structure_sequences.c.last_received_at.label("last_record_at"),
        )
        .outerjoin(last_seen, last_seen.c.structure == structures.c.matricule)
        .outerjoin(structure_sequences, structure_sequences.c.structure == structures.c.matricule)
        .where(visible(scope))
        .order_by(structures.c.departement, structures.c.name, structures.c.matricule)
    )
    threshold = timestamp(now - SILENT_AFTER)
    # zip with the names read once: `Row._asdict` costs ~20 µs a row and `{**RowMapping}` ~35 µs
    # (each builds its keys again), 60–100 ms for the national list's ~2,850 rows; this, ~1 µs.
    names = tuple(rows.keys())
    found = [dict(zip(names, row, strict=True)) for row in rows.all()]
    for row in found:
        row["silent"] = row["closed_at"] is None and (
            row["last_record_at"] is None or row["last_record_at"] < threshold
        )
    return found


def structure_departements(connection: Connection, scope: Scope) -> list[str]:
    """The départements that hold a structure of `scope` (what the structures list filters on)."""
    query = select(structures.c.departement).where(visible(scope)).distinct()
    return sorted(connection.execute(query).scalars())


def contacts_by_departement(
    connection: Connection, scope: Scope, period: MonthRange, now: datetime | None = None
) -> dict[str, int]:
    """Contacts over `period` per département of `scope` with any (a structure's scope has none)."""
    found = by_departement(connection, scope, period.first, period.last)
    return {code: counts[""] for code, counts in sorted(found.items())}


def public_by_month(
    connection: Connection, period: MonthRange, now: datetime | None = None
) -> dict[str, Any]:
    """Contacts per month, nationally and per département: what anyone may read."""
    found = by_departement(connection, Scope(), period.first, period.last, per_month=True)
    per_departement = {
        code: {month: counts.get(month, 0) for month in period.months}
        for code, counts in sorted(found.items())
    }
    national = {month: sum(counts[month] for counts in per_departement.values()) for month in period.months}
    return {"months": period.months, "national": national, "departements": per_departement}


__all__ = [
    "MonthRange",
    "PeriodError",
    "contacts_by_departement",
    "figures",
    "parse_period",
    "public_by_month",
    "structure_departements",
    "structure_list",
]
