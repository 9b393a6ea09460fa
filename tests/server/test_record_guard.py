"""The server applies the shared record guard: an identifier in a free-text value, an invisible
character, a loosely typed value or an impossible date rejects that item `invalid` with a French
reason, and the valid items of the same batch are accepted (on SQLite and on PostgreSQL)."""

import json

from sqlalchemy import select

from app.server.schema import records
from tests.server.helpers import contact, items, pass_line, post_records, statuses


def stored_ids(db, matricule: str) -> set[str]:
    with db.connect() as connection:
        ours = select(records.c.id).where(records.c.structure == matricule)
        return {str(row) for row in connection.execute(ours).scalars()}


def test_a_bad_item_is_rejected_and_the_rest_of_the_batch_is_accepted(
    shared_server, http, structure, shared_token, shared_db
) -> None:
    valid_before, valid_after = contact(), contact(duration_minutes=25)
    named_place = contact() | {"place": "Mme Martin 06 12 34 56 78"}
    nul_in_place = contact() | {"place": "Guise\x00"}
    surrogate_agent = contact() | {"agent": "Julie\ud800"}
    string_duration = contact() | {"duration_minutes": "5"}
    boolean_duration = contact() | {"duration_minutes": True}
    year_9999 = contact() | {"occurred_at": "9999-12-31T23:59:59+14:00"}
    year_1 = contact() | {"occurred_at": "0001-01-01T00:00:00+01:00"}
    bad = [named_place, nul_in_place, surrogate_agent, string_duration, boolean_duration, year_9999, year_1]
    # json.dumps writes a lone surrogate as "\ud800", as a hostile client would.
    answer = post_records(http, shared_server, shared_token, items(valid_before, *bad, valid_after))

    assert statuses(answer) == ["accepted", *["rejected"] * len(bad), "accepted"]
    results = answer.json()["results"][1:-1]
    assert [result["code"] for result in results] == ["invalid"] * len(bad)
    assert results[0]["reason"] == (
        "Le champ « lieu » contient ce qui ressemble à un numéro de téléphone. "
        "Ne notez rien qui permette d'identifier la personne."
    )
    assert "caractère interdit" in results[1]["reason"] and "caractère interdit" in results[2]["reason"]
    assert "nombre entier" in results[3]["reason"] and "nombre entier" in results[4]["reason"]
    assert all("avant le 1er janvier 2019 ou dans le futur" in result["reason"] for result in results[5:])
    assert stored_ids(shared_db, structure.matricule) == {valid_before["id"], valid_after["id"]}


def test_a_pass_line_with_a_phone_number_as_funder_is_rejected(
    shared_server, http, structure, shared_token, shared_db
) -> None:
    line = pass_line() | {"funder": "Conseil départemental 03 23 12 34 56"}
    answer = post_records(http, shared_server, shared_token, items(line, kind="pass_ledger"))
    assert statuses(answer) == ["rejected"]
    assert "« financeur »" in answer.json()["results"][0]["reason"]
    assert stored_ids(shared_db, structure.matricule) == set()
    assert json.dumps(answer.json(), ensure_ascii=False).count("03 23 12 34 56") == 0, "never echoed"
