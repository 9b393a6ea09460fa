"""Every shipped flow is valid: situations, partners, https whitelisted links, branches that end."""

import dataclasses
import json
from datetime import date

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
    # 19 of the bouquet, "Je déménage", "Je pars à la retraite", "J'ai besoin d'aide avec le numérique"
    assert len(expected) == 22


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
    assert contact_from_flow(flow, catalogue, []) == {
        "situation": "demenagement",
        "partners": [catalogue.situations["demenagement"].partners[0]],
        "help_kind": "information",
        "outcome": "resolu",
    }
    derived = contact_from_flow(flow, catalogue, online[:1])
    assert derived["help_kind"] == "demarche-en-ligne"
    if online[0].partner:
        assert derived["partners"] == [online[0].partner]
    assert contact_from_flow(flow, catalogue, online + forms)["help_kind"] == "constitution-dossier"
    escalated = contact_from_flow(flow, catalogue, online, ["caf"])
    assert (escalated["help_kind"], escalated["outcome"]) == ("orientation", "attente-referent")


def test_a_flow_s_contact_keeps_every_partner_solicited() -> None:
    """The CAF solicited in « Je déménage » is a partner of the contact, beside La Poste's step."""
    catalogue = load_catalogue()
    flow = load_flows()["demenagement"]
    mail = [step for step in flow.steps if step.id == "reexpedition-courrier"]
    derived = contact_from_flow(flow, catalogue, mail, ["caf", "la-poste", "caf"])
    assert derived["partners"] == ["la-poste", "caf"]
    assert contact_from_flow(flow, catalogue, [], ["france-titres"])["partners"] == ["france-titres"]


def _with_step(flow, **changes):
    """The flow with its first step changed (a content editor's mistake)."""
    first = dataclasses.replace(flow.steps[0], **changes)
    return dataclasses.replace(flow, steps=(first, *flow.steps[1:]))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"source_url": ""}, "indiquer la page officielle vérifiée (source_url)"),
        ({"source_url": "http://www.msa.fr"}, "la source doit être une adresse https : http://www.msa.fr"),
        ({"source_url": "https://"}, "la source doit être une adresse https : https://"),
        ({"checked": ""}, "indiquer la date de vérification (checked, AAAA-MM-JJ)"),
        ({"checked": "05/12/2026"}, "date de vérification illisible (AAAA-MM-JJ attendu) : 05/12/2026"),
        ({"checked": "2026-02-30"}, "date de vérification illisible (AAAA-MM-JJ attendu) : 2026-02-30"),
        ({"checked": "2026-12-07"}, "date de vérification dans le futur : 2026-12-07"),
    ],
)
def test_a_step_without_its_source_or_check_date_is_refused(changes, expected) -> None:
    flow = load_flows()["affilie-msa"]
    step_id = flow.steps[0].id
    today = date(2026, 12, 5)
    assert check_flow(flow, load_catalogue(), load_whitelist(), today=today) == []
    problems = check_flow(_with_step(flow, **changes), load_catalogue(), load_whitelist(), today=today)
    assert problems == [f"étape {step_id} : {expected}"]


def test_a_check_date_a_day_ahead_is_a_time_zone_not_the_future() -> None:
    """Checked on the 6th in Paris is read on the 5th in Guadeloupe: the content stays valid there."""
    flow = _with_step(load_flows()["affilie-msa"], checked="2026-12-06")
    assert check_flow(flow, load_catalogue(), load_whitelist(), today=date(2026, 12, 5)) == []


def test_a_step_is_to_be_checked_again_after_twelve_months() -> None:
    step = dataclasses.replace(load_flows()["naissance"].steps[0], checked="2025-11-05")
    assert not step.needs_recheck(date(2026, 10, 5))  # 11 months
    assert not step.needs_recheck(date(2026, 11, 5))  # 12 months to the day
    assert step.needs_recheck(date(2026, 11, 6))
    assert step.needs_recheck(date(2026, 12, 5))  # 13 months
    assert dataclasses.replace(step, checked="").needs_recheck(date(2026, 12, 5))
    assert dataclasses.replace(step, checked="2024-02-29").needs_recheck(date(2025, 3, 1))


