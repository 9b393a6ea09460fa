"""Monthly aggregates of a structure: one computation, rendered as the JSON or the CSV of the protocol.

Only current records count: not deleted, and not superseded by another record of the same kind and
structure, whichever arrived first; of two records superseding one version (a contact corrected, an
escalation's status changed, on two workstations offline), the later (created_at, id). The month is
the one on the agent's wall clock (`local_month`, stored at ingest): a contact on 31 October at 23:30
UTC is a November contact in Paris; an escalation counts in the month it was sent.

An escalation is late as `app.models.escalations.escalation_clock` says: first answered after its
72 business hours (`answered_late`), or past the deadline of what it still waits for (an answer, or a
further one 15 business days after the latest) at the moment of the computation (`waiting_escalations`).

The Pass numérique records are append-only, so all of them count: the issuances of the month (one per
citizen), the cheques of the month's ledger lines by movement (a ledger line's month is the one of its
`occurred_at`, an issuance's the one of its `issued_at`), and the stock at the end of the month, from
every ledger line of that month or before: received − handed out + returned − cancelled.
"""

import io
import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from app.models.csv_files import spreadsheet_writer
from app.server import rollups
from app.server.schema import utc_now
from app.server.scope import Scope

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
_OWN = ("agent", "place")  # a structure's own names: its agents, its desks and stops
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
_ESCALATION_DIMENSIONS = ("sent", "answered", "answered_late", "partner")
_PASS_DIMENSIONS = ("issuances", "cheques", "value_cents")
# The stock left: received − handed out + returned − cancelled, over the ledger's movements.
_STOCK_SIGNS = {"recu": 1, "remis": -1, "retour": 1, "annule": -1}


def valid_month(month: str) -> bool:
    return _MONTH.fullmatch(month) is not None


def monthly_summary(
    connection: Connection, matricule: str, month: str, now: datetime | None = None
) -> dict[str, Any]:
    """The protocol's JSON object for `matricule` and `month` (`YYYY-MM`). `now` (default: the real
    now) decides which waiting escalations are late."""
    figures = period_summary(connection, Scope(structure=matricule), month, month, now or utc_now())
    return {"matricule": matricule, "month": month, **figures}


def period_summary(
    connection: Connection, scope: Scope, first: str, last: str, now: datetime, own: bool = True
) -> dict[str, Any]:
    """The keys of the monthly summary (less `matricule` and `month`) for `scope` over the months
    [first, last], summed; `pass_stock_left` is the stock at the end of `last`. Read from the counts
    kept at ingest (`app.server.rollups`): five queries whatever the number of records. `own` False
    leaves out what is a structure's own naming, `by_agent` and `by_place` (its agents, its desks and
    stops: across structures they have nothing to add up, and nationally they are thousands of rows)."""
    contact_tables, escalation_tables, pass_tables = rollups.COUNT_TABLES
    dimensions = [d for d in rollups.DIMENSIONS if own or d not in _OWN]
    counts = rollups.sums(connection, contact_tables, scope, first, last, dimensions)
    summary: dict[str, Any] = {"total": counts.get("total", {}).get("", 0)}
    for dimension, key, _csv in _DIMENSIONS:
        if own or dimension not in _OWN:
            summary[key] = _ranked(counts.get(dimension, {}))
    for flag in _FLAGS:
        summary[flag] = counts.get(flag, {}).get("", 0)
    sent = rollups.sums(connection, escalation_tables, scope, first, last, _ESCALATION_DIMENSIONS)
    summary["escalations_sent"] = sent.get("sent", {}).get("", 0)
    summary["escalations_answered"] = sent.get("answered", {}).get("", 0)
    summary["escalations_late"] = sent.get("answered_late", {}).get("", 0) + rollups.late_waiting(
        connection, scope, first, last, now
    )
    summary["escalations_by_partner"] = _ranked(sent.get("partner", {}))
    passes = rollups.sums(connection, pass_tables, scope, first, last, _PASS_DIMENSIONS)
    cheques, value = passes.get("cheques", {}), passes.get("value_cents", {})
    to_date = rollups.sums(connection, pass_tables, scope, None, last, ("cheques",)).get("cheques", {})
    summary.update(
        {
            "pass_issuances": passes.get("issuances", {}).get("", 0),
            "pass_cheques_received": cheques.get("recu", 0),
            "pass_cheques_handed_out": cheques.get("remis", 0),
            "pass_value_handed_out_cents": value.get("remis", 0),
            "pass_cheques_returned": cheques.get("retour", 0),
            "pass_cheques_cancelled": cheques.get("annule", 0),
            "pass_stock_left": sum(to_date.get(event, 0) * sign for event, sign in _STOCK_SIGNS.items()),
        }
    )
    return summary


def _ranked(counts: dict[str, int]) -> dict[str, int]:
    """Most frequent first, then by value: the order of the workstation's Synthèses."""
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


def render(summary: dict[str, Any], output_format: str) -> bytes:
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
