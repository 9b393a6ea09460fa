"""The structure's feed, `GET /api/v1/records`: what the other workstations of the structure sent, in
pages after a cursor, never another structure's, never skipping a record that commits late."""

import gzip
import json
import tempfile
import threading
from collections.abc import Callable

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, event, select, text

from app.server.accounts import Workstation
from app.server.database import open_database, upgrade, write_transaction
from app.server.ingest import ingest
from app.server.pull import pull_page
from app.server.schema import structure_sequences
from tests.live_server import LiveServer
from tests.server.helpers import (
    OwnStructure,
    bearer,
    contact,
    downgrade,
    enrolled,
    enrolment_code,
    escalation,
    feed_page,
    items,
    pass_issuance,
    pass_line,
    post_records,
    statuses,
    workstations,
)


def _pull_all(http: requests.Session, server: LiveServer, token: str, limit: int = 500) -> list[dict]:
    pulled, after = [], 0
    while True:
        page = feed_page(http, server, token, after, limit=limit)
        pulled += page["records"]
        after = page["next_after"]
        if not page["more"]:
            return pulled


def test_a_workstation_pulls_what_the_others_of_its_structure_sent_and_never_its_own(
    shared_server: LiveServer, http: requests.Session, structure: OwnStructure
) -> None:
    first = enrolled(http, shared_server, structure.code)
    second = enrolled(http, shared_server, enrolment_code(shared_server))
    mine, theirs = contact(agent="Julie M."), contact(agent="Marc D.")
    line = pass_line()
    issued = pass_issuance(["C001"])
    assert statuses(post_records(http, shared_server, first["token"], items(mine))) == ["accepted"]
    batch = [
        *items(theirs),
        *items(escalation(), kind="escalation"),
        *items(line, kind="pass_ledger"),
        *items(issued, kind="pass_issuance"),
    ]
    assert statuses(post_records(http, shared_server, second["token"], batch)) == ["accepted"] * 4

    pulled = _pull_all(http, shared_server, first["token"])
    assert [(item["kind"], item["record"]["id"]) for item in pulled] == [
        ("contact", theirs["id"]),
        ("escalation", batch[1]["record"]["id"]),
        ("pass_ledger", line["id"]),
        ("pass_issuance", issued["id"]),
    ]
    assert pulled[0]["record"] == theirs  # the wire record exactly as it was sent
    assert pulled[0]["workstation"] == {"id": second["workstation_id"], "label": "poste-accueil"}
    assert pulled[0]["received_at"].endswith("Z")
    assert [item["record"]["id"] for item in _pull_all(http, shared_server, second["token"])] == [mine["id"]]


def test_the_ingest_answer_gives_each_stored_record_its_place_in_the_feed(
    shared_server: LiveServer, http: requests.Session, structure: OwnStructure
) -> None:
    """`seq` of an accepted or duplicate record is the number the other workstations read in the feed
    (a workstation replays its Pass numérique moves in that order); a refusal carries none."""
    first = enrolled(http, shared_server, structure.code)
    second = enrolled(http, shared_server, enrolment_code(shared_server))
    assert statuses(post_records(http, shared_server, second["token"], items(contact()))) == ["accepted"]
    kept, line, rejected = contact(), pass_line(), contact(structure="59")
    batch = [*items(kept), *items(line, kind="pass_ledger"), *items(rejected), *items(kept)]
    results = post_records(http, shared_server, first["token"], batch).json()["results"]
    assert [result["status"] for result in results] == ["accepted", "accepted", "rejected", "duplicate"]
    assert "seq" not in results[2]
    pulled = {item["record"]["id"]: item["seq"] for item in _pull_all(http, shared_server, second["token"])}
    assert [results[0]["seq"], results[1]["seq"]] == [pulled[kept["id"]], pulled[line["id"]]] == [2, 3]
    assert results[3]["seq"] == 2  # the same id again in the batch: the place of the one stored
    # Sent again (the first answer was lost): a duplicate, with the place it got the first time.
    again = post_records(http, shared_server, first["token"], items(line, kind="pass_ledger")).json()[
        "results"
    ]
    assert again == [{"id": line["id"], "status": "duplicate", "seq": 3}]


