"""Join a structure: a new workstation enrols with a one-time code and receives the structure's records
(issue 14, point 1). PC1 records and syncs; PC2 joins through the first-start wizard (a cut network
midway, resumed), PC3 through `bureau-virtuel enroll`: all three count the same month as the server,
and have the same Pass numérique stock."""

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QWizard

from app.models.demo import add_demo_contacts
from app.models.pass_numerique import parse_cheque_numbers
from app.models.workspace import Workspace, open_workspace
from app.reports.aggregation import as_server_summary, summarise
from app.reports.periods import Period
from app.sync import pull
from app.sync.engine import run_pass
from app.ui.setup_wizard import SetupWizard
from tests.chaos_proxy import ChaosProxy, Faults
from tests.conftest import run_cli
from tests.e2e.conftest import enrolled
from tests.e2e.test_sync import sync_until_done
from tests.live_server import LiveServer, run_server_cli

MONTH = Period("month", datetime.now().year, datetime.now().month)


def _code(server: LiveServer) -> str:
    result = run_server_cli(server.database_url, "enrolment-code", "--matricule", "3")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _on_server(server: LiveServer) -> dict:
    answer = run_server_cli(
        server.database_url, "summary", "--matricule", "3", "--month", MONTH.slug, "--format", "json"
    )
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout)


def _first_pc_works(workspace: Workspace, server: LiveServer) -> None:
    """Contacts, escalations (one answered) and a booklet of which three cheques go out, all sent."""
    enrolled(workspace, server)
    add_demo_contacts(workspace, 300, days=20, seed=14)
    who = {"structure": "3", "agent": "Julie M."}
    now = datetime.now().astimezone()
    for partner in ("caf", "dgfip"):
        sent = workspace.escalations.create(
            {
                **who,
                "partner": partner,
                "situation": "allocation-logement",
                "channel": "email",
                "sent_at": now - timedelta(minutes=3),
            }
        )
    workspace.escalations.set_status(str(sent.id), "repondu", "Julie M.")
    cheques = parse_cheque_numbers("1001-1010")
    workspace.passes.receive_booklet(
        **who,
        funder="Conseil départemental de l'Aisne",
        booklet="C-1",
        cheques=cheques,
        booklet_size=len(cheques),
        valid_until=now.date() + timedelta(days=200),
    )
    workspace.passes.hand_out(**who, cheques=["1001", "1002", "1003"], age_band="75-plus")
    sync_until_done(workspace)


def _agents(workspace: Workspace) -> list[tuple[str, str]]:
    return sorted((agent.name, agent.role) for agent in workspace.workstation.agents())


def _stock(workspace: Workspace) -> dict[str, str]:
    return dict(workspace.db.execute("SELECT number, state FROM pass_cheques ORDER BY number").fetchall())


