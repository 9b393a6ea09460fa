"""Every shipped flow is valid: situations, partners, https whitelisted links, branches that end."""

import json

import pytest

from app.models.flows import check_flow, contact_from_flow, load_flows
from app.models.reference import load_catalogue
from app.models.whitelist import load_whitelist
from app.paths import resources_dir

FLOW_FILES = sorted((resources_dir() / "flows").glob("*.json"))


def test_every_situation_of_the_bouquet_has_a_flow() -> None:
    catalogue = load_catalogue()
    expected = {situation for situation in catalogue.situations if situation != "autre"}
    assert set(load_flows()) == expected
    assert len(expected) == 21  # 19 of the bouquet, "Je déménage", "Je pars à la retraite"


@pytest.mark.parametrize("path", FLOW_FILES, ids=[p.stem for p in FLOW_FILES])
def test_flow_file_is_valid(path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"version", "date", "source"} <= data.keys()
    flow = load_flows()[data["situation"]]
    assert check_flow(flow, load_catalogue(), load_whitelist(), path.name) == []
    text = path.read_text(encoding="utf-8")
    assert "Pôle emploi" not in text.replace("anciennement Pôle emploi", "")


def test_the_whitelist_refuses_look_alikes_and_plain_http() -> None:
    whitelist = load_whitelist()
    assert whitelist.allows("https://www.ameli.fr/assure")
    assert whitelist.allows("https://immatriculation.ants.gouv.fr")
    assert not whitelist.allows("http://www.ameli.fr")
    assert not whitelist.allows("https://ameli.fr.example.com")
    assert not whitelist.allows("https://fakeameli.fr")


def test_a_finished_flow_derives_the_contact() -> None:
    catalogue = load_catalogue()
    flow = load_flows()["demenagement"]
    answers = next(iter(flow.branches()))
    steps = flow.steps_for(answers)
    online = [step for step in steps if step.group == "numerique"]
    forms = [step for step in steps if step.group == "demarches"]
    assert contact_from_flow(flow, catalogue, [], False, 0) == {
        "situation": "demenagement",
        "partners": [catalogue.situations["demenagement"].partners[0]],
        "help_kind": "information",
        "outcome": "resolu",
        "duration_minutes": 1,
    }
    derived = contact_from_flow(flow, catalogue, online[:1], False, 12)
    assert derived["help_kind"] == "demarche-en-ligne" and derived["duration_minutes"] == 12
    if online[0].partner:
        assert derived["partners"] == [online[0].partner]
    assert contact_from_flow(flow, catalogue, online + forms, False, 5)["help_kind"] == "constitution-dossier"
    escalated = contact_from_flow(flow, catalogue, online, True, 5)
    assert (escalated["help_kind"], escalated["outcome"]) == ("orientation", "attente-referent")