def test_another_structure_never_sees_a_record_of_this_one(
    shared_server: LiveServer,
    http: requests.Session,
    structure: OwnStructure,
    new_structure: Callable[..., OwnStructure],
) -> None:
    ours = enrolled(http, shared_server, structure.code)
    other = enrolled(http, shared_server, new_structure("Avesnes", "59", itinerant=False).code)
    assert (
        statuses(post_records(http, shared_server, ours["token"], items(contact(), contact())))
        == ["accepted"] * 2
    )
    page = feed_page(http, shared_server, other["token"])
    assert page == {**page, "records": [], "next_after": 0, "more": False, "last_seq": 0}


def test_pages_follow_the_cursor_without_skipping_or_repeating(
    shared_server: LiveServer, http: requests.Session, structure: OwnStructure
) -> None:
    reader = enrolled(http, shared_server, structure.code)
    writer = enrolled(http, shared_server, enrolment_code(shared_server))
    sent = [contact() for _ in range(23)]
    for start in range(0, len(sent), 5):
        post_records(http, shared_server, writer["token"], items(*sent[start : start + 5]))
    post_records(http, shared_server, reader["token"], items(contact()))  # its own: moves the cursor only
    post_records(http, shared_server, writer["token"], items(*sent[:3]))  # duplicates: no new number
    pulled = _pull_all(http, shared_server, reader["token"], limit=4)
    assert [item["record"]["id"] for item in pulled] == [record["id"] for record in sent]
    seqs = [item["seq"] for item in pulled]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    last = feed_page(http, shared_server, reader["token"], pulled[-1]["seq"])
    assert last["records"] == [] and last["more"] is False
    # What a joining workstation's progress bar measures against: the structure's latest number,
    # its own record included, from the first page on.
    assert (
        feed_page(http, shared_server, reader["token"], limit=4)["last_seq"]
        == last["last_seq"]
        == last["next_after"]
    )
    assert last["last_seq"] == max(seqs) + 1


def test_the_feed_is_gzipped_when_asked_and_the_cursor_is_bounded(
    shared_server: LiveServer, http: requests.Session, structure: OwnStructure
) -> None:
    reader = enrolled(http, shared_server, structure.code)
    writer = enrolled(http, shared_server, enrolment_code(shared_server))
    post_records(http, shared_server, writer["token"], items(*(contact() for _ in range(20))))
    raw = http.get(
        f"{shared_server.url}/api/v1/records",
        headers={**bearer(reader["token"]), "Accept-Encoding": "gzip"},
        stream=True,
        timeout=30,
    )
    assert raw.headers["Content-Encoding"] == "gzip"
    assert len(gzip.decompress(raw.raw.read())) > 20 * 300
    for bad in ({"after": -1}, {"after": 2**63}, {"limit": 0}, {"limit": 1001}, {"after": "x"}):
        response = http.get(
            f"{shared_server.url}/api/v1/records", params=bad, headers=bearer(reader["token"]), timeout=30
        )
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["detail"]["code"] == "invalid_request"
    assert http.get(f"{shared_server.url}/api/v1/records", timeout=30).status_code == 401


def _pull_ids(engine: Engine, reader: Workstation) -> list[str]:
    pulled, after = [], 0
    while True:
        page = json.loads(pull_page(engine, reader, after, limit=1))
        pulled += [item["record"]["id"] for item in page["records"]]
        after = page["next_after"]
        if not page["more"]:
            return pulled


