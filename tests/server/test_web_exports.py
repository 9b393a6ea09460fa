"""The exports' files and the API's list of structures say exactly what they said before they were made
faster: the same cells with the same types in the XLSX files, the same keys in the same order in the
JSON, the same rows in the CSV, the XLSX and the JSON."""

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from app.server.schema import structure_sequences, structures, workstations
from app.server.web.format import moment_text
from app.server.web.tables import DataTable, as_csv, as_xlsx
from tests.server.web_helpers import WebDesk, log_in

# The API's row of a structure, in this order (documented to the ANCT's tools: never reordered or renamed).
STRUCTURE_KEYS = [
    "matricule",
    "name",
    "departement",
    "commune",
    "format",
    "closed_at",
    "latitude",
    "longitude",
    "last_seen_at",
    "last_record_at",
    "silent",
]


def test_xlsx_cells_keep_their_values_types_and_formats() -> None:
    tables = [
        DataTable(
            "chiffres", "Chiffres clés", ("Indicateur", "Valeur"), [("Contacts", 12345), ("Part", "42,0 %")]
        ),
        DataTable(
            "agent",
            "Contacts par agent",
            ("Agent", "Contacts", "Remarque"),
            [("=SOMME(A1:A9)", 0, None), ("+33 6 12", 3, ""), ("Zoé « l'aînée »", 2**40, "-1")],
        ),
    ]
    book = load_workbook(io.BytesIO(as_xlsx(tables)))
    assert book.sheetnames == ["chiffres", "agent"]
    cells = [
        # An empty cell has no type of its own (openpyxl had written an empty text: read back as None).
        [(cell.value, cell.data_type if cell.value is not None else "", cell.number_format) for cell in row]
        for row in book["agent"].iter_rows()
    ]
    assert cells == [
        [("Agent", "s", "General"), ("Contacts", "s", "General"), ("Remarque", "s", "General")],
        # A text that looks like a formula or a number stays that text: typed on a workstation.
        [("=SOMME(A1:A9)", "s", "General"), (0, "n", "General"), (None, "", "General")],
        [("+33 6 12", "s", "General"), (3, "n", "General"), (None, "", "General")],
        [("Zoé « l'aînée »", "s", "General"), (2**40, "n", "General"), ("-1", "s", "General")],
    ]
    assert list(book["chiffres"].iter_rows(values_only=True)) == [
        ("Indicateur", "Valeur"),
        ("Contacts", 12345),
        ("Part", "42,0 %"),
    ]


def test_a_table_without_rows_keeps_its_headers_and_no_two_headers_are_alike() -> None:
    empty = DataTable("sollicitations", "Sollicitations par partenaire", ("Partenaire", "Sollicitations"), [])
    book = load_workbook(io.BytesIO(as_xlsx([empty])))
    assert list(book["sollicitations"].iter_rows(values_only=True)) == [("Partenaire", "Sollicitations")]
    # A sheet's rows are keyed by header: two alike would have made one column of two.
    with pytest.raises(ValueError, match="headers twice"):
        DataTable("mois", "Contacts par mois", ("Mois", "Mois", "Contacts"), [("2026-11", "novembre", 3)])


def test_a_time_is_a_date_in_the_xlsx_file_and_a_french_text_on_the_page_and_in_the_csv_file() -> None:
    seen = datetime(2026, 12, 4, 11, 12, 30, tzinfo=ZoneInfo("Europe/Paris"))
    table = DataTable(
        "syncs",
        "Synchronisations",
        ("Structure", "Dernière", "Code"),
        [("3", seen, "x"), ("4", "jamais", "")],
    )
    sheet = load_workbook(io.BytesIO(as_xlsx([table])))["syncs"]
    # The local time the page shows, to the second, as a date a spreadsheet sorts and filters.
    assert (sheet["B2"].value, sheet["B2"].data_type, sheet["B2"].number_format) == (
        datetime(2026, 12, 4, 11, 12, 30),
        "d",
        "dd/mm/yyyy hh:mm",
    )
    assert sheet["B3"].value == "jamais"
    # Wide enough not to show « ##### » (a text overflows into its neighbour; a date does not).
    assert sheet.column_dimensions["B"].width >= len("04/12/2026 11:12")
    assert table.page_rows == [("3", "04/12/2026 à 11 h 12", "x"), ("4", "jamais", "")]
    lines = as_csv([table]).decode("utf-8-sig").splitlines()
    assert lines[2:] == ["3;04/12/2026 à 11 h 12;x", "4;jamais;"]


