"""Applying pages of the structure's feed to the local tables: records of another workstation, once
each, with the cursor moved in the same transaction; corrections and Pass numérique moves included."""

import logging
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from app.models.contacts import ContactFilter
from app.models.settings import get_setting
from app.models.workspace import Workspace
from app.reports.aggregation import summarise
from app.reports.periods import Period
from app.sync.pull import apply_page
from app.sync.status import LAST_PULL, PULL_CURSOR, freshness
from app.sync.transport import PulledPage
from tests.server.helpers import contact, escalation, pass_issuance, pass_line, status_change

OTHER = "5b0f7c1e-2f4a-4d7e-9a51-7c1d2e3f4a5b"
NOVEMBER = Period("month", 2026, 11)


def _item(kind: str, record: dict, seq: int = 1, received_at: str = "2026-11-10T10:00:00Z") -> dict:
    return {
        "seq": seq,
        "kind": kind,
        "record": record,
        "workstation": {"id": OTHER, "label": "poste-bus"},
        "received_at": received_at,
    }


def _page(*items: dict, next_after: int | None = None, more: bool = False) -> PulledPage:
    last = next_after if next_after is not None else max((item["seq"] for item in items if item), default=0)
    return PulledPage(list(items), last, more, "2026-11-10T10:05:00Z")


def _superseding(original: dict, **changes) -> dict:
    """Another workstation's correction (or, with `deleted=True`, tombstone) of `original`."""
    kept = {key: value for key, value in original.items() if key not in ("id", "supersedes")}
    return contact(**{**kept, "supersedes": original["id"], **changes})


def _counted(workspace: Workspace) -> int:
    return summarise(workspace, NOVEMBER).total


def test_records_of_another_workstation_count_once_and_are_never_sent_again(bus: Workspace) -> None:
    local = {
        **bus.workstation.contact_defaults(),
        "situation": "declarer-impots",
        "channel": "sur-place",
        "help_kind": "information",
        "outcome": "resolu",
        "duration_minutes": 7,
        "occurred_at": datetime(2026, 11, 12, 9, tzinfo=UTC),
    }
    bus.contacts.add(local, note="rappeler mardi")
    theirs = [contact(), contact(agent="Marc D.")]
    page = _page(*(_item("contact", record, seq) for seq, record in enumerate(theirs, 1)))
    assert apply_page(bus, page) == 2
    assert _counted(bus) == 3
    rows = bus.db.execute("SELECT origin, note FROM contacts WHERE origin IS NOT NULL").fetchall()
    assert rows == [(OTHER, None), (OTHER, None)]
    assert bus.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1  # only its own
    assert get_setting(bus.db, PULL_CURSOR) == 2
    assert get_setting(bus.db, LAST_PULL) == "2026-11-10T10:05:00Z"
    assert apply_page(bus, page) == 0  # read again (a new enrolment starts the feed over): skipped
    assert _counted(bus) == 3
    rows = bus.contacts.page(ContactFilter())
    assert {(row.agent, row.origin) for row in rows} == {
        ("Julie M.", None),
        ("Julie M.", OTHER),
        ("Marc D.", OTHER),
    }
    assert bus.contacts.workstation_labels() == {OTHER: "poste-bus"}


def test_a_correction_or_a_deletion_from_another_workstation_supersedes_the_local_row(bus: Workspace) -> None:
    original, removed = contact(), contact()
    corrected = _superseding(original, outcome="oriente")
    tombstone = _superseding(removed, deleted=True)
    apply_page(bus, _page(_item("contact", original, 1), _item("contact", removed, 2)))
    assert _counted(bus) == 2
    apply_page(bus, _page(_item("contact", corrected, 3), _item("contact", tombstone, 4)))
    assert _counted(bus) == 1
    assert summarise(bus, NOVEMBER).by_outcome == {"oriente": 1}
    assert [row.id for row in bus.contacts.page(ContactFilter(partner="dgfip"))] == [corrected["id"]]

    sent = escalation()
    answered = status_change(sent, "repondu", datetime(2026, 11, 11, 9, tzinfo=UTC))
    apply_page(bus, _page(_item("escalation", sent, 5), _item("escalation", answered, 6)))
    assert [(row.id, row.status) for row in bus.escalations.current()] == [(answered["id"], "repondu")]


