from datetime import date
from pathlib import Path

from pypdf import PdfReader

from app.models.pass_numerique import Cheque
from app.models.qualified_places import QualifiedPlace
from app.reports.pass_receipt_pdf import ReceiptContent, write_receipt_pdf

PLACES = [
    QualifiedPlace(
        "Médiathèque de Valserhône — espace numérique",
        "12 rue de la République",
        "Valserhône",
        "04 50 00 00 10",
        "Mardi et jeudi 14 h – 17 h",
    ),
    QualifiedPlace("Centre social Les Tilleuls", "45 avenue des Alpes", "Châtillon-en-Michaille"),
]


def cheques(count: int, valid_until: date = date(2027, 11, 30), start: int = 1001) -> list[Cheque]:
    return [
        Cheque(f"PN{n}", "Département de l'Ain", "C-12", 10_00, valid_until, "remis", "issuance")
        for n in range(start, start + count)
    ]


def receipt(tmp_path: Path, given: list[Cheque], places: list[QualifiedPlace]) -> tuple[str, int]:
    content = ReceiptContent(
        "France Services Valserhône — Valserhône", date(2026, 11, 23), "Karim B.", given, places
    )
    path = write_receipt_pdf(content, tmp_path / "recu.pdf")
    reader = PdfReader(path)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages), len(reader.pages)


def test_the_receipt_lists_the_cheques_their_value_their_date_and_the_places(tmp_path: Path) -> None:
    text, pages = receipt(tmp_path, cheques(5), PLACES)
    assert "Pass numérique — vos chèques" in text
    assert all(f"PN{n}" in text for n in range(1001, 1006))
    assert "5 chèques Pass numérique" in text and "50 €" in text
    assert "À utiliser avant le 30/11/2027" in text
    assert "Médiathèque de Valserhône — espace numérique" in text and "Centre social Les Tilleuls" in text
    assert "Remis le 23/11/2026 par Karim B." in text and f"Page 1 sur {pages}" in text


def test_the_soonest_date_leads_and_a_full_receipt_fits_on_two_pages(tmp_path: Path) -> None:
    given = cheques(5, date(2027, 6, 30)) + cheques(5, date(2027, 11, 30), start=2001)
    places = [
        QualifiedPlace(
            f"Lieu qualifié n° {n} — espace public numérique",
            f"{n} avenue de la Gare",
            "Valserhône",
            "04 50 00 00 00",
            "Du lundi au vendredi 9 h – 12 h et 14 h – 17 h 30, samedi matin sur rendez-vous",
        )
        for n in range(1, 7)
    ]
    text, pages = receipt(tmp_path, given, places)
    assert "À utiliser avant le 30/06/2027" in text and "premier chèque qui expire" in text
    assert "100 €" in text and "Lieu qualifié n° 6" in text
    assert pages <= 2


def test_without_places_the_receipt_sends_the_person_back_to_the_desk(tmp_path: Path) -> None:
    text, pages = receipt(tmp_path, cheques(1, start=7), [])
    assert "1 chèque Pass numérique" in text and "10 €" in text
    assert "Demandez à l'accueil de France Services" in text
    assert pages == 1
