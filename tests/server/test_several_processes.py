"""Several server processes on one database: `serve --workers 2` and a second `serve` beside it. Two
workstations of a structure send the same records (with corrections of earlier ones) at the same time,
in opposite orders, one to each server, while a structure of the same département sends its own (the
département's counts are shared): no error, no deadlock, nothing lost or doubled, and the counts of
current contacts kept at ingest are those of a full recount."""

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import Engine, func, select

from app.server.schema import records
from tests.live_server import LiveServer, create_structure, start_server
from tests.server.helpers import contact, enrolled, enrolment_code, items, post_records
from tests.server.test_rollups import _kept, _recount

ROUNDS = 25
PER_ROUND = 40


def _send(server: LiveServer, token: str, batch: list[dict]) -> tuple[int, list[str]]:
    with requests.Session() as http:
        response = post_records(http, server, token, batch)
    if response.status_code != 200:
        return response.status_code, [response.text]
    return 200, [result["status"] for result in response.json()["results"]]


def test_two_server_processes_take_overlapping_batches_in_opposite_orders(
    database_url: str, db: Engine, tmp_path: Path
) -> None:
    code = create_structure(database_url)
    with (
        start_server(database_url, tmp_path / "a.log", ("--workers", "2")) as first,
        start_server(database_url, tmp_path / "b.log") as second,
        requests.Session() as http,
    ):
        desk = enrolled(http, first, code)["token"]
        bus = enrolled(http, second, enrolment_code(second))["token"]
        neighbour = enrolled(http, second, create_structure(database_url, "4", "Vervins", "02", False))[
            "token"
        ]
        rng = random.Random(15)
        sent: list[dict] = []
        answers: list[tuple[int, list[str]]] = []
        with ThreadPoolExecutor(max_workers=3) as pool:
            for _ in range(ROUNDS):
                batch = [contact() for _ in range(PER_ROUND)]
                batch += [
                    contact(supersedes=old["id"], situation="naissance")
                    for old in rng.sample(sent, min(5, len(sent)))
                ]
                rng.shuffle(batch)
                sent += batch
                theirs = [contact(structure="4", place="Vervins") for _ in range(PER_ROUND)]
                sent += theirs
                futures = [
                    pool.submit(_send, first, desk, items(*batch)),
                    pool.submit(_send, second, bus, items(*reversed(batch))),
                    pool.submit(_send, (first, second)[len(answers) % 2], neighbour, items(*theirs)),
                ]
                answers += [future.result() for future in futures]
        logs = first.output() + second.output()
    assert [status for status, _ in answers] == [200] * 3 * ROUNDS, logs
    assert all(set(results) <= {"accepted", "duplicate"} for _, results in answers), answers
    with db.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(records)).scalar_one()
    assert stored == len({record["id"] for record in sent})
    assert _kept(db) == _recount(db)
