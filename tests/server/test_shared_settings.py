"""The `setting` kind on the server: a version of a structure's shared setting is validated like any
record, stored, served to the structure's other workstations, and to no other structure."""

from collections.abc import Callable

import requests
from sqlalchemy import Engine, text

from tests.live_server import LiveServer
from tests.server.helpers import (
    OwnStructure,
    enrolled,
    enrolment_code,
    feed_page,
    items,
    post_records,
    setting,
    statuses,
)


def test_a_setting_version_reaches_the_other_workstations_of_its_structure_only(
    shared_server: LiveServer,
    shared_db: Engine,
    http: requests.Session,
    structure: OwnStructure,
    new_structure: Callable[..., OwnStructure],
) -> None:
    first = enrolled(http, shared_server, structure.code)["token"]
    second = enrolled(http, shared_server, enrolment_code(shared_server))["token"]
    other = enrolled(http, shared_server, new_structure("Avesnes", "59", itinerant=False).code)["token"]
    versions = [setting("agent/Nadia K.", {"role": "responsable"}), setting("stops", ["Guise", "Hirson"])]
    assert (
        statuses(post_records(http, shared_server, first, items(*versions, kind="setting")))
        == ["accepted"] * 2
    )
    assert (
        statuses(post_records(http, shared_server, first, items(*versions, kind="setting")))
        == ["duplicate"] * 2
    )

    pulled = feed_page(http, shared_server, second)["records"]
    assert [(item["kind"], item["record"]) for item in pulled] == [
        ("setting", version) for version in versions
    ]
    assert feed_page(http, shared_server, other)["records"] == []
    assert feed_page(http, shared_server, first)["records"] == []  # never its own

    with shared_db.connect() as connection:
        stored = connection.execute(
            text(
                "SELECT item, local_month, deleted FROM setting_versions WHERE structure = :ours ORDER BY item"
            ),
            {"ours": structure.matricule},
        ).all()
    assert [tuple(row) for row in stored] == [
        ("agent/Nadia K.", "2026-11", False),
        ("stops", "2026-11", False),
    ]


def test_a_setting_version_is_validated_and_written_for_its_own_structure(
    shared_server: LiveServer, http: requests.Session, structure: OwnStructure
) -> None:
    token = enrolled(http, shared_server, structure.code)["token"]
    batch = [
        *items(setting("pass.threshold", 8), kind="setting"),
        {"kind": "setting", "record": {**setting(), "value": "8"}},
        {
            "kind": "setting",
            "record": {**setting(), "item": "agent/Mme Martin 06 12 34 56 78", "value": {"role": "agent"}},
        },
        {"kind": "setting", "record": {**setting(), "item": "fond.ecran"}},
        *items(setting(structure="59"), kind="setting"),
    ]
    answer = post_records(http, shared_server, token, batch)
    assert statuses(answer) == ["accepted", "rejected", "rejected", "rejected", "rejected"]
    results = answer.json()["results"]
    assert [result.get("code") for result in results] == [
        None,
        "invalid",
        "invalid",
        "invalid",
        "wrong_structure",
    ]
    assert "seuil d'alerte" in results[1]["reason"]
    assert "Ne notez rien qui permette d'identifier la personne" in results[2]["reason"]
    assert "Paramètre partagé inconnu" in results[3]["reason"]
    assert results[4]["reason"].startswith("Ce paramètre partagé appartient à la structure « 59 »")


REFERENT = {"phone": "03 23 00 00 01", "email": "referente@caf.example.fr", "note": "le mardi matin"}
PLACE = {"address": "2 rue Centrale 02120 Guise", "phone": "03 23 00 00 02", "hours": "mardi 14 h – 18 h"}


def test_referents_places_and_a_site_removal_are_validated_and_reach_only_their_structure(
    shared_server: LiveServer,
    http: requests.Session,
    structure: OwnStructure,
    new_structure: Callable[..., OwnStructure],
) -> None:
    first = enrolled(http, shared_server, structure.code)["token"]
    second = enrolled(http, shared_server, enrolment_code(shared_server))["token"]
    other = enrolled(http, shared_server, new_structure("Avesnes", "59", itinerant=False).code)["token"]
    versions = [
        setting("referent/caf/Mme Martin", REFERENT),
        setting("place/Guise/Médiathèque", PLACE),
        setting("site/ccas-guise.fr", None, deleted=True),
    ]
    assert (
        statuses(post_records(http, shared_server, first, items(*versions, kind="setting")))
        == ["accepted"] * 3
    )
    assert [item["record"] for item in feed_page(http, shared_server, second)["records"]] == versions
    assert feed_page(http, shared_server, other)["records"] == []

    nir = "1 85 05 78 006 084 91"
    refused = [
        {**setting("referent/caf/Mme Martin", REFERENT), "value": {**REFERENT, "note": f"NIR {nir}"}},
        {**setting("referent/caf/Mme Martin", REFERENT), "value": {**REFERENT, "phone": nir}},
        {
            **setting("place/Guise/Médiathèque", PLACE),
            "value": {**PLACE, "hours": "appeler le 06 12 34 56 78"},
        },
        # a partner the catalogue does not have (the helper validates without it)
        setting("referent/mutuelle-x/Mme Martin", REFERENT),
    ]
    answer = post_records(http, shared_server, first, items(*refused, kind="setting"))
    assert statuses(answer) == ["rejected"] * 4
    reasons = [result["reason"] for result in answer.json()["results"]]
    assert "sécurité sociale" in reasons[0]
    assert "numéro de téléphone français" in reasons[1]
    assert "téléphone" in reasons[2]
    assert "Partenaire du référent inconnu" in reasons[3]
    assert (
        len(feed_page(http, shared_server, second)["records"]) == 3
    )  # nothing refused reached the other workstation
