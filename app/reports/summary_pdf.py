"""The activity summary a structure manager prints or files: A4, French, a few sober pages.

It renders a `Summary` and computes nothing of its own beyond shares and changes, so that its numbers
are those of the Synthèses screen and the CSV. Its work depends on the number of distinct values
(partners, situations, agents, hours), never on the number of contacts: a year of 100,000 contacts
renders as fast as a quiet month.

Charts are for seeing (what people come for, when the desk is busy); every number a chart shows is also
in a table, for copying into a report. French typography wants thin no-break spaces between thousands
and before "%", and a real minus sign: the PDF standard fonts have neither glyph, so the text is set in
DejaVu Sans when the system has it (Linux does), else in Helvetica with a plain no-break space and a
hyphen.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.models.pass_numerique import euros
from app.models.reference import Catalogue
from app.reports import numbers
from app.reports.aggregation import Counts, Summary
from app.reports.pdf_pages import NumberedCanvas, StyleCommands, dejavu_sans
from app.reports.periods import Period
from app.reports.week import WEEKDAYS, week_profile

BLUE = colors.HexColor("#000091")
BLUE_PALE = colors.HexColor("#f5f5fe")
TEXT = colors.HexColor("#161616")
GREY = colors.HexColor("#666666")
OTHERS = colors.HexColor("#929292")  # the "Autres" bar
RULE = colors.HexColor("#dddddd")
HEAD = colors.HexColor("#eeeeee")
STRIPE = colors.HexColor("#f6f6f6")
# DSFR illustrative colours, far enough apart to tell the slices of a pie from one another.
SLICES = tuple(
    colors.HexColor(code)
    for code in ("#000091", "#6a6af4", "#009081", "#c8aa39", "#e18b76", "#a558a0", "#417dc4", "#929292")
)
TOP = 10  # bars in a ranked chart before "Autres"
_MARGIN = 18 * mm  # from the paper's edge to the text, header and footer included
_FRAME_PADDING = 6  # points reportlab's page frame adds inside the document's margins
_WIDTH = A4[0] - 2 * _MARGIN
_GUTTER = 4 * mm
_MIN_GRID_SIZE = 6.0  # points: the smallest type in the weekday × hour grid
_GRID_LABEL, _GRID_TOTAL = 20 * mm, 15 * mm  # its days' column and its totals' column
_TIED = ((" :", "\u00a0:"), (" ;", "\u202f;"), ("« ", "«\u00a0"), (" »", "\u00a0»"))
_THIN_RATIO = 0.63  # DejaVu Sans: narrow no-break space ÷ no-break space
_FIGURES = 110 * mm  # a short list of named figures: the number stays near its name


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    thin: str  # between thousands, before "%" and "€": narrow no-break space, or a plain no-break space
    minus: str


def _fonts() -> _Fonts:
    """DejaVu Sans if installed, else the PDF standard Helvetica."""
    if dejavu_sans():
        return _Fonts("DejaVuSans", "DejaVuSans-Bold", "\u202f", "\u2212")
    return _Fonts("Helvetica", "Helvetica-Bold", "\u00a0", "-")


class Stopped(Exception):
    """The summary was given up half-way (`stopping`): nothing was written."""


def _never() -> bool:
    return False


def write_summary_pdf(
    summary: Summary, catalogue: Catalogue, path: Path, stopping: Callable[[], bool] = _never
) -> Path:
    """Write the summary to `path` (overwritten) and return it; `catalogue` gives the French labels.
    `stopping` is asked between two parts of the document: once true, `Stopped` is raised and `path`
    is left as it was (the canvas writes the file only at the end), so closing the window does not
    wait for a long PDF."""
    report = _Report(summary, catalogue)
    title = f"Synthèse d'activité — {summary.period.label}"
    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=_MARGIN - _FRAME_PADDING,
        rightMargin=_MARGIN - _FRAME_PADDING,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=summary.structure,
        subject=f"Matricule {summary.matricule}",
        lang="fr-FR",
    )
    generated = summary.generated_at
    if generated.tzinfo is not None:
        generated = generated.astimezone()  # the manager's wall clock
    canvas = partial(
        _PagedCanvas,
        fonts=report.fonts,
        header=(summary.structure, title),
        footer=f"Généré le {generated:%d/%m/%Y à %H:%M} par le Bureau virtuel, à partir des contacts "
        "enregistrés (données anonymes).",
    )

    def progress(_kind: str, _value: int) -> None:
        if stopping():
            raise Stopped

    document.setProgressCallBack(progress)
    document.build(report.story(), canvasmaker=canvas)
    return path


class _Report:
    """The story of one summary: styles set in the chosen font, and one method per section."""

    def __init__(self, summary: Summary, catalogue: Catalogue) -> None:
        self.summary = summary
        self.catalogue = catalogue
        self.fonts = fonts = _fonts()
        regular, bold = fonts.regular, fonts.bold
        self.title = ParagraphStyle("title", fontName=bold, fontSize=22, leading=27, textColor=BLUE)
        self.subtitle = ParagraphStyle("subtitle", fontName=regular, fontSize=13, leading=18, textColor=TEXT)
        self.heading = ParagraphStyle(
            "heading", fontName=bold, fontSize=13, leading=17, textColor=BLUE, spaceBefore=9, spaceAfter=4
        )
        self.body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=13, textColor=TEXT)
        self.note = ParagraphStyle("note", self.body, fontSize=8, leading=10.5, textColor=GREY, spaceBefore=2)
        self.cell = ParagraphStyle("cell", self.body, fontSize=8.5, leading=10.5)
        self.cell_bold = ParagraphStyle("cell_bold", self.cell, fontName=bold)
        self.tile_label = ParagraphStyle("tile_label", self.body, fontSize=8.5, leading=11, textColor=GREY)
        self.tile_total = ParagraphStyle("tile_total", fontName=bold, fontSize=30, leading=36, textColor=BLUE)
        self.tile_value = ParagraphStyle("tile_value", fontName=bold, fontSize=17, leading=22, textColor=BLUE)
        self.tile_text = ParagraphStyle("tile_text", self.body, fontSize=8, leading=10.5)

    def para(self, markup: str, style: ParagraphStyle) -> Paragraph:
        """A paragraph set the French way: no line starts with ":", ";" or "»" nor ends with "«"; and
        thin spaces survive (reportlab breaks lines at U+202F and sets it as a plain space, so it becomes
        a no-break space in a font size that gives it a thin space's width)."""
        for loose, tied in _TIED:
            markup = markup.replace(loose, tied)
        if "\u202f" in markup:
            markup = markup.replace(
                "\u202f", f'<font size="{_THIN_RATIO * style.fontSize:.2f}">\u00a0</font>'
            )
        return Paragraph(markup, style)

    # Numbers as the French write them

    def number(self, value: int) -> str:
        return numbers.number(value, self.fonts.thin)

    def percent(self, part: float, whole: int, decimals: int = 1) -> str:
        return numbers.percent(part, whole, decimals, self.fonts.thin)

    def count(self, value: int, noun: str) -> str:
        """ "1 contact", "1 234 contacts"."""
        return f"{self.number(value)}\u00a0{noun}{'s' if value > 1 else ''}"

    def amount(self, cents: int) -> str:
        return euros(cents).replace("\u202f", self.fonts.thin).replace(" ", "\u00a0")

    def duration(self, minutes: float) -> str:
        return numbers.duration(minutes)

    def hours(self, minutes: int) -> str:
        """A long total, rounded to the hour: "environ 350 h"."""
        return numbers.time_spent(minutes, self.fonts.thin)

    def change(self, base: int, period: Period) -> tuple[str, str]:
        """("+12 %", "par rapport à octobre 2026 (1 102 contacts)"); a dash when there is no base."""
        against = f"par rapport {period.compared_to}"
        if base == 0:
            return "—", f"{against} : pas de contact sur cette période"
        context = f"{against} ({self.count(base, 'contact')})"
        return numbers.signed_change(self.summary.total, base, self.fonts.minus, self.fonts.thin), context

    def label(self, kind: str, key: str) -> str:
        """The catalogue's French label; free text (agents, places, kind "") as typed, an empty one named."""
        if kind == "themes" and not key:
            return "Sans thème"
        return self.catalogue.label(kind, key) if kind else key or "Non renseigné"

    # The story

    def story(self) -> list[Flowable]:
        summary = self.summary
        story: list[Flowable] = [
            self.para("Synthèse d'activité", self.title),
            self.para(
                escape(summary.period.label[:1].upper() + summary.period.label[1:])
                + (" (période en cours)" if summary.ongoing else ""),
                self.subtitle,
            ),
            self.para(escape(f"{summary.structure} — matricule {summary.matricule}"), self.tile_label),
            Spacer(1, 5 * mm),
            *self._overview(),
        ]
        if summary.total:
            story += self._requests()
            story += self._people_and_places()
            if summary.by_weekday_hour:
                story += self._affluence()
        else:
            story.append(Spacer(1, 3 * mm))
            story.append(
                self.para(
                    "Aucun contact enregistré sur cette période : pas de répartition à présenter.", self.body
                )
            )
        story += self._non_recours()
        story += self._escalations()
        story += self._pass_numerique()
        return story

    def _overview(self) -> list[Flowable]:
        """The total and its changes in a wide tile, then three tiles for the figures asked next."""
        summary = self.summary
        total = summary.total
        comparisons = [(summary.previous_total, summary.period.previous())]
        if summary.period.kind != "year":  # a year's previous period is the year before
            comparisons.append((summary.year_before_total, summary.period.year_before()))
        changes = [
            self.para(f"<b>{figure}</b> {escape(context)}", self.body)
            for figure, context in (self.change(base, period) for base, period in comparisons)
        ]
        left = 55 * mm
        contacts = Table(
            [
                [
                    [self.para("Contacts", self.tile_label), self.para(self.number(total), self.tile_total)],
                    changes,
                ]
            ],
            colWidths=[left, _WIDTH - left],
        )
        contacts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *_TILE]))
        average = summary.average_minutes
        tiles = [
            (
                "Résolus sur place",
                self.percent(summary.solved_on_the_spot, total, 0) if total else "—",
                f"{self.number(summary.solved_on_the_spot)} sur {self.count(total, 'contact')}"
                if total
                else "",
            ),
            (
                "Durée moyenne d'un contact",
                self.duration(average) if average is not None else "—",
                f"{self.hours(summary.total_minutes)} d'accompagnement au total" if total else "",
            ),
            (
                "Non-recours détectés",
                self.number(summary.non_recours),
                f"{self.percent(summary.non_recours, total)} des contacts" if total else "",
            ),
        ]
        cells = [
            [
                self.para(name, self.tile_label),
                self.para(value, self.tile_value),
                self.para(text, self.tile_text),
            ]
            for name, value, text in tiles
        ]
        side = (_WIDTH - 2 * _GUTTER) / 3
        row = Table([[cells[0], "", cells[1], "", cells[2]]], colWidths=[side, _GUTTER, side, _GUTTER, side])
        style: StyleCommands = [("VALIGN", (0, 0), (-1, -1), "TOP")]
        for column in (0, 2, 4):
            style += [(command, (column, 0), (column, 0), *rest) for command, _, _, *rest in _TILE]
        row.setStyle(TableStyle(style))
        return [contacts, Spacer(1, _GUTTER), row]

    def _requests(self) -> list[Flowable]:
        summary = self.summary
        partners = self._items(summary.by_partner, "partners")
        several = sum(count for _, count in partners) > summary.total
        story = self._ranked(
            "Partenaires concernés",
            partners,
            "partenaires",
            "Partenaire",
            "Un contact peut concerner plusieurs partenaires : la somme dépasse le nombre de contacts."
            if several
            else "",
            with_total=not several,
        )
        story += self._ranked(
            "Situations de vie", self._items(summary.by_situation, "situations"), "situations", "Situation"
        )
        themes = self._items(summary.by_theme, "themes")
        story.append(
            KeepTogether(
                [
                    self.para("Thèmes", self.heading),
                    self._counts_table("Thème", themes, _WIDTH, with_total=True),
                ]
            )
        )
        story.append(
            self._pie_section("Canaux de contact", "Canal", self._items(summary.by_channel, "channels"))
        )
        story.append(
            self._pie_section("Types d'aide", "Type d'aide", self._items(summary.by_help_kind, "help_kinds"))
        )
        solved = (
            f"<b>{self.percent(summary.solved_on_the_spot, summary.total, 0)} résolus sur place</b> "
            f"({self.number(summary.solved_on_the_spot)} sur {self.count(summary.total, 'contact')})."
        )
        story.append(
            self._pie_section(
                "Issue des demandes", "Issue", self._items(summary.by_outcome, "outcomes"), lead=solved
            )
        )
        return story

    def _people_and_places(self) -> list[Flowable]:
        """Agents and places side by side: short names, and a fixed desk has a single place."""
        summary = self.summary
        half = (_WIDTH - 2 * _GUTTER) / 2
        agents = [
            self.para("Par agent", self.heading),
            self._counts_table("Agent", self._items(summary.by_agent, ""), half, with_total=True),
        ]
        places: list[Flowable] = [self.para("Par lieu d'accueil", self.heading)]
        if len(summary.by_place) > 1:
            places.append(self._counts_table("Lieu (arrêt)", self._items(summary.by_place, ""), half, True))
        else:
            place = self.label("", next(iter(summary.by_place), ""))
            text = f"Un seul lieu d'accueil : {place} ({self.count(summary.total, 'contact')})."
            places.append(self.para(escape(text), self.body))
        table = Table([[agents, "", places]], colWidths=[half, 2 * _GUTTER, half])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *_NO_PADDING]))
        return [table]

    def _affluence(self) -> list[Flowable]:
        """When the desk is busiest: a weekday × hour grid shaded by count, then the two profiles."""
        week = week_profile(self.summary.by_weekday_hour)
        assert week is not None  # called for a period with contacts
        days, hours, per_day, per_hour = week.days, week.hours, week.per_day, week.per_hour
        best_day, best_hour = week.busiest_slot
        best = week.cells[(best_day, best_hour)]
        busiest_day, busiest_hour = week.busiest_day, week.busiest_hour
        lead = (
            f"Créneau le plus chargé : <b>le {WEEKDAYS[best_day]} de {best_hour}\u00a0h à "
            f"{best_hour + 1}\u00a0h</b> ({self.count(best, 'contact')}). Jour le plus chargé : "
            f"{WEEKDAYS[busiest_day]} ({self.count(per_day[busiest_day], 'contact')}) ; heure la plus "
            f"chargée : {busiest_hour}\u00a0h – {busiest_hour + 1}\u00a0h "
            f"({self.count(per_hour[busiest_hour], 'contact')})."
        )
        half = (_WIDTH - 2 * _GUTTER) / 2
        day_bars = self._columns([(WEEKDAYS[day][:3] + ".", per_day[day]) for day in days], 0.7 * half)
        hour_bars = self._columns([(f"{hour}\u00a0h", per_hour[hour]) for hour in hours], _WIDTH - 0.7 * half)
        charts = Table(
            [
                [
                    self.para("Par jour de la semaine", self.tile_label),
                    self.para("Par heure", self.tile_label),
                ],
                [day_bars, hour_bars],
            ],
            colWidths=[0.7 * half + 2 * _GUTTER, _WIDTH - 0.7 * half - 2 * _GUTTER],
        )
        charts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), *_NO_PADDING]))
        summary = self.summary
        duration = (
            f"Durée moyenne d'un contact : <b>{self.duration(summary.average_minutes or 0)}</b> ; "
            f"{self.hours(summary.total_minutes)} d'accompagnement au total."
        )
        return [
            KeepTogether(
                [
                    self.para("Affluence", self.heading),
                    self.para(lead, self.body),
                    Spacer(1, 2 * mm),
                    *self._heat_maps(days, hours, per_day, per_hour),
                    self.para(
                        "Nombre de contacts par jour et par heure de début (heure locale du poste) ; "
                        "plus la case est foncée, plus il y a eu de monde.",
                        self.note,
                    ),
                    Spacer(1, 3 * mm),
                    charts,
                ]
            ),
            self.para("Durée des contacts", self.heading),
            self.para(duration, self.body),
        ]

    def _non_recours(self) -> list[Flowable]:
        summary = self.summary
        if summary.non_recours:
            text = (
                f"<b>{self.count(summary.non_recours, 'situation')} de non-recours "
                f"détectée{'s' if summary.non_recours > 1 else ''}</b> (aides ou droits que la personne n'avait pas demandés alors qu'elle y avait droit), "
                f"soit {self.percent(summary.non_recours, summary.total)} des contacts."
            )
        else:
            text = "Aucune situation de non-recours détectée sur cette période."
        return [self.para("Non-recours", self.heading), self.para(text, self.body)]

    def _escalations(self) -> list[Flowable]:
        summary = self.summary
        heading = self.para("Sollicitations des référents partenaires", self.heading)
        if not summary.escalations_sent:
            return [
                heading,
                self.para("Aucune sollicitation de référent envoyée sur cette période.", self.body),
            ]
        sent = summary.escalations_sent
        rows = [
            ("Envoyées", self.number(sent), ""),
            (
                "Avec réponse",
                self.number(summary.escalations_answered),
                self.percent(summary.escalations_answered, sent),
            ),
            (
                "En retard",
                self.number(summary.escalations_late),
                self.percent(summary.escalations_late, sent),
            ),
        ]
        figures = self._table(
            ["Sollicitations", "Nombre", "Part"],
            [[self.para(name, self.cell), value, share] for name, value, share in rows],
            [_FIGURES - 42 * mm, 24 * mm, 18 * mm],
        )
        by_partner = self._counts_table(
            "Partenaire sollicité",
            self._items(summary.escalations_by_partner, "partners"),
            _FIGURES,
            with_total=True,
            whole=sent,
            count_title="Sollicitations",
        )
        return [
            KeepTogether(
                [
                    heading,
                    figures,
                    self.para(
                        "Sollicitations envoyées sur la période. En retard : sans réponse après 72 heures "
                        "ouvrées, ou réponse arrivée après ce délai, ou sans nouvelle réponse 15 jours "
                        "ouvrés après une réponse.",
                        self.note,
                    ),
                    Spacer(1, 3 * mm),
                ]
            ),
            by_partner,
        ]

    def _pass_numerique(self) -> list[Flowable]:
        summary = self.summary
        heading = self.para("Pass numérique", self.heading)
        last_day = summary.counted_to
        stock = f"stock restant au {last_day:%d/%m/%Y} : {self.count(summary.pass_stock_left, 'chèque')}"
        moves = (
            summary.pass_issuances,
            summary.pass_cheques_received,
            summary.pass_cheques_handed_out,
            summary.pass_cheques_returned,
            summary.pass_cheques_cancelled,
        )
        if not any(moves):
            # A table of zeros says less than one line; contacts may still carry the flag (cheques
            # handed out before the ledger was kept on this workstation).
            flagged = summary.pass_numerique_contacts
            contacts = (
                f" ; {self.count(flagged, 'contact')} noté{'s' if flagged > 1 else ''} « Pass numérique remis »"
                if flagged
                else ""
            )
            text = f"Aucun mouvement de chèques au registre sur cette période{contacts} ; {stock}."
            return [heading, self.para(text, self.body)]
        rows = [
            ("Chèques remis", self.number(summary.pass_cheques_handed_out)),
            ("Valeur des chèques remis", self.amount(summary.pass_value_handed_out_cents)),
            ("Remises à des usagers", self.number(summary.pass_issuances)),
            ("Contacts notés « Pass numérique remis »", self.number(summary.pass_numerique_contacts)),
            ("Chèques reçus (carnets)", self.number(summary.pass_cheques_received)),
            ("Chèques remis en stock (retours)", self.number(summary.pass_cheques_returned)),
            ("Chèques annulés", self.number(summary.pass_cheques_cancelled)),
            (f"Stock restant au {last_day:%d/%m/%Y}", self.number(summary.pass_stock_left)),
        ]
        table = self._table(
            None,
            [
                [self.para(escape(name), self.cell_bold if index == len(rows) - 1 else self.cell), value]
                for index, (name, value) in enumerate(rows)
            ],
            [_FIGURES - 30 * mm, 30 * mm],
            bold_last=True,
        )
        return [KeepTogether([heading, table])]

    # Building blocks

    def _items(self, counts: Counts, kind: str) -> list[tuple[str, int]]:
        """(French label, count), in the summary's order: largest first."""
        return [(self.label(kind, key), value) for key, value in counts.items()]

    def _ranked(
        self,
        title: str,
        items: list[tuple[str, int]],
        noun: str,
        column: str,
        note: str = "",
        with_total: bool = True,
    ) -> list[Flowable]:
        """A bar chart of the first ten and "Autres", then the table of them all."""
        shown = items
        if len(items) > TOP + 1:
            rest = items[TOP:]
            shown = [*items[:TOP], (f"Autres ({len(rest)} {noun})", sum(value for _, value in rest))]
        head: list[Flowable] = [
            self.para(title, self.heading),
            self._bars(shown, _WIDTH, others=len(shown) > TOP),
        ]
        if note:
            head.append(self.para(note, self.note))
        head.append(Spacer(1, 2 * mm))
        return [KeepTogether([*head, self._counts_table(column, items, _WIDTH, with_total)])]

    def _pie_section(self, title: str, column: str, items: list[tuple[str, int]], lead: str = "") -> Flowable:
        """A doughnut and its table side by side; the table's colour squares are the legend."""
        if len(items) > len(SLICES):
            rest = items[len(SLICES) - 1 :]
            items = [*items[: len(SLICES) - 1], ("Autres", sum(value for _, value in rest))]
        side = 40 * mm
        legend = self._counts_table(
            column, items, _WIDTH - side - 2 * _GUTTER, with_total=True, swatches=True
        )
        row = Table(
            [[self._doughnut([value for _, value in items], side), "", legend]],
            colWidths=[side, 2 * _GUTTER, _WIDTH - side - 2 * _GUTTER],
        )
        row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *_NO_PADDING]))
        parts: list[Flowable] = [self.para(title, self.heading)]
        if lead:
            parts += [self.para(lead, self.body), Spacer(1, 2 * mm)]
        return KeepTogether([*parts, row])

    def _counts_table(
        self,
        column: str,
        items: list[tuple[str, int]],
        width: float,
        with_total: bool,
        swatches: bool = False,
        whole: int | None = None,
        count_title: str = "Contacts",
    ) -> Table:
        """Label, number, and share of `whole` (by default the number of contacts)."""
        whole = self.summary.total if whole is None else whole
        numbers = [(24 if len(count_title) > 10 else 18) * mm, 17 * mm]
        label_width = width - sum(numbers) - (6 * mm if swatches else 0)
        rows = []
        for index, (name, value) in enumerate(items):
            row = [self.para(escape(name), self.cell), self.number(value), self.percent(value, whole)]
            rows.append([_swatch(SLICES[index]), *row] if swatches else row)
        if with_total:
            total = sum(value for _, value in items)
            row = [self.para("Total", self.cell_bold), self.number(total), self.percent(total, whole)]
            rows.append(["", *row] if swatches else row)
        header = [column, count_title, "Part"]
        widths = [label_width, *numbers]
        if swatches:
            header, widths = ["", *header], [6 * mm, *widths]
        return self._table(header, rows, widths, bold_last=with_total)

    def _table(
        self, header: list[str] | None, rows: list[list[Any]], widths: list[float], bold_last: bool = False
    ) -> Table:
        """Light grey header and stripes, numbers right-aligned (every column after the label); a list
        of named figures has no header."""
        first_text = 1 if header and header[0] == "" else 0
        cells = rows
        if header:
            head = [
                self.para(escape(text), self.cell_bold) if i == first_text else text
                for i, text in enumerate(header)
            ]
            cells = [head, *rows]
        table = Table(cells, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
        style: StyleCommands = [
            ("FONT", (0, 0), (-1, -1), self.fonts.regular, 8.5, 10.5),
            ("TEXTCOLOR", (0, 0), (-1, -1), TEXT),
            ("ALIGN", (first_text + 1, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
            ("LEFTPADDING", (0, 0), (-1, -1), 2 * mm),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
        ]
        if header:
            style += [
                ("FONT", (0, 0), (-1, 0), self.fonts.bold, 8.5, 10.5),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD),
            ]
        for row in range(2 if header else 1, len(cells), 2):
            style.append(("BACKGROUND", (0, row), (-1, row), STRIPE))
        if bold_last:
            style += [
                ("FONT", (0, -1), (-1, -1), self.fonts.bold, 8.5, 10.5),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, GREY),
            ]
        table.setStyle(TableStyle(style))
        return table

    def _bars(self, items: list[tuple[str, int]], width: float, others: bool) -> Drawing:
        """Horizontal bars, largest on top, label on the left and the number at the bar's end."""
        regular, size, row = self.fonts.regular, 8, 4.8 * mm
        values = [self.number(value) for _, value in items]
        value_room = max(pdfmetrics.stringWidth(text, regular, size) for text in values) + 3 * mm
        label_room = min(
            max(pdfmetrics.stringWidth(name, regular, size) for name, _ in items) + 2 * mm, 0.42 * width
        )
        bar_room = width - label_room - value_room
        largest = max(value for _, value in items) or 1
        drawing = Drawing(width, row * len(items))
        for index, ((name, value), text) in enumerate(zip(items, values, strict=True)):
            y = drawing.height - (index + 1) * row
            length = bar_room * value / largest
            colour = OTHERS if others and index == len(items) - 1 else BLUE
            drawing.add(
                Rect(
                    label_room,
                    y + 0.7 * mm,
                    max(length, 0.3),
                    row - 1.4 * mm,
                    fillColor=colour,  # type: ignore[arg-type]  # the stubs type **kw without Unpack
                    strokeColor=None,  # type: ignore[arg-type]  # the stubs type **kw without Unpack
                )
            )
            drawing.add(
                _text(
                    label_room - 2 * mm,
                    y + row / 2 - 1 * mm,
                    _fit(name, label_room - 2 * mm, regular, size),
                    regular,
                    size,
                    TEXT,
                    "end",
                )
            )
            drawing.add(
                _text(
                    label_room + length + 1.5 * mm, y + row / 2 - 1 * mm, text, regular, size, TEXT, "start"
                )
            )
        return drawing

    def _columns(self, items: list[tuple[str, int]], width: float) -> Drawing:
        """Vertical bars with their labels under them; numbers above them when they fit."""
        regular, size, height = self.fonts.regular, 7, 34 * mm
        base, top_room = 5 * mm, 4 * mm
        slot = width / len(items)
        largest = max(value for _, value in items) or 1
        values = [self.number(value) for _, value in items]
        numbers_fit = max(pdfmetrics.stringWidth(text, regular, size) for text in values) < slot - 0.5 * mm
        widest_name = max(pdfmetrics.stringWidth(name, regular, size) for name, _ in items)
        # Every label, or one in 2, 3, 4 or 6 (0 h, 6 h, 12 h, 18 h…) when they would overlap.
        step = next((step for step in (1, 2, 3, 4) if widest_name < step * slot - 1 * mm), 6)
        drawing = Drawing(width, height)
        drawing.add(Line(0, base, width, base, strokeColor=GREY, strokeWidth=0.5))
        for index, ((name, value), text) in enumerate(zip(items, values, strict=True)):
            middle = (index + 0.5) * slot
            bar = (height - base - top_room) * value / largest
            drawing.add(Rect(middle - 0.33 * slot, base, 0.66 * slot, bar, fillColor=BLUE, strokeColor=None))  # type: ignore[arg-type]  # the stubs type **kw without Unpack
            if index % step == 0:
                drawing.add(_text(middle, base - 3.2 * mm, name, regular, size, TEXT, "middle"))
            if numbers_fit and value:
                drawing.add(_text(middle, base + bar + 1 * mm, text, regular, size, GREY, "middle"))
        return drawing

    def _doughnut(self, values: list[int], side: float) -> Drawing:
        drawing = Drawing(side, side)
        pie = Pie()
        pie.x = pie.y = 1 * mm  # type: ignore[assignment]  # reportlab takes any number; the stubs say int
        pie.width = pie.height = side - 2 * mm  # type: ignore[assignment]  # reportlab takes any number; the stubs say int
        pie.data = values
        pie.innerRadiusFraction = 0.55
        pie.startAngle, pie.direction = 90, "clockwise"
        pie.slices.strokeColor, pie.slices.strokeWidth = colors.white, 1
        for index in range(len(values)):
            pie.slices[index].fillColor = SLICES[index]
        drawing.add(pie)
        middle = side / 2
        total = self.number(sum(values))
        drawing.add(_text(middle, middle, total, self.fonts.bold, 10, BLUE, "middle"))
        drawing.add(_text(middle, middle - 3.6 * mm, "contacts", self.fonts.regular, 7, GREY, "middle"))
        return drawing

    def _heat_maps(
        self, days: list[int], hours: list[int], per_day: dict[int, int], per_hour: dict[int, int]
    ) -> list[Flowable]:
        """The weekday × hour grid, shaded by count, with totals; cut in two (morning hours, then the
        rest with the days' totals) when a desk open day and night leaves columns too narrow."""
        texts = [self.number(value) for value in (*self.summary.by_weekday_hour.values(), *per_hour.values())]
        widest = max(pdfmetrics.stringWidth(text, self.fonts.bold, 1) for text in texts)  # at 1 pt
        room = _WIDTH - _GRID_LABEL - _GRID_TOTAL
        chunks = 1 if room / len(hours) >= widest * _MIN_GRID_SIZE + 3 else 2
        size_of_chunk = math.ceil(len(hours) / chunks)
        column = room / size_of_chunk
        size = max(_MIN_GRID_SIZE, min(8.0, (column - 3) / widest))
        grids: list[Flowable] = []
        for start in range(0, len(hours), size_of_chunk):
            part = hours[start : start + size_of_chunk]
            last = start + size_of_chunk >= len(hours)
            grids.append(self._grid(days, part, per_day if last else None, per_hour, column, size))
            grids.append(Spacer(1, 2 * mm))
        return grids[:-1]

    def _grid(
        self,
        days: list[int],
        hours: list[int],
        per_day: dict[int, int] | None,
        per_hour: dict[int, int],
        column: float,
        size: float,
    ) -> Table:
        cells = self.summary.by_weekday_hour
        regular, bold = self.fonts.regular, self.fonts.bold
        largest = max(cells.values())
        total_column = ["Total"] if per_day else []
        rows: list[list[Any]] = [["", *(f"{hour}\u00a0h" for hour in hours), *total_column]]
        style: StyleCommands = [
            ("FONT", (0, 0), (-1, -1), regular, size, size + 2),
            ("FONT", (0, 0), (-1, 0), bold, size, size + 2),
            ("FONT", (0, 0), (0, -1), bold, 8, 10),
            ("FONT", (0, -1), (-1, -1), bold, size, size + 2),
            ("ALIGN", (1, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TEXTCOLOR", (0, 0), (-1, -1), TEXT),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD),
            ("BACKGROUND", (0, -1), (-1, -1), HEAD),
            ("GRID", (1, 1), (len(hours), len(days)), 0.5, colors.white),
            ("LINEBELOW", (0, 0), (-1, 0), 0.4, RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), 1),
            ("RIGHTPADDING", (0, 0), (-1, -1), 1),
            ("LEFTPADDING", (0, 0), (0, -1), 2 * mm),
            ("TOPPADDING", (0, 0), (-1, -1), 2.2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.8),
        ]
        if per_day:
            style += [
                ("FONT", (-1, 0), (-1, -1), bold, size, size + 2),
                ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
                ("BACKGROUND", (-1, 0), (-1, -1), HEAD),
                ("RIGHTPADDING", (-1, 0), (-1, -1), 2 * mm),
            ]
        for row, day in enumerate(days, start=1):
            line: list[Any] = [WEEKDAYS[day].capitalize()]
            for col, hour in enumerate(hours, start=1):
                value = cells.get((day, hour), 0)
                line.append(self.number(value) if value else "")
                if value:
                    share = value / largest
                    style.append(("BACKGROUND", (col, row), (col, row), _shade(share)))
                    if share > 0.45:
                        style.append(("TEXTCOLOR", (col, row), (col, row), colors.white))
            rows.append([*line, self.number(per_day[day])] if per_day else line)
        totals = ["Total", *(self.number(per_hour[hour]) for hour in hours)]
        rows.append([*totals, self.number(sum(per_day.values()))] if per_day else totals)
        widths = [_GRID_LABEL, *[column] * len(hours), *([_GRID_TOTAL] if per_day else [])]
        table = Table(rows, colWidths=widths, hAlign="LEFT")
        table.setStyle(TableStyle(style))
        return table


# A tinted tile under a thick blue rule.
_TILE: StyleCommands = [
    ("BACKGROUND", (0, 0), (-1, -1), BLUE_PALE),
    ("LINEABOVE", (0, 0), (-1, 0), 2.5, BLUE),
    ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
]
_NO_PADDING = [
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
]


def _shade(share: float) -> colors.Color:
    """From the palest blue to DSFR blue, never white: a case with one contact must still show."""
    return colors.linearlyInterpolatedColor(colors.HexColor("#e3e3fd"), BLUE, 0, 1, 0.08 + 0.92 * share)


def _swatch(colour: colors.Color) -> Drawing:
    drawing = Drawing(3 * mm, 3 * mm)
    drawing.add(Rect(0, 0, 3 * mm, 3 * mm, fillColor=colour, strokeColor=None))  # type: ignore[arg-type]  # the stubs type **kw without Unpack
    return drawing


def _text(
    x: float,
    y: float,
    text: str,
    font: str,
    size: float,
    colour: colors.Color,
    anchor: Literal["start", "middle", "end"],
) -> String:
    return String(x, y, text, fontName=font, fontSize=size, fillColor=colour, textAnchor=anchor)


def _fit(text: str, width: float, font: str, size: float) -> str:
    """The label cut with "…" to fit a chart's label column (the table below has it whole)."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


class _PagedCanvas(NumberedCanvas):
    """The structure, the period and "Page 1 sur N" in every header: a summary is often printed and
    stapled, and a missing sheet must show."""

    def __init__(
        self, *args: Any, fonts: _Fonts, header: tuple[str, str], footer: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._fonts = fonts
        self._header = header
        self._footer = footer

    def draw_frame(self, number: int, total: int) -> None:
        structure, title = self._header
        right = A4[0] - _MARGIN
        top = A4[1] - 11 * mm
        self.setFillColor(BLUE)
        self.setFont(self._fonts.bold, 9)
        self.drawString(_MARGIN, top, _fit(structure, _WIDTH - 30 * mm, self._fonts.bold, 9))
        self.setFillColor(GREY)
        self.setFont(self._fonts.regular, 9)
        self.drawString(_MARGIN, top - 4.5 * mm, title)
        self.drawRightString(right, top, f"Page {number} sur {total}")
        self.setStrokeColor(BLUE)
        self.setLineWidth(0.8)
        self.line(_MARGIN, top - 7 * mm, right, top - 7 * mm)
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(_MARGIN, 14 * mm, right, 14 * mm)
        self.setFont(self._fonts.regular, 7.5)
        self.drawString(_MARGIN, 10 * mm, self._footer)
