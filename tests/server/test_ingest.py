"""Batch ingest over real HTTP: per-item answers, upsert by id, limits, clock skew."""

import gzip
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.server.schema import records
from app.server.wire import wire_record
from tests.server.helpers import bearer, contact, count, items, post_records, statuses


def test_each_item_gets_its_own_answer(shared_server, http, shared_token, shared_db) -> None:
    kept = contact(duration_minutes=20)
    first = post_records(http, shared_server, shared_token, items(kept))
    assert statuses(first) == ["accepted"]

    unknown_situation = contact(situation="declarer-impots")
    unknown_situation["situation"] = "inconnue"
    with_identity = {**contact(), "nom": "Dupont"}
    other_structure = contact(structure="59")
    changed = {**kept, "duration_minutes": 45}
    new = contact()
    batch = [
        *items(kept, changed, unknown_situation, with_identity, other_structure),
        {"kind": "rendez-vous", "record": contact()},
        *items(new, new),
    ]
    answer = post_records(http, shared_server, shared_token, batch)
    results = answer.json()["results"]
    assert statuses(answer) == [
        "duplicate",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
        "duplicate",
    ]
    assert [result["id"] for result in results] == [
        kept["id"],
        kept["id"],
        unknown_situation["id"],
        with_identity["id"],
        other_structure["id"],
        batch[5]["record"]["id"],
        new["id"],
        new["id"],
    ]
    assert results[1]["code"] == "conflict"
    assert results[2] == {
        "id": unknown_situation["id"],
        "status": "rejected",
        "code": "invalid",
        "reason": "Situation inconnu(e) : « inconnue ».",
    }
    assert results[3]["code"] == "invalid"
    assert results[3]["reason"] == "Champ non prévu : « nom ». Aucune donnée personnelle n'est acceptée."
    assert results[4]["code"] == "wrong_structure"
    assert "« 59 »" in results[4]["reason"]
    assert results[5]["code"] == "invalid"
    assert "rendez-vous" in results[5]["reason"]
    assert all("code" not in result for result in results if result["status"] != "rejected")

    assert count(shared_db, records) == 2
    with shared_db.connect() as connection:
        row = connection.execute(select(records).where(records.c.id == kept["id"])).mappings().one()
    assert wire_record("contact", row) == kept  # a conflict never overwrites


def test_plain_and_gzip_bodies_store_partners(shared_server, http, shared_token, shared_db) -> None:
    two = contact(situation="demenagement", partners=["la-poste", "caf"])
    assert statuses(post_records(http, shared_server, shared_token, items(two), compress=False)) == [
        "accepted"
    ]
    assert statuses(post_records(http, shared_server, shared_token, items(contact()), compress=True)) == [
        "accepted"
    ]
    with shared_db.connect() as connection:
        partners = connection.execute(
            select(records.c.partners).where(records.c.id == two["id"])
        ).scalar_one()
        assert partners == ["la-poste", "caf"]  # in the record's order


def test_more_than_500_items_is_413_and_stores_nothing(shared_server, http, shared_token, shared_db) -> None:
    response = post_records(http, shared_server, shared_token, items(*(contact() for _ in range(501))))
    assert response.status_code == 413
    assert response.json()["detail"]["code"] == "too_large"
    assert count(shared_db, records) == 0
    assert (
        statuses(post_records(http, shared_server, shared_token, items(*(contact() for _ in range(500)))))
        == ["accepted"] * 500
    )


def test_a_body_over_1_mib_is_413(shared_server, http, shared_token, shared_db) -> None:
    padded = items(contact())
    padded[0]["padding"] = "x" * (1 << 20)
    response = post_records(http, shared_server, shared_token, padded, compress=False)
    assert response.status_code == 413
    assert response.json()["detail"]["code"] == "too_large"
    assert count(shared_db, records) == 0


