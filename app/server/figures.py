"""The figures of the web application and its JSON API: one scope, one period, plain dicts.

The interface is meant to outlive its implementation: `figures`, `structure_list` and
`public_by_month` take a connection, a `Scope` (`app.server.scope`) and a `MonthRange`, and return
plain dicts and lists. Today they add up `app.server.summary.monthly_summary` — the same computation
as the structure's monthly summary, hence exactly the workstation's Synthèses — structure by
structure and month by month, which scans the records on every call. Roll-up tables kept at ingest
will answer the same dicts without a scan; nothing outside this module needs to change then.

How months add up: counts and breakdowns are summed; `pass_stock_left` is the stock at the end of
the period's last month; `by_agent` is given for one structure only (agents of different structures
have nothing to add up).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select, union

from app.reports.periods import Period, PeriodError
from app.server.schema import (
    contact_counts,
    escalations,
    pass_issuances,
    pass_ledger,
    records,
    structures,
    timestamp,
    utc_now,
    workstations,
)
from app.server.scope import Scope, visible
from app.server.summary import monthly_summary, valid_month

MAX_MONTHS = 36
SILENT_AFTER = timedelta(days=14)
# The keys of `monthly_summary` that are not figures.
_IDENTITY = ("matricule", "month")
_LAST_MONTH_ONLY = ("pass_stock_left",)


@dataclass(frozen=True)
class MonthRange:
    """From `first` to `last` (`YYYY-MM`, both included): a month, a quarter, a year or any range."""

    first: str
    last: str

    @property
    def months(self) -> list[str]:
        year, month = int(self.first[:4]), int(self.first[5:])
        found = []
        while f"{year:04d}-{month:02d}" <= self.last:
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    @property
    def label(self) -> str:
        return self.first if self.first == self.last else f"{self.first} à {self.last}"


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


def figures(connection: Connection, scope: Scope, period: MonthRange, now: datetime | None = None) -> dict:
    """The figures of `scope` over `period`: the keys of the structure's monthly summary (less
    `matricule` and `month`, and `by_agent` unless the scope is one structure), plus `by_month`
    (contacts per month) and `structures` (how many structures of the scope had any activity)."""
    now = now or utc_now()
    active = _active_structures(connection, scope, period)
    total: dict = {}
    by_month = dict.fromkeys(period.months, 0)
    for matricule in active:
        for month in period.months:
            summary = monthly_summary(connection, matricule, month, now)
            by_month[month] += summary["total"]
            for key, value in summary.items():
                if key in _IDENTITY or (key in _LAST_MONTH_ONLY and month != period.last):
                    continue
                if isinstance(value, dict):
                    total.setdefault(key, Counter()).update(value)
                else:
                    total[key] = total.get(key, 0) + value
    if not active:  # nothing in scope: the same keys, all zero (no structure has an empty matricule)
        total = {
            key: value
            for key, value in monthly_summary(connection, "", period.last, now).items()
            if key not in _IDENTITY
        }
    result: dict = {}
    for key, value in total.items():
        if key == "by_agent" and scope.structure is None:
            continue
        result[key] = (
            dict(sorted(value.items(), key=lambda pair: (-pair[1], pair[0])))
            if isinstance(value, dict)
            else value
        )
    result["solved_on_the_spot_share"] = (
        round(result["by_outcome"].get("resolu", 0) / result["total"], 3) if result["total"] else None
    )
    result["by_month"] = by_month
    result["structures"] = len(active)
    return result


def structure_list(connection: Connection, scope: Scope, now: datetime | None = None) -> list[dict]:
    """The structures of `scope`, with their workstations' last sync and their last record received;
    `silent` when no record came for 14 days (or never), closed structures apart."""
    now = now or utc_now()
    last_seen = (
        select(workstations.c.structure, func.max(workstations.c.last_seen_at).label("last_seen_at"))
        .group_by(workstations.c.structure)
        .subquery()
    )
    last_record = (
        select(records.c.structure, func.max(records.c.received_at).label("last_record_at"))
        .group_by(records.c.structure)
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
            last_record.c.last_record_at,
        )
        .outerjoin(last_seen, last_seen.c.structure == structures.c.matricule)
        .outerjoin(last_record, last_record.c.structure == structures.c.matricule)
        .where(visible(scope))
        .order_by(structures.c.departement, structures.c.name, structures.c.matricule)
    )
    threshold = timestamp(now - SILENT_AFTER)
    return [
        {
            **row._asdict(),
            "silent": row.closed_at is None
            and (row.last_record_at is None or row.last_record_at < threshold),
        }
        for row in rows
    ]


def contacts_by_departement(
    connection: Connection, scope: Scope, period: MonthRange, now: datetime | None = None
) -> dict[str, int]:
    """Contacts over `period` per département of `scope` (a structure's scope has none)."""
    codes = connection.execute(
        select(structures.c.departement).distinct().where(visible(scope)).order_by(structures.c.departement)
    ).scalars()
    found = {}
    for code in codes:
        narrowed = scope.narrowed(departement=code)
        if not narrowed.is_empty:
            found[code] = figures(connection, narrowed, period, now)["total"]
    return found


def public_by_month(connection: Connection, period: MonthRange, now: datetime | None = None) -> dict:
    """Contacts per month, nationally and per département: what anyone may read."""
    departements = connection.execute(
        select(structures.c.departement).distinct().order_by(structures.c.departement)
    ).scalars()
    per_departement = {}
    for code in departements:
        by_month = figures(connection, Scope(frozenset({code})), period, now)["by_month"]
        if any(by_month.values()):
            per_departement[code] = by_month
    national = {month: sum(counts[month] for counts in per_departement.values()) for month in period.months}
    return {"months": period.months, "national": national, "departements": per_departement}


def _active_structures(connection: Connection, scope: Scope, period: MonthRange) -> list[str]:
    """The structures of `scope` with anything to count in `period` (the Pass numérique stock: any
    ledger line up to its end)."""
    in_scope = select(structures.c.matricule).where(visible(scope))
    # The contacts' from their counts (the contacts table has no index by month any more).
    legs = [
        select(table.c.structure).where(
            table.c.structure.in_(in_scope),
            table.c.local_month >= period.first,
            table.c.local_month <= period.last,
            *([table.c.n != 0] if table is contact_counts else []),
        )
        for table in (contact_counts, escalations, pass_issuances)
    ]
    legs.append(
        select(pass_ledger.c.structure).where(
            pass_ledger.c.structure.in_(in_scope), pass_ledger.c.local_month <= period.last
        )
    )
    return sorted(connection.execute(union(*legs)).scalars())


__all__ = [
    "MonthRange",
    "PeriodError",
    "contacts_by_departement",
    "figures",
    "parse_period",
    "public_by_month",
    "structure_list",
]
