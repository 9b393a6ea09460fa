"""The tables of the pages, and their exports: one list of tables per page, rendered as HTML, CSV
(French spreadsheet conventions: `app.models.csv_files.spreadsheet_writer`) or XLSX (one sheet per
table), so that the three show the same numbers."""

import io
import json
from dataclasses import dataclass
from functools import cache

from openpyxl import Workbook

from app.models.csv_files import spreadsheet_writer
from app.paths import resources_dir

_BREAKDOWNS = (
    ("by_partner", "Contacts par partenaire", "Partenaire"),
    ("by_theme", "Contacts par thème", "Thème"),
    ("by_situation", "Contacts par situation de vie", "Situation"),
    ("by_channel", "Contacts par canal", "Canal"),
    ("by_outcome", "Contacts par issue", "Issue"),
    ("by_help_kind", "Contacts par type d'aide", "Type d'aide"),
    ("by_place", "Contacts par lieu", "Lieu"),
    ("by_agent", "Contacts par agent", "Agent"),
    ("escalations_by_partner", "Sollicitations par partenaire", "Partenaire"),
)


@dataclass(frozen=True)
class DataTable:
    """A table with a caption, its column headers and rows; `slug` names its XLSX sheet."""

    slug: str
    caption: str
    headers: tuple[str, ...]
    rows: list[tuple]


def figure_tables(figures: dict) -> list[DataTable]:
    """The tables of an overview or a structure page, from `app.server.figures.figures`."""
    share = figures["solved_on_the_spot_share"]
    key_figures = [
        ("Contacts", figures["total"]),
        ("Part résolue sur place", "–" if share is None else f"{share * 100:.1f} %".replace(".", ",")),
        ("Contacts en situation de non-recours", figures["non_recours"]),
        ("Sollicitations envoyées", figures["escalations_sent"]),
        ("Sollicitations répondues", figures["escalations_answered"]),
        ("Sollicitations en retard", figures["escalations_late"]),
        ("Pass numérique : remises", figures["pass_issuances"]),
        ("Pass numérique : chèques remis", figures["pass_cheques_handed_out"]),
        ("Pass numérique : chèques en stock (fin de période)", figures["pass_stock_left"]),
    ]
    tables = [
        DataTable("chiffres", "Chiffres clés", ("Indicateur", "Valeur"), key_figures),
        DataTable("mois", "Contacts par mois", ("Mois", "Contacts"), list(figures["by_month"].items())),
    ]
    for key, caption, header in _BREAKDOWNS:
        if key in figures:
            names = _labels()
            rows = [(names.get(value, value) or "(non renseigné)", n) for value, n in figures[key].items()]
            tables.append(
                DataTable(
                    key.removeprefix("by_").replace("_", "-"),
                    caption,
                    (header, "Contacts" if key != "escalations_by_partner" else "Sollicitations"),
                    rows,
                )
            )
    return tables


def structure_tables(rows: list[dict]) -> list[DataTable]:
    """The list of structures of a scope, with their last sync and whether they are silent."""
    return [
        DataTable(
            "structures",
            "Structures",
            (
                "Matricule",
                "Nom",
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
                    row["commune"],
                    moment(row["last_seen_at"]) or "jamais",
                    moment(row["last_record_at"]) or "aucun",
                    "fermée" if row["closed_at"] else ("silencieuse" if row["silent"] else "active"),
                )
                for row in rows
            ],
        )
    ]


def moment(stored: str | None) -> str:
    """A stored UTC time as people in France read it: « 04/12/2026 23:41 UTC »."""
    if not stored:
        return ""
    return f"{stored[8:10]}/{stored[5:7]}/{stored[:4]} {stored[11:16]} UTC"


def as_csv(tables: list[DataTable]) -> bytes:
    """The tables one after the other, each under its caption, a blank line between them."""
    out = io.StringIO()
    writer = spreadsheet_writer(out)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([table.caption])
        writer.writerow(table.headers)
        writer.writerows(table.rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(tables: list[DataTable]) -> bytes:
    """One sheet per table, headers on the first row."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.slug[:31])
        sheet.append(table.headers)
        for row in table.rows:
            sheet.append(list(row))
        # openpyxl stores a text starting with "=" as a formula: names typed on a workstation (an
        # agent, a place) stay text, as the CSV writer keeps them.
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@cache
def _labels() -> dict[str, str]:
    """French labels of the reference's codes (partners, themes, situations, channels, help kinds,
    outcomes)."""
    reference = resources_dir() / "reference"
    partners = json.loads((reference / "partners.json").read_text(encoding="utf-8"))["partners"]
    fields = json.loads((reference / "contact_fields.json").read_text(encoding="utf-8"))
    labels = {item["id"]: item["label"] for item in partners}
    bouquet = json.loads((reference / "bouquet.json").read_text(encoding="utf-8"))
    labels.update({item["id"]: item["label"] for item in (*bouquet["themes"], *bouquet["situations"])})
    for key in ("channels", "help_kinds", "outcomes"):
        labels.update({item["id"]: item["label"] for item in fields[key]})
    return labels
