"""The one aggregation of a structure's activity over a period: the Synthèses screen, the PDF and the
CSV all render this, and for a month it gives the same numbers as the reporting server's summary.

Definitions follow the server (docs/SYNC_PROTOCOL.md): only current records count (not superseded, not
deleted); a record belongs to the month of its time on the agent's wall clock (its UTC time plus its
own `utc_offset_minutes`); an escalation counts in the month it was sent and is late when still
waiting past its deadline (72 business hours, with the structure's département) at `now`, or answered
after it; the Pass numérique stock left is received − handed out + returned − cancelled over every
ledger line up to the end of the period.

Everything is counted by SQLite (a few GROUP BY over one scan of the period's contacts): a year of a
busy structure is some 100,000 contacts, which Python loops over rows would make slow.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from app.models.database import DB_TIME_FORMAT, utc_now
from app.models.escalations import escalation_figures
from app.models.pass_numerique import COUNTED_ISSUANCE, COUNTED_LEDGER
from app.models.record import COUNTED_FIELDS, COUNTED_FLAGS
from app.models.structures import Structure
from app.models.workspace import Workspace
from app.models.workstation import SetupError
from app.reports.periods import Period

Counts = dict[str, int]  # id (or free text: agent, place) → number, largest first, then by id


@dataclass(frozen=True)
class Summary:
    matricule: str
    structure: str  # "France Services Valserhône — Valserhône"
    period: Period
    generated_at: datetime
    # Contacts
    total: int
    previous_total: int  # the period just before
    year_before_total: int  # the same period a year before
    by_partner: Counts
    by_situation: Counts
    by_theme: Counts  # the situation's theme; "" for situations without one ("Autre demande")
    by_channel: Counts
    by_help_kind: Counts
    by_outcome: Counts
    by_agent: Counts
    by_place: Counts
    by_weekday_hour: dict[tuple[int, int], int]  # (Monday = 0 … Sunday = 6, hour 0–23) on the wall clock
    total_minutes: int  # sum of durations, for the average
    non_recours: int
    pass_numerique_contacts: int  # contacts flagged "Pass numérique remis"
    # Escalations sent in the period
    escalations_sent: int
    escalations_answered: int
    escalations_late: int
    escalations_by_partner: Counts
    # Pass numérique ledger and handings out in the period
    pass_issuances: int
    pass_cheques_received: int
    pass_cheques_handed_out: int
    pass_value_handed_out_cents: int
    pass_cheques_returned: int
    pass_cheques_cancelled: int
    pass_stock_left: int  # at the end of the period

    @property
    def ongoing(self) -> bool:
        """The period was not over when the figures were counted: they say so (« période en cours »)."""
        return self.generated_at.astimezone().date() < self.period.end

    @property
    def counted_to(self) -> date:
        """The last day the figures cover: the period's last, or the day they were counted — the
        stock of a month still under way is the stock of today, not of its last day."""
        return min(self.period.end - timedelta(days=1), self.generated_at.astimezone().date())

    @property
    def average_minutes(self) -> float | None:
        return self.total_minutes / self.total if self.total else None

    @property
    def solved_on_the_spot(self) -> int:
        return self.by_outcome.get("resolu", 0)


# A record's wall-clock time, and the test that it falls in the period [:start, :end). The UTC bounds,
# widened by the largest offsets there are (±14 h), let SQLite walk the time index; the exact test is
# then made on the local time ('YYYY-MM-DD HH:MM:SS' compared with 'YYYY-MM-DD').
_WIDEST_OFFSET = timedelta(hours=14)
_CURRENT = "superseded = 0 AND deleted = 0"  # as written in the partial indexes, so they are used


def local_time(moment: str) -> str:
    """SQL: the record's `moment` on the agent's wall clock, 'YYYY-MM-DD HH:MM:SS'."""
    return f"datetime({moment}, utc_offset_minutes || ' minutes')"


def _in_period(moment: str) -> str:
    local = local_time(moment)
    return (
        f"structure = :matricule AND {moment} >= :utc_from AND {moment} < :utc_to "
        f"AND {local} >= :start AND {local} < :end"
    )


# FROM … WHERE of the current contacts of a period (parameters: `period_bounds`).
CONTACTS_IN_PERIOD = f"contacts WHERE {_CURRENT} AND {_in_period('occurred_at')}"
_DIMENSION_LEGS = "".join(
    f"UNION ALL SELECT '{name}', {name}, count(*) FROM period GROUP BY {name}\n" for name in COUNTED_FIELDS
)
_FLAG_LEGS = "".join(
    f"UNION ALL SELECT '{flag}', '', coalesce(sum({flag}), 0) FROM period\n" for flag in COUNTED_FLAGS
)
# One scan of the period's contacts, materialised once, then one GROUP BY per figure. SQLite's %w
# counts from Sunday: the weekday becomes Monday = 0, packed with the hour as weekday × 24 + hour.
_CONTACT_FIGURES = f"""
WITH period AS MATERIALIZED (
    SELECT {", ".join((*COUNTED_FIELDS, *COUNTED_FLAGS))}, partners, duration_minutes,
           {local_time("occurred_at")} AS local
    FROM {CONTACTS_IN_PERIOD}
)
SELECT 'total', '', count(*) FROM period
UNION ALL SELECT 'minutes', '', coalesce(sum(duration_minutes), 0) FROM period
{_FLAG_LEGS}UNION ALL SELECT 'partner', partner.value, count(*) FROM period, json_each(period.partners) AS partner
    GROUP BY partner.value
{_DIMENSION_LEGS}UNION ALL SELECT 'weekday_hour',
    ((CAST(strftime('%w', local) AS INTEGER) + 6) % 7) * 24 + CAST(strftime('%H', local) AS INTEGER),
    count(*) FROM period GROUP BY 2
