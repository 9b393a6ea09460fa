"""Pass numérique stock: every cheque accounted for, never handed out twice, the ledger append-only."""

import json
import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models.contacts import ContactFilter
from app.models.database import transaction
from app.models.pass_numerique import PassError, compact_numbers, euros, parse_cheque_numbers
from app.models.record import RecordError
from app.models.workspace import Workspace, open_workspace
from app.sync.outbox import claim_batch

FUNDER = "Conseil départemental de l'Ain"
NEXT_YEAR = date.today() + timedelta(days=365)


def receive(ws: Workspace, numbers: str = "1001-1010", booklet: str = "C-42", **options):
    cheques = parse_cheque_numbers(numbers)
    fields = {
        "structure": "1",
        "agent": "Camille R.",
        "funder": FUNDER,
        "booklet": booklet,
        "cheques": cheques,
        "booklet_size": len(cheques),
        "valid_until": NEXT_YEAR,
        **options,
    }
    return ws.passes.receive_booklet(**fields)


def hand_out(ws: Workspace, cheques: list[str], **profile):
    return ws.passes.hand_out(structure="1", agent="Karim B.", cheques=cheques, **profile)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1001-1005", ["1001", "1002", "1003", "1004", "1005"]),
        ("1001 à 1003", ["1001", "1002", "1003"]),
        ("PN0099 - PN0101", ["PN0099", "PN0100", "PN0101"]),
        ("PN0099-PN0100", ["PN0099", "PN0100"]),
        ("1001, 1003;1005\n1007", ["1001", "1003", "1005", "1007"]),
        ("2026-0001", ["2026-0001"]),  # a dash inside a number, not a range backwards
        ("0998-1000", ["0998", "0999", "1000"]),
    ],
)
def test_cheque_numbers_typed_as_ranges_or_lists(typed, expected) -> None:
    assert parse_cheque_numbers(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Indiquez les numéros"),
        ("1010 à 1001", "Plage à l'envers"),
        ("1001-1200", "Plage trop longue"),
        ("1001, 1001", "deux fois"),
        ("10€01", "Numéro de chèque invalide"),
        ("A100 à B105", "incompréhensible"),
    ],
)
def test_cheque_numbers_that_make_no_sense_are_refused_in_french(typed, message) -> None:
    with pytest.raises(PassError, match=message):
        parse_cheque_numbers(typed)


def test_numbers_read_back_as_runs() -> None:
    numbers = parse_cheque_numbers("PN0098 à PN0101, 1008, 1010, 1011")
    assert compact_numbers(numbers) == "PN0098 à PN0101, 1008, 1010 à 1011"
    assert parse_cheque_numbers(compact_numbers(numbers)) == numbers


def test_amounts_are_written_the_french_way() -> None:
    assert euros(1000) == "10 €"
    assert euros(1250) == "12,50 €"
    assert euros(1_000_000) == "10\u202f000 €"


def test_a_received_booklet_is_in_stock_with_its_value(desk) -> None:
    line = receive(desk)
    assert line.event == "recu" and line.value_cents == 1000 and line.booklet_size == 10
    [booklet] = desk.passes.booklets()
    assert (booklet.total, booklet.available, booklet.handed_out, booklet.cancelled) == (10, 10, 0, 0)
    summary = desk.passes.summary()
    assert (summary.available, summary.value_cents, summary.low) == (10, 10_000, False)


def test_a_booklet_must_match_its_size_and_bring_new_numbers(desk) -> None:
    with pytest.raises(RecordError, match="9 numéro"):
        receive(desk, "1001-1009", booklet_size=10)
    receive(desk)
    with pytest.raises(PassError, match="1010 est déjà dans le registre"):
        receive(desk, "1010-1014", booklet="C-43")
    with pytest.raises(PassError, match="a expiré"):
        receive(desk, "2001-2005", booklet="C-44", valid_until=date.today() - timedelta(days=1))
    assert [b.booklet for b in desk.passes.booklets()] == ["C-42"]


