"""Monthly aggregates: exact numbers over current records, the same bytes from HTTP and the CLI.

The escalations here are all closed, so their figures do not depend on the real now (see
test_escalations.py for waiting ones, with the moment of the computation fixed)."""

from datetime import UTC, datetime

import pytest

from tests.live_server import run_server_cli
from tests.server.helpers import (
    bearer,
    contact,
    enrol,
    escalation,
    items,
    post_records,
    status_change,
    statuses,
)

EXPECTED = {
    "matricule": "3",  # the test compares with its own structure's matricule in its place
    "month": "2026-11",
    "total": 4,
    "by_partner": {"caf": 2, "dgfip": 1, "france-travail": 1, "la-poste": 1, "msa": 1},
    "by_situation": {"chercher-emploi": 1, "declarer-impots": 1, "demenagement": 1, "naissance": 1},
    "by_channel": {"sur-place": 2, "telephone": 2},
    "by_outcome": {"oriente": 2, "attente-referent": 1, "resolu": 1},
    "by_place": {"Guise": 2, "Wassigny": 1, "Étreux": 1},
    "by_help_kind": {"information": 2, "demarche-en-ligne": 1, "orientation": 1},
    "by_agent": {"Julie M.": 3, "Karim B.": 1},
    "non_recours": 1,
    "pass_numerique": 1,
    "escalations_sent": 2,
    "escalations_answered": 2,
    "escalations_late": 1,
    "escalations_by_partner": {"caf": 1, "msa": 1},
    "pass_issuances": 0,
    "pass_cheques_received": 0,
    "pass_cheques_handed_out": 0,
    "pass_value_handed_out_cents": 0,
    "pass_cheques_returned": 0,
    "pass_cheques_cancelled": 0,
    "pass_stock_left": 0,
}

EXPECTED_CSV = (
    "\ufeffindicateur;valeur;nombre\r\n"
    "total;;4\r\n"
    "partenaire;caf;2\r\npartenaire;dgfip;1\r\npartenaire;france-travail;1\r\npartenaire;la-poste;1\r\n"
    "partenaire;msa;1\r\n"
    "situation;chercher-emploi;1\r\nsituation;declarer-impots;1\r\nsituation;demenagement;1\r\n"
    "situation;naissance;1\r\n"
    "canal;sur-place;2\r\ncanal;telephone;2\r\n"
    "issue;oriente;2\r\nissue;attente-referent;1\r\nissue;resolu;1\r\n"
    "lieu;Guise;2\r\nlieu;Wassigny;1\r\nlieu;Étreux;1\r\n"
    "type_aide;information;2\r\ntype_aide;demarche-en-ligne;1\r\ntype_aide;orientation;1\r\n"
    "agent;Julie M.;3\r\nagent;Karim B.;1\r\n"
    "non_recours;;1\r\npass_numerique;;1\r\n"
    "escalations_envoyees;;2\r\nescalations_repondues;;2\r\nescalations_en_retard;;1\r\n"
    "escalation_partenaire;caf;1\r\nescalation_partenaire;msa;1\r\n"
    "pass_remises;;0\r\npass_cheques_recus;;0\r\npass_cheques_remis;;0\r\n"
    "pass_valeur_remise_centimes;;0\r\npass_cheques_retournes;;0\r\npass_cheques_annules;;0\r\n"
    "pass_stock_restant;;0\r\n"
)


