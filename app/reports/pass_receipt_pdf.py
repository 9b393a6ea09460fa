"""The receipt handed with Pass numérique cheques: A4, French, large readable type.

The people who get cheques are, by definition, far from digital tools, and many see or read
poorly: the receipt says in short sentences what the cheques are worth, until when, how to use
them and where, in 15-point type. It names nobody: only the cheque numbers, which the ledger
already holds, and the agent's first name so that the person knows whom to ask again.
"""

from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.models.pass_numerique import Cheque, euros
from app.models.qualified_places import QualifiedPlace
from app.reports.pdf_pages import NumberedCanvas, StyleCommands

BLUE = colors.HexColor("#000091")
LIGHT_BLUE = colors.HexColor("#e3e3fd")
PALE = colors.HexColor("#f5f5fe")
GREY = colors.HexColor("#3a3a3a")
_MARGIN = 20 * mm
_WIDTH = A4[0] - 2 * _MARGIN
_GUTTER = 5 * mm
_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=15, leading=21)
_TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=24, leading=30, textColor=BLUE)
_HEADING = ParagraphStyle(
    "heading",
    fontName="Helvetica-Bold",
    fontSize=18,
    leading=24,
    textColor=BLUE,
    spaceBefore=10,
    spaceAfter=6,
)
_DEADLINE = ParagraphStyle("deadline", fontName="Helvetica-Bold", fontSize=20, leading=26)
_CELL = ParagraphStyle("cell", _BODY, leading=18)
_CELL_HEAD = ParagraphStyle("cell_head", _CELL, fontName="Helvetica-Bold", textColor=colors.white)
_PLACE_NAME = ParagraphStyle(
    "place_name", _BODY, fontName="Helvetica-Bold", fontSize=15, leading=19, textColor=BLUE, spaceAfter=3
)
_CARD = ParagraphStyle("card", _BODY, fontSize=14, leading=19)
_CARD_HOURS = ParagraphStyle("card_hours", _CARD, spaceBefore=3)
_SMALL = ParagraphStyle("small", fontName="Helvetica", fontSize=12, leading=16, textColor=GREY)
_FOOTER_SIZE = 11


@dataclass(frozen=True)
class ReceiptContent:
    structure: str  # "France Services Valserhône — Valserhône"
    day: date
    agent: str  # "Karim B.": whom the person can ask for again
    cheques: list[Cheque]  # at least one
    places: list[QualifiedPlace]  # nearest first, six at most for two pages


def write_receipt_pdf(content: ReceiptContent, path: Path) -> Path:
    """Write the receipt to `path` (overwritten) and return it."""
    soonest = min(cheque.valid_until for cheque in content.cheques)
    total = sum(cheque.value_cents for cheque in content.cheques)
    story = [
        Paragraph("Pass numérique — vos chèques", _TITLE),
        Spacer(1, 3 * mm),
        Paragraph(_lead(len(content.cheques), total), _BODY),
        Spacer(1, 5 * mm),
        _deadline_box(content.cheques, soonest),
        Paragraph("Vos chèques", _HEADING),
        _cheque_table(content.cheques, soonest),
        Spacer(1, 2 * mm),
        Paragraph(escape(f"Financés par : {_funders(content.cheques)}."), _SMALL),
        Paragraph("Comment utiliser vos chèques", _HEADING),
        ListFlowable(
            [ListItem(Paragraph(text, _BODY), spaceAfter=3) for text in _instructions(soonest)],  # type: ignore[misc]  # a ListItem is not a Flowable in the stubs
            bulletType="bullet",
            start="•",
            bulletFontSize=15,
            leftIndent=8 * mm,
        ),
        *_places(content.places),
    ]
    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=16 * mm,
        bottomMargin=22 * mm,
        title="Pass numérique — vos chèques",
        author=content.structure,
        lang="fr-FR",
    )
    footer = (content.structure, f"Remis le {content.day:%d/%m/%Y} par {content.agent}")
    document.build(story, canvasmaker=partial(_FooterCanvas, footer=footer))
    return path


def _deadline_box(cheques: list[Cheque], soonest: date) -> Table:
    """The one date the person must not miss, in a tinted box with a thick blue edge."""
    rows = [[Paragraph(f"À utiliser avant le {soonest:%d/%m/%Y}", _DEADLINE)]]
    if any(cheque.valid_until != soonest for cheque in cheques):
        rows.append([Paragraph("Date du premier chèque qui expire : voir le tableau.", _BODY)])
    box = Table(rows, colWidths=[_WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), LIGHT_BLUE),
                ("LINEBEFORE", (0, 0), (0, -1), 5, BLUE),
                ("LEFTPADDING", (0, 0), (-1, -1), 5 * mm),
                ("TOPPADDING", (0, 0), (-1, 0), 3.5 * mm),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 3.5 * mm),
            ]
        )
    )
    return box


