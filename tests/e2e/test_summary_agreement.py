"""The workstation's summary and the reporting server's give the same numbers for the same records."""

import json
from datetime import UTC, datetime, timedelta

from app.models.demo import add_demo_contacts
from app.models.pass_numerique import parse_cheque_numbers
from app.reports.aggregation import as_server_summary, summarise
from app.reports.periods import Period
from tests.e2e.conftest import enrolled
from tests.e2e.test_sync import sync_until_done
from tests.live_server import run_server_cli


def test_the_workstation_and_the_server_agree_month_by_month(workspace, shared_server, own_matricule) -> None:
    enrolled(workspace, shared_server, matricule=own_matricule)
    structure = workspace.workstation.structure.matricule
    who = {"structure": structure, "agent": "Julie M."}
    local_now = datetime.now().astimezone()
    this_month = Period("month", local_now.year, local_now.month)
    last_month = this_month.previous()
    now = datetime.now(UTC)
    month_start = datetime(local_now.year, local_now.month, 1, tzinfo=UTC)

    add_demo_contacts(workspace, 400, days=45, seed=11)  # agents, stops, partners, over both months
    base = {
        **workspace.workstation.contact_defaults(),
        "situation": "demenagement",
        "partners": ["la-poste", "caf", "dgfip"],
        "channel": "domicile",
        "help_kind": "constitution-dossier",
        "outcome": "attente-referent",
        "duration_minutes": 45,
        "non_recours": True,
    }
    # On the edges of the month, on devices at other offsets than this one.
    workspace.contacts.add(
        {**base, "occurred_at": month_start - timedelta(minutes=30), "utc_offset_minutes": 60}
    )
    workspace.contacts.add(
        {**base, "occurred_at": month_start - timedelta(minutes=30), "utc_offset_minutes": 0}
    )
    workspace.contacts.add(
        {**base, "occurred_at": month_start + timedelta(hours=3), "utc_offset_minutes": -300}
    )
    corrected = workspace.contacts.add({**base, "occurred_at": now - timedelta(minutes=5)})
    workspace.contacts.correct(
        str(corrected.id), {**base, "outcome": "resolu", "occurred_at": now - timedelta(minutes=5)}
    )
    removed = workspace.contacts.add({**base, "occurred_at": now - timedelta(minutes=4)})
    workspace.contacts.delete(str(removed.id))

    # Escalations whose lateness does not depend on when each side counts: waiting ones sent just now,
    # and answered ones (their answer time is in the record).
    def escalation(partner: str, sent_at: datetime):
        return workspace.escalations.create(
            {
                **who,
                "partner": partner,
                "situation": "allocation-logement",
                "channel": "email",
                "sent_at": sent_at,
            }
        )

    escalation("caf", now - timedelta(minutes=3))
    answered = escalation("dgfip", now - timedelta(minutes=3))
    workspace.escalations.set_status(str(answered.id), "repondu", "Julie M.")
    early = escalation("caf", min(month_start + timedelta(hours=12), now - timedelta(minutes=2)))
    workspace.escalations.set_status(str(early.id), "clos", "Julie M.")
    last_months = escalation("msa", month_start - timedelta(days=10))
    workspace.escalations.set_status(str(last_months.id), "repondu", "Julie M.")

    passes = workspace.passes
    for booklet, numbers, received_on in (
        ("C-1", "1001-1010", last_month.start + timedelta(days=3)),
        ("C-2", "2001-2005", None),
    ):
        cheques = parse_cheque_numbers(numbers)
        passes.receive_booklet(
            **who,
            funder="Conseil départemental de l'Aisne",
            booklet=booklet,
            cheques=cheques,
            booklet_size=len(cheques),
            valid_until=this_month.end + timedelta(days=200),
            received_on=received_on,
        )
    passes.hand_out(**who, cheques=["1001", "1002", "1003"], age_band="75-plus")
    passes.hand_out(**who, cheques=["1004", "2001"])
    passes.return_to_stock(**who, cheques=["2001"], reason="erreur")
    passes.cancel(**who, cheques=["1010"], reason="abime")

    sync_until_done(workspace)
    for period in (this_month, last_month):
        answer = run_server_cli(
            shared_server.database_url,
            "summary",
            "--matricule",
            structure,
            "--month",
            period.slug,
            "--format",
            "json",
        )
        assert answer.returncode == 0, answer.stderr
        ours = as_server_summary(summarise(workspace, period))
        assert ours["total"] > 0 and ours["pass_stock_left"] > 0
        # Same keys, same values, same order of keys and of each breakdown: the same bytes.
        assert json.dumps(ours, ensure_ascii=False, indent=2) + "\n" == answer.stdout, period.slug
    ours = as_server_summary(summarise(workspace, this_month))
    assert ours["escalations_sent"] == 3 and ours["escalations_answered"] == 2
    assert (ours["pass_cheques_handed_out"], ours["pass_stock_left"]) == (5, 10)