def test_handing_out_records_one_issuance_and_a_ledger_line_per_booklet(desk) -> None:
    receive(desk, "1001-1005", booklet="A", valid_until=NEXT_YEAR - timedelta(days=100))
    receive(desk, "2001-2005", booklet="B")
    suggested = [c.number for c in desk.passes.suggested(7)]
    assert suggested == ["1001", "1002", "1003", "1004", "1005", "2001", "2002"]  # soonest to expire first
    issuance = hand_out(
        desk, suggested, age_band="60-74", social_situation="retraite", autonomy_level="debutant"
    )
    assert issuance.value_cents == 7000
    remis = [line for line in desk.passes.ledger() if line.event == "remis"]
    assert sorted((line.booklet, len(line.cheques)) for line in remis) == [("A", 5), ("B", 2)]
    assert desk.passes.summary().available == 3
    assert [c.number for c in desk.passes.issued(str(issuance.id))] == suggested
    kinds = [row[0] for row in desk.db.execute("SELECT kind FROM outbox ORDER BY rowid")]
    assert kinds == ["pass_ledger", "pass_ledger", "pass_issuance", "pass_ledger", "pass_ledger"]
    sent = claim_batch(desk.db, desk.record_loaders())
    assert {item.item["kind"] for item in sent} == {"pass_ledger", "pass_issuance"}


def test_a_cheque_is_never_handed_out_twice(desk) -> None:
    receive(desk)
    hand_out(desk, ["1001", "1002"])
    with pytest.raises(PassError, match="1002 a déjà été remis"):
        hand_out(desk, ["1003", "1002"])
    assert desk.passes.cheques(["1003"])["1003"].state == "disponible"  # nothing of the refused one
    # The database refuses it too, whatever the code does.
    with pytest.raises(sqlite3.IntegrityError):
        desk.db.execute("UPDATE pass_cheques SET state = 'remis', issuance = 'x' WHERE number = '1001'")


def test_unknown_and_expired_cheques_are_refused(desk) -> None:
    long_ago = date.today() - timedelta(days=60)
    receive(desk, valid_until=date.today() - timedelta(days=1), received_on=long_ago)
    with pytest.raises(PassError, match="Chèque inconnu : n° 9999"):
        hand_out(desk, ["9999"])
    with pytest.raises(PassError, match="1001 a expiré le"):
        hand_out(desk, ["1001"])
    summary = desk.passes.summary()
    assert (summary.available, summary.expired) == (0, 10)
    assert desk.passes.suggested(5) == []


def test_stock_warns_below_its_threshold_and_before_expiry(desk) -> None:
    receive(desk, "1001-1005", booklet="A", valid_until=date.today() + timedelta(days=20))
    summary = desk.passes.summary()
    assert (summary.available, summary.expiring, summary.low) == (5, 5, True)
    desk.passes.set_threshold(5)
    assert not desk.passes.summary().low
    assert desk.passes.booklets()[0].expires_soon(date.today())
    with pytest.raises(PassError):
        desk.passes.set_threshold(-1)


def test_returned_and_cancelled_cheques_follow_the_ledger_rules(desk) -> None:
    receive(desk)
    hand_out(desk, ["1001"])
    with pytest.raises(PassError, match="1002 est en stock"):
        desk.passes.return_to_stock(structure="1", agent="Camille R.", cheques=["1002"], reason="erreur")
    desk.passes.return_to_stock(structure="1", agent="Camille R.", cheques=["1001"], reason="erreur")
    desk.passes.cancel(structure="1", agent="Camille R.", cheques=["1002"], reason="perdu")
    with pytest.raises(PassError, match="1002 a été annulé"):
        hand_out(desk, ["1002"])
    with pytest.raises(RecordError, match="Motif"):
        desk.passes.cancel(structure="1", agent="Camille R.", cheques=["1003"], reason="envie")
    [booklet] = desk.passes.booklets()
    assert (booklet.available, booklet.handed_out, booklet.cancelled) == (9, 0, 1)
    assert [line.event for line in desk.passes.ledger()] == ["annule", "retour", "remis", "recu"]


