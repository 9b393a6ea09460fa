"""The summary of a period, computed on a real SQLite file with known contacts, and its CSV files."""

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from app.models.database import transaction
from app.models.pass_numerique import parse_cheque_numbers
from app.models.record import validate_record
from app.models.workspace import Workspace
from app.models.workstation import SetupError
from app.reports.aggregation import as_server_summary, summarise
from app.reports.periods import Period
from app.reports.summary_csv import CONTACTS_HEADER, write_contacts_csv, write_summary_csv

OCTOBER = Period.parse("2026-10")
BEFORE_DEADLINES = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)  # the escalation of 30 October is not late yet
AFTER_DEADLINES = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
WHO = {"structure": "1", "agent": "Camille R."}


def contact(ws: Workspace, at: str, offset: int, note: str = "", **fields):
    """A contact at `at` (UTC) recorded on a device `offset` minutes ahead of UTC."""
    base = {
        **WHO,
        "place": "Valserhône",
        "situation": "declarer-impots",
        "partners": ["dgfip"],
        "channel": "sur-place",
        "help_kind": "information",
        "outcome": "resolu",
        "duration_minutes": 10,
    }
    moment = datetime.fromisoformat(at).replace(tzinfo=UTC)
    return ws.contacts.add({**base, **fields, "occurred_at": moment, "utc_offset_minutes": offset}, note)


def former_place_contact(ws: Workspace, at: str, offset: int, place: str, **fields):
    """A contact recorded when the desk stood in `place`, a place this workstation no longer offers
    (the store would refuse it today): the summary still counts it under its own place."""
    record = validate_record(
        {
            **WHO,
            "id": uuid4(),
            "created_at": datetime.fromisoformat(at).replace(tzinfo=UTC),
            "occurred_at": datetime.fromisoformat(at).replace(tzinfo=UTC),
            "utc_offset_minutes": offset,
            "place": place,
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            **fields,
        },
        catalogue=ws.catalogue,
    )
    with transaction(ws.db):
        ws.contacts.insert(record, "")
    return record


def escalation(ws: Workspace, at: str, partner: str):
    return ws.escalations.create(
        {
            **WHO,
            "partner": partner,
            "situation": "allocation-logement",
            "channel": "administration-plus",
            "sent_at": datetime.fromisoformat(at).replace(tzinfo=UTC),
        }
    )


def receive(ws: Workspace, booklet: str, numbers: str, on: date | None = None) -> None:
    cheques = parse_cheque_numbers(numbers)
    ws.passes.receive_booklet(
        **WHO,
        funder="Conseil départemental de l'Ain",
        booklet=booklet,
        cheques=cheques,
        booklet_size=len(cheques),
        valid_until=date.today() + timedelta(days=400),
        received_on=on,
    )


