"""Monthly aggregates of a structure: one computation, rendered as the JSON or the CSV of the protocol.

Only current records count: not deleted, and not superseded by another record of the same kind and
structure, whichever arrived first; of two records superseding one version (a contact corrected, an
escalation's status changed, on two workstations offline), the later (created_at, id). The month is
the one on the agent's wall clock (`local_month`, stored at ingest): a contact on 31 October at 23:30
UTC is a November contact in Paris; an escalation counts in the month it was sent.

An escalation is late when it is still waiting and its answer deadline (72 business hours after it
was sent, `app.models.business_time`, with the structure's département for its holidays) has passed
at the moment of the computation, or when it was answered after that deadline.

The Pass numérique records are append-only, so all of them count: the issuances of the month (one per
citizen), the cheques of the month's ledger lines by movement (a ledger line's month is the one of its
`occurred_at`, an issuance's the one of its `issued_at`), and the stock at the end of the month, from
every ledger line of that month or before: received − handed out + returned − cancelled.
"""

import io
import json
import re
from datetime import datetime

from sqlalchemy import (
    Connection,
    case,
    func,
    select,
)

from app.models.csv_files import spreadsheet_writer
from app.models.escalations import escalation_figures
from app.server.rollups import current
from app.server.schema import (
    contact_counts,
    escalations,
    pass_issuances,
    pass_ledger,
    structures,
    utc_now,
)

_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")

# (dimension, JSON key, CSV label), in the protocol's order.
_DIMENSIONS = (
    ("partner", "by_partner", "partenaire"),
    ("situation", "by_situation", "situation"),
    ("channel", "by_channel", "canal"),
    ("outcome", "by_outcome", "issue"),
    ("place", "by_place", "lieu"),
    ("help_kind", "by_help_kind", "type_aide"),
    ("agent", "by_agent", "agent"),
)
_FLAGS = ("non_recours", "pass_numerique")
# (JSON key, CSV label) of the escalation counts, then the escalations per partner.
_ESCALATION_COUNTS = (
    ("escalations_sent", "escalations_envoyees"),
    ("escalations_answered", "escalations_repondues"),
    ("escalations_late", "escalations_en_retard"),
)
_ESCALATION_PARTNERS = ("escalations_by_partner", "escalation_partenaire")
# (JSON key, CSV label) of the Pass numérique figures.
_PASS_FIGURES = (
    ("pass_issuances", "pass_remises"),
    ("pass_cheques_received", "pass_cheques_recus"),
    ("pass_cheques_handed_out", "pass_cheques_remis"),
    ("pass_value_handed_out_cents", "pass_valeur_remise_centimes"),
    ("pass_cheques_returned", "pass_cheques_retournes"),
    ("pass_cheques_cancelled", "pass_cheques_annules"),
    ("pass_stock_left", "pass_stock_restant"),
)
_PASS_EVENTS = ("recu", "remis", "retour", "annule")  # the ledger's movements


def valid_month(month: str) -> bool:
    return _MONTH.fullmatch(month) is not None


def monthly_summary(connection: Connection, matricule: str, month: str, now: datetime | None = None) -> dict:
    """The protocol's JSON object for `matricule` and `month` (`YYYY-MM`): one query for the contacts
    (their counts kept at ingest, `app.server.rollups`), one for the escalations, one for the Pass numérique ledger and one for its issuances. `now`
    (default: the real now) decides which waiting escalations are late."""
    counts: dict[str, dict[str, int]] = {}
    query = select(contact_counts.c.dimension, contact_counts.c.value, contact_counts.c.n).where(
        contact_counts.c.structure == matricule,
        contact_counts.c.local_month == month,
        contact_counts.c.n != 0,
    )
    for dimension, value, n in connection.execute(query):
        counts.setdefault(dimension, {})[value] = n
    summary: dict = {"matricule": matricule, "month": month, "total": counts.get("total", {}).get("", 0)}
    for dimension, key, _csv in _DIMENSIONS:
        found = counts.get(dimension, {})
        summary[key] = dict(sorted(found.items(), key=lambda pair: (-pair[1], pair[0])))
    for flag in _FLAGS:
        summary[flag] = counts.get(flag, {}).get("", 0)
    summary.update(_escalation_figures(connection, matricule, month, now or utc_now()))
    summary.update(_pass_figures(connection, matricule, month))
    return summary


