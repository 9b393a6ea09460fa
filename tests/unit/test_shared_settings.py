"""The structure's shared settings on one workstation: versions made here once enrolled, versions
pulled from the others, and one rule for the current version whatever the order they arrived in."""

from itertools import permutations
from uuid import uuid4

import pytest

from app.models.record import RecordError, validate_record
from app.models.settings import get_setting, set_setting
from app.models.shared_settings import PUBLISHING, SharedSettingError
from app.models.workspace import Workspace
from app.sync.pull import apply_page
from app.sync.transport import PulledPage

OTHER = "5b0f7c1e-2f4a-4d7e-9a51-7c1d2e3f4a5b"


def _version(item: str, value, changed_at: str, *, structure: str = "1", deleted: bool = False) -> dict:
    return {
        "id": str(uuid4()),
        "created_at": changed_at,
        "changed_at": changed_at,
        "utc_offset_minutes": 60,
        "structure": structure,
        "agent": "Sandrine L.",
        "supersedes": None,
        "deleted": deleted,
        "item": item,
        "value": value,
    }


def _pulled(*records: dict) -> PulledPage:
    items = [
        {
            "seq": seq,
            "kind": "setting",
            "record": record,
            "workstation": {"id": OTHER, "label": "poste-2"},
            "received_at": "2026-11-10T10:00:00Z",
        }
        for seq, record in enumerate(records, 1)
    ]
    return PulledPage(items, len(items), False, "2026-11-10T10:05:00Z")


def _publishing(workspace: Workspace) -> Workspace:
    """As after the first pass since enrolment in structure 1."""
    from app.models.database import transaction

    with transaction(workspace.db):
        workspace.shared.seed("1")
    return workspace


def test_the_greatest_changed_at_then_id_wins_whatever_the_arrival_order(desk: Workspace, tmp_path) -> None:
    from app.models.workspace import open_workspace

    versions = [
        _version("pass.threshold", 7, "2026-11-10T09:00:00Z"),
        _version("pass.threshold", 12, "2026-11-10T09:30:00Z"),
        _version("pass.threshold", 4, "2026-11-10T09:30:00Z"),  # same second: the greater id decides
    ]
    expected = max(versions, key=lambda v: (v["changed_at"], v["id"]))["value"]
    for number, order in enumerate(permutations(versions)):
        workspace = open_workspace(tmp_path / f"poste-{number}")
        try:
            workspace.workstation.set_up(
                desk.workstation.structure, [], None, [("Camille R.", "responsable")]
            )
            for version in order:  # one page each: the order they reach this workstation
                apply_page(workspace, _pulled(version))
            assert workspace.passes.threshold == expected
            history = workspace.shared.history("pass.threshold")
            assert [v.value for v in history if v.current] == [expected]
            assert sorted(v.value for v in history) == [4, 7, 12]  # the losers stay visible
        finally:
            workspace.close()


def test_pulled_agents_and_stops_are_applied(bus: Workspace) -> None:
    bus_records = [
        _version("agent/Nadia K.", {"role": "agent"}, "2026-11-10T09:00:00Z", structure="3"),
        _version("stops", ["Guise", "Hirson"], "2026-11-10T09:00:00Z", structure="3"),
    ]
    apply_page(bus, _pulled(*bus_records))
    assert "Nadia K." in [agent.name for agent in bus.workstation.agents()]
    assert bus.workstation.stops == ["Guise", "Hirson"]
    assert bus.workstation.current_stop == "Guise"  # Wassigny is no longer a stop
    apply_page(
        bus, _pulled(_version("agent/Nadia K.", None, "2026-11-11T09:00:00Z", structure="3", deleted=True))
    )
    assert "Nadia K." not in [agent.name for agent in bus.workstation.agents()]


def test_an_older_version_arriving_late_changes_nothing_but_the_history(desk: Workspace) -> None:
    _publishing(desk)
    desk.passes.set_threshold(15)
    apply_page(desk, _pulled(_version("pass.threshold", 3, "2026-01-02T09:00:00Z")))
    assert desk.passes.threshold == 15
    assert [(v.value, v.current, v.origin) for v in desk.shared.history("pass.threshold")][:1] == [
        (15, True, None)
    ]
    assert 3 in [v.value for v in desk.shared.history("pass.threshold")]


def test_nothing_is_published_before_enrolment(desk: Workspace) -> None:
    desk.passes.set_threshold(5)
    desk.workstation.add_agent("Lina P.")
    assert desk.shared.items() == []
    assert desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_seed_publishes_what_the_structure_lacks_and_keeps_what_it_has(desk: Workspace) -> None:
    desk.passes.set_threshold(5)
    apply_page(desk, _pulled(_version("pass.threshold", 20, "2026-11-10T09:00:00Z")))
    assert desk.passes.threshold == 20  # the structure's version, already pulled
    from app.models.database import transaction

    with transaction(desk.db):
        made = desk.shared.seed("1")
    assert made == 2  # Camille R. and Karim B.; the threshold was the structure's already
    assert get_setting(desk.db, PUBLISHING) == "1"
    queued = desk.db.execute("SELECT kind, count(*) FROM outbox GROUP BY kind").fetchall()
    assert queued == [("setting", 2)]
    records = desk.shared.records([row[0] for row in desk.db.execute("SELECT record_id FROM outbox")])
    assert {record.item for record in records.values()} == {"agent/Camille R.", "agent/Karim B."}
    with transaction(desk.db):
        assert desk.shared.seed("1") == 0  # once per enrolment