"""
_ESCALATIONS = (
    "SELECT partner, status, sent_at, answered_at, created_at, :departement FROM escalations "
    f"WHERE {_CURRENT} AND {_in_period('sent_at')}"
)
# Per movement: the cheques and their value in the period, and the cheques up to its end (the stock).
_LEDGER = f"""
SELECT event,
       coalesce(sum(CASE WHEN local >= :start THEN json_array_length(cheques) END), 0),
       coalesce(sum(CASE WHEN local >= :start THEN json_array_length(cheques) * value_cents END), 0),
       coalesce(sum(json_array_length(cheques)), 0)
FROM (SELECT event, cheques, value_cents, {local_time("occurred_at")} AS local
      FROM pass_ledger l WHERE structure = :matricule AND occurred_at < :utc_to AND {COUNTED_LEDGER})
WHERE local < :end
GROUP BY event
"""
_ISSUANCES = f"SELECT count(*) FROM pass_issuances i WHERE {_in_period('issued_at')} AND {COUNTED_ISSUANCE}"


def set_up_structure(workspace: Workspace) -> Structure:
    """The workstation's structure, whose figures every report gives; `SetupError` (French) before
    one is chosen."""
    structure = workspace.workstation.structure
    if structure is None:
        raise SetupError(
            "Le poste n'est pas encore configuré : lancez l'application pour choisir la structure."
        )
    return structure


def summarise(workspace: Workspace, period: Period, now: datetime | None = None) -> Summary:
    """The structure's figures for `period`; `now` (default: the real now, aware) decides which
    waiting escalations are late and is the summary's `generated_at`. Raise `SetupError` (French) if
    the workstation has no structure yet."""
    structure = set_up_structure(workspace)
    now = now or utc_now()
    db = workspace.db.conn
    bounds = period_bounds(period, structure.matricule)
    counts: dict[str, Counter[str]] = {}
    for figure, value, n in db.execute(_CONTACT_FIGURES, bounds):
        counts.setdefault(figure, Counter())[value] = n
    by_situation = _sorted(counts.get("situation", {}))
    themes: Counter[str] = Counter()
    for situation, n in by_situation.items():
        known = workspace.catalogue.situations.get(situation)
        themes[(known.theme if known else None) or ""] += n
    escalations = escalation_figures(
        db.execute(_ESCALATIONS, {**bounds, "departement": structure.departement}), now
    )
    ledger = {event: (0, 0, 0) for event in ("recu", "remis", "retour", "annule")}
    for event, cheques, value, to_date in db.execute(_LEDGER, bounds):
        ledger[event] = (cheques, value, to_date)
    return Summary(
        matricule=structure.matricule,
        structure=f"{structure.heading} — {structure.commune}",
        period=period,
        generated_at=now,
        total=counts["total"][""],
        previous_total=_total(workspace, period.previous(), structure.matricule),
        year_before_total=_total(workspace, period.year_before(), structure.matricule),
        by_partner=_sorted(counts.get("partner", {})),
        by_situation=by_situation,
        by_theme=_sorted(themes),
        by_channel=_sorted(counts.get("channel", {})),
        by_help_kind=_sorted(counts.get("help_kind", {})),
        by_outcome=_sorted(counts.get("outcome", {})),
        by_agent=_sorted(counts.get("agent", {})),
        by_place=_sorted(counts.get("place", {})),
        by_weekday_hour={
            divmod(int(key), 24): n for key, n in sorted(counts.get("weekday_hour", {}).items())
        },
        total_minutes=counts["minutes"][""],
        non_recours=counts["non_recours"][""],
        pass_numerique_contacts=counts["pass_numerique"][""],
        **escalations,
        pass_issuances=db.execute(_ISSUANCES, bounds).fetchone()[0],
        pass_cheques_received=ledger["recu"][0],
        pass_cheques_handed_out=ledger["remis"][0],
        pass_value_handed_out_cents=ledger["remis"][1],
        pass_cheques_returned=ledger["retour"][0],
        pass_cheques_cancelled=ledger["annule"][0],
        pass_stock_left=ledger["recu"][2] - ledger["remis"][2] + ledger["retour"][2] - ledger["annule"][2],
    )


def as_server_summary(summary: Summary) -> dict[str, Any]:
    """The JSON object the reporting server's `monthly_summary` gives for the same month and records:
    same keys in the same order, `by_…` sorted the same way. Months only (the server has no other)."""
    if summary.period.kind != "month":
        raise ValueError(f"the server summarises months, not a {summary.period.kind}")
    return {
        "matricule": summary.matricule,
        "month": summary.period.months[0],
        "total": summary.total,
        "by_partner": dict(summary.by_partner),
        "by_situation": dict(summary.by_situation),
        "by_channel": dict(summary.by_channel),
        "by_outcome": dict(summary.by_outcome),
        "by_place": dict(summary.by_place),
        "by_help_kind": dict(summary.by_help_kind),
        "by_agent": dict(summary.by_agent),
        "non_recours": summary.non_recours,
        "pass_numerique": summary.pass_numerique_contacts,
        "escalations_sent": summary.escalations_sent,
        "escalations_answered": summary.escalations_answered,
        "escalations_late": summary.escalations_late,
        "escalations_by_partner": dict(summary.escalations_by_partner),
        "pass_issuances": summary.pass_issuances,
        "pass_cheques_received": summary.pass_cheques_received,
        "pass_cheques_handed_out": summary.pass_cheques_handed_out,
        "pass_value_handed_out_cents": summary.pass_value_handed_out_cents,
        "pass_cheques_returned": summary.pass_cheques_returned,
        "pass_cheques_cancelled": summary.pass_cheques_cancelled,
        "pass_stock_left": summary.pass_stock_left,
    }


def period_bounds(period: Period, matricule: str) -> dict[str, str]:
    """The named parameters of the period tests: the structure (records typed under another matricule
    before enrolment never reach the server's figures, so they stay out of these too), local days
    `start`/`end` (end excluded) and the UTC range `utc_from`/`utc_to` that surely contains them (the
    contacts CSV pages with these too)."""
    widest_from = datetime.combine(period.start, time()) - _WIDEST_OFFSET
    widest_to = datetime.combine(period.end, time()) + _WIDEST_OFFSET
    return {
        "matricule": matricule,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "utc_from": widest_from.strftime(DB_TIME_FORMAT),
        "utc_to": widest_to.strftime(DB_TIME_FORMAT),
    }


def _total(workspace: Workspace, period: Period, matricule: str) -> int:
    return int(
        workspace.db.execute(
            f"SELECT count(*) FROM {CONTACTS_IN_PERIOD}", period_bounds(period, matricule)
        ).fetchone()[0]
    )


def _sorted(counts: Counter[str] | dict[str, int]) -> Counts:
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))
