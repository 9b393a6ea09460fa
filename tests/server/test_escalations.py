"""Escalations over real HTTP: the same ingest guarantees as contacts, ids unique across kinds, and
the summary's escalation figures against a known set, with the moment of the computation fixed."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from app.server import content
from app.server.database import open_database
from app.server.ingest import ingest
from app.server.schema import escalations, records, waiting_escalations
from app.server.summary import monthly_summary
from app.server.wire import wire_record
from tests.server.helpers import (
    contact,
    count,
    enrol,
    escalation,
    items,
    post_records,
    status_change,
    statuses,
    workstations,
)


def test_escalations_are_accepted_once_and_checked(
    shared_server, http, structure, shared_token, shared_db
) -> None:
    sent = escalation()
    assert statuses(post_records(http, shared_server, shared_token, items(sent, kind="escalation"))) == [
        "accepted"
    ]

    unknown_status = escalation(status="en-attente")
    unknown_status["status"] = "perdu"
    answered_before_sending = escalation()
    answered_before_sending["answered_at"] = "2026-11-09T09:00:00Z"
    with_identity = {**escalation(), "nom": "Dupont"}
    other_structure = escalation(structure="59")
    batch = [
        *items(sent, {**sent, "status": "repondu"}, unknown_status, kind="escalation"),
        *items(answered_before_sending, with_identity, other_structure, kind="escalation"),
        {"kind": "escalation"},
        {"kind": ["escalation"], "record": escalation()},
    ]
    answer = post_records(http, shared_server, shared_token, batch)
    results = answer.json()["results"]
    assert statuses(answer) == ["duplicate"] + ["rejected"] * 7
    assert results[1] == {
        "id": sent["id"],
        "status": "rejected",
        "code": "conflict",
        "reason": "Une autre sollicitation portant le même identifiant a déjà été reçue.",
    }
    assert results[2] == {
        "id": unknown_status["id"],
        "status": "rejected",
        "code": "invalid",
        "reason": "Statut inconnu(e) : « perdu ».",
    }
    assert results[3]["reason"] == "La date de réponse précède la date d'envoi."
    assert results[4]["reason"] == "Champ non prévu : « nom ». Aucune donnée personnelle n'est acceptée."
    assert results[5]["code"] == "wrong_structure"
    assert results[5]["reason"] == (
        f"Cette sollicitation appartient à la structure « 59 », pas à celle de ce poste (« {structure.matricule} »)."
    )
    assert results[6] == {
        "id": None,
        "status": "rejected",
        "code": "invalid",
        "reason": "Contenu de la sollicitation absent ou mal formé.",
    }
    assert results[7]["code"] == "invalid"
    assert results[7]["reason"] == (
        "Type d'élément inconnu : « ['escalation'] » "
        "(« contact », « escalation », « pass_ledger », « pass_issuance » ou « setting » attendu)."
    )

    assert count(shared_db, escalations) == 1
    with shared_db.connect() as connection:
        row = connection.execute(select(escalations).where(escalations.c.id == sent["id"])).one()
    assert wire_record("escalation", row._mapping) == sent  # a conflict never overwrites
    assert (row.sent_at, row.local_month, row.status, row.answered_at) == (
        "2026-11-10T09:00:00Z",
        "2026-11",
        "en-attente",
        None,
    )
    assert (row.partner, row.channel, row.agent, row.deleted) == (
        "caf",
        "administration-plus",
        "Julie M.",
        False,
    )


def test_an_id_is_unique_across_kinds(shared_server, http, shared_token, shared_db) -> None:
    a_contact = contact()
    an_escalation = escalation()
    first = [{"kind": "contact", "record": a_contact}, {"kind": "escalation", "record": an_escalation}]
    assert statuses(post_records(http, shared_server, shared_token, first)) == ["accepted", "accepted"]

    same_in_one_batch = contact()
    reused = [
        {"kind": "escalation", "record": escalation(id=a_contact["id"])},
        {"kind": "contact", "record": contact(id=an_escalation["id"])},
        {"kind": "contact", "record": same_in_one_batch},
        {"kind": "escalation", "record": escalation(id=same_in_one_batch["id"])},
    ]
    results = post_records(http, shared_server, shared_token, reused).json()["results"]
    assert [(result["status"], result.get("code")) for result in results] == [
        ("rejected", "conflict"),
        ("rejected", "conflict"),
        ("accepted", None),
        ("rejected", "conflict"),
    ]
    assert (
        results[0]["reason"]
        == "Un autre enregistrement (contact) portant le même identifiant a déjà été reçu."
    )
    assert results[1]["reason"] == (
        "Un autre enregistrement (sollicitation) portant le même identifiant a déjà été reçu."
    )
    assert (count(shared_db, records), count(shared_db, escalations)) == (2, 1)


def test_a_mixed_batch_answers_in_order_and_stores_each_kind(
    shared_server, http, shared_token, shared_db
) -> None:
    two_partners = contact(situation="demenagement", partners=["la-poste", "caf"])
    batch = [
        {"kind": "escalation", "record": escalation(partner="msa")},
        {"kind": "contact", "record": two_partners},
        {"kind": "rendez-vous", "record": contact()},
        {"kind": "escalation", "record": escalation(channel="telephone")},
        {"kind": "contact", "record": contact()},
        {"kind": "escalation", "record": escalation(channel="fax")},
    ]
    answer = post_records(http, shared_server, shared_token, batch)
    assert statuses(answer) == ["accepted", "accepted", "rejected", "accepted", "accepted", "rejected"]
    assert [result["id"] for result in answer.json()["results"]] == [item["record"]["id"] for item in batch]
    assert "rendez-vous" in answer.json()["results"][2]["reason"]
    assert answer.json()["results"][5]["reason"] == "Canal inconnu(e) : « fax »."
    assert (count(shared_db, records), count(shared_db, escalations)) == (2, 2)
    assert statuses(post_records(http, shared_server, shared_token, batch)) == [
        "duplicate",
        "duplicate",
        "rejected",
        "duplicate",
        "duplicate",
        "rejected",
    ]


def test_batch_limits_count_every_kind(shared_server, http, shared_token, shared_db) -> None:
    mixed = [
        *items(*(contact() for _ in range(250))),
        *items(*(escalation() for _ in range(251)), kind="escalation"),
    ]
    response = post_records(http, shared_server, shared_token, mixed)
    assert response.status_code == 413
    assert (count(shared_db, records), count(shared_db, escalations)) == (0, 0)
    assert statuses(post_records(http, shared_server, shared_token, mixed[1:])) == ["accepted"] * 500
    assert (count(shared_db, records), count(shared_db, escalations)) == (249, 251)


def test_concurrent_batches_reusing_ids_across_kinds_store_each_id_once(
    shared_server, http, shared_token, shared_db
) -> None:
    as_contacts = [contact() for _ in range(150)]
    as_escalations = [escalation(id=record["id"]) for record in as_contacts]
    answers: list[list[str]] = []

    def send(batch: list[dict]) -> None:
        answers.append(statuses(post_records(http, shared_server, shared_token, batch)))

    senders = [
        threading.Thread(target=send, args=(batch,))
        for batch in (items(*as_contacts), items(*as_escalations, kind="escalation")) * 2
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert len(answers) == 4
    assert sum(answer.count("accepted") for answer in answers) == 150
    assert count(shared_db, records) + count(shared_db, escalations) == 150


# The known set. Structure 3 is in the Aisne (02), Paris time (UTC+1 in November); in November 2026 the
# 11th (a Wednesday) is a public holiday. Deadlines are 72 business hours after sending.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # Wednesday 25 November, 10:30 in Paris


@pytest.fixture
def escalations_of_november(shared_server, http, shared_token, new_structure) -> dict[str, dict]:
    """Structure 3's escalations, a status change sent before the escalation it changes."""
    sent = {
        # Friday 20 Nov 10:00: the weekend does not count, deadline Wednesday 25 Nov 10:00: late at NOW.
        "friday": escalation(sent_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC)),
        # Saturday 21 Nov 10:00: deadline Thursday 26 Nov 00:00, not late at NOW (72 calendar hours
        # would have made it late on Tuesday).
        "saturday": escalation(sent_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC)),
        # Monday 2 Nov 10:00, answered Wednesday 4 Nov: on time (deadline Thursday 5 Nov 10:00).
        "answered": escalation(partner="dgfip", sent_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
        # Tuesday 10 Nov 10:00: the 11th and the weekend do not count, deadline Monday 16 Nov 10:00;
        # closed at 13:00 that day: late.
        "closed_late": escalation(partner="msa"),
        # Sunday 1 Nov 00:30 in Paris (31 Oct 23:30 UTC): a November escalation; deadline Thursday
        # 5 Nov 00:00 (1 Nov is a Sunday and All Saints' Day), still waiting: late.
        "first_night": escalation(
            partner="france-travail", sent_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
        ),
        # 1 December in Paris: not November.
        "december": escalation(sent_at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC)),
        # Deleted by a tombstone: does not count.
        "removed": escalation(partner="la-poste", sent_at=datetime(2026, 11, 3, 9, 0, tzinfo=UTC)),
    }
    changes = [
        status_change(sent["answered"], "repondu", datetime(2026, 11, 4, 8, 0, tzinfo=UTC)),
        status_change(sent["closed_late"], "clos", datetime(2026, 11, 16, 12, 0, tzinfo=UTC)),
        status_change(sent["removed"], "en-attente", None, deleted=True),
    ]
    assert (
        statuses(post_records(http, shared_server, shared_token, items(*changes, kind="escalation")))
        == ["accepted"] * 3
    )
    batch = items(*sent.values(), kind="escalation")
    # A contact claiming to supersede an escalation does not hide it: records supersede their own kind.
    batch.append({"kind": "contact", "record": contact(supersedes=sent["friday"]["id"])})
    assert statuses(post_records(http, shared_server, shared_token, batch)) == ["accepted"] * 8

    avesnes = new_structure("Avesnes", "59", itinerant=False)
    other = enrol(http, shared_server, avesnes.code)
    foreign = [
        escalation(structure=avesnes.matricule),
        escalation(structure=avesnes.matricule, supersedes=sent["saturday"]["id"]),
    ]
    other_token = other.json()["token"]
    assert (
        statuses(post_records(http, shared_server, other_token, items(*foreign, kind="escalation")))
        == ["accepted"] * 2
    )
    return sent


