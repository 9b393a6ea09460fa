"""Join a structure: a new workstation enrols with a one-time code and receives the structure's records
(issue 14, point 1). PC1 records and syncs; PC2 joins through the first-start wizard (a cut network
midway, resumed), PC3 through `bureau-virtuel enroll`: all three count the same month as the server,
and have the same Pass numérique stock."""

import json
import os
import threading
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from app.models.demo import add_demo_contacts
from app.models.workspace import Workspace, open_workspace
from app.reports.aggregation import as_server_summary, summarise
from app.sync import pull
from app.sync.engine import run_pass
from app.sync.transport import ServerClient
from app.ui.setup_wizard import SetupWizard
from tests.chaos_proxy import ChaosProxy, Faults
from tests.conftest import run_cli
from tests.e2e.conftest import enrolled
from tests.e2e.test_pass_stock import _this_month
from tests.e2e.test_sync import add_contact_now, receive_booklet, sync_until_done
from tests.live_server import LiveServer, run_server_cli


def _code(server: LiveServer, matricule: str = "3") -> str:
    result = run_server_cli(server.database_url, "enrolment-code", "--matricule", matricule)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _on_server(server: LiveServer, matricule: str = "3") -> dict:
    answer = run_server_cli(
        server.database_url,
        "summary",
        "--matricule",
        matricule,
        "--month",
        _this_month().slug,
        "--format",
        "json",
    )
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout)


def _first_pc_works(workspace: Workspace, server: LiveServer) -> None:
    """Contacts, escalations (one answered) and a booklet of which three cheques go out, all sent."""
    enrolled(workspace, server)
    add_demo_contacts(workspace, 300, days=20, seed=14)
    who = {"structure": "3", "agent": "Julie M."}
    # This month's records are made now, not minutes before: in a month's first minutes (or before
    # the desk opens on its first day, for the demo's contacts) they would be last month's.
    now = datetime.now().astimezone()
    add_contact_now(workspace, now)
    for partner in ("caf", "dgfip"):
        sent = workspace.escalations.create(
            {
                **who,
                "partner": partner,
                "situation": "allocation-logement",
                "channel": "email",
                "sent_at": now,
            }
        )
    workspace.escalations.set_status(str(sent.id), "repondu", "Julie M.")
    receive_booklet(workspace, who)
    workspace.passes.hand_out(**who, cheques=["1001", "1002", "1003"], age_band="75-plus")
    sync_until_done(workspace)


def _agents(workspace: Workspace) -> list[tuple[str, str]]:
    return sorted((agent.name, agent.role) for agent in workspace.workstation.agents())


def _stock(workspace: Workspace) -> dict[str, str]:
    return dict(workspace.db.execute("SELECT number, state FROM pass_cheques ORDER BY number").fetchall())


def test_a_workstation_joins_through_the_wizard_and_another_through_the_command_line(
    workspace, tmp_path: Path, server: LiveServer, proxy: ChaosProxy, qtbot, monkeypatch
) -> None:
    """A server of its own: PC3 is refused a code first, and the lock-out counts refused codes from
    127.0.0.1, every test's address."""
    _first_pc_works(workspace, server)
    on_server = _on_server(server)
    assert on_server["total"] > 0 and on_server["escalations_sent"] == 2
    assert (
        on_server["pass_stock_left"] == 7
        and as_server_summary(summarise(workspace, _this_month())) == on_server
    )

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
        qtbot.waitUntil(lambda: not page.busy)
        assert "Code d'inscription inconnu" in page.message.text() and not page.enrolled
        assert second.workstation.structure is None  # nothing half-done

        page.code.setText(_code(server))
        seen: list[tuple[int, int]] = []
        page.sync.join_progress.connect(lambda done, total: seen.append((done, total)))
        fetch = ServerClient.pull_page
        fetched: list[int] = []

        def cut_after_two_pages(client: ServerClient, after: int, limit: int):
            page_read = fetch(client, after, limit)
            fetched.append(after)
            if len(fetched) == 2:
                proxy.cut(Faults(cut_request=1.0))  # the network goes: no further page arrives
            return page_read

        monkeypatch.setattr(ServerClient, "pull_page", cut_after_two_pages)
        page.start.click()
        qtbot.waitUntil(lambda: not page.busy, timeout=30_000)
        assert page.enrolled and not page.done
        (received,) = second.db.execute("SELECT count(*) FROM contacts WHERE origin IS NOT NULL").fetchone()
        assert received == 50  # the two pages that arrived
        assert f"reçues en partie ({received} enregistrements)" in page.message.text(), page.message.text()
        assert page.start.text() == "&Reprendre" and 0 < page.progress.value() < 100
        assert seen[0][0] < seen[1][0] < seen[1][1] == seen[0][1]  # the cursor moves towards last_seq
        assert second.workstation.structure.matricule == "3"

        # The network is back: the next pass resumes where the join stopped, then the wizard finishes.
        monkeypatch.setattr(ServerClient, "pull_page", fetch)
        proxy.faults = Faults()
        report = run_pass(second, pull_reference=False)
        assert report.error is None and report.pulled == 300 + 1 + 2 + 1 + 1 + 1 + 1 - received
        page.start.click()
        qtbot.waitUntil(lambda: page.done, timeout=30_000)
        assert page.progress.value() == 100
        assert "0 enregistrement reçu" in page.message.text()
        # The structure's agents came with it (shared settings): no agent to type, the join page is the last.
        assert page.nextId() == -1
        back = wizard.button(QWizard.WizardButton.BackButton)
        assert not (back.isVisible() and back.isEnabled())  # the structure is the server's: no way back
        assert _agents(second) == _agents(workspace)
        wizard.button(QWizard.WizardButton.FinishButton).click()
        assert wizard.result() == QWizard.DialogCode.Accepted
        assert second.workstation.is_set_up and second.workstation.structure.matricule == "3"
        assert as_server_summary(summarise(second, _this_month())) == on_server
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
    assert "307 enregistrements reçus des autres postes." in joined.stdout  # PC2 sent nothing
    pc3 = open_workspace(third)
    try:
        assert as_server_summary(summarise(pc3, _this_month())) == on_server
        assert _stock(pc3) == _stock(workspace)
    finally:
        pc3.close()
    added = run_cli("contacts", "add", "--situation", "declarer-impots", data_dir=third, env=env)
    assert added.returncode == 0, added.stderr


