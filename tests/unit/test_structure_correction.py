"""A responsable corrects the structure after the wizard; records never sent go with it."""

import re
import sqlite3
from datetime import date, timedelta

import pytest

from app.models.database import transaction
from app.models.pass_numerique import parse_cheque_numbers
from app.models.settings import set_setting
from app.models.workstation import SetupError
from tests.conftest import BUS


def agent(workspace, name: str):
    return next(a for a in workspace.workstation.agents() if a.name == name)


def record_some(workspace, booklet: str, numbers: str) -> None:
    """Under structure 1: a contact, and a booklet received (append-only Pass numérique ledger)."""
    workspace.contacts.add(
        {
            **workspace.workstation.contact_defaults(),
            "situation": "declarer-impots",
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 10,
        }
    )
    cheques = parse_cheque_numbers(numbers)
    workspace.passes.receive_booklet(
        structure="1",
        agent="Camille R.",
        funder="Conseil départemental",
        booklet=booklet,
        cheques=cheques,
        booklet_size=5,
        valid_until=date.today() + timedelta(days=100),
    )


def structures(workspace, table: str) -> list[str]:
    return [row[0] for row in workspace.db.execute(f"SELECT structure FROM {table} ORDER BY rowid")]


def test_only_a_responsable_corrects_the_structure(desk) -> None:
    workstation = desk.workstation
    for who in (agent(desk, "Karim B."), None):
        with pytest.raises(SetupError, match="Seul un responsable"):
            workstation.correct_structure(BUS, ["Guise"], "Guise", who)
    assert workstation.structure.matricule == "1"


def test_an_enrolled_workstation_keeps_the_servers_structure(desk) -> None:
    with transaction(desk.db):
        set_setting(desk.db, "sync.server_url", "https://reporting.exemple.fr")
    with pytest.raises(SetupError, match="vient du serveur et ne peut pas être modifiée"):
        desk.workstation.correct_structure(BUS, ["Guise"], "Guise", agent(desk, "Camille R."))
    assert desk.workstation.structure.matricule == "1"


def test_a_bus_needs_a_stop(desk) -> None:
    with pytest.raises(SetupError, match="au moins un arrêt"):
        desk.workstation.correct_structure(BUS, [], None, agent(desk, "Camille R."))


def test_the_correction_takes_the_unsent_records_and_keeps_the_ledger_append_only(desk) -> None:
    record_some(desk, "C-1", "1001-1005")
    sent = desk.db.execute("SELECT id FROM contacts").fetchone()[0]
    record_some(desk, "C-2", "2001-2005")
    with transaction(desk.db):  # the first contact reached a server once: it is never rewritten
        desk.db.execute("UPDATE outbox SET state = 'sent' WHERE record_id = ?", [sent])

    moved = desk.workstation.correct_structure(BUS, ["Guise", "Étreux"], "Étreux", agent(desk, "Camille R."))

    assert moved == 3  # one contact and two ledger lines
    assert structures(desk, "contacts") == ["1", "3"]
    assert structures(desk, "pass_ledger") == ["3", "3"]
    workstation = desk.workstation
    assert (workstation.structure, workstation.stops, workstation.place) == (
        BUS,
        ["Guise", "Étreux"],
        "Étreux",
    )
    with pytest.raises(sqlite3.IntegrityError, match="pass_append_only"):
        desk.db.execute("UPDATE pass_ledger SET structure = '1'")


def test_after_a_join_the_named_agent_or_a_responsable_works_first(desk) -> None:
    """A joined workstation gets the structure's agents; the rule of who works first is the model's."""
    assert desk.workstation.first_agent_after_join().name == "Camille R."  # the responsable
    assert desk.workstation.first_agent_after_join("Karim B.").name == "Karim B."
    assert desk.workstation.current_agent.name == "Karim B."
    with pytest.raises(SetupError, match=re.escape("Agents de la structure : Camille R., Karim B.")):
        desk.workstation.first_agent_after_join("Léa M.")


def test_a_stop_written_twice_is_one_stop(bus) -> None:
    """« etreux » beside « Étreux » would split one place's contacts in two."""
    from app.models.workstation import stop_problem

    assert stop_problem(" ÉTREUX ", bus.workstation.stops) == "« Étreux » est déjà un arrêt de la tournée."
    assert stop_problem("Hirson", bus.workstation.stops) is None
    bus.workstation.set_stops(["Guise", "guise", "Étreux", "Etreux"], "Etreux")
    assert bus.workstation.stops == ["Guise", "Étreux"]