@pytest.fixture
def known(desk: Workspace) -> dict:
    """October 2026 at a fixed desk (summer time, +120, until the 25th): five current contacts, and
    around them what must not count. Returns the ids and the note that must never be exported."""
    first = contact(
        desk,
        "2026-10-05T08:00:00",
        120,
        note="note secrète",
        residence_commune="01033",  # Valserhône (01)
        first_visit=False,
    )
    second = contact(
        desk,
        "2026-10-05T08:30:00",
        120,
        agent="Karim B.",
        situation="allocation-logement",
        partners=["caf", "la-poste"],
        channel="telephone",
        help_kind="demarche-en-ligne",
        outcome="oriente",
        duration_minutes=20,
        non_recours=True,
    )
    third = former_place_contact(
        desk,
        "2026-10-14T12:00:00",
        120,
        "Lancrans",
        agent="Karim B.",
        situation="autre",
        partners=["autre"],
        help_kind="constitution-dossier",
        duration_minutes=5,
        pass_numerique=True,
        first_visit=True,
        age_band="60-74",
    )
    naissance = {"situation": "naissance", "partners": ["caf"], "duration_minutes": 15}
    mistaken = contact(desk, "2026-10-20T07:00:00", 120, **naissance)
    moment = datetime(2026, 10, 20, 7, 0, tzinfo=UTC)
    corrected = desk.contacts.correct(
        str(mistaken.id),
        {
            **WHO,
            "place": "Valserhône",
            **naissance,
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "attente-referent",
            "duration_minutes": 30,
            "occurred_at": moment,
            "utc_offset_minutes": 120,
        },
    )
    removed = contact(desk, "2026-10-21T07:00:00", 120)
    desk.contacts.delete(str(removed.id))
    # Midnight and a half on 1 October in Paris: an October contact, although 30 September in UTC.
    first_of_month = contact(
        desk,
        "2026-09-30T22:30:00",
        120,
        situation="se-deplacer",
        partners=["france-titres"],
        duration_minutes=12,
    )
    contact(desk, "2026-09-30T21:30:00", 120)  # 23:30 on 30 September in Paris: September
    contact(desk, "2026-10-31T23:30:00", 60)  # 00:30 on 1 November in Paris (winter time): November
    contact(desk, "2025-10-10T08:00:00", 120)
    contact(desk, "2025-10-15T09:00:00", 120)
    contact(desk, "2025-10-31T23:30:00", 60)  # November 2025
    escalation(desk, "2026-09-29T10:00:00", "caf")  # September
    escalation(desk, "2026-10-05T10:00:00", "caf")  # waiting, deadline Thursday 8 October
    answered = escalation(desk, "2026-10-06T10:00:00", "dgfip")
    desk.escalations.set_status(str(answered.id), "repondu", "Karim B.")  # answered today: late
    escalation(desk, "2026-10-30T10:00:00", "caf")  # Friday: deadline Wednesday 4 November, 10:00
    receive(desk, "A-1", "1001-1010", on=date(2026, 10, 2))
    return {
        "ids": [str(r.id) for r in (first, second, third, mistaken, corrected, first_of_month)],
        "note": "note secrète",
    }


def test_every_figure_of_a_month_is_exact(known, desk) -> None:
    summary = summarise(desk, OCTOBER, now=BEFORE_DEADLINES)
    assert (summary.matricule, summary.structure) == ("1", "France Services Valserhône — Valserhône")
    assert summary.period == OCTOBER and summary.generated_at == BEFORE_DEADLINES
    assert (summary.total, summary.previous_total, summary.year_before_total) == (5, 1, 2)
    assert summary.by_partner == {"caf": 2, "autre": 1, "dgfip": 1, "france-titres": 1, "la-poste": 1}
    assert list(summary.by_partner) == ["caf", "autre", "dgfip", "france-titres", "la-poste"]
    assert summary.by_situation == {
        "allocation-logement": 1,
        "autre": 1,
        "declarer-impots": 1,
        "naissance": 1,
        "se-deplacer": 1,
    }
    assert list(summary.by_theme.items()) == [
        ("logement-mobilite-courrier", 2),
        ("", 1),
        ("budget", 1),
        ("etat-civil-famille", 1),
    ]
    assert list(summary.by_channel.items()) == [("sur-place", 4), ("telephone", 1)]
    assert list(summary.by_help_kind.items()) == [
        ("information", 3),
        ("constitution-dossier", 1),
        ("demarche-en-ligne", 1),
    ]
    assert list(summary.by_outcome.items()) == [("resolu", 3), ("attente-referent", 1), ("oriente", 1)]
    assert summary.solved_on_the_spot == 3
    assert list(summary.by_agent.items()) == [("Camille R.", 3), ("Karim B.", 2)]
    assert list(summary.by_place.items()) == [("Valserhône", 4), ("Lancrans", 1)]
    # Monday 5 at 10:00 and 10:30, Tuesday 20 at 9:00, Wednesday 14 at 14:00, Thursday 1 at 0:30.
    assert summary.by_weekday_hour == {(0, 10): 2, (1, 9): 1, (2, 14): 1, (3, 0): 1}
    assert summary.total_minutes == 10 + 20 + 5 + 30 + 12
    assert summary.average_minutes == pytest.approx(15.4)
    assert (summary.non_recours, summary.pass_numerique_contacts) == (1, 1)
    assert (summary.escalations_sent, summary.escalations_answered, summary.escalations_late) == (3, 1, 2)
    assert list(summary.escalations_by_partner.items()) == [("caf", 2), ("dgfip", 1)]
    assert summarise(desk, OCTOBER, now=AFTER_DEADLINES).escalations_late == 3
    assert summary.pass_cheques_received == 10 and summary.pass_stock_left == 10
    assert (summary.pass_issuances, summary.pass_cheques_handed_out, summary.pass_value_handed_out_cents) == (
        0,
        0,
        0,
    )
    assert summarise(desk, OCTOBER.previous()).pass_stock_left == 0