def test_a_batch_that_commits_late_on_postgresql_is_never_skipped(database_url: str) -> None:
    """Two ingests of one structure at once, the first holding its transaction open just before its
    commit. With numbers from a shared sequence, the second would commit first with the higher
    number, and a puller reading then would move its cursor past the first's number for good. Here
    the second waits for the structure's counter row until the first commits, so whatever a puller
    sees is a prefix of the structure's feed."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite serialises every write")
    engine = open_database(database_url)
    held = create_engine(database_url)  # the slow workstation's connection, whose commit waits
    try:
        slow, fast, reader = workstations(engine, "lent", "rapide", "lecteur")
        late, early = contact(), contact()
        holding, release = threading.Event(), threading.Event()

        def hold(_connection) -> None:
            holding.set()
            assert release.wait(60)

        event.listen(held, "commit", hold)
        first = threading.Thread(target=ingest, args=(held, slow, items(late), None))
        first.start()
        assert holding.wait(60)  # numbered and written, not committed
        second = threading.Thread(target=ingest, args=(engine, fast, items(early), None))
        second.start()
        with engine.connect() as connection:
            waiting = text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            while second.is_alive() and connection.execute(waiting).scalar_one() == 0:
                connection.rollback()
        assert second.is_alive()  # it waits for the structure's counter row
        assert _pull_ids(engine, reader) == []  # nothing committed: nothing seen, the cursor stays
        release.set()
        first.join(60)
        second.join(60)
        assert _pull_ids(engine, reader) == [late["id"], early["id"]]
    finally:
        release.set()
        held.dispose()
        engine.dispose()


def test_migration_0004_numbers_the_records_already_stored(database_url: str) -> None:
    """Records stored before the feed existed get their structure, sender and number, in the order
    received; the structure's counter starts after them."""
    engine = open_database(database_url)
    try:
        sender, reader = workstations(engine, "ancien", "lecteur")
        first, second = contact(), contact()
        ingest(engine, sender, items(first), None)
        ingest(engine, sender, items(second), None)
        downgrade(engine, "0003")
        with write_transaction(engine) as connection:
            connection.execute(
                text("UPDATE records SET received_at = '2026-11-10T09:00:00Z' WHERE id = :id"),
                {"id": second["id"]},
            )
        upgrade(engine)
        assert _pull_ids(engine, reader) == [second["id"], first["id"]]
        with engine.connect() as connection:
            assert connection.execute(select(structure_sequences.c.last_seq)).scalar_one() == 2
        third = contact()
        ingest(engine, sender, items(third), None)
        assert _pull_ids(engine, reader) == [second["id"], first["id"], third["id"]]
    finally:
        engine.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["send", "resend", "pull"]), st.integers(0, 3), st.integers(1, 7)),
        min_size=1,
        max_size=25,
    )
)
def test_any_interleaving_of_sends_and_pulls_gives_each_reader_every_other_record_once(steps) -> None:
    """Three workstations send new batches and resend old ones (duplicates) in any order; each pulls
    with pages of any size whenever it likes. In the end each has every record of the two others
    exactly once, in the order the server numbered them, and none of its own."""
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(f"sqlite:///{folder}/serveur.sqlite3")
        try:
            senders = workstations(engine, "accueil", "bureau", "bus")
            sent: list[list[str]] = [[] for _ in senders]
            pulled: list[list[str]] = [[] for _ in senders]
            cursors = [0, 0, 0]

            def pull(who: int, limit: int) -> None:
                page = json.loads(pull_page(engine, senders[who], cursors[who], limit=limit))
                pulled[who] += [item["record"]["id"] for item in page["records"]]
                cursors[who] = page["next_after"]

            for action, who, size in steps:
                who %= 3
                if action == "send":
                    batch = [contact() for _ in range(size)]
                    ingest(engine, senders[who], items(*batch), None)
                    sent[who] += [record["id"] for record in batch]
                elif action == "resend" and sent[who]:
                    ingest(engine, senders[who], items(*(contact(id=i) for i in sent[who][-size:])), None)
                else:
                    pull(who, size)
            for who in range(3):
                while True:
                    before = cursors[who]
                    pull(who, 4)
                    if cursors[who] == before:
                        break
                others = [record for other in range(3) if other != who for record in sent[other]]
                assert sorted(pulled[who]) == sorted(others)
                assert len(set(pulled[who])) == len(pulled[who])
        finally:
            engine.dispose()
