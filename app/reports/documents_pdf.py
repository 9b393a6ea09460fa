"""The "liste des pièces à fournir" handed to the citizen: A4, French, large readable type.

Many citizens who come to France Services see poorly or read with difficulty: 15-point text, short
lines, a box to tick for each document, nothing about the person on it.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

from app.reports.pdf_pages import dejavu_sans

BLUE = colors.HexColor("#000091")
_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=15, leading=21)
_TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=22, leading=28, textColor=BLUE)
_HEADING = ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=17, leading=23, spaceBefore=8)
_SMALL = ParagraphStyle(
    "small", fontName="Helvetica", fontSize=11, leading=14, textColor=colors.HexColor("#3a3a3a")
)


@dataclass(frozen=True)
class DocumentList:
    situation: str  # e.g. "Je déménage"
    documents: list[str]
    steps_at_home: list[str]  # online steps the citizen can finish alone, with their site
    structure: str  # "France Services Thiérache Sambre et Oise — Guise"
    source: str
    day: date


def write_documents_pdf(content: DocumentList, path: Path) -> Path:
    """Write the list to `path` (overwritten) and return it."""
    story = [
        Paragraph("Liste des pièces à fournir", _TITLE),
        Paragraph(escape(content.situation), _HEADING),
        Spacer(1, 4 * mm),
        Paragraph("Rassemblez ces documents (cochez-les au fur et à mesure) :", _BODY),
        Spacer(1, 2 * mm),
        ListFlowable(
            [ListItem(Paragraph(escape(text), _BODY), value="☐") for text in content.documents],  # type: ignore[misc]  # a ListItem is not a Flowable in the stubs
            bulletType="bullet",
            start="☐",
            bulletFontName="DejaVuSans" if dejavu_sans() else "Helvetica",  # Helvetica has no ☐
            bulletFontSize=16,
            leftIndent=10 * mm,
        ),
    ]
    if content.steps_at_home:
        story += [
            Paragraph("À faire en ligne", _HEADING),
            ListFlowable(
                [ListItem(Paragraph(escape(text), _BODY)) for text in content.steps_at_home],  # type: ignore[misc]  # a ListItem is not a Flowable in the stubs
                bulletType="bullet",
                leftIndent=10 * mm,
            ),
        ]
    story += [
        Spacer(1, 8 * mm),
        Paragraph(
            "Vous pouvez revenir nous voir avec ces documents : un agent vous aidera à finaliser vos démarches. "
            "Ne laissez jamais vos documents originaux ni vos mots de passe à quelqu'un d'autre.",
            _BODY,
        ),
        Spacer(1, 6 * mm),
        Paragraph(escape(f"{content.structure} — document remis le {content.day:%d/%m/%Y}"), _SMALL),
        Paragraph(escape(f"Source : {content.source}"), _SMALL),
    ]
    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Pièces à fournir — {content.situation}",
        author=content.structure,
        lang="fr-FR",
    )
    document.build(story)
    return path