def test_the_api_list_of_structures_is_the_stored_rows_and_the_files_rows(
    shared_web: WebDesk, shared_web_db: Engine
) -> None:
    """Every structure's row has the keys; the rows compared are this test's two structures (a
    national account sees every test's)."""
    web, ours = shared_web.server, (shared_web.matricule, shared_web.other)
    national, _answer = log_in(web, shared_web.national)
    answer = national.get(f"{web.url}/api/v1/stats/structures", timeout=30)
    everyone = answer.json()
    listed = [row for row in everyone if row["matricule"] in ours]
    assert all(list(row) == STRUCTURE_KEYS for row in everyone)
    # The bytes Starlette's JSONResponse wrote (compact, UTF-8 unescaped), for this and every answer.
    for body in (
        answer.content,
        national.get(f"{web.url}/api/v1/stats/figures", params={"periode": "2026-11"}, timeout=30).content,
        national.get(f"{web.url}/api/v1/stats/public", params={"periode": "2026"}, timeout=30).content,
        national.get(f"{web.url}/api/v1/stats/figures", params={"periode": "2026-13"}, timeout=30).content,
    ):
        assert body == json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":")).encode()
    assert answer.headers["content-type"] == "application/json"
    last_seen = (
        select(workstations.c.structure, func.max(workstations.c.last_seen_at).label("seen"))
        .group_by(workstations.c.structure)
        .subquery()
    )
    with shared_web_db.connect() as connection:
        stored = (
            connection.execute(
                select(structures, last_seen.c.seen, structure_sequences.c.last_received_at)
                .outerjoin(last_seen, last_seen.c.structure == structures.c.matricule)
                .outerjoin(structure_sequences, structure_sequences.c.structure == structures.c.matricule)
                .where(structures.c.matricule.in_(ours))
                .order_by(structures.c.departement)
            )
            .mappings()
            .all()
        )
    assert [
        {key: row[key] for key in STRUCTURE_KEYS if key not in ("last_seen_at", "last_record_at", "silent")}
        | {"last_seen_at": row["seen"], "last_record_at": row["last_received_at"]}
        for row in stored
    ] == [{key: value for key, value in row.items() if key != "silent"} for row in listed]
    # The fixture's first structure sent November's records today; the other never sent anything.
    assert [(row["matricule"], row["silent"]) for row in listed] == [(ours[0], False), (ours[1], True)]
    assert listed[0]["last_seen_at"] and listed[0]["last_record_at"] and listed[1]["last_record_at"] is None

    files = {
        wanted: national.get(f"{web.url}/structures", params={"format": wanted}, timeout=30).content
        for wanted in ("csv", "xlsx")
    }
    in_csv = list(csv.reader(io.StringIO(files["csv"].decode("utf-8-sig")), delimiter=";"))[2:]
    in_xlsx = list(
        load_workbook(io.BytesIO(files["xlsx"]))["structures"].iter_rows(min_row=2, values_only=True)
    )
    assert [
        [
            "" if value is None else moment_text(value) if isinstance(value, datetime) else value
            for value in row
        ]
        for row in in_xlsx
    ] == in_csv
    in_csv = [row for row in in_csv if row[0] in ours]
    assert [(row[0], row[1], row[2], row[4]) for row in in_csv] == [
        (row["matricule"], row["name"], row["departement"], row["commune"] or "") for row in listed
    ]
    assert [row[7] for row in in_csv] == ["active", "silencieuse"]