def test_summary_counts_current_escalations_of_the_month(
    shared_db, structure, escalations_of_november
) -> None:
    with shared_db.connect() as connection:
        summary = monthly_summary(connection, structure.matricule, "2026-11", now=NOW)
        earlier = monthly_summary(
            connection, structure.matricule, "2026-11", now=datetime(2026, 11, 25, 8, 59, tzinfo=UTC)
        )
        december = monthly_summary(connection, structure.matricule, "2026-12", now=NOW)
        october = monthly_summary(connection, structure.matricule, "2026-10", now=NOW)
    figures = {key: value for key, value in summary.items() if key.startswith("escalations")}
    assert figures == {
        "escalations_sent": 5,
        "escalations_answered": 2,
        "escalations_late": 3,
        "escalations_by_partner": {"caf": 2, "dgfip": 1, "france-travail": 1, "msa": 1},
    }
    assert list(figures["escalations_by_partner"]) == ["caf", "dgfip", "france-travail", "msa"]
    keys = list(summary)
    assert keys[keys.index("escalations_sent") :][:4] == list(figures)
    assert summary["total"] == 1  # the contact
    # A minute before Friday's deadline, only the two others are late.
    assert earlier["escalations_late"] == 2
    assert (december["escalations_sent"], december["escalations_late"]) == (1, 0)  # not due yet
    assert december["escalations_by_partner"] == {"caf": 1}
    assert (october["escalations_sent"], october["escalations_by_partner"]) == (0, {})


