"""What only a responsable may do is decided in app.models.permissions and enforced by the stores:
an agent's change is refused with the French sentence, before anything is written or queued."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from app.models.database import transaction
from app.models.pass_numerique import parse_cheque_numbers
from app.models.permissions import WHY_NOT, NotAllowed, Rule, refusal, require
from app.models.qualified_places import QualifiedPlace
from app.models.referents import Referent
from app.models.settings import set_setting
from app.models.workspace import Workspace
from app.sync.status import SERVER_URL
from tests.conftest import BUS

# Every table a refused change could touch: the stores' own, the shared settings and the outbox.
TABLES = (
    "referents",
    "qualified_places",
    "local_links",
    "allowed_domains",
    "pass_cheques",
    "pass_ledger",
    "setting_versions",
    "settings",
    "outbox",
)


def _snapshot(ws: Workspace) -> dict[str, list[tuple]]:
    return {table: ws.db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in TABLES}


def _as(ws: Workspace, name: str) -> None:
    agent = next(agent for agent in ws.workstation.agents() if agent.name == name)
    ws.workstation.set_current_agent(agent.id)


@pytest.fixture
def enrolled(desk: Workspace) -> Workspace:
    """An enrolled workstation past its first pass: every change of the responsable is queued."""
    set_setting(desk.db, SERVER_URL, "https://reporting.exemple.fr")
    with transaction(desk.db):
        desk.shared.seed("1")
    return desk


def _receive(ws: Workspace) -> None:
    cheques = parse_cheque_numbers("1001-1010")
    ws.passes.receive_booklet(
        structure="1",
        agent="Karim B.",
        funder="Conseil départemental de l'Ain",
        booklet="C-42",
        cheques=cheques,
        booklet_size=len(cheques),
        valid_until=date.today() + timedelta(days=365),
    )


CHANGES: dict[str, tuple[Rule, Callable[[Workspace], object]]] = {
    "referent": (Rule.REFERENTS, lambda ws: ws.referents.save(Referent("caf", "Mme Martin"))),
    "referents CSV": (Rule.REFERENTS, lambda ws: ws.referents.import_csv(ws.path)),
    "place": (
        Rule.PLACES,
        lambda ws: ws.places.save(QualifiedPlace("Médiathèque", "1 rue Haute", "Nyons")),
    ),
    "local link": (
        Rule.LOCAL_LINKS,
        lambda ws: ws.portal.add_local_link("Mairie", "https://www.nyons.fr/", "La mairie", "Karim B."),
    ),
    "allowed site": (
        Rule.ALLOWED_SITES,
        lambda ws: ws.portal.allow_domain("exemple.fr", "utile", "Karim B."),
    ),
    "search engine": (
        Rule.SEARCH_ENGINE,
        lambda ws: ws.portal.set_search_engine("https://moteur.exemple.fr/?q={query}", "Karim B."),
    ),
    "booklet": (Rule.PASS_STOCK, _receive),
    "threshold": (Rule.PASS_STOCK, lambda ws: ws.passes.set_threshold(3)),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_store_refuses_an_agent_s_change_and_writes_nothing(enrolled: Workspace, change: str) -> None:
    rule, make = CHANGES[change]
    _as(enrolled, "Karim B.")
    before = _snapshot(enrolled)
    with pytest.raises(ValueError) as refused:
        make(enrolled)
    assert str(refused.value) == WHY_NOT[rule]
    assert _snapshot(enrolled) == before


@pytest.mark.parametrize("change", [name for name in CHANGES if name != "referents CSV"])
def test_the_responsable_s_change_is_written_and_queued(enrolled: Workspace, change: str) -> None:
    """The same changes by the responsable go through: the refusal above is the rule's, not the data's."""
    _, make = CHANGES[change]
    queued = enrolled.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    make(enrolled)
    assert enrolled.db.execute("SELECT count(*) FROM outbox").fetchone()[0] > queued


def test_the_structure_is_corrected_by_a_responsable_only(desk: Workspace) -> None:
    from app.models.workstation import SetupError

    karim = next(agent for agent in desk.workstation.agents() if agent.name == "Karim B.")
    with pytest.raises(SetupError, match="Seul un responsable peut corriger la structure"):
        desk.workstation.correct_structure(BUS, ["Guise"], "Guise", karim)
    assert desk.workstation.structure.matricule != BUS.matricule


def test_one_rule_for_every_reserved_change(desk: Workspace) -> None:
    karim, camille = (
        next(agent for agent in desk.workstation.agents() if agent.name == name)
        for name in ("Karim B.", "Camille R.")
    )
    for rule in Rule:
        assert refusal(camille, rule) is None
        assert refusal(karim, rule) == refusal(None, rule) == WHY_NOT[rule]
        with pytest.raises(NotAllowed, match="responsable"):
            require(karim, rule)
