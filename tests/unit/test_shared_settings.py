"""The structure's shared settings on one workstation: versions made here once enrolled, versions
pulled from the others, and one rule for the current version whatever the order they arrived in."""

from itertools import permutations
from uuid import uuid4

import pytest

from app.models.pass_numerique import PassError
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
    with pytest.raises(PassError, match="réservés au responsable"):  # the Pass numérique's own rule
        desk.passes.set_threshold(3)
    with pytest.raises(SharedSettingError, match="Seul un responsable"):
        desk.workstation.add_agent("Lina P.")
    assert desk.passes.threshold != 3  # the local write went back with the refusal
    assert "Lina P." not in [agent.name for agent in desk.workstation.agents()]


def test_an_agent_who_left_is_deactivated_and_their_contacts_kept(desk: Workspace) -> None:
    """No longer offered anywhere, sent to the structure as a removal; the history keeps the name."""
    from app.models.contacts import ContactFilter
    from app.models.workstation import SetupError

    _publishing(desk)
    workstation = desk.workstation
    camille = workstation.current_agent
    karim = next(agent for agent in workstation.agents() if agent.name == "Karim B.")
    workstation.set_current_agent(karim.id)
    desk.contacts.add(
        {
            **workstation.contact_defaults(),
            "situation": "naissance",
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 5,
        }
    )
    with pytest.raises(SetupError, match="Seul un responsable"):
        workstation.deactivate_agent(camille.id)
    workstation.set_current_agent(camille.id)
    with pytest.raises(SetupError, match="votre propre profil"):
        workstation.deactivate_agent(camille.id)
    before = desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    workstation.deactivate_agent(karim.id)
    assert [agent.name for agent in workstation.agents()] == ["Camille R."]
    assert "Karim B." in [agent.name for agent in workstation.agents(inactive=True)]
    assert desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == before + 1
    assert desk.shared.history("agent/Karim B.")[0].deleted
    [row] = desk.contacts.page(ContactFilter(agent="Karim B."))
    assert row.agent == "Karim B."
    back = workstation.add_agent("Karim B.")  # back again: the same profile
    assert back.id == karim.id and "Karim B." in [agent.name for agent in workstation.agents()]


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


def test_only_an_item_of_a_list_is_deleted() -> None:
    with pytest.raises(RecordError, match="Seuls un agent, un lien local, un site autorisé"):
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


REFERENT = {"phone": "03 23 00 00 01", "email": "referente@caf.example.fr", "note": "le mardi matin"}
PLACE = {
    "address": "CS 20001 02100 Saint-Quentin Cedex",
    "phone": "+33 (0)3 23 00 00 02",
    "hours": "mardi 14 h – 18 h",
}


def test_a_referents_phone_and_email_and_a_places_address_and_phone_travel(desk: Workspace) -> None:
    record = validate_record(
        _version("referent/caf/Mme Martin", REFERENT, "2026-11-10T09:00:00Z"),
        kind="setting",
        catalogue=desk.catalogue,
    )
    assert record.value == REFERENT  # a staff member's name, phone and e-mail: an institutional contact
    place = validate_record(
        _version("place/Guise/Médiathèque", PLACE, "2026-11-10T09:00:00Z"), kind="setting"
    )
    assert place.value == PLACE


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        # a citizen's identifier in a free-text field of a referent or a place
        (
            "referent/caf/Mme Martin",
            {**REFERENT, "note": "dossier 1 85 05 78 006 084 91"},
            "sécurité sociale",
        ),
        ("referent/caf/Mme Martin", {**REFERENT, "note": "rappeler M. Dupont"}, "nom de personne"),
        ("referent/caf/Martin 06 12 34 56 78", REFERENT, "téléphone"),
        ("place/Guise/Médiathèque", {**PLACE, "hours": "NIR 185057800608491"}, "sécurité sociale"),
        ("place/Guise/Chez jean.dupont@example.fr", PLACE, "e-mail"),
        ("place/Guise/Médiathèque", {**PLACE, "address": "2 rue Centrale 06 12 34 56 78"}, "téléphone"),
        # the allowed fields hold only what they are for
        (
            "referent/caf/Mme Martin",
            {**REFERENT, "phone": "1 85 05 78 006 084 91"},
            "numéro de téléphone français",
        ),
        (
            "referent/caf/Mme Martin",
            {**REFERENT, "email": "Mme Martin, CAF"},
            "e-mail du référent est invalide",
        ),
        ("place/Guise/Médiathèque", {**PLACE, "phone": "appeler le matin"}, "numéro de téléphone français"),
        # the item itself
        ("referent/mutuelle-x/Mme Martin", REFERENT, "Partenaire du référent inconnu"),
        ("referent/caf/Mme  Martin", REFERENT, "mal espacé"),
        ("place/Guise/Médiathèque", {"address": "1 rue"}, "Valeur invalide pour un lieu qualifié"),
    ],
)
def test_a_referent_or_a_place_refuses_a_citizens_identifier_outside_its_contact_fields(
    desk: Workspace, item: str, value: dict, message: str
) -> None:
    with pytest.raises(RecordError, match=message):
        validate_record(
            _version(item, value, "2026-11-10T09:00:00Z"), kind="setting", catalogue=desk.catalogue
        )