def test_alsace_moselle_has_its_own_holidays(
    shared_server, http, structure, shared_token, shared_db, new_structure
) -> None:
    sarreguemines = new_structure("Sarreguemines", "57", itinerant=False)
    moselle = enrol(http, shared_server, sarreguemines.code)
    # Thursday 2 April 2026 10:00 in Paris (UTC+2): Good Friday (3 April) is a holiday in Moselle only,
    # Easter Monday (6 April) everywhere. Deadline: Wednesday 8 April 10:00 in the Aisne, Thursday 9
    # April 10:00 in Moselle.
    before_easter = {"sent_at": datetime(2026, 4, 2, 8, 0, tzinfo=UTC), "utc_offset_minutes": 120}
    aisne = escalation(**before_easter)
    assert statuses(post_records(http, shared_server, shared_token, items(aisne, kind="escalation"))) == [
        "accepted"
    ]
    in_moselle = escalation(structure=sarreguemines.matricule, **before_easter)
    moselle_token = moselle.json()["token"]
    assert statuses(
        post_records(http, shared_server, moselle_token, items(in_moselle, kind="escalation"))
    ) == ["accepted"]
    wednesday = datetime(2026, 4, 8, 9, 0, tzinfo=UTC)
    thursday = datetime(2026, 4, 9, 8, 1, tzinfo=UTC)
    with shared_db.connect() as connection:
        late = {
            (matricule, now.day): monthly_summary(connection, matricule, "2026-04", now=now)[
                "escalations_late"
            ]
            for matricule in (structure.matricule, sarreguemines.matricule)
            for now in (wednesday, thursday)
        }
    aisne_late, moselle_late = structure.matricule, sarreguemines.matricule
    assert late == {(aisne_late, 8): 1, (aisne_late, 9): 1, (moselle_late, 8): 0, (moselle_late, 9): 1}


