"""The monthly summary PDF, from Summary objects built by hand: the figures a manager reads must be in
its text, in French, for a month, a bus with several stops, a quarter and an empty month."""

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.models.reference import Catalogue, load_catalogue
from app.reports.aggregation import Summary
from app.reports.periods import Period
from app.reports.summary_csv import write_summary_csv
from app.reports.summary_pdf import Stopped, write_summary_pdf

NOVEMBER = Period("month", 2026, 11)


def month() -> Summary:
    """A fixed desk's November: 1 234 contacts, two agents, one place."""
    return Summary(
        matricule="1",
        structure="France Services Valserhône — Valserhône",
        period=NOVEMBER,
        generated_at=datetime(2026, 12, 1, 8, 30),
        total=1234,
        previous_total=1100,
        year_before_total=1275,
        by_partner={
            "dgfip": 300,
            "caf": 250,
            "assurance-maladie": 240,
            "france-titres": 200,
            "france-travail": 150,
            "assurance-retraite": 90,
            "la-poste": 60,
            "msa": 30,
            "justice": 20,
            "agirc-arrco": 15,
            "autre": 10,
        },
        by_situation={
            "declarer-impots": 300,
            "papiers-identite": 200,
            "rembourser-soins": 150,
            "allocation-logement": 120,
            "se-deplacer": 100,
            "chercher-emploi": 90,
            "preparer-retraite": 70,
            "difficultes-financieres": 60,
            "naissance": 40,
            "demenagement": 30,
            "handicap": 25,
            "perte-proche": 20,
            "gerer-energie": 15,
            "autre": 14,
        },
        by_theme={
            "budget": 360,
            "logement-mobilite-courrier": 250,
            "formation-emploi-retraite": 160,
            "prevention-sante": 150,
            "etat-civil-famille": 300,
            "": 14,
        },
        by_channel={"sur-place": 900, "telephone": 200, "email": 84, "domicile": 30, "visio": 20},
        by_help_kind={
            "demarche-en-ligne": 500,
            "information": 434,
            "constitution-dossier": 200,
            "orientation": 100,
        },
        by_outcome={"resolu": 765, "oriente": 300, "attente-referent": 169},
        by_agent={"Karim B.": 700, "Julie M.": 534},
        by_place={"Valserhône": 1234},
        by_weekday_hour={
            (0, 9): 100,
            (0, 10): 150,
            (1, 10): 211,
            (1, 14): 120,
            (2, 9): 90,
            (3, 11): 180,
            (3, 16): 60,
            (4, 9): 110,
            (4, 15): 150,
            (5, 10): 63,
        },
        total_minutes=1234 * 17,
        non_recours=37,
        pass_numerique_contacts=12,
        escalations_sent=14,
        escalations_answered=11,
        escalations_late=3,
        escalations_by_partner={"caf": 8, "dgfip": 6},
        pass_issuances=12,
        pass_cheques_received=100,
        pass_cheques_handed_out=45,
        pass_value_handed_out_cents=45 * 10_00,
        pass_cheques_returned=2,
        pass_cheques_cancelled=1,
        pass_stock_left=1056,
    )


def bus() -> Summary:
    """An itinerant France Services: five stops, three agents, no escalation, no cheque movement (but
    three contacts flagged "Pass numérique remis" all the same)."""
    return replace(
        month(),
        matricule="3",
        structure="France Services Thiérache Sambre et Oise — Guise",
        by_agent={"Camille R.": 500, "Karim B.": 434, "Julie M.": 300},
        by_place={
            "Guise": 500,
            "Wassigny": 300,
            "Le Nouvion-en-Thiérache": 234,
            "Étreux": 120,
            "Origny-en-Thiérache": 80,
        },
        escalations_sent=0,
        escalations_answered=0,
        escalations_late=0,
        escalations_by_partner={},
        pass_numerique_contacts=3,
        pass_issuances=0,
        pass_cheques_received=0,
        pass_cheques_handed_out=0,
        pass_value_handed_out_cents=0,
        pass_cheques_returned=0,
        pass_cheques_cancelled=0,
        pass_stock_left=0,
    )


def empty() -> Summary:
    """A month with nothing recorded, after a month with nothing either; 40 cheques still in stock."""
    return replace(
        bus(),
        pass_numerique_contacts=0,
        total=0,
        previous_total=0,
        year_before_total=12,
        by_partner={},
        by_situation={},
        by_theme={},
        by_channel={},
        by_help_kind={},
        by_outcome={},
        by_agent={},
        by_place={},
        by_weekday_hour={},
        total_minutes=0,
        non_recours=0,
        pass_stock_left=40,
    )