def test_the_ledger_is_append_only(desk) -> None:
    receive(desk)
    for statement in (
        "DELETE FROM pass_ledger",
        "UPDATE pass_ledger SET agent = 'X'",
        "DELETE FROM pass_cheques",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            desk.db.execute(statement)


def test_migration_11_indexes_the_cheques_of_the_lines_already_written(desk) -> None:
    """A database from before migration 11 gets `pass_moves` for its ledger: the lines that move each
    cheque, which the state's replay in the server's order reads (`PassStore._settle`)."""
    receive(desk, "1001-1005")
    hand_out(desk, ["1001", "1002"])
    desk.passes.return_to_stock(structure="1", agent="Camille R.", cheques=["1002"], reason="erreur")
    expected = sorted(desk.db.execute("SELECT number, record_id FROM pass_moves"))
    assert len(expected) == 5 + 2 + 1
    with transaction(desk.db):  # the database as version 10 left it
        desk.db.execute("DROP TRIGGER pass_ledger_moves")
        desk.db.execute("DROP TABLE pass_places")
        desk.db.execute("DROP TABLE pass_moves")
        desk.db.execute("PRAGMA user_version = 10")
    path = desk.path
    desk.close()
    again = open_workspace(path.parent)
    try:
        assert sorted(again.db.execute("SELECT number, record_id FROM pass_moves")) == expected
        receive(again, "1006-1010", booklet="C-43")  # and the trigger keeps it from then on
        assert again.db.execute("SELECT count(*) FROM pass_moves").fetchone()[0] == len(expected) + 5
    finally:
        again.close()


def test_handing_out_from_a_contact_flags_it(desk) -> None:
    receive(desk)
    contact = desk.contacts.add(
        {
            "structure": "1",
            "agent": "Karim B.",
            "place": "Valserhône",
            "situation": "autre",
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 20,
        },
        "rappeler",
    )
    hand_out(desk, ["1001"], contact=str(contact.id))
    [current] = desk.contacts.page(ContactFilter())
    assert current.id != str(contact.id) and current.note == "rappeler"
    assert desk.contacts.get(current.id).pass_numerique


# The ledger invariant, cheque by cheque, under any sequence of operations -------------------------

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["recu", "remis", "retour", "annule"]),
        st.lists(st.integers(0, 19), min_size=1, max_size=4, unique=True),
    ),
    max_size=25,
)


def _number(index: int) -> str:
    return f"{5000 + index}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPERATIONS)
def test_any_sequence_keeps_every_cheque_accounted_for(operations) -> None:
    """received = available + handed out + cancelled for every cheque, refused operations change nothing,
    and the state table agrees with a replay of the ledger."""
    with tempfile.TemporaryDirectory() as folder:
        ws = open_workspace(Path(folder))
        try:
            expected: dict[str, str] = {}
            for operation, indexes in operations:
                numbers = [_number(i) for i in indexes]
                try:
                    if operation == "recu":
                        block = indexes[0] // 5 * 5  # booklets of 5 consecutive numbers
                        receive(ws, f"{_number(block)}-{_number(block + 4)}", booklet=str(block))
                        expected.update({_number(block + k): "disponible" for k in range(5)})
                    elif operation == "remis":
                        hand_out(ws, numbers)
                        expected.update(dict.fromkeys(numbers, "remis"))
                    elif operation == "retour":
                        ws.passes.return_to_stock(structure="1", agent="A", cheques=numbers, reason="erreur")
                        expected.update(dict.fromkeys(numbers, "disponible"))
                    else:
                        ws.passes.cancel(structure="1", agent="A", cheques=numbers, reason="abime")
                        expected.update(dict.fromkeys(numbers, "annule"))
                except (PassError, RecordError):
                    pass
            states = dict(ws.db.execute("SELECT number, state FROM pass_cheques").fetchall())
            assert states == expected
            replay: dict[str, dict[str, int]] = {}
            for event, cheques in ws.db.execute("SELECT event, cheques FROM pass_ledger ORDER BY rowid"):
                for number in json.loads(cheques):
                    replay.setdefault(number, dict.fromkeys(("recu", "remis", "retour", "annule"), 0))[
                        event
                    ] += 1
            for number, moves in replay.items():
                received = moves["recu"]
                handed_out = moves["remis"] - moves["retour"]
                available = received - handed_out - moves["annule"]
                assert received == 1
                assert received == available + handed_out + moves["annule"]
                assert min(available, handed_out, moves["annule"]) >= 0
                assert {"disponible": available, "remis": handed_out, "annule": moves["annule"]}[
                    states[number]
                ] == 1
            issued = sum(len(json.loads(c)) for (c,) in ws.db.execute("SELECT cheques FROM pass_issuances"))
            assert issued == sum(moves["remis"] for moves in replay.values())
        finally:
            ws.close()