def test_an_unusable_record_is_skipped_and_never_blocks_the_feed(bus: Workspace, caplog) -> None:
    good = contact()
    unknown_situation = {**contact(), "situation": "situation-de-demain"}
    page = _page(
        _item("contact", unknown_situation, 1),
        {"seq": 2, "kind": "contact", "record": "illisible"},
        _item("recette", contact(), 3),
        {**_item("contact", contact(), 3), "kind": ["contact"]},
        {**_item("contact", contact(), 3), "workstation": {"id": 12}},
        {**_item("contact", contact(), 3), "workstation": "poste"},
        {**_item("contact", contact(), 3), "received_at": "hier"},
        None,
        _item("contact", good, 4),
        _item("contact", contact(structure="59"), 5),  # never sent by a sane server; refused anyway
    )
    assert apply_page(bus, page) == 1
    assert get_setting(bus.db, PULL_CURSOR) == 5
    assert bus.db.execute("SELECT id FROM contacts").fetchall() == [(good["id"],)]
    assert "skipped" in caplog.text


def test_a_page_interrupted_midway_applies_nothing_and_keeps_the_cursor(bus: Workspace) -> None:
    """The page and its cursor are one transaction: a crash in its middle (here the database failing
    on the second record) leaves neither, and the next pass applies the whole page once."""

    def fail() -> None:
        raise OSError("disque plein")

    bus.db.conn.create_function("fail", 0, fail)
    bus.db.execute(
        "CREATE TEMP TRIGGER crash BEFORE INSERT ON contacts WHEN NEW.agent = 'Marc D.' BEGIN SELECT fail(); END"
    )
    page = _page(
        _item("contact", contact(), 1),
        _item("contact", contact(agent="Marc D."), 2),
        _item("contact", contact(), 3),
    )
    with pytest.raises(sqlite3.OperationalError):
        apply_page(bus, page)
    assert bus.db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert get_setting(bus.db, PULL_CURSOR) is None
    bus.db.execute("DROP TRIGGER crash")
    assert apply_page(bus, page) == 3
    assert get_setting(bus.db, PULL_CURSOR) == 3


def test_the_pass_numerique_stock_is_shared(bus: Workspace) -> None:
    """A booklet received elsewhere can be handed out here; a cheque handed out elsewhere is no longer
    in stock here; the ledger's lines count on every workstation."""
    received = pass_line("recu", [f"C{n:03d}" for n in range(1, 11)])
    apply_page(bus, _page(_item("pass_ledger", received, 1)))
    assert bus.passes.summary().available == 10
    issued = pass_issuance(["C001", "C002"])
    handed = pass_line("remis", ["C001", "C002"], issuance=issued["id"])
    apply_page(bus, _page(_item("pass_issuance", issued, 2), _item("pass_ledger", handed, 3)))
    states = dict(bus.db.execute("SELECT number, state FROM pass_cheques WHERE number IN ('C001', 'C003')"))
    assert states == {"C001": "remis", "C003": "disponible"}
    bus.passes.hand_out(structure="3", agent="Julie M.", cheques=["C003"])
    summary = summarise(bus, NOVEMBER)
    assert (summary.pass_cheques_received, summary.pass_issuances) == (10, 1)
    assert bus.passes.summary().available == 7


def test_freshness_names_a_workstation_not_heard_from_for_a_week(bus: Workspace) -> None:
    assert freshness(bus.db).sentence() is None
    apply_page(bus, _page(_item("contact", contact(), 1, received_at="2026-11-10T10:00:00Z")))
    now = datetime(2026, 11, 18, 12, tzinfo=UTC)
    fresh = freshness(bus.db, now)
    assert fresh.last_pull == datetime(2026, 11, 10, 10, 5, tzinfo=UTC)
    assert fresh.silent == [("poste-bus", datetime(2026, 11, 10, 10, tzinfo=UTC))]
    local = fresh.last_pull.astimezone()
    assert fresh.sentence() == (
        f"Données des autres postes à jour au {local:%d/%m} à {local.hour} h {local.minute:02d}. "
        "Aucune nouvelle du poste « poste-bus » depuis le 10/11."
    )
    assert freshness(bus.db, now - timedelta(days=2)).silent == []


