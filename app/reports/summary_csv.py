"""The summary as CSV for the spreadsheets used in France: UTF-8 with a BOM, `;` separators, CRLF line
ends, French headers and labels, decimal commas. That is what LibreOffice Calc and Excel open in a
French locale without an import dialog, numbers as numbers.

Two files: the aggregates (the same `Summary` the screen and the PDF show), and one anonymised row per
contact for the manager's own pivot tables. A contact row carries no id, no note and no residence
commune, and its time only to the hour: enough to count, not enough to find the person again.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from app.models.csv_files import spreadsheet_writer
from app.models.reference import Catalogue
from app.models.workspace import Workspace
from app.reports.aggregation import (
    CONTACTS_IN_PERIOD,
    Counts,
    Summary,
    local_time,
    period_bounds,
    set_up_structure,
)
from app.reports.numbers import decimal
from app.reports.periods import Period
from app.reports.week import WEEKDAYS

SUMMARY_HEADER = ["Rubrique", "Libellé", "Nombre", "Part (%)"]
CONTACTS_HEADER = [
    "Date",
    "Jour",
    "Heure",
    "Lieu",
    "Agent",
    "Canal",
    "Situation",
    "Thème",
    "Partenaires",
    "Type d'aide",
    "Issue",
    "Durée (min)",
    "Tranche d'âge",
    "Première visite",
    "Non-recours",
    "Pass numérique",
]
NO_THEME = "Sans thème"
PAGE = 1000  # contact rows read at a time: a year of a busy structure never sits in memory at once
Row = list[str | int]


def write_summary_csv(summary: Summary, catalogue: Catalogue, path: Path) -> Path:
    """Write the aggregates to `path` (overwritten) and return it."""
    with _spreadsheet_csv(path) as writer:
        writer.writerow(SUMMARY_HEADER)
        writer.writerows(_summary_rows(summary, catalogue))
    return path


def write_contacts_csv(workspace: Workspace, period: Period, path: Path) -> int:
    """Write one anonymised row per current contact of `period` to `path` (overwritten), oldest
    first, page by page; return the number of contacts written."""
    cells = _ContactCells(workspace.catalogue)
    written = 0
    with _spreadsheet_csv(path) as writer:
        writer.writerow(CONTACTS_HEADER)
        for row in _contact_rows(workspace, period):
            writer.writerow(cells(row))
            written += 1
    return written


@contextmanager
def _spreadsheet_csv(path: Path) -> Iterator[Any]:
    """A CSV writer on `path` in the spreadsheets' dialect."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        yield spreadsheet_writer(handle)


def _summary_rows(summary: Summary, catalogue: Catalogue) -> list[Row]:
    period, total = summary.period, summary.total
    last_day = summary.counted_to
    bounds = f"du {period.start:%d/%m/%Y} au {period.last_day:%d/%m/%Y}"
    ongoing = f" — période en cours, chiffres au {last_day:%d/%m/%Y}" if summary.ongoing else ""
    rows: list[Row] = [
        ["Période", f"{period.label} ({bounds}){ongoing}", "", ""],
        ["Structure", summary.structure, "", ""],
        ["Matricule", summary.matricule, "", ""],
        ["Édité le", f"{summary.generated_at.astimezone():%d/%m/%Y à %H:%M}", "", ""],
        ["Contacts", "Total de la période", total, ""],
    ]
    for name, before, figure in (
        ("période précédente", period.previous(), summary.previous_total),
        ("même période un an avant", period.year_before(), summary.year_before_total),
    ):
        rows.append(["Contacts", f"{name.capitalize()} : {before.label}", figure, ""])
        # The change: in contacts in "Nombre", in per cent of the earlier figure in "Part (%)".
        change = decimal(100 * (total - figure) / figure) if figure else ""
        rows.append(["Contacts", f"Écart avec la {name} (nombre et %)", total - figure, change])
    breakdowns: tuple[tuple[str, Counts, str | None], ...] = (
        ("Partenaire", summary.by_partner, "partners"),
        ("Situation", summary.by_situation, "situations"),
        ("Thème", summary.by_theme, "themes"),
        ("Canal", summary.by_channel, "channels"),
        ("Type d'aide", summary.by_help_kind, "help_kinds"),
        ("Issue", summary.by_outcome, "outcomes"),
        ("Agent", summary.by_agent, None),
        ("Lieu", summary.by_place, None),
    )
    for heading, counts, kind in breakdowns:
        for key, n in counts.items():
            label = _label(catalogue, kind, key)
            rows.append([heading, label, n, _share(n, total)])
    for (weekday, hour), n in summary.by_weekday_hour.items():
        rows.append(
            ["Jour et heure", f"{WEEKDAYS[weekday]}, de {hour} h à {hour + 1} h", n, _share(n, total)]
        )
    average = summary.average_minutes
    rows += [
        ["Durée", "Durée moyenne d'un contact (min)", decimal(average) if average is not None else "", ""],
        ["Durée", "Durée totale (min)", summary.total_minutes, ""],
        [
            "Non-recours",
            "Situations de non-recours détectées",
            summary.non_recours,
            _share(summary.non_recours, total),
        ],
        [
            "Pass numérique",
            "Contacts avec Pass numérique remis",
            summary.pass_numerique_contacts,
            _share(summary.pass_numerique_contacts, total),
        ],
    ]
    sent = summary.escalations_sent
    rows += [
        ["Sollicitations", "Envoyées", sent, ""],
        [
            "Sollicitations",
            "Répondues",
            summary.escalations_answered,
            _share(summary.escalations_answered, sent),
        ],
        ["Sollicitations", "En retard", summary.escalations_late, _share(summary.escalations_late, sent)],
    ]
    for partner, n in summary.escalations_by_partner.items():
        rows.append(
            ["Sollicitations par partenaire", catalogue.label("partners", partner), n, _share(n, sent)]
        )
    cents = summary.pass_value_handed_out_cents
    rows += [
        ["Pass numérique", "Remises (personnes)", summary.pass_issuances, ""],
        ["Pass numérique", "Chèques reçus", summary.pass_cheques_received, ""],
        ["Pass numérique", "Chèques remis", summary.pass_cheques_handed_out, ""],
        ["Pass numérique", "Valeur des chèques remis (€)", f"{cents // 100},{cents % 100:02d}", ""],
        ["Pass numérique", "Chèques revenus en stock", summary.pass_cheques_returned, ""],
        ["Pass numérique", "Chèques annulés", summary.pass_cheques_cancelled, ""],
        ["Pass numérique", f"Stock restant au {last_day:%d/%m/%Y}", summary.pass_stock_left, ""],
    ]
    return rows