def test_a_workstation_joins_through_the_wizard_and_another_through_the_command_line(
    workspace, tmp_path: Path, server: LiveServer, proxy: ChaosProxy, qtbot, monkeypatch
) -> None:
    _first_pc_works(workspace, server)
    on_server = _on_server(server)
    assert on_server["total"] > 0 and on_server["escalations_sent"] == 2
    assert on_server["pass_stock_left"] == 7 and as_server_summary(summarise(workspace, MONTH)) == on_server

    # PC2: the wizard, through a proxy (its own address: the tests' keyring keys tokens by server).
    monkeypatch.setattr(pull, "PAGE_RECORDS", 25)  # several pages: a bar that moves, a cut between two
    second = open_workspace(tmp_path / "poste-2")
    try:
        wizard = SetupWizard(second.workstation, workspace=second)
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.mode_page.join.setChecked(True)
        wizard.next()
        page = wizard.join_page
        assert wizard.currentPage() is page and not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
        page.server.setText(proxy.url)
        page.code.setText("AAAA-BBBB-CCCC")
        page.start.click()
        assert "Code d'inscription inconnu" in page.message.text() and not page.enrolled
        assert second.workstation.structure is None  # nothing half-done

        page.code.setText(_code(server))
        seen: list[tuple[int, int]] = []
        show = page._progress

        def cut_after_two_pages(done: int, total: int) -> None:
            show(done, total)
            seen.append((done, total))
            if len(seen) == 2:
                proxy.cut(Faults(cut_request=1.0))  # the network goes: no further page arrives

        page._progress = cut_after_two_pages
        page.start.click()
        assert page.enrolled and not page.done
        (received,) = second.db.execute("SELECT count(*) FROM contacts WHERE origin IS NOT NULL").fetchone()
        assert 50 <= received < 300  # two pages, and the one fetched ahead if it arrived before the cut
        assert f"reçues en partie ({received} enregistrements)" in page.message.text(), page.message.text()
        assert page.start.text() == "&Reprendre" and 0 < page.progress.value() < 100
        assert seen[0][0] < seen[1][0] < seen[1][1] == seen[0][1]  # the cursor moves towards last_seq
        assert second.workstation.structure.matricule == "3"

        # The network is back: the next pass resumes where the join stopped, then the wizard finishes.
        proxy.faults = Faults()
        report = run_pass(second, pull_reference=False)
        assert report.error is None and report.pulled == 300 + 2 + 1 + 1 + 1 + 1 - received
        page._progress = show
        page.start.click()
        assert page.done and page.progress.value() == 100
        assert "0 enregistrement reçu" in page.message.text()
        # The structure's agents came with it (shared settings): no agent to type, the join page is the last.
        assert page.nextId() == -1
        back = wizard.button(QWizard.WizardButton.BackButton)
        assert not (back.isVisible() and back.isEnabled())  # the structure is the server's: no way back
        assert _agents(second) == _agents(workspace)
        wizard.button(QWizard.WizardButton.FinishButton).click()
        assert wizard.result() == QWizard.DialogCode.Accepted
        assert second.workstation.is_set_up and second.workstation.structure.matricule == "3"
        assert as_server_summary(summarise(second, MONTH)) == on_server
        assert _stock(second) == _stock(workspace)
        assert second.passes.summary().available == workspace.passes.summary().available == 7
    finally:
        second.close()

    # PC3: the command line, on a workstation never set up.
    third = tmp_path / "poste-3"
    env = {**os.environ, "BUREAU_VIRTUEL_TEST_KEYRING": str(tmp_path / "poste-3.keyring.json")}
    refused = run_cli("enroll", "--server", server.url, "--code", "AAAA-BBBB-CCCC", data_dir=third, env=env)
    assert refused.returncode != 0 and "Code d'inscription inconnu" in refused.stderr
    assert "Réception" not in refused.stderr
    joined = run_cli(
        "enroll",
        "--server",
        server.url,
        "--code",
        _code(server),
        "--agent",
        "Julie M.",
        data_dir=third,
        env=env,
    )
    assert joined.returncode == 0, joined.stderr
    assert "Agent de ce poste : Julie M." in joined.stdout  # one of the agents the structure brought
    assert "Réception des données de la structure : 100 %" in joined.stderr
    assert "306 enregistrements reçus des autres postes." in joined.stdout  # PC2 sent nothing
    pc3 = open_workspace(third)
    try:
        assert as_server_summary(summarise(pc3, MONTH)) == on_server
        assert _stock(pc3) == _stock(workspace)
    finally:
        pc3.close()
    added = run_cli("contacts", "add", "--situation", "declarer-impots", data_dir=third, env=env)
    assert added.returncode == 0, added.stderr


def test_the_wizard_asks_for_no_agent_when_the_structure_brings_some(
    workspace, tmp_path: Path, server: LiveServer, proxy: ChaosProxy, qtbot
) -> None:
    """Agents travel with the structure (shared settings): the joined workstation has them, so the
    join page is the last one and a responsable of the structure is the current agent."""
    enrolled(workspace, server)
    add_demo_contacts(workspace, 20, days=5, seed=3)
    sync_until_done(workspace)
    joining = open_workspace(tmp_path / "poste-2")
    try:
        wizard = SetupWizard(joining.workstation, workspace=joining)
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.mode_page.join.setChecked(True)
        wizard.next()
        page = wizard.join_page
        page.server.setText(proxy.url)
        page.code.setText(_code(server))
        page.start.click()
        assert page.done, page.message.text()
        assert _agents(joining) == _agents(workspace)
        assert page.nextId() == -1 and wizard.button(QWizard.WizardButton.FinishButton).isVisible()
        wizard.button(QWizard.WizardButton.FinishButton).click()
        assert wizard.result() == QWizard.DialogCode.Accepted
        workstation = joining.workstation
        assert workstation.is_set_up and workstation.current_agent.name == "Camille R."
        assert as_server_summary(summarise(joining, MONTH)) == as_server_summary(summarise(workspace, MONTH))
    finally:
        joining.close()