def test_the_wall_clock_decides_the_month(known, desk) -> None:
    september = summarise(desk, Period.parse("2026-09"))
    assert september.total == 1 and september.by_weekday_hour == {(2, 23): 1}  # Wednesday 30, 23:30
    assert september.escalations_sent == 1


def test_quarter_and_year(known, desk) -> None:
    quarter = summarise(desk, Period.parse("2026-T4"), now=AFTER_DEADLINES)
    assert (quarter.total, quarter.previous_total, quarter.year_before_total) == (6, 1, 3)
    assert quarter.escalations_sent == 3 and quarter.escalations_late == 3
    assert quarter.pass_cheques_received == 10
    year = summarise(desk, Period.parse("2026"), now=AFTER_DEADLINES)
    assert (year.total, year.previous_total, year.year_before_total) == (7, 3, 3)
    assert year.by_partner["dgfip"] == 3 and year.escalations_sent == 4
    assert summarise(desk, Period.parse("2025")).by_outcome == {"resolu": 3}


def test_the_server_form_of_a_month(known, desk) -> None:
    figures = as_server_summary(summarise(desk, OCTOBER, now=BEFORE_DEADLINES))
    assert list(figures)[:3] == ["matricule", "month", "total"]
    assert (figures["matricule"], figures["month"], figures["total"]) == ("1", "2026-10", 5)
    assert figures["by_place"] == {"Valserhône": 4, "Lancrans": 1}
    assert (figures["non_recours"], figures["pass_numerique"]) == (1, 1)
    assert figures["escalations_by_partner"] == {"caf": 2, "dgfip": 1}
    assert figures["pass_stock_left"] == 10 and figures["pass_cheques_received"] == 10
    with pytest.raises(ValueError, match="months"):
        as_server_summary(summarise(desk, Period.parse("2026-T4")))


def test_the_current_month_with_pass_numerique_and_escalations_answered_in_time(desk) -> None:
    receive(desk, "A-1", "1001-1010", on=date(2026, 10, 2))
    receive(desk, "B-1", "2001-2005")
    desk.passes.hand_out(**WHO, cheques=["1001", "1002", "1003"], age_band="75-plus")
    desk.passes.hand_out(**WHO, cheques=["1004", "2001"])  # two booklets: two ledger lines
    desk.passes.return_to_stock(**WHO, cheques=["2001"], reason="erreur")
    desk.passes.cancel(**WHO, cheques=["1010"], reason="abime")
    now = datetime.now(UTC)
    # Sent at `now` itself, not a minute before: in the first minute of a month, a minute before is
    # last month, and this month's summary would not count them.
    just_sent = now.isoformat(timespec="seconds")[:19]
    closed = escalation(desk, just_sent, "caf")
    desk.escalations.set_status(str(closed.id), "clos", "Karim B.")
    escalation(desk, just_sent, "msa")
    local = now.astimezone()
    this_month = Period("month", local.year, local.month)
    summary = summarise(desk, this_month, now=now)
    assert summary.pass_issuances == 2
    assert (summary.pass_cheques_received, summary.pass_cheques_handed_out) == (5, 5)
    assert summary.pass_value_handed_out_cents == 5000
    assert (summary.pass_cheques_returned, summary.pass_cheques_cancelled) == (1, 1)
    assert summary.pass_stock_left == desk.passes.summary().available == 10
    assert (summary.escalations_sent, summary.escalations_answered, summary.escalations_late) == (2, 1, 0)
    assert summarise(desk, this_month, now=now + timedelta(days=10)).escalations_late == 1
    rows = read_csv(write_summary_csv(summary, desk.catalogue, desk.path.parent / "mois.csv"))
    assert ["Pass numérique", "Valeur des chèques remis (€)", "50,00", ""] in rows
    assert ["Pass numérique", "Remises (personnes)", "2", ""] in rows