def test_a_batch_costs_the_same_few_statements_whatever_its_size(database_url) -> None:
    """No per-item round trips: one statement per table, plus the reads of the stored records on a
    resend."""
    engine = open_database(database_url)
    try:
        (workstation,) = workstations(engine, "poste-accueil")
        batch = [
            *items(*(contact(partners=["caf", "msa"]) for _ in range(250))),
            *items(*(escalation() for _ in range(250)), kind="escalation"),
        ]
        content.catalogue(engine)  # read once per process (and per minute), not per batch
        statements: list[str] = []

        @event.listens_for(engine, "before_execute")
        def _count(_connection, clause, *_args) -> None:
            words = str(clause).upper().split()
            if words[0] == "INSERT":
                statements.append(f"INSERT {words[2]}")
            elif words[0] == "SELECT" and "FROM" in words:
                statements.append(f"SELECT {words[words.index('FROM') + 1]}")
            elif words[0] == "SAVEPOINT":
                statements.append("SAVEPOINT")
            elif words[0] not in ("BEGIN", "SELECT"):
                statements.append(" ".join(words[:2]))

        # On PostgreSQL each kind's rows are one COPY (not seen here) in a savepoint of its own.
        copied = engine.dialect.name == "postgresql"
        first = ingest(engine, workstation, batch, None)
        assert [result["status"] for result in first["results"]] == ["accepted"] * 500
        assert statements == [
            "INSERT STRUCTURE_SEQUENCES",  # the batch's numbers in the structure's feed
            "SELECT RECORDS",  # the batch's ids in every kind's table (one union)
            *(["SAVEPOINT", "RELEASE SAVEPOINT"] * 2 if copied else ["INSERT RECORDS", "INSERT ESCALATIONS"]),
            "SELECT RECORDS",  # which of the batch's contacts are current (`app.server.rollups`)
            "SELECT CONTACT_WEEKS",  # the months' weeks they add to, read and written back
            "INSERT CONTACT_WEEKS",
            "INSERT CONTACT_COUNTS",
            "INSERT DEPARTEMENT_COUNTS",
            "SELECT ESCALATIONS",  # which of the batch's escalations are current
            "INSERT ESCALATION_COUNTS",
            "INSERT DEPARTEMENT_ESCALATION_COUNTS",
            "INSERT WAITING_ESCALATIONS",  # all 250 still wait for an answer
        ]
        statements.clear()
        again = ingest(engine, workstation, batch, None)
        assert [result["status"] for result in again["results"]] == ["duplicate"] * 500
        assert statements == [
            "INSERT STRUCTURE_SEQUENCES",
            "SELECT RECORDS",  # the batch's ids in every kind's table: all found
            "SELECT RECORDS",  # the stored contacts and escalations, to compare with what was resent
            "SELECT ESCALATIONS",
        ]
    finally:
        engine.dispose()


