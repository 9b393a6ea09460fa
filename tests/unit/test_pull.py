"""Applying pages of the structure's feed to the local tables: records of another workstation, once
each, with the cursor moved in the same transaction; corrections and Pass numérique moves included."""

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from app.models.contacts import ContactFilter
from app.models.settings import get_setting
from app.models.workspace import Workspace
from app.reports.aggregation import summarise
from app.reports.periods import Period
from app.sync.outbox import record_results
from app.sync.pull import apply_page
from app.sync.status import LAST_PULL, PULL_CURSOR, freshness
from app.sync.transport import ItemResult, PulledPage
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
    with_identity = {**contact(), "nom": "Dupont"}
    page = _page(
        _item("contact", with_identity, 1),
        _item("contact", {**contact(), "partners": ["caf", "caf"]}, 1),
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


def test_a_record_naming_a_situation_unknown_here_is_kept_not_skipped(bus: Workspace, caplog) -> None:
    """A workstation with a newer catalogue recorded it and the server accepted it: skipped here, it
    would be missing for good from this workstation's figures (the cursor moves on). It is kept,
    shown by its code until the newer reference arrives; everything else is still checked."""
    caplog.set_level(logging.INFO, logger="app.sync.pull")
    tomorrow = {**contact(), "situation": "situation-de-demain", "partners": ["partenaire-de-demain"]}
    page = _page(
        _item("contact", tomorrow, 1), _item("contact", {**tomorrow, "id": str(uuid4()), "nom": "X"}, 2)
    )
    assert apply_page(bus, page) == 1
    [row] = bus.contacts.page(ContactFilter())
    assert (row.id, row.situation, row.partners) == (
        tomorrow["id"],
        "situation-de-demain",
        ("partenaire-de-demain",),
    )
    assert bus.catalogue.label("situations", row.situation) == "situation-de-demain"
    assert "newer reference" in caplog.text


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


def _escalation_figures(workspace: Workspace) -> tuple[int, int]:
    summary = summarise(workspace, NOVEMBER)
    return summary.escalations_sent, summary.escalations_answered


@pytest.mark.parametrize("order", ["earlier-first", "later-first"])
def test_of_two_pulled_status_changes_of_one_escalation_the_later_is_current(bus: Workspace, order) -> None:
    """Two other workstations changed one escalation offline (answered on one, closed on the other):
    whichever change is pulled first, the later (created_at, id) is current, the other stays in the
    escalation's history, and the escalation counts once — the server's rule."""
    sent = escalation()
    answered = status_change(
        sent,
        "repondu",
        datetime(2026, 11, 11, 9, tzinfo=UTC),
        created_at=datetime(2026, 11, 11, 9, tzinfo=UTC),
    )
    closed = status_change(
        sent, "clos", datetime(2026, 11, 12, 9, tzinfo=UTC), created_at=datetime(2026, 11, 12, 9, tzinfo=UTC)
    )
    changes = [answered, closed] if order == "earlier-first" else [closed, answered]
    apply_page(bus, _page(_item("escalation", sent, 1)))
    for seq, change in enumerate(changes, 2):
        assert apply_page(bus, _page(_item("escalation", change, seq))) == 1
    assert [(row.id, row.status) for row in bus.escalations.current()] == [(closed["id"], "clos")]
    assert _escalation_figures(bus) == (1, 1)
    history = bus.escalations.history(answered["id"])
    assert [(version.id, version.status, version.current, version.outranked) for version in history] == [
        (sent["id"], "en-attente", False, False),
        (answered["id"], "repondu", False, True),
        (closed["id"], "clos", True, False),
    ]
    assert {version.origin for version in history} == {OTHER}
    assert bus.escalations.history(sent["id"]) == history


@pytest.mark.parametrize("pulled_is_later", [False, True])
def test_a_status_change_made_here_and_one_pulled_from_another_workstation(
    bus: Workspace, pulled_is_later
) -> None:
    """This workstation answered an escalation while another closed it, both offline: the later
    change is current here as on the server; this workstation's own is still sent (its outbox row
    stays), and neither is lost."""
    sent = escalation()
    apply_page(bus, _page(_item("escalation", sent, 1)))
    mine = bus.escalations.set_status(sent["id"], "repondu", "Julie M.")
    at = mine.created_at + timedelta(seconds=1 if pulled_is_later else -1)
    theirs = status_change(sent, "clos", at, created_at=at)
    assert apply_page(bus, _page(_item("escalation", theirs, 2))) == 1
    winner = (theirs["id"], "clos") if pulled_is_later else (str(mine.id), "repondu")
    assert [(row.id, row.status) for row in bus.escalations.current()] == [winner]
    assert _escalation_figures(bus) == (1, 1)
    changes = [str(mine.id), theirs["id"]] if pulled_is_later else [theirs["id"], str(mine.id)]
    assert [version.id for version in bus.escalations.history(sent["id"])] == [sent["id"], *changes]
    assert bus.db.execute("SELECT record_id FROM outbox WHERE kind = 'escalation'").fetchall() == [
        (str(mine.id),)
    ]


@pytest.mark.parametrize("order", ["desk-first", "bus-first"])
def test_a_change_of_an_outranked_change_is_applied_as_the_server_counts_it(bus: Workspace, order) -> None:
    """The desk answers then closes an escalation while the bus, offline, answers it too (later than
    the desk's answer): the rule compares changes of one version (docs/SYNC_PROTOCOL.md, known limit),
    so the server has two current versions, the desk's closure and the bus's answer. Whatever the
    order they are pulled in, this workstation has the same two, and none is skipped."""
    sent = escalation()

    def change(original: dict, status: str, day: int) -> dict:
        at = datetime(2026, 11, day, 9, tzinfo=UTC)
        return status_change(original, status, at, created_at=at)

    answered = change(sent, "repondu", 11)
    closed = change(answered, "clos", 13)
    bus_answered = change(sent, "repondu", 12)
    pulled = [answered, closed, bus_answered] if order == "desk-first" else [bus_answered, answered, closed]
    for seq, record in enumerate([sent, *pulled], 1):
        assert apply_page(bus, _page(_item("escalation", record, seq))) == 1
    assert {row.id for row in bus.escalations.current()} == {closed["id"], bus_answered["id"]}
    assert _escalation_figures(bus) == (2, 2)


def test_a_cheque_takes_the_state_of_the_servers_order_not_of_the_arrival_order(bus: Workspace) -> None:
    """This workstation handed out C001, which the server placed after a handing out of C001 on
    another workstation and its return (numbers 2 to 4); this one pulls those after its own: the
    server's order leaves C001 with this workstation's handing out, whatever order the lines reached
    it in. A return placed after it puts C001 back in stock."""
    apply_page(bus, _page(_item("pass_ledger", pass_line("recu"), 1)))
    mine = bus.passes.hand_out(structure="3", agent="Julie M.", cheques=["C001"])
    (line,) = bus.db.execute("SELECT id FROM pass_ledger WHERE issuance = ?", [str(mine.id)]).fetchone()
    record_results(
        bus.db,
        [ItemResult(str(mine.id), "accepted", seq=5), ItemResult(line, "accepted", seq=6)],
        bus.passes.placed,
    )
    theirs = pass_issuance(["C001"])
    apply_page(
        bus,
        _page(
            _item("pass_issuance", theirs, 2),
            _item("pass_ledger", pass_line("remis", ["C001"], issuance=theirs["id"]), 3),
            _item("pass_ledger", pass_line("retour", ["C001"], reason="erreur"), 4),
            next_after=6,
        ),
    )
    assert bus.passes.cheques(["C001"])["C001"].issuance == str(mine.id)
    apply_page(bus, _page(_item("pass_ledger", pass_line("retour", ["C001"], reason="erreur"), 7)))
    assert bus.passes.cheques(["C001"])["C001"].state == "disponible"


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