def _label(catalogue: Catalogue, kind: str | None, key: str) -> str:
    if kind is None:
        return key
    if kind == "themes" and not key:
        return NO_THEME
    return catalogue.label(kind, key)


def _share(n: int, whole: int) -> str:
    """The percentage with one decimal and a comma ("12,5"); empty when there is no whole."""
    return decimal(100 * n / whole) if whole else ""


_CONTACT_COLUMNS = (
    f"occurred_at, id, {local_time('occurred_at')} AS local, place, agent, channel, situation, partners, "
    "help_kind, outcome, duration_minutes, age_band, first_visit, non_recours, pass_numerique"
)


def _contact_rows(workspace: Workspace, period: Period) -> Iterator[tuple[Any, ...]]:
    """The period's current contacts in time order, by keyset pages on the (time, id) index."""
    sql = (
        f"SELECT {_CONTACT_COLUMNS} FROM {CONTACTS_IN_PERIOD} AND (occurred_at, id) > (:after_time, :after_id) "
        "ORDER BY occurred_at, id LIMIT :page"
    )
    matricule = set_up_structure(workspace).matricule
    parameters = {**period_bounds(period, matricule), "after_time": "", "after_id": "", "page": PAGE}
    while True:
        rows = workspace.db.execute(sql, parameters).fetchall()
        yield from rows
        if len(rows) < PAGE:
            return
        # The next page starts at the last row's time: the index range is narrowed, not re-walked.
        parameters.update(utc_from=rows[-1][0], after_time=rows[-1][0], after_id=rows[-1][1])


class _ContactCells:
    """A contact row as French cells. The labels are looked up once per distinct value (a year has
    365 days and a few dozen partner combinations, but 100,000 rows)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.labels = {
            kind: {key: item.label for key, item in getattr(catalogue, kind).items()}
            for kind in ("channels", "situations", "help_kinds", "outcomes", "age_bands")
        }
        self.themes = {
            key: catalogue.label("themes", situation.theme) if situation.theme else NO_THEME
            for key, situation in catalogue.situations.items()
        }
        self.days: dict[str, tuple[str, str]] = {}
        self.partners: dict[str, str] = {}

    def __call__(self, row: tuple[Any, ...]) -> Row:
        _time, _id, local, place, agent, channel, situation, partners, help_kind, outcome, *rest = row
        duration, age_band, first_visit, non_recours, pass_numerique = rest
        day = self.days.get(local[:10])
        if day is None:
            moment = date.fromisoformat(local[:10])
            day = self.days[local[:10]] = (f"{moment:%d/%m/%Y}", WEEKDAYS[moment.weekday()])
        partner_labels = self.partners.get(partners)
        if partner_labels is None:
            partner_labels = ", ".join(self.catalogue.label("partners", p) for p in json.loads(partners))
            self.partners[partners] = partner_labels
        labels = self.labels
        return [
            *day,
            int(local[11:13]),
            place,
            agent,
            labels["channels"].get(channel, channel),
            labels["situations"].get(situation, situation),
            self.themes.get(situation, NO_THEME),
            partner_labels,
            labels["help_kinds"].get(help_kind, help_kind),
            labels["outcomes"].get(outcome, outcome),
            duration,
            labels["age_bands"].get(age_band, age_band) if age_band else "",
            "" if first_visit is None else _yes_no(first_visit),
            _yes_no(non_recours),
            _yes_no(pass_numerique),
        ]


def _yes_no(flag: int) -> str:
    return "oui" if flag else "non"