@pytest.mark.parametrize("order", ["earlier-first", "later-first", "same-second"])
def test_of_two_status_changes_of_one_escalation_the_later_counts(
    shared_server, http, structure, shared_token, shared_db, order
) -> None:
    """The desk answers an escalation and the bus closes it, both offline: whatever the order they
    arrive in, the escalation counts once, with the later (created_at, id) change; at the same second,
    the greater id. Both changes stay stored."""
    # Monday 2 Nov 10:00 in Paris: deadline Thursday 5 Nov 10:00. Answered on time on the 4th, closed
    # late on the 6th: the figure says which change counts.
    sent = escalation(sent_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    on_time, late = datetime(2026, 11, 4, 8, 0, tzinfo=UTC), datetime(2026, 11, 6, 8, 0, tzinfo=UTC)
    answered = status_change(sent, "repondu", on_time, created_at=late if order == "same-second" else on_time)
    closed = status_change(sent, "clos", late, created_at=late)
    if closed["id"] < answered["id"]:  # the later one, at the same second too
        closed, answered = {**closed, "id": answered["id"]}, {**answered, "id": closed["id"]}
    batches = [answered, closed] if order == "earlier-first" else [closed, answered]
    assert statuses(post_records(http, shared_server, shared_token, items(sent, kind="escalation"))) == [
        "accepted"
    ]
    for change in batches:
        assert statuses(
            post_records(http, shared_server, shared_token, items(change, kind="escalation"))
        ) == ["accepted"]
    with shared_db.connect() as connection:
        summary = monthly_summary(connection, structure.matricule, "2026-11", now=NOW)
    assert count(shared_db, escalations) == 3
    figures = {key: value for key, value in summary.items() if key.startswith("escalations")}
    assert figures == {
        "escalations_sent": 1,
        "escalations_answered": 1,
        "escalations_late": 1,
        "escalations_by_partner": {"caf": 1},
    }


@pytest.mark.parametrize(
    ("sent_at", "deadline"),
    [
        # Friday 23 October 2026 at 10:00 in Paris (summer time); Wednesday 28 at 10:00 (winter time).
        (datetime(2026, 10, 23, 8, 0, tzinfo=UTC), "2026-10-28T09:00:00Z"),
        # Friday 27 March 2026 at 10:00 in Paris (winter time); Wednesday 1 April at 10:00 (summer time).
        (datetime(2026, 3, 27, 9, 0, tzinfo=UTC), "2026-04-01T08:00:00Z"),
    ],
    ids=["october", "march"],
)
def test_the_workstation_and_the_server_find_the_same_deadline_across_a_daylight_saving_change(
    database_url, bus, sent_at, deadline
) -> None:
    """An escalation recorded on a workstation of structure 3 (Aisne), whatever the machine's own
    clock, and sent to the server: both count the 72 business hours on Paris's wall clock."""
    record = bus.escalations.create(
        {
            "structure": "3",
            "agent": "Julie M.",
            "partner": "caf",
            "situation": "declarer-impots",
            "channel": "email",
            "sent_at": sent_at,
        }
    )
    [row] = bus.escalations.current(bus.workstation.structure.departement)
    engine = open_database(database_url)
    try:
        (sender,) = workstations(engine, "accueil")
        answer = ingest(engine, sender, items(record.model_dump(mode="json"), kind="escalation"), None)
        assert [result["status"] for result in answer["results"]] == ["accepted"]
        with engine.connect() as connection:
            stored = connection.execute(select(waiting_escalations.c.deadline)).scalar_one()
    finally:
        engine.dispose()
    assert stored == deadline
    assert row.deadline == datetime.fromisoformat(deadline)