def test_the_wizard_asks_for_no_agent_when_the_structure_brings_some(
    workspace, tmp_path: Path, shared_server: LiveServer, shared_proxy: ChaosProxy, own_matricule: str, qtbot
) -> None:
    """Agents travel with the structure (shared settings): the joined workstation has them, so the
    join page is the last one and a responsable of the structure is the current agent."""
    server, proxy = shared_server, shared_proxy
    enrolled(workspace, server, matricule=own_matricule)
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
        page.code.setText(_code(server, own_matricule))
        page.start.click()
        qtbot.waitUntil(lambda: not page.busy, timeout=30_000)
        assert page.done, page.message.text()
        assert _agents(joining) == _agents(workspace)
        assert page.nextId() == -1 and wizard.button(QWizard.WizardButton.FinishButton).isVisible()
        wizard.button(QWizard.WizardButton.FinishButton).click()
        assert wizard.result() == QWizard.DialogCode.Accepted
        workstation = joining.workstation
        assert workstation.is_set_up and workstation.current_agent.name == "Camille R."
        assert as_server_summary(summarise(joining, _this_month())) == as_server_summary(
            summarise(workspace, _this_month())
        )
    finally:
        joining.close()


def test_the_wizard_receives_in_the_background_and_annuler_stops_where_reprendre_goes_on(
    workspace, tmp_path: Path, shared_server: LiveServer, own_matricule: str, qtbot, monkeypatch
) -> None:
    """Thousands of records in pages of 50: the worker receives them while the window answers (the
    bar moves and Annuler is heard while the worker waits for a page); Annuler stops after the page
    under way and keeps the wizard open; "Reprendre" goes on from the cursor, nothing twice."""
    server = shared_server
    enrolled(workspace, server, matricule=own_matricule)
    add_demo_contacts(workspace, 2000, days=60, seed=41)
    sync_until_done(workspace)
    monkeypatch.setattr(pull, "PAGE_RECORDS", 50)
    fetch, fetched, release = ServerClient.pull_page, [], threading.Event()

    def fourth_page_waits(client: ServerClient, after: int, limit: int):
        fetched.append(after)
        if len(fetched) == 4:  # in the worker's page fetcher, never on the GUI thread
            assert release.wait(60)
        return fetch(client, after, limit)

    monkeypatch.setattr(ServerClient, "pull_page", fourth_page_waits)
    joining = open_workspace(tmp_path / "poste-2")
    wizard = SetupWizard(joining.workstation, workspace=joining)
    qtbot.addWidget(wizard)
    try:
        wizard.show()
        wizard.mode_page.join.setChecked(True)
        wizard.next()
        page = wizard.join_page
        page.server.setText(server.url)
        page.code.setText(_code(server, own_matricule))
        page.start.click()
        # The worker waits for its fourth page; the window has shown the pages before it.
        qtbot.waitUntil(lambda: len(fetched) == 4 and page.progress.value() > 0, timeout=30_000)
        assert page.busy and not page.start.isEnabled()
        cancel = wizard.button(QWizard.WizardButton.CancelButton)
        assert cancel.isEnabled() and "Interrompt la réception" in cancel.toolTip()
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        release.set()
        qtbot.waitUntil(lambda: not page.busy, timeout=30_000)
        assert wizard.isVisible() and not page.done  # Annuler stopped the reception, not the wizard
        assert "Réception interrompue à votre demande." in page.message.text(), page.message.text()
        assert page.start.text() == "&Reprendre" and page.start.isEnabled()
        first = _received(joining)
        assert f"reçues en partie ({first} enregistrements)" in page.message.text()
        assert 0 < first < 2000 and 0 < page.progress.value() < 100

        page.start.click()
        qtbot.waitUntil(lambda: page.done, timeout=60_000)
        assert f"{2000 - first} enregistrements reçus des autres postes." in page.message.text()
        assert _received(joining) == 2000
        assert as_server_summary(summarise(joining, _this_month())) == _on_server(server, own_matricule)
        wizard.button(QWizard.WizardButton.FinishButton).click()
        assert wizard.result() == QWizard.DialogCode.Accepted and page.sync is None  # the worker ended
    finally:
        release.set()
        wizard.join_page.shut_down()  # a failed assertion leaves no thread running
        joining.close()


def _received(workspace: Workspace) -> int:
    """Contacts received from the structure's other workstations (each id once: it is the key)."""
    (count,) = workspace.db.execute("SELECT count(*) FROM contacts WHERE origin IS NOT NULL").fetchone()
    return count
