"""The exports' files and the API's list of structures say exactly what they said before they were made
faster: the same cells with the same types in the XLSX files, the same keys in the same order in the
JSON, the same rows in the CSV, the XLSX and the JSON."""

import csv
import io
import json

from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from app.server.schema import structure_sequences, structures, workstations
from app.server.web.tables import DataTable, as_xlsx
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
    assert all(isinstance(value, int) for value in (cells[1][1][0], cells[3][1][0]))


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
    assert [["" if value is None else value for value in row] for row in in_xlsx] == in_csv
    in_csv = [row for row in in_csv if row[0] in ours]
    assert [(row[0], row[1], row[2], row[4]) for row in in_csv] == [
        (row["matricule"], row["name"], row["departement"], row["commune"] or "") for row in listed
    ]
    assert [row[7] for row in in_csv] == ["active", "silencieuse"]
