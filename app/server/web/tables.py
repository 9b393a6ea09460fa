"""The tables of the pages, and their exports: one list of tables per page, rendered as HTML, CSV
(French spreadsheet conventions: `app.models.csv_files.spreadsheet_writer`) or XLSX (one sheet per
table), so that the three show the same numbers."""

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import rustpy_xlsxwriter

from app.models.business_time import local_moment
from app.models.csv_files import spreadsheet_writer
from app.models.pass_numerique import euros
from app.models.reference import Catalogue
from app.reports.numbers import change_in_words, duration, percent, time_spent
from app.reports.week import WEEKDAYS, week_profile
from app.server.figures import MonthRange
from app.server.web.accounts import EVENTS
from app.server.web.format import (
    compared_to,
    departement_label,
    during,
    moment_text,
    month_label,
)

# (figures' key, caption, header, the catalogue's kind that labels its codes). Each breakdown is labelled
# from its own kind: a code can mean two things (« justice » is a partner and a theme, « autre » a
# partner and a situation). Places and agents are names already.
_BREAKDOWNS = (
    ("by_partner", "Contacts par partenaire", "Partenaire", "partners"),
    ("by_theme", "Contacts par thème", "Thème", "themes"),
    ("by_situation", "Contacts par situation de vie", "Situation", "situations"),
    ("by_channel", "Contacts par canal", "Canal", "channels"),
    ("by_outcome", "Contacts par issue", "Issue", "outcomes"),
    ("by_help_kind", "Contacts par type d'aide", "Type d'aide", "help_kinds"),
    ("by_place", "Contacts par lieu", "Lieu", None),
    ("by_agent", "Contacts par agent", "Agent", None),
    ("escalations_by_partner", "Sollicitations par partenaire", "Partenaire", "partners"),
)


class Share(str):
    """A part of the contacts as written, « 12 % »: text in every format, right-aligned on the page
    with the counts it goes with."""


# Characters a « 04/12/2026 11:12 » cell needs to show whole.
_TIME_WIDTH = 17


@dataclass(frozen=True)
class DataTable:
    """A table with a caption, its column headers and rows; `slug` names its XLSX sheet. The columns
    in `export_only` (codes a spreadsheet sorts and joins on: « 2026-11 », « 02 ») are in the CSV and
    XLSX files only: the page shows their label, in the next column. A time is a local `datetime`:
    « 04/12/2026 à 11 h 12 » on the page and in the CSV file, a date a spreadsheet sorts in the XLSX."""

    slug: str
    caption: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    export_only: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        # The XLSX sheet's rows are keyed by header: two alike would make one column of two.
        if len(set(self.headers)) != len(self.headers):
            raise ValueError(f"table {self.slug}: headers twice {self.headers}")

    @property
    def page_headers(self) -> tuple[str, ...]:
        return tuple(header for index, header in enumerate(self.headers) if index not in self.export_only)

    @property
    def numeric_columns(self) -> set[int]:
        """The page's columns that hold counts (right-aligned, digits grouped) or shares (right-aligned)."""
        return {
            index
            for row in self.page_rows
            for index, cell in enumerate(row)
            if isinstance(cell, int | Share) and not isinstance(cell, bool)
        }

    @property
    def page_rows(self) -> list[tuple[Any, ...]]:
        return [
            tuple(_text(cell) for index, cell in enumerate(row) if index not in self.export_only)
            for row in self.rows
        ]


