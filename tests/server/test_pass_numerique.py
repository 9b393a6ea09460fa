"""Pass numérique over real HTTP: ledger lines and issuances stored once and never corrected, ids
unique across every kind, and the summary's Pass numérique figures against a known set."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import event, select

from app.server.accounts import issue_code
from app.server.database import open_database, upgrade
from app.server.ingest import ingest
from app.server.schema import escalations, pass_issuances, pass_ledger, records
from app.server.summary import monthly_summary, render
from app.server.wire import wire_record
from tests.server.helpers import (
    bearer,
    contact,
    count,
    downgrade,
    enrol,
    escalation,
    items,
    pass_issuance,
    pass_line,
    post_records,
    statuses,
    workstations,
)


def handing_out(cheques: list[str], when: datetime, offset: int, booklet: str = "A") -> list[dict]:
    """The items of a handing out of 10 € `cheques` of one booklet: the issuance and its ledger line."""
    moment = {"utc_offset_minutes": offset}
    issuance = pass_issuance(cheques, issued_at=when, **moment)
    line = pass_line("remis", cheques, booklet=booklet, issuance=issuance["id"], occurred_at=when, **moment)
    return [{"kind": "pass_issuance", "record": issuance}, {"kind": "pass_ledger", "record": line}]


def test_pass_records_are_accepted_once_and_stored_for_the_aggregates(
    shared_server, http, structure, shared_token, shared_db
) -> None:
    received = pass_line()
    issuance = pass_issuance(
        ["C001", "C002"],
        age_band="moins-25",
        residence_commune="02361",  # Guise
        social_situation="demandeur-emploi",
        autonomy_level="debutant",
        contact=str(uuid4()),
    )
    handed_out = pass_line("remis", ["C001", "C002"], issuance=issuance["id"])
    cancelled = pass_line("annule", ["C010"], reason="abime")
    batch = [
        *items(received, handed_out, cancelled, kind="pass_ledger"),
        *items(issuance, kind="pass_issuance"),
    ]
    assert statuses(post_records(http, shared_server, shared_token, batch)) == ["accepted"] * 4
    assert statuses(post_records(http, shared_server, shared_token, batch)) == ["duplicate"] * 4
    assert (count(shared_db, pass_ledger), count(shared_db, pass_issuances)) == (3, 1)

    with shared_db.connect() as connection:
        ours = pass_ledger.c.structure == structure.matricule
        lines = {row.id: row for row in connection.execute(select(pass_ledger).where(ours))}
        stored = connection.execute(
            select(pass_issuances).where(pass_issuances.c.structure == structure.matricule)
        ).one()
    line = lines[handed_out["id"]]
    assert wire_record("pass_ledger", line._mapping) == handed_out
    assert (line.occurred_at, line.local_month, line.event, line.funder, line.booklet) == (
        "2026-11-10T09:00:00Z",
        "2026-11",
        "remis",
        "Conseil départemental de l'Aisne",
        "C-001",
    )
    assert (line.cheque_count, line.value_cents, line.valid_until, line.reason, line.issuance) == (
        2,
        10_00,
        "2027-06-30",
        None,
        issuance["id"],
    )
    assert (line.structure, line.agent, line.clock_skewed) == (structure.matricule, "Julie M.", False)
    assert (lines[received["id"]].cheque_count, lines[received["id"]].issuance) == (10, None)
    assert (lines[cancelled["id"]].event, lines[cancelled["id"]].reason) == ("annule", "abime")
    assert wire_record("pass_issuance", stored._mapping) == issuance
    assert (stored.issued_at, stored.local_month, stored.cheque_count, stored.value_cents) == (
        "2026-11-10T09:00:00Z",
        "2026-11",
        2,
        20_00,
    )
    assert (stored.age_band, stored.social_situation, stored.autonomy_level, stored.contact) == (
        "moins-25",
        "demandeur-emploi",
        "debutant",
        issuance["contact"],
    )


def test_pass_records_are_never_corrected_and_are_checked(
    shared_server, http, structure, shared_token, shared_db
) -> None:
    received = pass_line()
    issuance = pass_issuance(["C001"])
    assert statuses(
        post_records(
            http,
            shared_server,
            shared_token,
            [*items(received, kind="pass_ledger"), *items(issuance, kind="pass_issuance")],
        )
    ) == ["accepted", "accepted"]

    short_booklet = {**pass_line(), "cheques": ["C101", "C102", "C103"]}
    unknown_reason = pass_line("annule", ["C009"], reason="abime")
    unknown_reason["reason"] = "egare"
    batch = [
        *items({**received, "agent": "Karim B."}, kind="pass_ledger"),
        *items({**issuance, "value_cents": 20_00}, kind="pass_issuance"),
        *items({**pass_line(), "supersedes": received["id"]}, kind="pass_ledger"),
        *items({**pass_issuance(["C002"]), "deleted": True}, kind="pass_issuance"),
        *items(short_booklet, unknown_reason, pass_line(structure="59"), kind="pass_ledger"),
        *items(
            pass_issuance(["C003"], structure="59"),
            {**pass_issuance(["C004"]), "nom": "Dupont"},
            kind="pass_issuance",
        ),
        {"kind": "pass_ledger"},
        {"kind": "pass_issuance", "record": "C005"},
    ]
    answer = post_records(http, shared_server, shared_token, batch)
    assert statuses(answer) == ["rejected"] * len(batch)
    found = [(result["code"], result["reason"]) for result in answer.json()["results"]]
    assert found == [
        (
            "conflict",
            "Un autre mouvement du registre Pass numérique portant le même identifiant a déjà été reçu.",
        ),
        ("conflict", "Une autre remise de Pass numérique portant le même identifiant a déjà été reçue."),
        ("invalid", "Le registre des Pass numérique ne se corrige pas : enregistrez un mouvement inverse."),
        ("invalid", "Le registre des Pass numérique ne se corrige pas : enregistrez un mouvement inverse."),
        ("invalid", "3 numéro(s) de chèques pour un carnet de 10 : vérifiez les numéros."),
        ("invalid", "Motif inconnu(e) : « egare »."),
        (
            "wrong_structure",
            "Ce mouvement du registre Pass numérique appartient à la structure « 59 », pas à celle de ce "
            f"poste (« {structure.matricule} »).",
        ),
        (
            "wrong_structure",
            "Cette remise de Pass numérique appartient à la structure « 59 », pas à celle de ce poste "
            f"(« {structure.matricule} »).",
        ),
        ("invalid", "Champ non prévu : « nom ». Aucune donnée personnelle n'est acceptée."),
        ("invalid", "Contenu du mouvement du registre Pass numérique absent ou mal formé."),
        ("invalid", "Contenu de la remise de Pass numérique absent ou mal formé."),
    ]
    assert [result["id"] for result in answer.json()["results"][:2]] == [received["id"], issuance["id"]]

    # A conflict never overwrites.
    assert (count(shared_db, pass_ledger), count(shared_db, pass_issuances)) == (1, 1)
    with shared_db.connect() as connection:
        ours = pass_ledger.c.structure == structure.matricule
        assert connection.execute(select(pass_ledger.c.agent).where(ours)).scalar_one() == "Julie M."
        issued = select(pass_issuances.c.value_cents).where(pass_issuances.c.structure == structure.matricule)
        assert connection.execute(issued).scalar_one() == 10_00


def test_an_id_is_unique_across_every_kind(shared_server, http, shared_token, shared_db) -> None:
    a_contact, an_escalation = contact(), escalation()
    line, issuance = pass_line(), pass_issuance(["C001"])
    first = [
        {"kind": "contact", "record": a_contact},
        {"kind": "escalation", "record": an_escalation},
        {"kind": "pass_ledger", "record": line},
        {"kind": "pass_issuance", "record": issuance},
    ]
    assert statuses(post_records(http, shared_server, shared_token, first)) == ["accepted"] * 4

    in_one_batch = pass_line(booklet="C-002", cheques=[f"D{n:03d}" for n in range(1, 11)])
    reused = [
        {"kind": "pass_ledger", "record": pass_line(id=a_contact["id"])},
        {"kind": "pass_issuance", "record": pass_issuance(["C001"], id=an_escalation["id"])},
        {"kind": "contact", "record": contact(id=line["id"])},
        {"kind": "pass_ledger", "record": pass_line(id=issuance["id"])},
        {"kind": "escalation", "record": escalation(id=issuance["id"])},
        {"kind": "pass_ledger", "record": in_one_batch},
        {"kind": "pass_issuance", "record": pass_issuance(["D001"], id=in_one_batch["id"])},
    ]
    results = post_records(http, shared_server, shared_token, reused).json()["results"]
    assert [(result["status"], result.get("reason")) for result in results] == [
        ("rejected", "Un autre enregistrement (contact) portant le même identifiant a déjà été reçu."),
        ("rejected", "Un autre enregistrement (sollicitation) portant le même identifiant a déjà été reçu."),
        (
            "rejected",
            "Un autre enregistrement (mouvement du registre Pass numérique) portant le même identifiant a "
            "déjà été reçu.",
        ),
        (
            "rejected",
            "Un autre enregistrement (remise de Pass numérique) portant le même identifiant a déjà été reçu.",
        ),
        (
            "rejected",
            "Un autre enregistrement (remise de Pass numérique) portant le même identifiant a déjà été reçu.",
        ),
        ("accepted", None),
        (
            "rejected",
            "Un autre enregistrement (mouvement du registre Pass numérique) portant le même identifiant a "
            "déjà été reçu.",
        ),
    ]
    assert [count(shared_db, table) for table in (records, escalations, pass_ledger, pass_issuances)] == [
        1,
        1,
        2,
        1,
    ]


# The known set, structure 3 (Paris time: UTC+2 until 25 October 2026, UTC+1 after), sent in an order
# where handings out arrive before the receptions of their cheques. Booklet A: ten 10 € cheques A01 to
# A10; booklet B: five 20 € cheques B1 to B5.
OCTOBER, NOVEMBER = 120, 60
DECEMBER = 60
BOOKLET_B = {"booklet": "B", "value_cents": 20_00}


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def line(event: str, cheques: list[str], when: datetime, offset: int, **fields) -> dict:
    """A ledger line of booklet A (unless `fields` say otherwise), as an item."""
    values = {"booklet": "A", "occurred_at": when, "utc_offset_minutes": offset, **fields}
    return {"kind": "pass_ledger", "record": pass_line(event, cheques, **values)}


@pytest.fixture
def pass_autumn(shared_server, http, shared_token, new_structure) -> str:
    """This test's structure's Pass numérique from October to December, and one line and one handing
    out of another structure, whose matricule it returns."""
    # October: booklet A received, three cheques handed out to one citizen, one cancelled.
    october = [
        line("recu", [f"A{n:02d}" for n in range(1, 11)], at(10, 5), OCTOBER),
        *handing_out(["A01", "A02", "A03"], at(10, 20), OCTOBER),
        line("annule", ["A10"], at(10, 21), OCTOBER, reason="abime"),
    ]
    # November: booklet B received on 31 October at 23:30 UTC, 1 November 00:30 in Paris; one citizen
    # gets A04, A05 and B1 (two ledger lines, one per booklet), another A06; A01, handed out by mistake
    # in October, comes back; B5 is stolen.
    two_booklets = pass_issuance(
        ["A04", "A05", "B1"], value_cents=40_00, issued_at=at(11, 12), utc_offset_minutes=NOVEMBER
    )
    november = [
        {"kind": "pass_issuance", "record": two_booklets},
        line("remis", ["A04", "A05"], at(11, 12), NOVEMBER, issuance=two_booklets["id"]),
        line("remis", ["B1"], at(11, 12), NOVEMBER, issuance=two_booklets["id"], **BOOKLET_B),
        *handing_out(["A06"], at(11, 13), NOVEMBER),
        line("recu", [f"B{n}" for n in range(1, 6)], at(10, 31, 23, 30), NOVEMBER, **BOOKLET_B),
        line("retour", ["A01"], at(11, 16), NOVEMBER, reason="erreur"),
        line("annule", ["B5"], at(11, 17), NOVEMBER, reason="vole", **BOOKLET_B),
    ]
    # 30 November at 23:30 UTC is 1 December in Paris: a December handing out.
    december = handing_out(["A07"], at(11, 30, 23, 30), NOVEMBER)
    for batch in (december, november, october):
        assert statuses(post_records(http, shared_server, shared_token, batch)) == ["accepted"] * len(batch)

    # Another structure's Pass numérique never counts for this one.
    avesnes = new_structure("Avesnes", "59", itinerant=False)
    other = enrol(http, shared_server, avesnes.code)
    foreign = [
        {"kind": "pass_ledger", "record": pass_line(structure=avesnes.matricule)},
        {"kind": "pass_issuance", "record": pass_issuance(["C001"], structure=avesnes.matricule)},
    ]
    assert statuses(post_records(http, shared_server, other.json()["token"], foreign)) == ["accepted"] * 2
    return avesnes.matricule


def pass_figures(summary: dict) -> dict:
    return {
        key: value for key, value in summary.items() if key.startswith("pass_") and key != "pass_numerique"
    }


def test_summary_counts_the_pass_numerique_of_the_month(shared_db, structure, pass_autumn) -> None:
    with shared_db.connect() as connection:
        by_month = {
            month: pass_figures(monthly_summary(connection, structure.matricule, month))
            for month in ("2026-09", "2026-10", "2026-11", "2026-12", "2027-01")
        }
    assert by_month["2026-10"] == {
        "pass_issuances": 1,
        "pass_cheques_received": 10,
        "pass_cheques_handed_out": 3,
        "pass_value_handed_out_cents": 30_00,
        "pass_cheques_returned": 0,
        "pass_cheques_cancelled": 1,
        "pass_stock_left": 6,  # 10 − 3 − 1
    }
    assert by_month["2026-11"] == {
        "pass_issuances": 2,
        "pass_cheques_received": 5,
        "pass_cheques_handed_out": 4,
        "pass_value_handed_out_cents": 2 * 10_00 + 20_00 + 10_00,
        "pass_cheques_returned": 1,
        "pass_cheques_cancelled": 1,
        "pass_stock_left": 7,  # 6 + 5 − 4 + 1 − 1
    }
    assert by_month["2026-12"] == {
        "pass_issuances": 1,
        "pass_cheques_received": 0,
        "pass_cheques_handed_out": 1,
        "pass_value_handed_out_cents": 10_00,
        "pass_cheques_returned": 0,
        "pass_cheques_cancelled": 0,
        "pass_stock_left": 6,
    }
    nothing = dict.fromkeys(by_month["2026-12"], 0)
    assert by_month["2027-01"] == {**nothing, "pass_stock_left": 6}  # the stock carries over
    assert by_month["2026-09"] == nothing
    with shared_db.connect() as connection:
        foreign = pass_figures(monthly_summary(connection, pass_autumn, "2026-11"))
    assert foreign == {**nothing, "pass_issuances": 1, "pass_cheques_received": 10, "pass_stock_left": 10}


def test_pass_numerique_figures_end_the_json_and_the_csv(
    shared_server, http, structure, shared_token, shared_db, pass_autumn
) -> None:
    response = http.get(
        f"{shared_server.url}/api/v1/structures/{structure.matricule}/summary",
        params={"month": "2026-11", "format": "csv"},
        headers=bearer(shared_token),
        timeout=30,
    )
    assert response.status_code == 200
    assert response.content.decode("utf-8").endswith(
        "pass_numerique;;0\r\n"
        "escalations_envoyees;;0\r\nescalations_repondues;;0\r\nescalations_en_retard;;0\r\n"
        "pass_remises;;2\r\npass_cheques_recus;;5\r\npass_cheques_remis;;4\r\n"
        "pass_valeur_remise_centimes;;5000\r\npass_cheques_retournes;;1\r\npass_cheques_annules;;1\r\n"
        "pass_stock_restant;;7\r\n"
    )
    with shared_db.connect() as connection:
        summary = monthly_summary(connection, structure.matricule, "2026-11")
    assert list(summary)[-7:] == list(pass_figures(summary))
    assert render(summary, "csv") == response.content


def test_a_pass_batch_costs_one_insert_per_table(database_url) -> None:
    engine = open_database(database_url)
    try:
        (workstation,) = workstations(engine, "poste-accueil")
        batch = [item for n in range(100) for item in handing_out([f"A{n:03d}"], at(11, 12), NOVEMBER)]
        statements: list[str] = []

        @event.listens_for(engine, "before_execute")
        def _count(_connection, clause, *_args) -> None:
            words = str(clause).upper().split()
            if words[0] in ("INSERT", "UPDATE", "DELETE"):
                statements.append(" ".join(words[:3]))
            elif words[0] == "SAVEPOINT":
                statements.append("SAVEPOINT")

        # On PostgreSQL each kind's rows are one COPY (not seen here) in a savepoint of its own.
        copied = engine.dialect.name == "postgresql"
        answer = ingest(engine, workstation, batch, None)
        assert [result["status"] for result in answer["results"]] == ["accepted"] * 200
        assert statements == [
            "INSERT INTO STRUCTURE_SEQUENCES",  # the batch's numbers in the structure's feed
            *(["SAVEPOINT"] * 2 if copied else ["INSERT INTO PASS_LEDGER", "INSERT INTO PASS_ISSUANCES"]),
            "INSERT INTO PASS_COUNTS",  # the month's issuances and cheques (`app.server.rollups`)
            "INSERT INTO DEPARTEMENT_PASS_COUNTS",
            "INSERT INTO PASS_CHEQUE_STATES",  # the state of each cheque moved
        ]
    finally:
        engine.dispose()


def test_the_same_cheque_handed_out_on_two_workstations_counts_once(
    shared_server, http, structure, shared_token, shared_db
) -> None:
    """Two workstations offline hand out cheque 40103: the first to arrive counts, the second handing
    out (its issuance and its line, whatever batch they come in) is refused with a reason naming the
    cheque and the first handing out's local time, and is stored nowhere; once the cheque is back in
    stock (`retour`), it can be handed out again."""
    second = enrol(http, shared_server, issue_code(shared_db, structure.matricule)).json()["token"]
    booklet = [line("recu", [f"4010{n}" for n in range(1, 6)], at(12, 1), DECEMBER)]
    assert statuses(post_records(http, shared_server, shared_token, booklet)) == ["accepted"]
    first = handing_out(["40101", "40103"], at(12, 3, 13, 2), DECEMBER)
    assert statuses(post_records(http, shared_server, shared_token, first)) == ["accepted"] * 2
    issuance, remis = handing_out(["40103", "40104"], at(12, 3, 15), DECEMBER)

    answer = post_records(http, shared_server, second, [issuance]).json()["results"]
    assert answer == [
        {
            "id": issuance["record"]["id"],
            "status": "rejected",
            "code": "conflict",
            "reason": "Le chèque 40103 a déjà été remis sur un autre poste le 03/12/2026 à 14 h 02 : "
            "cette remise n'est pas comptée. Un responsable doit l'annuler, ou remettre un autre chèque "
            "à la personne.",
        }
    ]
    assert statuses(post_records(http, shared_server, second, [remis, issuance])) == ["rejected", "rejected"]
    assert count(shared_db, pass_issuances) == 1
    assert count(shared_db, pass_ledger) == 2
    # The first workstation sending its handing out again is a duplicate, not a conflict.
    assert statuses(post_records(http, shared_server, shared_token, first)) == ["duplicate"] * 2
    # Back in stock, 40103 is handed out again on the second workstation, in the same batch.
    back = line("retour", ["40103"], at(12, 4), DECEMBER, reason="erreur")
    again = handing_out(["40103"], at(12, 5), DECEMBER)
    assert statuses(post_records(http, shared_server, second, [back, *again])) == ["accepted"] * 3
    with shared_db.connect() as connection:
        summary = pass_figures(monthly_summary(connection, structure.matricule, "2026-12"))
    assert summary["pass_cheques_handed_out"] == 3  # 40101, 40103, then 40103 again
    assert summary["pass_stock_left"] == 5 - 3 + 1


def test_handings_out_racing_in_one_structure_keep_one_holder(database_url) -> None:
    """Two workstations' batches handing out the same cheque, sent at the same moment: exactly one is
    accepted (the structure's counter row serialises the batches)."""
    from concurrent.futures import ThreadPoolExecutor

    engine = open_database(database_url)
    try:
        stations = workstations(engine, "poste-1", "poste-2")
        for _round in range(5):
            number = f"R{_round}"
            batches = [handing_out([number], at(12, 3), DECEMBER) for _ in stations]
            with ThreadPoolExecutor(max_workers=2) as pool:
                answers = list(
                    pool.map(
                        lambda pair: ingest(engine, pair[0], pair[1], None),
                        zip(stations, batches, strict=True),
                    )
                )
            outcomes = sorted(result["status"] for answer in answers for result in answer["results"])
            assert outcomes == ["accepted", "accepted", "rejected", "rejected"]
    finally:
        engine.dispose()


def test_migration_0006_finds_the_cheques_already_handed_out(database_url) -> None:
    """Cheques handed out before their states were kept are handed out after the migration (a cheque
    back in stock is not): handing them out again elsewhere is refused."""
    engine = open_database(database_url)
    try:
        (workstation,) = workstations(engine, "poste-1")
        first = handing_out(["M1", "M2"], at(12, 3, 13, 2), DECEMBER)
        back = line("retour", ["M2"], at(12, 3, 14), DECEMBER, reason="erreur")
        ingest(engine, workstation, [*first, back], None)
        downgrade(engine, "0005_settings")
        upgrade(engine)
        answer = ingest(engine, workstation, handing_out(["M1"], at(12, 4), DECEMBER), None)
        assert [result["code"] for result in answer["results"]] == ["conflict"] * 2
        assert (
            "Le chèque M1 a déjà été remis sur un autre poste le 03/12/2026 à 14 h 02"
            in (answer["results"][0]["reason"])
        )
        answer = ingest(engine, workstation, handing_out(["M2"], at(12, 4), DECEMBER), None)
        assert [result["status"] for result in answer["results"]] == ["accepted"] * 2
    finally:
        engine.dispose()


def test_every_move_a_cheque_cannot_make_is_refused(
    shared_server, http, structure, shared_token, shared_db
) -> None:
    """A cheque cancelled on one workstation and handed out on another, or returned on two: the second
    move is refused, so received = in stock + handed out + cancelled holds cheque by cheque."""
    booklet = [line("recu", [f"K{n}" for n in range(1, 6)], at(12, 1), DECEMBER)]
    assert statuses(post_records(http, shared_server, shared_token, booklet)) == ["accepted"]
    cancelled = line("annule", ["K1"], at(12, 2), DECEMBER, reason="abime")
    assert statuses(post_records(http, shared_server, shared_token, [cancelled])) == ["accepted"]
    answer = post_records(http, shared_server, shared_token, handing_out(["K1"], at(12, 3), DECEMBER)).json()[
        "results"
    ]
    assert [result["code"] for result in answer] == ["conflict"] * 2
    assert answer[0]["reason"].startswith(
        "Le chèque K1 a été annulé sur un autre poste le 02/12/2026 à 10 h 00"
    )

    assert (
        statuses(post_records(http, shared_server, shared_token, handing_out(["K2"], at(12, 3), DECEMBER)))
        == ["accepted"] * 2
    )
    returned = [line("retour", ["K2"], at(12, 4), DECEMBER, reason="erreur") for _ in range(2)]
    assert statuses(post_records(http, shared_server, shared_token, returned)) == ["accepted", "rejected"]
    again = line("annule", ["K1"], at(12, 5), DECEMBER, reason="vole")
    assert statuses(post_records(http, shared_server, shared_token, [again])) == ["rejected"]
    with shared_db.connect() as connection:
        summary = pass_figures(monthly_summary(connection, structure.matricule, "2026-12"))
    assert summary["pass_cheques_received"] == 5
    assert summary["pass_stock_left"] == 4  # K2 to K5 in stock, K1 cancelled


def test_a_booklet_received_twice_is_counted_once(database_url) -> None:
    """The same booklet recorded on two workstations offline: the second reception is refused, naming
    the cheque, so the structure's stock counts its cheques once; a move that reached the server before
    its own reception (a workstation's batches out of order) does not make that reception a second one."""
    engine = open_database(database_url)
    try:
        desk, bus = workstations(engine, "poste-1", "poste-2")
        numbers = [f"B{n}" for n in range(1, 6)]
        assert ingest(engine, desk, [line("recu", numbers, at(12, 1), DECEMBER)], None)["results"][0][
            "status"
        ] == ("accepted")
        (refused,) = ingest(engine, bus, [line("recu", numbers, at(12, 1, 11), DECEMBER)], None)["results"]
        assert refused["code"] == "conflict"
        assert refused["reason"].startswith("Le chèque B1 a déjà été reçu sur un autre poste")
        early = handing_out(["C1"], at(12, 2), DECEMBER)
        late = line("recu", [f"C{n}" for n in range(1, 6)], at(12, 1), DECEMBER)
        outcomes = ingest(engine, desk, [*early, late], None)["results"]
        assert [result["status"] for result in outcomes] == ["accepted"] * 3
        with engine.connect() as connection:
            summary = pass_figures(monthly_summary(connection, "3", "2026-12"))
        assert summary["pass_cheques_received"] == 5 + 5
        assert summary["pass_stock_left"] == 5 + 4
        again = line("recu", [f"C{n}" for n in range(5, 10)], at(12, 3), DECEMBER)
        again = ingest(engine, bus, [again], None)["results"]
        assert [result["code"] for result in again] == ["conflict"]
    finally:
        engine.dispose()


def test_migration_0008_knows_the_cheques_already_received(database_url) -> None:
    engine = open_database(database_url)
    try:
        desk, bus = workstations(engine, "poste-1", "poste-2")
        ingest(engine, desk, [line("recu", [f"M{n}" for n in range(1, 6)], at(12, 1), DECEMBER)], None)
        downgrade(engine, "0007_registry")
        upgrade(engine)
        overlapping = line("recu", [f"M{n}" for n in range(5, 10)], at(12, 2), DECEMBER)
        answer = ingest(engine, bus, [overlapping], None)
        assert [result["code"] for result in answer["results"]] == ["conflict"]
        assert "Le chèque M5 a déjà été reçu" in answer["results"][0]["reason"]
    finally:
        engine.dispose()