def test_a_gzip_bomb_is_413(shared_server, http, shared_token) -> None:
    bomb = gzip.compress(b'{"records": [' + b" " * (9 << 20) + b"]}")
    assert len(bomb) < 64 * 1024
    response = http.post(
        f"{shared_server.url}/api/v1/records",
        data=bomb,
        headers={**bearer(shared_token), "Content-Encoding": "gzip", "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["detail"]["code"] == "too_large"


def test_unreadable_bodies_are_400(shared_server, http, shared_token) -> None:
    for body, headers in (
        (b"pas du gzip", {"Content-Encoding": "gzip"}),
        (gzip.compress(b'{"records": []}')[:-6], {"Content-Encoding": "gzip"}),
        (b'{"records": []}', {"Content-Encoding": "br"}),
        (b"{pas du json", {}),
        (b'{"records": "aucun"}', {}),
    ):
        response = http.post(
            f"{shared_server.url}/api/v1/records",
            data=body,
            headers={**bearer(shared_token), **headers},
            timeout=30,
        )
        assert response.status_code == 400, body
        assert response.json()["detail"]["code"] == "bad_request"
        assert response.json()["detail"]["message"]


def test_received_at_and_clock_skew_are_stored(shared_server, http, shared_token, shared_db) -> None:
    now = datetime.now(UTC)
    ahead = contact()
    answer = post_records(
        http,
        shared_server,
        shared_token,
        items(ahead),
        device_time=(now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    received_at = answer.json()["received_at"]
    assert abs(datetime.fromisoformat(received_at) - now) < timedelta(seconds=30)
    on_time = contact()
    post_records(
        http, shared_server, shared_token, items(on_time), device_time=now.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    unknown = contact()
    post_records(http, shared_server, shared_token, items(unknown))
    with shared_db.connect() as connection:
        rows = {
            row.id: row
            for row in connection.execute(
                select(
                    records.c.id,
                    records.c.received_at,
                    records.c.created_at,
                    records.c.clock_skew_seconds,
                    records.c.clock_skewed,
                )
            )
        }
    assert rows[ahead["id"]].received_at == received_at
    assert rows[ahead["id"]].created_at == "2026-11-10T09:45:00Z"  # the device's own stamp is kept
    assert 3570 <= rows[ahead["id"]].clock_skew_seconds <= 3600
    assert rows[ahead["id"]].clock_skewed is True
    assert abs(rows[on_time["id"]].clock_skew_seconds) <= 30
    assert rows[on_time["id"]].clock_skewed is False
    assert rows[unknown["id"]].clock_skew_seconds is None
    assert rows[unknown["id"]].clock_skewed is False


def test_concurrent_copies_of_a_batch_accept_each_record_once(
    shared_server, http, shared_token, shared_db
) -> None:
    batch = items(*(contact() for _ in range(200)))
    answers: list[list[str]] = []

    def send() -> None:
        answers.append(statuses(post_records(http, shared_server, shared_token, batch)))

    senders = [threading.Thread(target=send) for _ in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert len(answers) == 4
    assert sum(answer.count("accepted") for answer in answers) == 200
    assert sum(answer.count("duplicate") for answer in answers) == 600
    assert count(shared_db, records) == 200


def test_records_survive_a_restart(server, http, token) -> None:
    record = contact()
    assert statuses(post_records(http, server, token, items(record))) == ["accepted"]
    server.kill()
    server.restart()
    assert statuses(post_records(http, server, token, items(record))) == ["duplicate"]


def test_an_unknown_token_cannot_send(shared_server, http, structure) -> None:
    response = post_records(http, shared_server, "jeton-inconnu", items(contact()))
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "unauthorized"


def test_the_commune_of_residence_is_a_code_of_the_official_list(
    shared_server, http, structure, shared_token, shared_db
) -> None:
    """A modified client cannot send free text (a name, a number) as the commune: the server
    validates with the same record definition and the same list."""
    by_name, unknown, known = contact(), contact(), contact(residence_commune="02361")  # Guise
    by_name["residence_commune"] = "Mme Martin"
    unknown["residence_commune"] = "99999"
    answer = post_records(http, shared_server, shared_token, items(by_name, unknown, known))
    assert statuses(answer) == ["rejected", "rejected", "accepted"]
    results = answer.json()["results"]
    assert [result["code"] for result in results[:2]] == ["invalid", "invalid"]
    assert "liste officielle" in results[0]["reason"] and "Martin" not in results[0]["reason"]
    assert "inconnue de la liste officielle" in results[1]["reason"]
    with shared_db.connect() as connection:
        communes = (
            connection.execute(
                select(records.c.residence_commune).where(records.c.structure == structure.matricule)
            )
            .scalars()
            .all()
        )
    assert communes == ["02361"]