def test_divorced_ex_spouses_are_shown_the_reversion_but_not_pacs_partners() -> None:
    flow = load_flows()["perte-proche"]
    shown = {
        link: {
            step.id
            for step in flow.steps_for({"conjoint": link, "enfants": "non", "msa": "non", "retraitee": "oui"})
        }
        for link in ("oui", "divorce", "pacs", "non")
    }
    assert "reversion" in shown["oui"] and "reversion" in shown["divorce"]
    assert "reversion" not in shown["pacs"] and "reversion" not in shown["non"]
    assert "impots" in shown["pacs"] and "impots" not in shown["divorce"]


def test_the_corrections_of_the_2026_review_hold() -> None:
    """The statements issue 16 found wrong stay corrected (docs/CONTENT_REVIEW.md says why)."""
    flows = load_flows()

    def step(situation: str, step_id: str):
        return next(s for s in flows[situation].steps if s.id == step_id)

    assert "ne paie plus de travaux" in step("gerer-energie", "cheque-energie").text
    assert "62 ans" in step("depart-retraite", "invalidite").text
    assert "date de naissance" in step("depart-retraite", "info-premier-niveau").text
    assert "date de naissance" in step("preparer-retraite", "info-premier-niveau").text
    assert "automatiquement à France Travail" in step("difficultes-financieres", "rsa").text
    assert step("se-deplacer", "solde-points").link == "https://mespoints.permisdeconduire.gouv.fr"
    assert "THESEE" in step("victime-infraction", "plainte-en-ligne").text
    assert "3 premiers changements" in step("se-deplacer", "carte-grise-adresse").text
    assert "3 premiers changements" in step("demenagement", "carte-grise").text
    reclamation = step("rembourser-soins", "reclamation").text
    assert "commission de recours amiable" in reclamation and "conciliateur" not in reclamation
    assert "jusqu'au 15 du mois suivant à minuit" in step("chercher-emploi", "actualisation").text
    assert "congé supplémentaire de naissance" in step("naissance", "conges").text
    assert "1er juillet 2026" in step("allocation-logement", "etudiant").text
    assert "1er juillet 2026" in step("informations-jeunesse", "aide-logement-etudiant").text
    assert "france-identite.gouv.fr" in flows["papiers-identite"].source


def test_digital_help_keeps_the_charters_privacy_rules_on_every_branch() -> None:
    """Issue 16: the most frequent help gets its flow. Whatever the citizen needs, the agent is told
    that passwords and documents are never kept; acting on their behalf only under an Aidants
    Connect mandate; the Pass numérique when they want to learn; and the end is a contact of the
    new situation."""
    catalogue = load_catalogue()
    flow = load_flows()["aide-numerique"]
    branches = list(flow.branches())
    assert len(branches) == (3 + 2) * 2 * 2  # 4 needs, FranceConnect's split by an existing account
    for answers in branches:
        shown = {step.id for step in flow.steps_for(answers)}
        assert {"diagnostic", "confidentialite"} <= shown, answers
        assert ("aidants-connect" in shown) == (answers["autonomie"] == "non"), answers
        assert ("pass-numerique" in shown) == (answers["formation"] == "oui"), answers
        if answers["besoin"] == "imprimer-scanner":
            assert "imprimer-scanner" in shown
    texts = " ".join(step.text for step in flow.steps)
    assert "ne jamais les noter" in texts and "un document scanné n'est jamais gardé" in texts
    for account in ("impots.gouv.fr", "ameli.fr", "L'Identité Numérique La Poste", "France Identité"):
        assert account in next(s for s in flow.steps if s.id == "franceconnect").text
    assert contact_from_flow(flow, catalogue, []) == {
        "situation": "aide-numerique",
        "partners": ["autre"],
        "help_kind": "information",
        "outcome": "resolu",
    }
    online = [s for s in flow.steps if s.id in ("franceconnect", "identite-numerique-la-poste")]
    derived = contact_from_flow(flow, catalogue, online)
    assert derived["partners"] == ["la-poste"] and derived["help_kind"] == "demarche-en-ligne"