def test_a_contacts_note_and_place_still_refuse_a_phone_or_a_nir() -> None:
    from app.models.note_guard import identifier_problem

    assert "téléphone" in identifier_problem("Rappeler au 06 12 34 56 78")
    assert "sécurité sociale" in identifier_problem("NIR 1 85 05 78 006 084 91")
    assert "nom de personne" in identifier_problem("Reçu Mme Martin pour sa CAF")


def test_referents_and_places_changed_once_publishing_are_versions(desk: Workspace, tmp_path) -> None:
    from app.models.qualified_places import QualifiedPlace
    from app.models.referents import Referent

    _publishing(desk)
    martin = desk.referents.save(Referent("caf", "Mme Martin", **REFERENT))
    place = desk.places.save(QualifiedPlace("Médiathèque", PLACE["address"], "Guise", PLACE["phone"]))
    queued = desk.db.execute("SELECT count(*) FROM outbox WHERE kind = 'setting'").fetchone()[0]
    assert [v.value for v in desk.shared.history("referent/caf/Mme Martin")] == [REFERENT]
    assert [v.value for v in desk.shared.history("place/Guise/Médiathèque")] == [
        {"address": PLACE["address"], "phone": PLACE["phone"], "hours": ""}
    ]
    stored = desk.referents.list("caf")[0]
    desk.referents.delete(stored.id)
    desk.places.save(QualifiedPlace("Médiathèque", place.address, "Guise", place.phone, "lundi", id=place.id))
    assert desk.db.execute("SELECT count(*) FROM outbox WHERE kind = 'setting'").fetchone()[0] == queued + 2
    assert [(v.deleted, v.current) for v in desk.shared.history(martin.item)] == [
        (True, True),
        (False, False),
    ]
    assert desk.shared.history(place.item)[0].value["hours"] == "lundi"

    # An import sends only the difference: the place unchanged, one new, none removed.
    path = tmp_path / "lieux.csv"
    path.write_text(
        "nom;adresse;commune;telephone;horaires\n"
        f"Médiathèque;{place.address};Guise;{place.phone};lundi\n"
        "Centre social;3 place Monsieur Vincent;Guise;;\n",
        encoding="utf-8",
    )
    assert desk.places.import_csv(path) == 2
    assert desk.db.execute("SELECT count(*) FROM outbox WHERE kind = 'setting'").fetchone()[0] == queued + 3
    assert "place/Guise/Centre social" in desk.shared.items()


def test_a_nir_in_a_referents_note_is_refused_before_and_after_enrolment(desk: Workspace) -> None:
    from app.models.referents import Referent, ReferentError

    nir = Referent("caf", "Mme Martin", note="son NIR 1 85 05 78 006 084 91")
    with pytest.raises(ReferentError, match="sécurité sociale"):
        desk.referents.save(nir)  # not enrolled: the same rule, nothing kept
    _publishing(desk)
    with pytest.raises(ReferentError, match="sécurité sociale"):
        desk.referents.save(nir)
    assert desk.referents.list() == []
    karim = next(agent for agent in desk.workstation.agents() if agent.name == "Karim B.")
    desk.workstation.set_current_agent(karim.id)
    with pytest.raises(ReferentError, match="Seul un responsable"):
        desk.referents.save(Referent("caf", "Mme Martin", **REFERENT))
    assert desk.referents.list() == []


