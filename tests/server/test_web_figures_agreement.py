"""The structure page's figures are the workstation's Synthèses: one aggregation, checked against a
real workstation synced to the real server."""

from datetime import UTC, datetime

from sqlalchemy import Engine

from app.models.demo import add_demo_contacts, ensure_demo_setup
from app.reports.aggregation import as_server_summary, summarise
from app.reports.periods import Period
from app.server.accounts import create_structure
from app.server.web.accounts import create_account
from app.server.web.format import number
from app.sync.engine import enroll
from tests.e2e.test_sync import add_contact_now, sync_until_done
from tests.live_server import unique_matricule
from tests.server.web_helpers import PASSWORD, WebDesk, log_in


def test_the_structure_page_shows_the_workstations_synthese(
    workspace, shared_web: WebDesk, shared_web_db: Engine
) -> None:
    server = shared_web.server
    matricule, login = unique_matricule(), f"synthese-{shared_web.matricule}@example.fr"
    code = create_structure(
        shared_web_db, matricule, "Thiérache Sambre et Oise", shared_web.departement, True
    )
    ensure_demo_setup(workspace)
    enroll(workspace, server.url, code)
    assert workspace.workstation.structure.matricule == matricule
    add_demo_contacts(workspace, 150, days=45, seed=7)
    add_contact_now(workspace)
    workspace.escalations.create(
        {
            "structure": matricule,
            "agent": "Julie M.",
            "partner": "caf",
            "situation": "allocation-logement",
            "channel": "email",
            "sent_at": datetime.now(UTC),
        }
    )
    sync_until_done(workspace)
    create_account(shared_web_db, login, PASSWORD, "structure", structure=matricule)
    http, answer = log_in(server, login)
    assert answer.status_code == 303
    local_now = datetime.now().astimezone()
    this_month = Period("month", local_now.year, local_now.month)
    for period in (this_month, this_month.previous()):
        ours = as_server_summary(summarise(workspace, period))
        shown = http.get(
            f"{server.url}/api/v1/stats/figures",
            params={"periode": period.slug, "structure": matricule},
            timeout=30,
        ).json()
        assert ours["total"] > 0
        assert {key: shown[key] for key in ours if key not in ("matricule", "month")} == {
            key: value for key, value in ours.items() if key not in ("matricule", "month")
        }, period.slug
        page = http.get(f"{server.url}/structures/{matricule}", params={"periode": period.slug}, timeout=30)
        assert (
            f'<th scope="row" class="fr-cell--multiline">Contacts</th>'
            f'<td class="bv-nombre">{number(ours["total"])}</td>'
        ) in page.text
