"""Shared settings between two workstations of one structure, each a real `bureau-virtuel` process
syncing with the real server: what a responsable changes on one reaches the other, and a setting
changed on both while offline ends the same on both, the other change kept in its history."""

import os
from pathlib import Path

from app.models.shared_settings import agent_item
from app.models.workspace import open_workspace
from tests.conftest import run_cli
from tests.live_server import LiveServer, create_structure, run_server_cli


def _code(server: LiveServer) -> str:
    result = run_server_cli(server.database_url, "enrolment-code", "--matricule", "3")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _pc(data_dir: Path, *args: str) -> None:
    """`bureau-virtuel *args` on the workstation in `data_dir`, which has its own OS keyring."""
    env = {
        **os.environ,
        "BUREAU_VIRTUEL_TEST_KEYRING": str(data_dir.with_name(f"{data_dir.name}.keyring.json")),
    }
    result = run_cli(*args, data_dir=data_dir, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def _as_responsable(data_dir: Path, change) -> None:
    """What a responsable does in Paramètres on that workstation (Camille R., the demo's responsable)."""
    workspace = open_workspace(data_dir)
    try:
        camille = next(agent for agent in workspace.workstation.agents() if agent.name == "Camille R.")
        workspace.workstation.set_current_agent(camille.id)
        change(workspace)
    finally:
        workspace.close()


def _seen(data_dir: Path) -> tuple[list[str], list[str], int, list[tuple[int, bool]]]:
    """(agents, stops, Pass numérique alert threshold, the threshold's history as (value, current))."""
    workspace = open_workspace(data_dir)
    try:
        return (
            [agent.name for agent in workspace.workstation.agents()],
            workspace.workstation.stops,
            workspace.passes.threshold,
            [(version.value, version.current) for version in workspace.shared.history("pass.threshold")],
        )
    finally:
        workspace.close()


def test_settings_changed_on_one_workstation_reach_the_other_and_a_conflict_ends_the_same(
    tmp_path: Path, server: LiveServer
) -> None:
    first, second = tmp_path / "poste-1", tmp_path / "poste-2"
    _pc(first, "demo", "--contacts", "3", "--seed", "1")
    _pc(first, "enroll", "--server", server.url, "--code", create_structure(server.database_url))
    _pc(first, "sync")  # the first workstation of the structure publishes its agents and stops

    def add_agent_and_stop(workspace) -> None:
        workspace.workstation.add_agent("Nadia K.")
        workspace.workstation.set_stops([*workspace.workstation.stops, "Hirson"], None)

    _as_responsable(first, add_agent_and_stop)
    _pc(first, "sync")

    _pc(second, "demo", "--contacts", "3", "--seed", "2")
    _pc(second, "enroll", "--server", server.url, "--code", _code(server))
    _pc(second, "sync")
    agents, stops, _threshold, _history = _seen(second)
    assert "Nadia K." in agents
    assert stops[-1] == "Hirson"

    # Both change the stock alert threshold while offline, then sync twice each.
    _as_responsable(first, lambda workspace: workspace.passes.set_threshold(15))
    _as_responsable(second, lambda workspace: workspace.passes.set_threshold(25))
    for data_dir in (first, second, first, second):
        _pc(data_dir, "sync")
    on_first, on_second = _seen(first), _seen(second)
    assert on_first == on_second
    _agents, _stops, threshold, history = on_first
    assert sorted(value for value, _current in history) == [15, 25]  # the loser stays in the history
    assert [value for value, current in history if current] == [threshold]

    workspace = open_workspace(second)
    try:
        names = {version.agent for version in workspace.shared.history(agent_item("Nadia K."))}
        assert names == {"Camille R."}
    finally:
        workspace.close()


def test_referents_places_and_a_site_removal_made_on_one_workstation_reach_the_other(
    tmp_path: Path, server: LiveServer
) -> None:
    from app.models.qualified_places import QualifiedPlace
    from app.models.referents import Referent

    first, second = tmp_path / "poste-1", tmp_path / "poste-2"
    _pc(first, "demo", "--contacts", "3", "--seed", "1")
    _pc(first, "enroll", "--server", server.url, "--code", create_structure(server.database_url))
    _pc(first, "sync")
    _as_responsable(first, lambda ws: ws.portal.allow_domain("ccas-guise.fr", "aide sociale", "Camille R."))
    _pc(first, "sync")
    _pc(second, "demo", "--contacts", "3", "--seed", "2")
    _pc(second, "enroll", "--server", server.url, "--code", _code(server))
    _pc(second, "sync")
    workspace = open_workspace(second)
    try:
        assert workspace.portal.whitelist().allows("https://www.ccas-guise.fr/")
    finally:
        workspace.close()

    def change_the_directories(workspace) -> None:
        workspace.referents.save(
            Referent("caf", "Mme Martin", "03 23 00 00 01", "referente@caf.example.fr", "le mardi matin")
        )
        workspace.places.save(
            QualifiedPlace("Médiathèque", "2 rue Centrale", "Guise", "03 23 00 00 02", "mardi 14 h – 18 h")
        )
        workspace.portal.remove_domain("ccas-guise.fr")

    _as_responsable(first, change_the_directories)
    _pc(first, "sync")
    _pc(second, "sync")

    workspace = open_workspace(second)
    try:
        assert [(r.partner, r.name, r.phone, r.email, r.note) for r in workspace.referents.list()] == [
            ("caf", "Mme Martin", "03 23 00 00 01", "referente@caf.example.fr", "le mardi matin")
        ]
        assert [(p.name, p.address, p.commune, p.phone, p.hours) for p in workspace.places.list()] == [
            ("Médiathèque", "2 rue Centrale", "Guise", "03 23 00 00 02", "mardi 14 h – 18 h")
        ]
        assert not workspace.portal.whitelist().allows("https://www.ccas-guise.fr/")
        assert [v.deleted for v in workspace.shared.history("site/ccas-guise.fr")] == [True, False]
    finally:
        workspace.close()
