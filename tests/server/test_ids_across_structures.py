"""An id is stored once, whatever its kind, even when two structures' batches carrying it run at once on
PostgreSQL (no index spans the kinds' tables: `app.server.ingest._lock_ids` and each kind's key)."""

import threading
from collections.abc import Callable
from uuid import uuid4

import pytest
from sqlalchemy import Engine, create_engine, event, func, select, text, union_all

from app.server.accounts import Workstation, issue_code
from app.server.accounts import create_structure as declare
from app.server.accounts import enrol as enrol_in_database
from app.server.database import open_database
from app.server.ingest import KINDS, ingest
from tests.server.helpers import contact, escalation, items, workstations


def _other_structure(engine: Engine) -> Workstation:
    declare(engine, "59", "Maubeuge", "59", False)
    issued = enrol_in_database(engine, issue_code(engine, "59"), str(uuid4()), "nord")
    assert issued is not None
    return issued[1]


def _while_held(database_url: str, first: Callable[[Engine], dict], second: Callable[[], dict]) -> tuple:
    """Run `first` on its own engine, its commit held until `second` waits for a lock, then let it
    commit; both answers."""
    held = create_engine(database_url)
    holding, release = threading.Event(), threading.Event()
    answers: dict[str, dict] = {}

    def hold(_connection) -> None:
        holding.set()
        assert release.wait(60)

    event.listen(held, "commit", hold)
    try:
        one = threading.Thread(target=lambda: answers.setdefault("first", first(held)))
        one.start()
        assert holding.wait(60)  # written, not committed
        two = threading.Thread(target=lambda: answers.setdefault("second", second()))
        two.start()
        watcher = create_engine(database_url)
        with watcher.connect() as connection:
            waiting = text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            while two.is_alive() and connection.execute(waiting).scalar_one() == 0:
                connection.rollback()
        watcher.dispose()
        assert two.is_alive()  # it waits for the first to commit
        release.set()
        one.join(60)
        two.join(60)
    finally:
        release.set()
        held.dispose()
    return answers["first"], answers["second"]


def _stored(engine: Engine, record_id: str) -> int:
    legs = [select(kind.table.c.id).where(kind.table.c.id == record_id) for kind in KINDS.values()]
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(union_all(*legs).subquery())).scalar_one()


@pytest.mark.parametrize("second_kind", ["contact", "escalation"])
def test_an_id_sent_by_two_structures_at_once_is_stored_once(database_url, second_kind) -> None:
    """A contact of structure 3 is being stored when structure 59 sends the same id — as a contact (the
    contacts' key decides) or as an escalation (the ids lock decides): the second waits, then answers
    `conflict`, and the id is stored once."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite serialises every write")
    engine = open_database(database_url)
    try:
        (aisne,) = workstations(engine, "accueil")
        nord = _other_structure(engine)
        record_id = str(uuid4())
        mine = contact(id=record_id)
        theirs = (
            items(contact(id=record_id, structure="59"))
            if second_kind == "contact"
            else items(escalation(id=record_id, structure="59"), kind="escalation")
        )
        first, second = _while_held(
            database_url,
            lambda held: ingest(held, aisne, items(mine), None),
            lambda: ingest(engine, nord, theirs, None),
        )
        assert first["results"][0]["status"] == "accepted"
        (refused,) = second["results"]
        assert (refused["status"], refused["code"]) == ("rejected", "conflict")
        assert refused["reason"] == (
            "Un autre contact portant le même identifiant a déjà été reçu."
            if second_kind == "contact"
            else "Un autre enregistrement (contact) portant le même identifiant a déjà été reçu."
        )
        assert _stored(engine, record_id) == 1
    finally:
        engine.dispose()
