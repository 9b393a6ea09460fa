"""The pass's sentence counts contacts as contacts, and names the other kinds it sent."""

from datetime import datetime, timedelta

from app.models.demo import add_demo_contacts
from app.sync.engine import run_pass
from tests.e2e.conftest import enrolled


def test_contacts_envoyes_counts_contacts_only(workspace, shared_server, own_matricule, test_keyring) -> None:
    enrolled(workspace, shared_server, matricule=own_matricule)
    add_demo_contacts(workspace, 3, days=2, seed=5)
    for partner in ("caf", "dgfip"):
        workspace.escalations.create(
            {
                "structure": own_matricule,
                "agent": "Julie M.",
                "partner": partner,
                "situation": "allocation-logement",
                "channel": "email",
                "sent_at": datetime.now().astimezone() - timedelta(minutes=3),
            }
        )
    report = run_pass(workspace, force=True)
    sentence = report.summary()
    assert report.error is None, sentence
    assert sentence.startswith("3 contacts envoyés, 2 sollicitations envoyées"), sentence
    assert "0 en attente" in sentence