def test_a_workstation_not_set_up_has_no_summary(workspace) -> None:
    with pytest.raises(SetupError, match="pas encore configuré"):
        summarise(workspace, OCTOBER)


def test_a_structure_named_france_services_is_not_named_twice(workspace) -> None:
    """The ANCT's names mostly begin with « France Services »: the documents' heading keeps one."""
    from app.models.structures import Structure

    nyons = Structure("7", "France Services de Nyons", "Nyons", "26")
    workspace.workstation.set_up(nyons, [], None, [("Camille R.", "responsable")])
    assert summarise(workspace, OCTOBER).structure == "France Services de Nyons — Nyons"
    assert (
        Structure("8", "Bus France services du Diois", "Die", "26").heading == "Bus France services du Diois"
    )
    assert Structure("1", "Valserhône", "Valserhône", "01").heading == "France Services Valserhône"


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    return list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))


def test_the_summary_csv_reads_back_with_the_exact_numbers(known, desk, tmp_path: Path) -> None:
    summary = summarise(desk, OCTOBER, now=BEFORE_DEADLINES)
    path = write_summary_csv(summary, desk.catalogue, tmp_path / "synthese.csv")
    rows = read_csv(path)
    assert rows[0] == ["Rubrique", "Libellé", "Nombre", "Part (%)"]
    assert rows[1] == ["Période", "octobre 2026 (du 01/10/2026 au 31/10/2026)", "", ""]
    assert rows[2] == ["Structure", "France Services Valserhône — Valserhône", "", ""]
    expected = [
        ["Contacts", "Total de la période", "5", ""],
        ["Contacts", "Période précédente : septembre 2026", "1", ""],
        ["Contacts", "Écart avec la période précédente (nombre et %)", "4", "400,0"],
        ["Contacts", "Même période un an avant : octobre 2025", "2", ""],
        ["Contacts", "Écart avec la même période un an avant (nombre et %)", "3", "150,0"],
        ["Partenaire", "CAF (Allocations familiales)", "2", "40,0"],
        ["Partenaire", "Finances publiques (DGFiP)", "1", "20,0"],
        ["Situation", "Je déclare mes impôts", "1", "20,0"],
        ["Thème", "Logement, mobilité et courrier", "2", "40,0"],
        ["Thème", "Sans thème", "1", "20,0"],
        ["Canal", "Sur place", "4", "80,0"],
        ["Canal", "Téléphone", "1", "20,0"],
        ["Type d'aide", "Information", "3", "60,0"],
        ["Issue", "Résolu sur place", "3", "60,0"],
        ["Issue", "En attente du référent", "1", "20,0"],
        ["Agent", "Camille R.", "3", "60,0"],
        ["Lieu", "Lancrans", "1", "20,0"],
        ["Jour et heure", "lundi, de 10 h à 11 h", "2", "40,0"],
        ["Jour et heure", "jeudi, de 0 h à 1 h", "1", "20,0"],
        ["Durée", "Durée moyenne d'un contact (min)", "15,4", ""],
        ["Durée", "Durée totale (min)", "77", ""],
        ["Non-recours", "Situations de non-recours détectées", "1", "20,0"],
        ["Pass numérique", "Contacts avec Pass numérique remis", "1", "20,0"],
        ["Sollicitations", "Envoyées", "3", ""],
        ["Sollicitations", "Répondues", "1", "33,3"],
        ["Sollicitations", "En retard", "2", "66,7"],
        ["Sollicitations par partenaire", "CAF (Allocations familiales)", "2", "66,7"],
        ["Pass numérique", "Chèques reçus", "10", ""],
        ["Pass numérique", "Valeur des chèques remis (€)", "0,00", ""],
        ["Pass numérique", "Stock restant au 31/10/2026", "10", ""],
    ]
    for row in expected:
        assert row in rows, row
    assert all(len(row) == 4 for row in rows)
    partners = [row for row in rows if row[0] == "Partenaire"]
    assert [row[1] for row in partners][:2] == [
        "CAF (Allocations familiales)",
        "Autre organisme (partenaire local)",
    ]
    assert sum(int(row[2]) for row in rows if row[0] == "Jour et heure") == 5


