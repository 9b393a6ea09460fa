"""Formula injection: no CSV the workstation or the server writes lets a spreadsheet run a stored
value as a formula, and the directories read their own files back unchanged."""

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.models.csv_files import neutralised, spreadsheet_writer, write_rows
from app.models.qualified_places import PlaceStore, QualifiedPlace
from app.models.referents import Referent
from app.reports.periods import Period
from app.reports.summary_csv import write_contacts_csv
from app.server.summary import render

FORMULAS = ["=1+1", "+33 6 12 34 56 78", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_is_written_as_text(value: str) -> None:
    [header, row] = cells(write_rows(["valeur", "autre"], [[value, "Guise"]]))
    assert header == ["valeur", "autre"]
    assert row == [f"'{value}", "Guise"]


def test_ordinary_values_and_numbers_are_written_as_they_are() -> None:
    out = io.StringIO()
    writer = spreadsheet_writer(out)
    writer.writerow(["Guise", "12", -3, 4.5, "", "a=b", "mi-temps", "RDV 14h"])
    assert out.getvalue() == "Guise;12;-3;4.5;;a=b;mi-temps;RDV 14h\r\n"


def test_the_referents_round_trip_keeps_their_values(desk, tmp_path: Path) -> None:
    store = desk.referents
    store.save(
        Referent("caf", '=HYPERLINK("http://exemple.invalid")', "+33 6 12 34 56 78", note="-2 dossiers")
    )
    exported = store.export_csv()
    [_header, row] = cells(exported)
    assert row[1:] == ['\'=HYPERLINK("http://exemple.invalid")', "'+33 6 12 34 56 78", "", "'-2 dossiers"]
    before = store.list()
    path = tmp_path / "referents.csv"
    path.write_bytes(exported)
    assert store.import_csv(path) == 1
    assert [(r.name, r.phone, r.note) for r in store.list()] == [(r.name, r.phone, r.note) for r in before]


def test_the_qualified_places_export_is_neutralised(desk) -> None:
    places = PlaceStore(desk.db)
    places.save(QualifiedPlace("@Médiathèque", "=1 rue", "Valserhône", "+33 4 50 00 00 30"))
    [_header, row] = cells(places.export_csv())
    assert row[:4] == ["'@Médiathèque", "'=1 rue", "Valserhône", "'+33 4 50 00 00 30"]


def test_the_contacts_csv_is_neutralised(desk, tmp_path: Path) -> None:
    desk.contacts.add(
        {
            **desk.workstation.contact_defaults(),
            "situation": "declarer-impots",
            "partners": ["dgfip"],
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 10,
            "occurred_at": datetime(2026, 10, 6, 9, 0, tzinfo=UTC),
            "utc_offset_minutes": 120,
        },
        "",
    )
    # A value stored before any guard existed, or by a future bug: the export still neutralises it.
    desk.db.execute("UPDATE contacts SET place = '=cmd|'' /C calc''!A0'")
    desk.db.conn.commit()
    path = tmp_path / "contacts.csv"
    assert write_contacts_csv(desk, Period.parse("2026-10"), path) == 1
    text = path.read_bytes()
    assert "'=cmd|' /C calc'!A0" in [cell for row in cells(text) for cell in row]


def test_the_server_summary_csv_is_neutralised() -> None:
    summary = {
        "total": 2,
        "by_partner": {},
        "by_situation": {},
        "by_channel": {},
        "by_outcome": {},
        "by_place": {"=1+1": 1, "Guise": 1},
        "by_help_kind": {},
        "by_agent": {"@Julie": 2},
        "non_recours": 0,
        "pass_numerique": 0,
        "escalations_sent": 0,
        "escalations_answered": 0,
        "escalations_late": 0,
        "escalations_by_partner": {"-caf": 1},
        "pass_issuances": 0,
        "pass_cheques_received": 0,
        "pass_cheques_handed_out": 0,
        "pass_value_handed_out_cents": 0,
        "pass_cheques_returned": 0,
        "pass_cheques_cancelled": 0,
        "pass_stock_left": -1,
    }
    rows = cells(render(summary, "csv"))
    assert ["lieu", "'=1+1", "1"] in rows
    assert ["lieu", "Guise", "1"] in rows
    assert ["agent", "'@Julie", "2"] in rows
    assert ["escalation_partenaire", "'-caf", "1"] in rows
    assert ["pass_stock_restant", "", "-1"] in rows


def test_a_negative_number_stays_a_number_and_a_formula_after_a_minus_does_not() -> None:
    assert neutralised("-1,10055") == "-1,10055"  # a longitude west of Greenwich, read as a number
    assert neutralised("-12") == "-12"
    for formula in ("-1+2", "-1,5+cmd|' /C calc'!A0", "-A1", "+33612345678", "-1,"):
        assert neutralised(formula) == f"'{formula}"