def _escalation_figures(connection: Connection, matricule: str, month: str, now: datetime) -> dict:
    """The month's current escalations, counted by the workstation's own `escalation_figures`."""
    query = (
        select(
            escalations.c.partner,
            escalations.c.status,
            escalations.c.sent_at,
            escalations.c.answered_at,
            escalations.c.utc_offset_minutes,
            structures.c.departement,
        )
        .join(structures, structures.c.matricule == escalations.c.structure)
        .where(
            escalations.c.structure == matricule,
            escalations.c.local_month == month,
            current(escalations),
        )
    )
    return escalation_figures(connection.execute(query), now)


def _pass_figures(connection: Connection, matricule: str, month: str) -> dict:
    """One pass over the structure's ledger lines up to the month: per movement, the cheques and their
    value in the month, and the cheques to date (for the stock left)."""
    in_month = pass_ledger.c.local_month == month
    cheques = pass_ledger.c.cheque_count
    per_event = (
        select(
            pass_ledger.c.event,
            func.coalesce(func.sum(case((in_month, cheques), else_=0)), 0),
            func.coalesce(func.sum(case((in_month, cheques * pass_ledger.c.value_cents), else_=0)), 0),
            func.coalesce(func.sum(cheques), 0),
        )
        .where(pass_ledger.c.structure == matricule, pass_ledger.c.local_month <= month)
        .group_by(pass_ledger.c.event)
    )
    month_cheques = dict.fromkeys(_PASS_EVENTS, 0)
    month_value = dict.fromkeys(_PASS_EVENTS, 0)
    to_date = dict.fromkeys(_PASS_EVENTS, 0)
    for event, n, value, n_to_date in connection.execute(per_event):
        month_cheques[event], month_value[event], to_date[event] = int(n), int(value), int(n_to_date)
    issuances = select(func.count()).where(
        pass_issuances.c.structure == matricule, pass_issuances.c.local_month == month
    )
    return {
        "pass_issuances": connection.execute(issuances).scalar_one(),
        "pass_cheques_received": month_cheques["recu"],
        "pass_cheques_handed_out": month_cheques["remis"],
        "pass_value_handed_out_cents": month_value["remis"],
        "pass_cheques_returned": month_cheques["retour"],
        "pass_cheques_cancelled": month_cheques["annule"],
        "pass_stock_left": to_date["recu"] - to_date["remis"] + to_date["retour"] - to_date["annule"],
    }


def render(summary: dict, output_format: str) -> bytes:
    """The exact bytes of the summary endpoint (and of the `summary` command)."""
    if output_format == "json":
        return (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode()
    out = io.StringIO()
    writer = spreadsheet_writer(out)
    writer.writerow(["indicateur", "valeur", "nombre"])
    writer.writerow(["total", "", summary["total"]])
    for _dimension, key, csv_label in _DIMENSIONS:
        for value, n in summary[key].items():
            writer.writerow([csv_label, value, n])
    for flag in _FLAGS:
        writer.writerow([flag, "", summary[flag]])
    for key, csv_label in _ESCALATION_COUNTS:
        writer.writerow([csv_label, "", summary[key]])
    key, csv_label = _ESCALATION_PARTNERS
    for partner, n in summary[key].items():
        writer.writerow([csv_label, partner, n])
    for key, csv_label in _PASS_FIGURES:
        writer.writerow([csv_label, "", summary[key]])
    return out.getvalue().encode("utf-8-sig")