def quarter() -> Summary:
    """A year's last quarter of 31 207 contacts, open until 20 h, with a late Saturday and a Sunday."""
    figures = month()
    return replace(
        figures,
        period=Period("quarter", 2026, 4),
        total=31207,
        previous_total=31207,
        year_before_total=28000,
        by_outcome={"resolu": 20000, "oriente": 8000, "attente-referent": 3207},
        by_agent={"Karim B.": 16000, "Julie M.": 15207},
        by_place={"Valserhône": 31207},
        by_weekday_hour={
            **{(day, hour): 300 + 10 * hour + day for day in range(5) for hour in range(8, 20)},
            (5, 9): 1200,
            (6, 11): 7,
        },
        total_minutes=31207 * 75,
    )


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def summary_csv_text(summary: Summary, catalogue: Catalogue, folder: Path) -> str:
    """The summary's CSV as a spreadsheet would read it."""
    return write_summary_csv(summary, catalogue, folder / "synthese.csv").read_text(encoding="utf-8-sig")


def pdf_text(path: Path) -> tuple[str, int]:
    """The text of every page, spaces of any kind made plain and runs of them made one."""
    reader = PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split()), len(reader.pages)


def test_a_month_shows_the_total_its_changes_and_every_breakdown(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = write_summary_pdf(month(), catalogue, tmp_path / "synthese.pdf")
    text, pages = pdf_text(path)
    assert "Synthèse d'activité" in text and "novembre 2026" in text and "Novembre 2026" in text
    assert "France Services Valserhône — Valserhône" in text and "matricule 1" in text
    assert all(f"Page {n} sur {pages}" in text for n in range(1, pages + 1))
    assert text.count("France Services Valserhône — Valserhône") >= pages  # in every page's header
    assert "Généré le 01/12/2026 à 08:30" in text
    assert "1 234" in text
    assert "+12 % par rapport à octobre 2026 (1 100 contacts)" in text
    assert "\u22123 % par rapport à novembre 2025 (1 275 contacts)" in text
    # Labels from the catalogue, with their numbers
    for label in ("Finances publiques (DGFiP)", "Je déclare mes impôts", "Budget", "Sans thème", "Téléphone"):
        assert label in text
    assert "Accompagnement à une démarche en ligne" in text and "Orienté vers un partenaire" in text
    assert "Autres (4 situations)" in text  # 14 situations: ten bars and the rest
    assert "Je gère mon énergie" in text  # … which the table lists whole
    assert "Un contact peut concerner plusieurs partenaires" in text
    assert "62 % résolus sur place (765 sur 1 234 contacts)" in text
    assert (
        "Karim B." in text
        and "700" in text
        and "Un seul lieu d'accueil : Valserhône (1 234 contacts)." in text
    )
    assert "le mardi de 10 h à 11 h (211 contacts)" in text
    assert "Durée moyenne d'un contact : 17 min" in text
    assert "37 situations de non-recours détectées" in text and "3,0 % des contacts" in text
    assert "Envoyées 14" in text and "Avec réponse 11 78,6 %" in text and "En retard 3 21,4 %" in text
    assert "Chèques remis 45" in text and "Valeur des chèques remis 450 €" in text
    assert "Stock restant au 30/11/2026 1 056" in text


def test_a_period_under_way_says_so_and_its_stock_is_today_s(tmp_path: Path, catalogue: Catalogue) -> None:
    """Counted on 4 December: « période en cours », the stock « au 04/12/2026 », not « au 31/12 »;
    the structure named once though its name begins with « France Services »; the average of
    30.5 minutes and the 45 minutes with the public written as the screen writes them."""
    summary = replace(
        month(),
        period=Period("month", 2026, 12),
        generated_at=datetime(2026, 12, 4, 16, 0),
        structure="France Services de Nyons — Nyons",
        total=2,
        total_minutes=61,
    )
    text, _pages = pdf_text(write_summary_pdf(summary, catalogue, tmp_path / "en-cours.pdf"))
    assert "Décembre 2026 (période en cours)" in text
    assert "Stock restant au 04/12/2026" in text and "31/12/2026" not in text
    assert "Durée moyenne d'un contact : 31 min" in text
    assert "France Services France Services" not in text
    csv_rows = summary_csv_text(summary, catalogue, tmp_path)
    assert (
        "décembre 2026 (du 01/12/2026 au 31/12/2026) — période en cours, chiffres au 04/12/2026" in csv_rows
    )
    assert "Stock restant au 04/12/2026" in csv_rows and ";30,5;" in csv_rows
    short = replace(summary, total_minutes=45)
    text, _pages = pdf_text(write_summary_pdf(short, catalogue, tmp_path / "court.pdf"))
    assert "45 min d'accompagnement au total" in text


def test_a_bus_lists_its_stops_and_says_what_it_did_not_do(tmp_path: Path, catalogue: Catalogue) -> None:
    text, _ = pdf_text(write_summary_pdf(bus(), catalogue, tmp_path / "bus.pdf"))
    assert "France Services Thiérache Sambre et Oise — Guise" in text
    for stop, count in (
        ("Guise", "500"),
        ("Wassigny", "300"),
        ("Le Nouvion-en-Thiérache", "234"),
        ("Étreux", "120"),
    ):
        assert f"{stop} {count}" in text
    assert "Camille R. 500" in text
    assert "Aucune sollicitation de référent envoyée sur cette période." in text
    assert (
        "Aucun mouvement de chèques au registre sur cette période ; 3 contacts notés « Pass numérique remis » ; "
        "stock restant au 30/11/2026 : 0 chèque." in text
    )


def test_an_empty_month_still_renders_and_says_so(tmp_path: Path, catalogue: Catalogue) -> None:
    text, pages = pdf_text(write_summary_pdf(empty(), catalogue, tmp_path / "vide.pdf"))
    assert pages == 1
    assert "— par rapport à octobre 2026 : pas de contact sur cette période" in text
    assert "\u2212100 % par rapport à novembre 2025 (12 contacts)" in text
    assert "Aucun contact enregistré sur cette période" in text
    assert "Aucune situation de non-recours détectée" in text
    assert "stock restant au 30/11/2026 : 40 chèques" in text


def test_a_quarter_uses_the_same_layout_with_its_own_comparisons(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    text, _ = pdf_text(write_summary_pdf(quarter(), catalogue, tmp_path / "trimestre.pdf"))
    assert "Synthèse d'activité — 4e trimestre 2026" in text
    assert "31 207" in text
    assert "stable par rapport au 3e trimestre 2026 (31 207 contacts)" in text
    assert "+11 % par rapport au 4e trimestre 2025 (28 000 contacts)" in text
    assert "64 % résolus sur place" in text
    assert "Durée moyenne d'un contact : 1 h 15" in text
    assert "le samedi de 9 h à 10 h (1 200 contacts)" in text
    assert "4e trimestre 2026 (période en cours)" in text  # counted on 1 December
    assert "Stock restant au 01/12/2026" in text


def test_a_year_round_the_clock_splits_its_hours_in_two_grids(tmp_path: Path, catalogue: Catalogue) -> None:
    """A telephone line open day and night: 24 columns would be too narrow for 4-digit numbers."""
    hours = {(day, hour): 1000 + hour for day in range(7) for hour in range(24)}
    year = replace(
        month(),
        period=Period("year", 2026),
        generated_at=datetime(2027, 1, 4, 9, 0),  # the year is over
        total=sum(hours.values()),
        previous_total=100_000,
        by_weekday_hour=hours,
    )
    text, _ = pdf_text(write_summary_pdf(year, catalogue, tmp_path / "annee.pdf"))
    assert "Synthèse d'activité — année 2026" in text
    assert "+70 % par rapport à l'année 2025 (100 000 contacts)" in text
    assert text.count("par rapport à l'année 2025") == 1  # the year before is the previous period
    assert text.count("Lundi") == 2 and "0 h" in text and "23 h" in text  # two grids, every hour
    assert "le lundi de 23 h à 24 h (1 023 contacts)" in text
    assert "Stock restant au 31/12/2026" in text


def test_a_summary_given_up_half_way_leaves_the_file_as_it_was(tmp_path: Path, catalogue: Catalogue) -> None:
    """Closing the window asks the PDF being laid out to stop: it ends between two parts of the
    document, and an earlier export at the same path is not replaced by half a document."""
    path = tmp_path / "synthese.pdf"
    path.write_bytes(b"the export of last week")
    asked: list[bool] = []

    def stopping() -> bool:
        asked.append(True)
        return len(asked) > 3  # the window closes once the first parts are laid out

    with pytest.raises(Stopped):
        write_summary_pdf(month(), catalogue, path, stopping)
    assert len(asked) == 4, "given up as soon as asked"
    assert path.read_bytes() == b"the export of last week"
    written = write_summary_pdf(month(), catalogue, path)  # and a later export is whole
    assert "Synthèse d'activité" in pdf_text(written)[0]