def test_a_record_the_local_tables_refuse_is_skipped_alone(bus: Workspace, caplog) -> None:
    """A correction of a contact unknown here cannot be applied: it is skipped, the rest of the page
    is applied. The same contact corrected on two workstations offline is not such a record: both
    corrections are kept, the later (created_at, id) current."""
    original = contact()
    first, second = _superseding(original, outcome="oriente"), _superseding(original, outcome="resolu")
    orphan = _superseding(contact())
    after = contact()
    page = _page(
        *(
            _item("contact", record, seq)
            for seq, record in enumerate((original, first, second, orphan, after), 1)
        )
    )
    assert apply_page(bus, page) == 4
    assert {row[0] for row in bus.db.execute("SELECT id FROM contacts")} == {
        original["id"],
        first["id"],
        second["id"],
        after["id"],
    }
    later = max(first, second, key=lambda record: (record["created_at"], record["id"]))
    assert {row.id for row in bus.contacts.page(ContactFilter())} == {later["id"], after["id"]}
    assert get_setting(bus.db, PULL_CURSOR) == 5
    assert "refused by the local tables" in caplog.text


def test_only_a_responsable_corrects_or_deletes_another_workstations_contact(bus: Workspace) -> None:
    """The rule is the model's: an agent corrects the contacts of this workstation, a responsable
    those of any workstation of the structure."""
    from app.models.record import RecordError

    theirs = contact()
    apply_page(bus, _page(_item("contact", theirs, 1)))
    mine = bus.contacts.add(
        {
            **bus.workstation.contact_defaults(),
            "situation": "declarer-impots",
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 7,
            "occurred_at": datetime(2026, 11, 12, 9, tzinfo=UTC),
        }
    )
    agent = bus.workstation.add_agent("Karim B.", "agent")
    bus.workstation.set_current_agent(agent.id)
    kept = bus.contacts.get(theirs["id"]).carried_over()
    with pytest.raises(RecordError, match="seul un responsable peut le corriger ou le supprimer"):
        bus.contacts.correct(theirs["id"], {**kept, "outcome": "oriente"})
    with pytest.raises(RecordError, match="seul un responsable"):
        bus.contacts.delete(theirs["id"])
    bus.contacts.correct(str(mine.id), {**mine.carried_over(), "outcome": "oriente"})  # its own: fine
    assert _counted(bus) == 2
    manager = next(a for a in bus.workstation.agents() if a.is_manager)
    bus.workstation.set_current_agent(manager.id)
    corrected = bus.contacts.correct(theirs["id"], {**kept, "outcome": "oriente"})
    bus.contacts.delete(str(corrected.id))
    assert _counted(bus) == 1


def test_a_page_holding_a_contact_and_its_corrections_applies_them_in_order(bus: Workspace, caplog) -> None:
    """A page's contacts are written together; a correction, a tombstone and a correction of the
    correction in the same page still find what they supersede (none is refused and skipped), and
    only the last of each line is current (the history, the partner filter and the figures agree)."""
    caplog.set_level(logging.INFO, logger="app.sync.pull")
    kept, removed = contact(), contact(partners=["caf"], situation="allocation-logement")
    corrected = _superseding(kept, outcome="oriente")
    corrected_again = _superseding(corrected, outcome="attente-referent")
    tombstone = _superseding(removed, deleted=True)
    after = contact(agent="Marc D.")
    records = (kept, removed, corrected, tombstone, corrected_again, after)
    page = _page(*(_item("contact", record, seq) for seq, record in enumerate(records, 1)))
    assert apply_page(bus, page) == 6
    assert {row.id for row in bus.contacts.page(ContactFilter())} == {corrected_again["id"], after["id"]}
    assert {row.id for row in bus.contacts.page(ContactFilter(partner="dgfip"))} == {
        corrected_again["id"],
        after["id"],
    }
    assert bus.contacts.page(ContactFilter(partner="caf")) == []
    assert summarise(bus, NOVEMBER).by_outcome == {"attente-referent": 1, "resolu": 1}
    assert bus.db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 6
    assert bus.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert "record by record" not in caplog.text


def test_the_same_record_twice_in_a_page_is_written_once(bus: Workspace) -> None:
    """A page that holds a record twice (a damaged answer) writes it once and counts it once; the
    rest of the page is written."""
    twice, other = contact(), contact(agent="Marc D.")
    page = _page(_item("contact", twice, 1), _item("contact", other, 2), _item("contact", twice, 3))
    assert apply_page(bus, page) == 2
    assert sorted(row[0] for row in bus.db.execute("SELECT id FROM contacts")) == sorted(
        [twice["id"], other["id"]]
    )
    assert _counted(bus) == 2
    assert get_setting(bus.db, PULL_CURSOR) == 3