def test_the_contacts_csv_is_anonymous(known, desk, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    assert write_contacts_csv(desk, OCTOBER, path) == 5
    rows = read_csv(path)
    assert rows[0] == CONTACTS_HEADER
    assert rows[0] == [
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
    body = rows[1:]
    assert body[0] == [
        "01/10/2026",
        "jeudi",
        "0",
        "Valserhône",
        "Camille R.",
        "Sur place",
        "Je me déplace",
        "Logement, mobilité et courrier",
        "France Titres (ANTS)",
        "Information",
        "Résolu sur place",
        "12",
        "",
        "",
        "non",
        "non",
    ]
    assert body[1][:3] == ["05/10/2026", "lundi", "10"] and body[1][13] == "non"
    assert body[2][8] == "CAF (Allocations familiales), La Poste" and body[2][14] == "oui"
    assert body[3][2:4] == ["14", "Lancrans"] and body[3][7] == "Sans thème"
    assert body[3][12:] == ["60 à 74 ans", "oui", "non", "oui"]
    assert body[4][10:12] == ["En attente du référent", "30"], "the correction, not the mistake"
    text = path.read_text(encoding="utf-8-sig")
    for secret in (*known["ids"], known["note"], "01033", "Valserhône (01)"):
        assert secret not in text
    assert ":" not in text, "the hour only, never the minutes"
    assert write_contacts_csv(desk, Period.parse("2026-08"), tmp_path / "vide.csv") == 0
    assert read_csv(tmp_path / "vide.csv") == [CONTACTS_HEADER]


def test_the_contacts_csv_pages_through_many_contacts(desk, tmp_path: Path, monkeypatch) -> None:
    """More contacts than a page, several at the same second: each is written exactly once."""
    from app.reports import summary_csv

    monkeypatch.setattr(summary_csv, "PAGE", 7)
    for minute in range(10):
        for _ in range(3):
            contact(desk, f"2026-10-07T09:{minute:02d}:00", 120)
    assert write_contacts_csv(desk, OCTOBER, tmp_path / "c.csv") == 30
    assert len(read_csv(tmp_path / "c.csv")) == 31


def test_the_pdf_holds_the_same_numbers_as_the_csv(known, desk, tmp_path: Path) -> None:
    """One aggregation behind both: the PDF's text carries the figures the CSV gives."""
    from pypdf import PdfReader

    from app.reports.summary_pdf import write_summary_pdf

    summary = summarise(desk, OCTOBER, now=BEFORE_DEADLINES)
    path = write_summary_pdf(summary, desk.catalogue, tmp_path / "synthese.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)
    assert "Synthèse d'activité" in text and "Octobre 2026" in text and "Valserhône" in text
    assert "résolus sur place (3 sur 5 contacts)" in text
    for label in ("CAF (Allocations familiales)", "Je déclare mes impôts", "Lancrans", "Camille R."):
        assert label in text, label
    assert "septembre 2026 (1 contact)" in text
    assert "octobre 2025 (2 contacts)" in text
    assert "Stock" in text and "10" in text


def test_digital_help_has_its_label_and_theme_in_the_synthesis(desk, tmp_path: Path) -> None:
    """The situation added by issue 16 is reported under its own label and theme, not as a code
    nor « Sans thème »."""
    contact(desk, "2026-10-06T08:00:00", 120, situation="aide-numerique", partners=["autre"])
    contact(desk, "2026-10-06T09:00:00", 120, situation="aide-numerique", partners=["la-poste"])
    contact(desk, "2026-10-06T10:00:00", 120)
    summary = summarise(desk, OCTOBER, now=BEFORE_DEADLINES)
    assert summary.by_situation == {"aide-numerique": 2, "declarer-impots": 1}
    assert summary.by_theme == {"acces-numerique": 2, "budget": 1}
    rows = read_csv(write_summary_csv(summary, desk.catalogue, tmp_path / "synthese.csv"))
    assert ["Situation", "J'ai besoin d'aide avec le numérique", "2", "66,7"] in rows
    assert ["Thème", "Accès au numérique", "2", "66,7"] in rows
