"""The shared record definition refuses what no record may hold, whoever sends it: identifiers in
free text, invisible characters, loosely typed values and impossible dates — always as a French
`RecordError`, never another exception."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.record import RECORD_KINDS, RecordError, validate_record
from app.models.reference import load_catalogue
from tests.server.helpers import contact, escalation, pass_issuance, pass_line, setting

CATALOGUE = load_catalogue()
RECORDS = {
    "contact": contact,
    "escalation": escalation,
    "pass_ledger": pass_line,
    "pass_issuance": lambda: pass_issuance(["C001"]),
    "setting": lambda: setting("agent/Nadia K.", {"role": "agent"}),
}


def refused(kind: str, record: dict) -> RecordError:
    with pytest.raises(RecordError) as error:
        validate_record(record, catalogue=CATALOGUE, kind=kind)
    return error.value


def test_every_kind_has_a_valid_example() -> None:
    assert RECORDS.keys() == RECORD_KINDS.keys()
    for kind, make in RECORDS.items():
        validate_record(make(), catalogue=CATALOGUE, kind=kind)


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("contact", "place", "Mme Martin 06 12 34 56 78"),
        ("contact", "place", "Guise, chez jean.dupont@gmail.com"),
        ("contact", "agent", "M. Dupont"),
        ("contact", "structure", "185057800608436"),
        ("escalation", "agent", "Mme Martin"),
        ("pass_ledger", "funder", "Conseil départemental, tél 03 23 12 34 56"),
        ("pass_ledger", "booklet", "FR7630006000011234567890189"),
        ("pass_issuance", "agent", "née le 12/03/1985"),
        ("setting", "agent", "Mme Martin"),
        ("setting", "item", "agent/M. Dupont 06 12 34 56 78"),
    ],
)
def test_free_text_values_refuse_identifiers(kind: str, field: str, value: str) -> None:
    error = refused(kind, RECORDS[kind]() | {field: value})
    assert error.field == field
    assert "Ne notez rien qui permette d'identifier la personne" in str(error)


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\udfff", "\x1b[2J", "\x07", "\u202e", "\r\n"])
@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("contact", "place"),
        ("contact", "situation"),
        ("contact", "channel"),
        ("contact", "partners"),
        ("contact", "agent"),
        ("escalation", "status"),
        ("pass_ledger", "funder"),
        ("pass_ledger", "cheques"),
        ("pass_issuance", "structure"),
    ],
)
def test_no_string_holds_control_characters_nul_or_lone_surrogates(kind: str, field: str, bad: str) -> None:
    record = RECORDS[kind]()
    value = record[field]
    record[field] = [f"{value[0]}{bad}", *value[1:]] if isinstance(value, list) else f"{value}{bad}"
    error = refused(kind, record)
    assert error.field == field and "caractère interdit" in str(error)


def test_a_field_name_with_control_characters_is_refused_without_echoing_it() -> None:
    error = refused("contact", contact() | {"pl\x00ace\ud800": "x"})
    assert "\x00" not in str(error) and "\ud800" not in str(error)


@pytest.mark.parametrize(
    ("kind", "field", "value", "message"),
    [
        ("contact", "duration_minutes", "5", "nombre entier"),
        ("contact", "duration_minutes", True, "nombre entier"),
        ("contact", "duration_minutes", 5.0, "nombre entier"),
        ("contact", "utc_offset_minutes", "60", "nombre entier"),
        ("contact", "first_visit", 0, "true ou false"),
        ("contact", "first_visit", "yes", "true ou false"),
        ("contact", "non_recours", 1, "true ou false"),
        ("contact", "pass_numerique", "false", "true ou false"),
        ("contact", "deleted", "0", "true ou false"),
        ("contact", "place", 12, "Valeur invalide"),
        ("contact", "occurred_at", 1_700_000_000, "date ISO 8601"),
        ("pass_ledger", "value_cents", "1000", "nombre entier"),
        ("pass_ledger", "booklet_size", 10.0, "nombre entier"),
        ("pass_issuance", "value_cents", True, "nombre entier"),
    ],
)
def test_types_are_strict(kind: str, field: str, value: object, message: str) -> None:
    error = refused(kind, RECORDS[kind]() | {field: value})
    assert error.field == field and message in str(error)


def test_json_text_is_still_accepted_for_times_dates_and_ids() -> None:
    record = validate_record(contact(), catalogue=CATALOGUE)
    assert record.occurred_at == datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
    assert validate_record(pass_line(), catalogue=CATALOGUE, kind="pass_ledger").valid_until.year == 2027


@pytest.mark.parametrize(
    "moment",
    [
        "9999-12-31T23:59:59+14:00",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00-01:00",
        "0202-11-20T10:00:00+01:00",
        "2018-12-31T23:59:59+00:00",
        "2019-01-01T00:30:00+01:00",
        # Named: every pytest-xdist worker must collect the same tests, whatever the moment.
        pytest.param((datetime.now(UTC) + timedelta(days=2)).isoformat(), id="two-days-ahead"),
        "2226-11-20T10:00:00+01:00",
    ],
)
@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("contact", "occurred_at"),
        ("contact", "created_at"),
        ("escalation", "sent_at"),
        ("escalation", "answered_at"),
        ("pass_ledger", "occurred_at"),
        ("pass_issuance", "issued_at"),
    ],
)
def test_impossible_times_are_a_french_record_error(kind: str, field: str, moment: str) -> None:
    """Before the network existed or beyond the clock tolerance, even with no `now` (the server)."""
    error = refused(kind, RECORDS[kind]() | {field: moment})
    assert error.field == field
    assert "impossible : avant le 1er janvier 2019 ou dans le futur" in str(error)


def test_the_earliest_time_is_accepted() -> None:
    record = validate_record(contact(occurred_at="2019-01-01T00:00:00Z"), catalogue=CATALOGUE)
    assert record.occurred_at.year == 2019


@pytest.mark.parametrize("valid_until", ["0001-01-01", "9999-12-31", "2018-12-31"])
def test_a_booklet_validity_out_of_range_is_refused(valid_until: str) -> None:
    error = refused("pass_ledger", pass_line() | {"valid_until": valid_until})
    assert error.field == "valid_until" and "fin de validité" in str(error)


def test_a_record_read_back_from_the_database_keeps_its_booleans() -> None:
    from app.models.record import ContactRecord

    row = contact(first_visit=True) | {"id": str(uuid4()), "non_recours": 1, "first_visit": 0, "deleted": 0}
    record = ContactRecord.from_row(row)
    assert record.non_recours is True and record.first_visit is False and record.deleted is False


# Any character a JSON string can carry, lone surrogates included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    ANY_TEXT,
    st.lists(ANY_TEXT, max_size=3),
    st.builds(
        lambda moment, offset: f"{moment.isoformat()}{offset}",
        st.one_of(
            st.datetimes(),
            st.sampled_from([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59), datetime(2026, 11, 20)]),
        ),
        st.sampled_from(["Z", "+14:00", "-14:00", "+23:59", "-23:59", "", "+01:00"]),
    ),
    st.dates().map(date.isoformat),
)
TIME_FIELDS = ("created_at", "occurred_at", "sent_at", "answered_at", "issued_at", "valid_until")


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(RECORDS)), data=st.data())
def test_any_json_value_in_any_field_is_a_record_or_a_french_record_error(kind: str, data) -> None:
    """Whatever a client sends, validation answers with a record or a RecordError: never an
    OverflowError, a UnicodeError or a TypeError that would become a 500."""
    record = RECORDS[kind]()
    fields = sorted(RECORD_KINDS[kind].model_fields)
    # Half of the draws on a time field: the calendar's edges are where conversions overflow.
    times = [field for field in fields if field in TIME_FIELDS]
    field = data.draw(st.sampled_from(data.draw(st.sampled_from([fields, times]))))
    record[field] = data.draw(JSON_VALUES)
    try:
        validate_record(record, catalogue=CATALOGUE, kind=kind)
    except RecordError as error:
        assert str(error) and error.field is not None
