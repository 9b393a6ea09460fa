"""Corrections across workstations, against the real server: a responsable corrects a contact recorded
on another workstation, and two workstations correcting the same contact offline end, whatever order
their passes reach the server, with the same current contact everywhere (the later (created_at, id))
and the other correction kept in the history, counted nowhere twice."""

from datetime import datetime

import pytest
from sqlalchemy import create_engine, select

from app.models.contacts import ContactFilter
from app.reports.aggregation import as_server_summary, summarise
from app.server.schema import records
from tests.e2e.test_pass_stock import _pcs, _server_summary, _this_month
from tests.live_server import LiveServer


def _contact_fields(pc) -> dict:
    return {
        **pc.workspace.workstation.contact_defaults(),
        "situation": "declarer-impots",
        "channel": "sur-place",
        "help_kind": "information",
        "outcome": "resolu",
        "duration_minutes": 7,
        "occurred_at": datetime.now().astimezone(),
    }


def _server_current(server: LiveServer) -> set[str]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return set(connection.execute(select(records.c.id)).scalars())
    finally:
        engine.dispose()


@pytest.mark.parametrize("first", [0, 1], ids=["desk-first", "bus-first"])
def test_two_workstations_correcting_one_contact_offline_agree(
    tmp_path, server: LiveServer, first: int
) -> None:
    pcs = _pcs(tmp_path, server, 2)
    try:
        desk, bus = pcs
        for pc in pcs:
            manager = next(a for a in pc.workspace.workstation.agents() if a.is_manager)
            pc.workspace.workstation.set_current_agent(manager.id)
        original = desk.workspace.contacts.add(_contact_fields(desk))
        desk.sync()
        bus.sync()
        kept = bus.workspace.contacts.get(str(original.id)).carried_over()
        corrections = [
            desk.workspace.contacts.correct(str(original.id), {**kept, "outcome": "oriente"}),
            bus.workspace.contacts.correct(str(original.id), {**kept, "duration_minutes": 25}),
        ]
        pcs[first].sync()
        pcs[1 - first].sync()
        pcs[first].sync()
        winner = max(
            corrections, key=lambda record: (record.created_at.replace(microsecond=0), str(record.id))
        )
        month = _this_month()
        summary = _server_summary(server, month, pcs[0].structure)
        assert summary["total"] == 1
        for pc in pcs:
            current = [row.id for row in pc.workspace.contacts.page(ContactFilter())]
            assert current == [str(winner.id)]
            assert as_server_summary(summarise(pc.workspace, month)) == summary
            stored = {row[0] for row in pc.workspace.db.execute("SELECT id FROM contacts")}
            assert stored == {str(original.id), *(str(record.id) for record in corrections)}  # nothing lost
        assert _server_current(server) == {str(original.id), *(str(record.id) for record in corrections)}
    finally:
        for pc in pcs:
            pc.workspace.close()