def figure_tables(figures: dict[str, Any], catalogue: Catalogue, period: MonthRange) -> list[DataTable]:
    """The tables of an overview or a structure page, from `app.server.figures.figures` over
    `period`; the French labels of its codes from `catalogue` (the server's:
    `app.server.content.catalogue`). The key figures are those of the workstation's Synthèses, written
    with its functions (`app.reports.numbers`)."""
    total = figures["total"]
    comparisons = [
        ("Évolution par rapport à la période précédente", figures["previous_total"], period.previous())
    ]
    if period.year_before() != period.previous():  # as the screen: for a year, both are the year before
        comparisons.append(("Évolution sur un an", figures["year_before_total"], period.year_before()))
    key_figures: list[tuple[str, Any]] = [("Contacts", total)]
    key_figures += [
        (label, change_in_words(total, before, compared_to(other), during(other)))
        for label, before, other in comparisons
    ]
    key_figures += [
        ("Part résolue sur place", percent(figures["by_outcome"].get("resolu", 0), total)),
        ("Durée moyenne d'un contact", duration(figures["total_minutes"] / total) if total else "—"),
        ("Temps passé avec le public", time_spent(figures["total_minutes"])),
        ("Contacts en situation de non-recours", figures["non_recours"]),
        ("Part des contacts en situation de non-recours", percent(figures["non_recours"], total)),
        ("Sollicitations envoyées", figures["escalations_sent"]),
        ("Sollicitations répondues", figures["escalations_answered"]),
        ("Sollicitations en retard", figures["escalations_late"]),
        ("Pass numérique : remises à des usagers", figures["pass_issuances"]),
        ("Pass numérique : contacts notés « Pass numérique remis »", figures["pass_numerique"]),
        ("Pass numérique : chèques remis", figures["pass_cheques_handed_out"]),
        ("Pass numérique : valeur des chèques remis", euros(figures["pass_value_handed_out_cents"])),
        ("Pass numérique : chèques reçus (carnets)", figures["pass_cheques_received"]),
        ("Pass numérique : chèques remis en stock (retours)", figures["pass_cheques_returned"]),
        ("Pass numérique : chèques annulés", figures["pass_cheques_cancelled"]),
        ("Pass numérique : chèques en stock (fin de période)", figures["pass_stock_left"]),
    ]
    tables = [
        DataTable("chiffres", "Chiffres clés", ("Indicateur", "Valeur"), key_figures),
        months_table("mois", "Contacts par mois", figures["by_month"]),
    ]
    for key, caption, header, kind in _BREAKDOWNS:
        if key in figures:
            unnamed = "Sans thème" if key == "by_theme" else "(non renseigné)"  # as the Synthèses say
            named = [
                ((catalogue.label(kind, value) if kind else value) or unnamed, n)
                for value, n in figures[key].items()
            ]
            slug = key.removeprefix("by_").replace("_", "-")
            if key == "escalations_by_partner":
                tables.append(DataTable(slug, caption, (header, "Sollicitations"), named))
            else:  # with each one's share of the contacts, as the Synthèses' tables
                rows = [(label, n, Share(percent(n, total))) for label, n in named]
                tables.append(DataTable(slug, caption, (header, "Contacts", "Part"), rows))
    if "by_weekday_hour" in figures:
        tables.append(week_table(figures["by_weekday_hour"]))
    return tables


def week_table(by_weekday_hour: dict[str, int]) -> DataTable:
    """Contacts per weekday (down) and hour (across), as the Synthèses screen's table shows them: the
    days and hours `app.reports.week` keeps, from the counts per "0-09" (`rollups.weekday_hour`)."""
    cells = {(int(key[0]), int(key[2:])): n for key, n in by_weekday_hour.items()}
    week = week_profile(cells)
    days, hours = (week.days, week.hours) if week else ([], [])
    return DataTable(
        "semaine",
        "Contacts par jour et par heure",
        ("Jour", *(f"{hour} h" for hour in hours), "Total"),
        [
            (
                WEEKDAYS[day].capitalize(),
                *(cells.get((day, hour), 0) for hour in hours),
                week.per_day[day] if week else 0,
            )
            for day in days
        ],
    )


def structure_tables(rows: list[dict[str, Any]]) -> list[DataTable]:
    """The list of structures of a scope, with their last sync and whether they are silent."""
    return [
        DataTable(
            "structures",
            "Structures",
            (
                "Matricule",
                "Nom",
                "Code du département",
                "Département",
                "Commune",
                "Dernière synchronisation",
                "Dernier envoi reçu",
                "État",
            ),
            [
                (
                    row["matricule"],
                    row["name"],
                    row["departement"],
                    departement_label(row["departement"]),
                    row["commune"],
                    local_moment(row["last_seen_at"], row["departement"]) or "jamais",
                    local_moment(row["last_record_at"], row["departement"]) or "aucun",
                    "fermée" if row["closed_at"] else ("silencieuse" if row["silent"] else "active"),
                )
                for row in rows
            ],
            export_only=(2,),
        )
    ]