def test_a_change_once_publishing_is_a_version_sent_through_the_outbox(desk: Workspace) -> None:
    _publishing(desk)
    before = desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    desk.workstation.add_agent("Lina P.")
    desk.passes.set_threshold(8)
    desk.passes.set_threshold(9)  # within the same second: still the later one
    assert desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == before + 3
    history = desk.shared.history("pass.threshold")
    assert [v.value for v in history] == [9, 8]
    assert desk.passes.threshold == 9
    records = desk.shared.records([history[0].id])
    assert str(records[history[0].id].supersedes) == history[1].id
    assert records[history[0].id].agent == "Camille R."


def test_only_a_responsable_changes_a_shared_setting(desk: Workspace) -> None:
    _publishing(desk)
    karim = next(agent for agent in desk.workstation.agents() if agent.name == "Karim B.")
    desk.workstation.set_current_agent(karim.id)
    with pytest.raises(SharedSettingError, match="Seul un responsable"):
        desk.passes.set_threshold(3)
    with pytest.raises(SharedSettingError, match="Seul un responsable"):
        desk.workstation.add_agent("Lina P.")
    assert desk.passes.threshold != 3  # the local write went back with the refusal
    assert "Lina P." not in [agent.name for agent in desk.workstation.agents()]


def test_another_structures_version_is_not_applied(desk: Workspace) -> None:
    set_setting(desk.db, "pass_stock_threshold", "6")
    apply_page(desk, _pulled(_version("pass.threshold", 40, "2026-11-10T09:00:00Z", structure="59")))
    assert desk.passes.threshold == 6
    assert desk.shared.items() == []


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        ("agent/Jean 0612345678", {"role": "agent"}, "numéro"),
        ("agent/Nadia K.", {"role": "chef"}, "rôle"),
        ("stops", ["Guise", "marie.dupont@example.fr"], "adresse"),
        ("pass.threshold", "5", "seuil"),
        ("pass.threshold", True, "nombre entier"),
        ("search.engine", "http://moteur.example/?q={query}", "https"),
        ("search.engine", "https://moteur.example/", "{query}"),
        ("wallpaper", "bleu", "inconnu"),
    ],
)
def test_the_setting_record_refuses_what_it_cannot_carry(item: str, value, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        validate_record(_version(item, value, "2026-11-10T09:00:00Z"), kind="setting")


def test_only_an_agent_or_a_local_link_is_deleted() -> None:
    with pytest.raises(RecordError, match="Seuls un agent et un lien local se retirent"):
        validate_record(_version("stops", None, "2026-11-10T09:00:00Z", deleted=True), kind="setting")
    record = validate_record(
        _version("agent/Nadia K.", None, "2026-11-10T09:00:00Z", deleted=True), kind="setting"
    )
    assert record.deleted and record.value is None


def test_local_links_and_allowed_sites_travel_and_a_removal_follows(desk: Workspace) -> None:
    url = "https://www.mairie-guise.fr/demarches"
    link = {"label": "Mairie de Guise", "description": "Démarches de la commune"}
    apply_page(
        desk,
        _pulled(
            _version(f"link/{url}", link, "2026-11-10T09:00:00Z"),
            _version("site/ccas-guise.fr", {"reason": "demandé par l'agent"}, "2026-11-10T09:00:00Z"),
        ),
    )
    assert url in [item.url for item in desk.portal.links() if item.local]
    whitelist = desk.portal.whitelist()
    assert whitelist.allows("https://mairie-guise.fr/") and whitelist.allows("https://www.ccas-guise.fr/")
    apply_page(desk, _pulled(_version(f"link/{url}", None, "2026-11-11T09:00:00Z", deleted=True)))
    assert url not in [item.url for item in desk.portal.links() if item.local]
    assert not desk.portal.whitelist().allows("https://mairie-guise.fr/")


def test_a_local_link_added_once_publishing_is_shared_unless_it_holds_an_identifier(desk: Workspace) -> None:
    _publishing(desk)
    desk.portal.add_local_link(
        "Mairie", "https://www.mairie-guise.fr/", "Démarches de la commune", "Camille R."
    )
    assert [v.value for v in desk.shared.history("link/https://www.mairie-guise.fr/")] == [
        {"label": "Mairie", "description": "Démarches de la commune"}
    ]
    with pytest.raises(SharedSettingError, match="identifier"):
        desk.portal.add_local_link(
            "CCAS", "https://ccas.example.fr/", "Appeler Mme Martin au 06 12 34 56 78", "Camille R."
        )
    assert "https://ccas.example.fr/" not in [item.url for item in desk.portal.links()]


def test_a_change_once_enrolled_is_published_even_before_the_first_pass(desk: Workspace) -> None:
    """A workstation that joined its structure (the feed read by the join, no pass yet) and went
    offline: its responsable's change is a version at once, which the first pass's `seed` keeps,
    rather than finding the structure's version and dropping the change."""
    from app.models.database import transaction
    from app.sync.status import SERVER_URL

    set_setting(desk.db, SERVER_URL, "https://reporting.exemple.fr")
    apply_page(desk, _pulled(_version("pass.threshold", 20, "2026-11-10T09:00:00Z")))
    desk.passes.set_threshold(7)
    assert desk.passes.threshold == 7
    [ours, theirs] = desk.shared.history("pass.threshold")
    assert (ours.value, ours.current, ours.origin, theirs.value) == (7, True, None, 20)
    assert desk.db.execute("SELECT kind FROM outbox").fetchall() == [("setting",)]
    with transaction(desk.db):
        desk.shared.seed("1")  # the first pass: the agents, and not the threshold a second time
    assert [v.value for v in desk.shared.history("pass.threshold")] == [7, 20]
    karim = next(agent for agent in desk.workstation.agents() if agent.name == "Karim B.")
    desk.workstation.set_current_agent(karim.id)
    with pytest.raises(SharedSettingError, match="Seul un responsable"):
        desk.passes.set_threshold(3)
