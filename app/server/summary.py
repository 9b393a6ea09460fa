"""Monthly aggregates of a structure: one computation, rendered as the JSON or the CSV of the protocol.

Only current records count: not deleted, and not superseded by another record of the same structure,
whichever arrived first. The month is the one on the agent's wall clock (`local_month`, stored at
ingest), so a contact on 31 October at 23:30 in Paris is an October contact.
"""

import csv
import io
import json
import re

from sqlalchemy import Connection, String, and_, exists, func, literal_column, select, union_all

from app.server.schema import record_partners, records

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


def valid_month(month: str) -> bool:
    return _MONTH.fullmatch(month) is not None


def monthly_summary(connection: Connection, matricule: str, month: str) -> dict:
    """The protocol's JSON object for `matricule` and `month` (`YYYY-MM`), in one query."""
    superseding = records.alias("superseding")
    columns = ["id", *(dimension for dimension, _key, _csv in _DIMENSIONS[1:]), *_FLAGS]
    current = (
        select(*(records.c[name] for name in columns))
        .where(
            records.c.structure == matricule,
            records.c.local_month == month,
            records.c.deleted.is_(False),
            ~exists().where(
                and_(superseding.c.structure == records.c.structure, superseding.c.supersedes == records.c.id)
            ),
        )
        .cte("current_records")
    )

    def label(name: str):
        return literal_column(f"'{name}'", String).label("dimension")

    legs = [
        select(
            label("total"), literal_column("''", String).label("value"), func.count().label("n")
        ).select_from(current)
    ]
    legs.append(
        select(label("partner"), record_partners.c.partner, func.count())
        .join(current, current.c.id == record_partners.c.record_id)
        .group_by(record_partners.c.partner)
    )
    for dimension, _key, _csv in _DIMENSIONS[1:]:
        column = current.c[dimension]
        legs.append(select(label(dimension), column, func.count()).group_by(column))
    for flag in _FLAGS:
        legs.append(
            select(label(flag), literal_column("''", String), func.count())
            .select_from(current)
            .where(current.c[flag].is_(True))
        )
    counts: dict[str, dict[str, int]] = {}
    for dimension, value, n in connection.execute(union_all(*legs)):
        counts.setdefault(dimension, {})[value] = n
    summary: dict = {"matricule": matricule, "month": month, "total": counts.get("total", {}).get("", 0)}
    for dimension, key, _csv in _DIMENSIONS:
        found = counts.get(dimension, {})
        summary[key] = dict(sorted(found.items(), key=lambda pair: (-pair[1], pair[0])))
    for flag in _FLAGS:
        summary[flag] = counts.get(flag, {}).get("", 0)
    return summary


def render(summary: dict, output_format: str) -> bytes:
    """The exact bytes of the summary endpoint (and of the `summary` command)."""
    if output_format == "json":
        return (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["indicateur", "valeur", "nombre"])
    writer.writerow(["total", "", summary["total"]])
    for _dimension, key, csv_label in _DIMENSIONS:
        for value, n in summary[key].items():
            writer.writerow([csv_label, value, n])
    for flag in _FLAGS:
        writer.writerow([flag, "", summary[flag]])
    return out.getvalue().encode("utf-8-sig")
