"""The values typed at set-up and in the Pass numérique stock travel in records: they get the record's
identifier guard with a French message before anything is written."""

from datetime import date, timedelta

import pytest

from app.models.pass_numerique import PassError
from app.models.structures import Structure
from app.models.workstation import SetupError
from tests.conftest import BUS, FIXED

PHONE = "ressemble à un numéro de téléphone"


def test_an_agent_name_with_an_identifier_is_refused(desk) -> None:
    before = desk.workstation.agents()
    for name, found in [("M. Dupont", "un nom de personne"), ("Karim 06 12 34 56 78", PHONE)]:
        with pytest.raises(SetupError, match=found) as error:
            desk.workstation.add_agent(name)
        assert str(error.value).startswith("Le nom de l'agent contient")
    with pytest.raises(SetupError, match="caractère interdit"):
        desk.workstation.add_agent("Karim\x1b[2J")
    assert desk.workstation.agents() == before
    assert desk.workstation.add_agent("Lucie B.").name == "Lucie B."


def test_a_stop_with_an_identifier_is_refused(bus) -> None:
    with pytest.raises(SetupError, match=f"Le nom d'un arrêt contient ce qui {PHONE}"):
        bus.workstation.set_stops(["Guise", "Wassigny chez Mme Martin 06 12 34 56 78"], "Guise")
    assert bus.workstation.stops == ["Guise", "Wassigny", "Étreux"]


def test_set_up_refuses_identifiers_and_writes_nothing(workspace) -> None:
    with pytest.raises(SetupError, match="Le nom d'un arrêt"):
        workspace.workstation.set_up(BUS, ["Guise", "Mme Martin"], None, [("Julie M.", "responsable")])
    named = Structure("1", "Valserhône", "Valserhône 04 50 56 87 49", "01")
    with pytest.raises(SetupError, match="La commune de la structure"):
        workspace.workstation.set_up(named, [], None, [("Julie M.", "responsable")])
    with pytest.raises(SetupError, match="Le nom de l'agent"):
        workspace.workstation.set_up(FIXED, [], None, [("jean.dupont@gmail.com", "responsable")])
    assert not workspace.workstation.is_set_up and workspace.workstation.agents() == []


@pytest.mark.parametrize(
    ("funder", "booklet", "message"),
    [
        ("Mairie, tél 04 50 56 87 49", "C-42", "Le nom du financeur"),
        ("Conseil départemental de l'Ain", "FR7630006000011234567890189", "Le numéro de carnet"),
        ("Conseil départemental\x00", "C-42", "Le nom du financeur contient un caractère interdit"),
    ],
)
def test_a_booklet_label_with_an_identifier_is_refused(desk, funder: str, booklet: str, message: str) -> None:
    with pytest.raises(PassError, match=message):
        desk.passes.receive_booklet(
            structure="1",
            agent="Camille R.",
            funder=funder,
            booklet=booklet,
            cheques=[f"{n}" for n in range(1001, 1006)],
            booklet_size=5,
            valid_until=date.today() + timedelta(days=365),
        )
    assert desk.db.execute("SELECT count(*) FROM pass_cheques").fetchone()[0] == 0
    assert desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