def test_pulled_referents_and_places_are_applied_and_their_removal_follows(desk: Workspace) -> None:
    from app.models.referents import Referent

    desk.referents.save(Referent("caf", "M. Bernard"))
    desk.referents.save(Referent("caf", "Mme Petit"))
    apply_page(
        desk,
        _pulled(
            _version("referent/caf/Mme Martin", REFERENT, "2026-11-10T09:00:00Z"),
            _version("referent/caf/Mme Petit", {**REFERENT, "note": ""}, "2026-11-10T09:00:00Z"),
            _version("place/Guise/Médiathèque", PLACE, "2026-11-10T09:00:00Z"),
        ),
    )
    # The structure's directory wins over the local limit of two per partner.
    assert sorted((r.name, r.phone) for r in desk.referents.list("caf")) == [
        ("M. Bernard", ""),
        ("Mme Martin", REFERENT["phone"]),
        ("Mme Petit", REFERENT["phone"]),
    ]
    assert [(p.name, p.address, p.phone) for p in desk.places.list()] == [
        ("Médiathèque", PLACE["address"], PLACE["phone"])
    ]
    apply_page(
        desk,
        _pulled(
            _version("referent/caf/Mme Martin", None, "2026-11-11T09:00:00Z", deleted=True),
            _version("place/Guise/Médiathèque", None, "2026-11-11T09:00:00Z", deleted=True),
        ),
    )
    assert "Mme Martin" not in [r.name for r in desk.referents.list()]
    assert desk.places.list() == []


def test_seed_publishes_the_directories_and_keeps_an_unshareable_entry_local(desk: Workspace) -> None:
    from app.models.database import transaction
    from app.models.referents import Referent

    desk.referents.save(Referent("caf", "Mme Martin", **REFERENT))
    # An entry made before the shared rule existed, with a citizen's phone in its note.
    desk.db.execute(
        "INSERT INTO referents (partner, name, phone, email, note, updated_at) "
        "VALUES ('cpam', 'M. Roux', '', '', 'pour M. Dupont 06 12 34 56 78', '2026-01-01T00:00:00Z')"
    )
    with transaction(desk.db):
        made = desk.shared.seed("1")
    assert "referent/caf/Mme Martin" in desk.shared.items()
    assert "referent/cpam/M. Roux" not in desk.shared.items()
    assert made == 3  # two agents and one referent
    assert len(desk.referents.list()) == 2


def test_removing_an_allowed_site_is_shared_and_the_whitelist_follows(desk: Workspace) -> None:
    _publishing(desk)
    desk.portal.allow_domain("ccas-guise.fr", "demandé par l'agent", "Camille R.")
    desk.portal.remove_domain("ccas-guise.fr")
    assert [v.deleted for v in desk.shared.history("site/ccas-guise.fr")] == [True, False]
    assert not desk.portal.whitelist().allows("https://ccas-guise.fr/")
    from app.models.portal import PortalError

    with pytest.raises(PortalError, match="n'est plus dans les sites autorisés"):
        desk.portal.remove_domain("ccas-guise.fr")


def test_a_pulled_site_removal_leaves_a_local_links_site_allowed(desk: Workspace) -> None:
    apply_page(
        desk,
        _pulled(
            _version("site/mairie-guise.fr", {"reason": "démarches"}, "2026-11-10T09:00:00Z"),
            _version("site/ccas-guise.fr", {"reason": "aide sociale"}, "2026-11-10T09:00:00Z"),
        ),
    )
    desk.portal.add_local_link("Mairie", "https://www.mairie-guise.fr/", "Démarches", "Camille R.")
    assert desk.portal.whitelist().allows("https://ccas-guise.fr/")
    apply_page(
        desk,
        _pulled(
            _version("site/ccas-guise.fr", None, "2026-11-11T09:00:00Z", deleted=True),
            _version("site/mairie-guise.fr", None, "2026-11-11T09:00:00Z", deleted=True),
        ),
    )
    whitelist = desk.portal.whitelist()
    assert not whitelist.allows("https://ccas-guise.fr/")
    assert whitelist.allows("https://mairie-guise.fr/")  # still the local link's
    assert "mairie-guise.fr" not in desk.portal.allowed_sites()


def test_an_entry_that_could_not_be_shared_can_still_be_removed(desk: Workspace) -> None:
    # Typed before the shared rule existed: its name holds a phone number, so it was never shared.
    desk.db.execute(
        "INSERT INTO referents (partner, name, phone, email, note, updated_at) "
        "VALUES ('cpam', 'Accueil 06 12 34 56 78', '', '', '', '2026-01-01T00:00:00Z')"
    )
    _publishing(desk)
    assert not any(item.startswith("referent/") for item in desk.shared.items())
    desk.referents.delete(desk.referents.list()[0].id)
    assert desk.referents.list() == []
    assert not any(item.startswith("referent/") for item in desk.shared.items())


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
    with pytest.raises(PassError, match="réservés au responsable"):
        desk.passes.set_threshold(3)