def _cheque_table(cheques: list[Cheque], soonest: date) -> Table:
    """Number, value, end of validity; when dates differ, the cheques to use first are in bold."""
    mixed = any(cheque.valid_until != soonest for cheque in cheques)
    rows = [[Paragraph(text, _CELL_HEAD) for text in ("Numéro", "Valeur", "Valable jusqu'au")]]
    style: StyleCommands = [
        ("BACKGROUND", (0, 0), (-1, 0), BLUE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.5, colors.HexColor("#c8c8e8")),
        ("BOX", (0, 0), (-1, -1), 0.8, BLUE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 1 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6 * mm),
    ]
    for row, cheque in enumerate(cheques, start=1):
        first = mixed and cheque.valid_until == soonest
        cells = (escape(cheque.number), _amount(cheque.value_cents), f"{cheque.valid_until:%d/%m/%Y}")
        rows.append([Paragraph(f"<b>{text}</b>" if first else text, _CELL) for text in cells])
        if row % 2 == 0:
            style.append(("BACKGROUND", (0, row), (-1, row), PALE))
    table = Table(rows, colWidths=[0.42 * _WIDTH, 0.23 * _WIDTH, 0.35 * _WIDTH], repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _instructions(soonest: date) -> list[str]:
    return [
        "Présentez vos chèques dans un <b>lieu qualifié</b> (voir plus loin) : on vous y propose "
        "un atelier adapté à vos besoins.",
        "Un chèque paie une séance d'atelier, ou une partie de séance.",
        "Ils sont <b>personnels</b> : ils ne s'échangent pas contre de l'argent.",
        "Gardez-les en lieu sûr, comme de l'argent liquide.",
        f"Utilisez-les avant le <b>{soonest:%d/%m/%Y}</b> : après, ils ne valent plus rien.",
    ]


def _places(places: list[QualifiedPlace]) -> list[Flowable]:
    heading = Paragraph("Lieux qualifiés près de chez vous", _HEADING)
    if not places:
        return [
            heading,
            Paragraph(
                "Demandez à l'accueil de France Services les lieux qualifiés près de chez vous : "
                "nous vous aiderons à prendre rendez-vous.",
                _BODY,
            ),
        ]
    rows = [_card_row(places[i : i + 2]) for i in range(0, len(places), 2)]
    intro = Paragraph("Appelez avant d'y aller : les ateliers sont souvent sur rendez-vous.", _BODY)
    # The heading never stays alone at the foot of a page, and a card is never cut in two.
    return [KeepTogether([heading, intro, Spacer(1, 3 * mm), rows[0]]), *rows[1:]]


def _card_row(places: list[QualifiedPlace]) -> Table:
    """Two cards side by side, as tall as each other: six places fit on one page in large type.
    The middle column is the gutter between them."""
    cards = [_card_lines(place) for place in places]
    side = (_WIDTH - _GUTTER) / 2
    row = Table(
        [[cards[0], "", cards[1] if len(cards) > 1 else ""]],
        colWidths=[side, _GUTTER, side],
        spaceAfter=_GUTTER,
    )
    style: StyleCommands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
    ]
    for column in (0, 2)[: len(cards)]:
        style += [
            ("BACKGROUND", (column, 0), (column, 0), PALE),
            ("LINEBEFORE", (column, 0), (column, 0), 4, BLUE),
        ]
    row.setStyle(TableStyle(style))
    return row


def _card_lines(place: QualifiedPlace) -> list[Paragraph]:
    lines = [
        Paragraph(escape(place.name), _PLACE_NAME),
        Paragraph(escape(place.address), _CARD),
        Paragraph(f"<b>{escape(place.commune)}</b>", _CARD),
    ]
    if place.phone:
        lines.append(Paragraph(f"Tél. <b>{escape(place.phone)}</b>", _CARD))
    if place.hours:
        lines.append(Paragraph(escape(place.hours), _CARD_HOURS))
    return lines


def _lead(count: int, total: int) -> str:
    if count == 1:
        return (
            f"Vous avez reçu <b>1 chèque Pass numérique</b>, d'une valeur de <b>{_amount(total)}</b>. "
            "Il est gratuit pour vous : il paie un atelier pour apprendre à utiliser l'ordinateur, "
            "le smartphone et internet."
        )
    return (
        f"Vous avez reçu <b>{count} chèques Pass numérique</b>, d'une valeur totale de "
        f"<b>{_amount(total)}</b>. Ils sont gratuits pour vous : ils paient des ateliers pour "
        "apprendre à utiliser l'ordinateur, le smartphone et internet."
    )


def _amount(cents: int) -> str:
    """euros() with no-break spaces Helvetica can draw, so that "10 €" is never cut at a line end."""
    return euros(cents).replace("\u202f", "\u00a0").replace(" ", "\u00a0")


def _funders(cheques: list[Cheque]) -> str:
    return ", ".join(dict.fromkeys(cheque.funder for cheque in cheques))


class _FooterCanvas(NumberedCanvas):
    """The structure, the day, the agent and "page 1 sur 2" in every footer."""

    def __init__(self, *args: Any, footer: tuple[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer

    def draw_frame(self, number: int, total: int) -> None:
        structure, handed_out = self._footer
        right = A4[0] - _MARGIN
        self.setStrokeColor(BLUE)
        self.setLineWidth(0.8)
        self.line(_MARGIN, 17 * mm, right, 17 * mm)
        self.setFillColor(GREY)
        self.setFont("Helvetica", _FOOTER_SIZE)
        self.drawString(_MARGIN, 12.5 * mm, structure)
        self.drawString(_MARGIN, 8 * mm, handed_out)
        self.drawRightString(right, 12.5 * mm, f"Page {number} sur {total}")