def journal_table(rows: list[dict[str, Any]]) -> DataTable:
    """Lines of the audit log (`accounts.read_audit_log`), times in Paris."""
    return DataTable(
        "journal",
        "Journal des connexions, exports et changements de comptes",
        ("Date", "Identifiant", "Événement", "Détail", "Adresse"),
        [
            (
                local_moment(row["at"]),
                row["login"],
                EVENTS.get(row["event"], row["event"]),
                row["detail"],
                row["address"],
            )
            for row in rows
        ],
    )


def months_table(slug: str, caption: str, counts: dict[str, int]) -> DataTable:
    """Contacts per `YYYY-MM` month: « novembre 2026 » on the page, the ISO month beside it in files."""
    return DataTable(
        slug,
        caption,
        ("Mois (AAAA-MM)", "Mois", "Contacts"),
        [(month, month_label(month), n) for month, n in counts.items()],
        export_only=(0,),
    )


def departements_table(
    slug: str, caption: str, headers: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> DataTable:
    """Rows that start with a département's code: « Aisne (02) » on the page, the code beside it in
    files."""
    return DataTable(
        slug,
        caption,
        ("Code du département", "Département", *headers),
        [(code, departement_label(code), *rest) for code, *rest in rows],
        export_only=(0,),
    )


def as_csv(tables: list[DataTable]) -> bytes:
    """The tables one after the other, each under its caption, a blank line between them."""
    out = io.StringIO()
    writer = spreadsheet_writer(out)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([table.caption])
        writer.writerow(table.headers)
        writer.writerows([_text(cell) for cell in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(tables: list[DataTable]) -> bytes:
    """One sheet per table, headers on the first row: texts as texts (one starting with "=", a name
    typed on a workstation, stays text, as the CSV writer keeps it), counts as numbers, times as
    dates and times (a spreadsheet sorts and filters them; its columns wide enough to show them).

    rustpy-xlsxwriter: rust_xlsxwriter (by XlsxWriter's author) behind a Python call that takes the
    rows whole. XlsxWriter's pure-Python cells cost ~6 µs each: the national structures list's
    22,760 took 125-160 ms, and its export answered in 186 ms p50, 268 ms p95 at 30 M contacts; this
    writes them in 20-30 ms. A sheet is written from the rows as dicts keyed by the headers (unique
    in a table, `DataTable.__post_init__`); a table without rows keeps its header row."""
    sheets: list[tuple[str, Any]] = []
    widths: dict[str, dict[str, float] | list[float]] = {}
    for table in tables:
        name = table.slug[:31]
        rows = [dict(zip(table.headers, map(_sheet_cell, row), strict=True)) for row in table.rows]
        sheets.append((name, rows or [dict.fromkeys(table.headers)]))
        timed = {index for row in table.rows for index, cell in enumerate(row) if isinstance(cell, datetime)}
        if timed:  # a date in a column too narrow for it shows as « ##### »
            widths[name] = {table.headers[index]: _TIME_WIDTH for index in timed}
    out = io.BytesIO()
    rustpy_xlsxwriter.write_worksheets(
        sheets, out, datetime_format="dd/mm/yyyy hh:mm", column_widths=widths or None
    )
    return out.getvalue()


def _sheet_cell(cell: Any) -> Any:
    """A cell as the XLSX file holds it: a time as the local time the page shows (a spreadsheet's
    dates have no zone)."""
    return cell.replace(tzinfo=None) if isinstance(cell, datetime) else cell


def _text(cell: Any) -> Any:
    """A cell as the page and the CSV file show it: a time as « 04/12/2026 à 11 h 12 »."""
    return moment_text(cell) if isinstance(cell, datetime) else cell