@pytest.fixture
def november(shared_server, http, shared_token, new_structure) -> None:
    """The test's structure's records, sent in an order where corrections arrive before what they
    correct."""
    counted = contact(non_recours=True)
    moved = contact(
        situation="demenagement",
        partners=["la-poste", "caf"],
        channel="telephone",
        help_kind="demarche-en-ligne",
        outcome="oriente",
        place="Wassigny",
        agent="Karim B.",
        pass_numerique=True,
    )
    original = contact(situation="naissance", partners=["caf"])
    correction = contact(
        situation="naissance", partners=["caf", "msa"], outcome="attente-referent", supersedes=original["id"]
    )
    removed = contact()
    tombstone = contact(deleted=True, supersedes=removed["id"])
    # 31 October 23:30 UTC is 1 November 00:30 in Paris: a November contact on the agent's wall clock.
    first_of_month = contact(
        occurred_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
        situation="chercher-emploi",
        partners=["france-travail"],
        channel="telephone",
        help_kind="orientation",
        outcome="oriente",
        place="Étreux",
    )
    december = contact(occurred_at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    # Sent Monday 2 November at 10:00 in Paris, answered and closed on Wednesday 4: on time.
    answered = escalation(sent_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    answer = status_change(answered, "clos", datetime(2026, 11, 4, 8, 0, tzinfo=UTC))
    # Sent Tuesday 10 November at 10:00 (the 11th is a holiday), closed on Monday 16 at 13:00: late.
    closed = escalation(partner="msa")
    closure = status_change(closed, "clos", datetime(2026, 11, 16, 12, 0, tzinfo=UTC))
    assert (
        statuses(post_records(http, shared_server, shared_token, items(answer, closed, kind="escalation")))
        == ["accepted"] * 2
    )
    assert (
        statuses(post_records(http, shared_server, shared_token, items(answered, closure, kind="escalation")))
        == ["accepted"] * 2
    )
    assert (
        statuses(
            post_records(http, shared_server, shared_token, items(counted, correction, removed, december))
        )
        == ["accepted"] * 4
    )
    assert (
        statuses(
            post_records(http, shared_server, shared_token, items(moved, original, tombstone, first_of_month))
        )
        == ["accepted"] * 4
    )

    # Another structure's records never count for this one, even one that claims to supersede one.
    avesnes = new_structure("Avesnes", "59", itinerant=False)
    other = enrol(http, shared_server, avesnes.code).json()["token"]
    foreign = [
        contact(structure=avesnes.matricule),
        contact(structure=avesnes.matricule, supersedes=counted["id"]),
    ]
    assert statuses(post_records(http, shared_server, other, items(*foreign))) == ["accepted", "accepted"]


def summary(http, server, token, matricule: str, month: str = "2026-11", output: str = "json"):
    return http.get(
        f"{server.url}/api/v1/structures/{matricule}/summary",
        params={"month": month, "format": output},
        headers=bearer(token),
        timeout=30,
    )


def test_summary_counts_current_records_of_the_local_month(
    shared_server, http, shared_token, structure, november
) -> None:
    response = summary(http, shared_server, shared_token, structure.matricule)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {**EXPECTED, "matricule": structure.matricule}
    assert list(response.json()) == list(EXPECTED)
    for key in EXPECTED:
        if isinstance(EXPECTED[key], dict):
            assert list(response.json()[key]) == list(EXPECTED[key]), key
    december = summary(http, shared_server, shared_token, structure.matricule, month="2026-12").json()
    assert december["total"] == 1
    assert (
        summary(http, shared_server, shared_token, structure.matricule, month="2027-01").json()["by_partner"]
        == {}
    )


def test_summary_csv_is_for_a_spreadsheet(shared_server, http, shared_token, structure, november) -> None:
    response = summary(http, shared_server, shared_token, structure.matricule, output="csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8") == EXPECTED_CSV


def test_cli_summary_is_the_http_summary(shared_server, http, shared_token, structure, november) -> None:
    for output in ("json", "csv"):
        printed = run_server_cli(
            shared_server.database_url,
            "summary",
            "--matricule",
            structure.matricule,
            "--month",
            "2026-11",
            "--format",
            output,
            text=False,
        )
        assert printed.returncode == 0, printed.stderr
        assert (
            printed.stdout
            == summary(http, shared_server, shared_token, structure.matricule, output=output).content
        )


def test_summary_of_another_structure_is_forbidden(shared_server, http, shared_token, new_structure) -> None:
    avesnes = new_structure("Avesnes", "59", itinerant=False)
    response = summary(http, shared_server, shared_token, avesnes.matricule)
    assert response.status_code == 403
    assert response.json()["detail"]["code"] == "forbidden"
    assert "structure" in response.json()["detail"]["message"]


def test_summary_needs_a_valid_month(shared_server, http, shared_token, structure) -> None:
    response = summary(http, shared_server, shared_token, structure.matricule, month="2026-13")
    assert response.status_code == 400
    assert response.json()["detail"] == {
        "code": "bad_request",
        "message": "Mois invalide : « 2026-13 » (format attendu : AAAA-MM).",
    }


@pytest.mark.parametrize("order", ["earlier-first", "later-first"])
def test_of_two_corrections_of_one_contact_the_later_counts(
    shared_server, http, shared_token, structure, order
) -> None:
    """Two workstations offline correct one contact: whatever the order they arrive in, the later
    (created_at, id) is current and the contact counts once."""
    original = contact()
    kept = {key: value for key, value in original.items() if key not in ("id", "supersedes")}
    earlier = contact(**{**kept, "supersedes": original["id"], "outcome": "oriente"})
    later = contact(
        **{
            **kept,
            "supersedes": original["id"],
            "outcome": "attente-referent",
            "created_at": datetime(2026, 11, 10, 10, 30, tzinfo=UTC),
        }
    )
    batches = [[earlier], [later]] if order == "earlier-first" else [[later], [earlier]]
    assert statuses(post_records(http, shared_server, shared_token, items(original))) == ["accepted"]
    for batch in batches:
        assert statuses(post_records(http, shared_server, shared_token, items(*batch))) == ["accepted"]
    answer = summary(http, shared_server, shared_token, structure.matricule).json()
    assert answer["total"] == 1
    assert answer["by_outcome"] == {"attente-referent": 1}
