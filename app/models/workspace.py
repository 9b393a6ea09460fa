"""Everything a command or a window needs, opened once: database, reference data, stores."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.content.bundle import Content
from app.content.store import content_in_use
from app.models.connection import Database
from app.models.contacts import ContactStore
from app.models.database import open_database, reset_interrupted_sends
from app.models.escalations import EscalationStore
from app.models.portal import PortalStore
from app.models.reference import Catalogue, load_catalogue
from app.models.referents import ReferentStore
from app.models.shared_settings import SharedSettings
from app.models.structures import StructureList, closure_notice, load_structure_list
from app.models.workstation import Workstation
from app.paths import database_path

if TYPE_CHECKING:
    from app.models.flows import Flow
    from app.models.pass_numerique import PassStore
    from app.models.qualified_places import PlaceStore
    from app.models.visit import Visit

# Beside the database: the reference files the reporting server sent (`app.sync.engine`).
REFERENCE_FOLDER = "reference"


@dataclass
class Workspace:
    path: Path
    db: Database
    catalogue: Catalogue
    contacts: ContactStore
    workstation: Workstation
    escalations: EscalationStore
    referents: ReferentStore
    portal: PortalStore
    # The national content in use (flows, portal, catalogue): the newest signed bundle the server
    # sent that this workstation accepted, else the shipped one (`app.content.store`).
    content: Content

    # The flows (and dateutil) are loaded on first use: Accueil shows none of them.
    @cached_property
    def flows(self) -> dict[str, "Flow"]:
        from app.models.flows import load_flows

        return load_flows(self.content)

    # Pass numérique is opened on first use: start-up does not pay for a screen it does not show.
    @cached_property
    def passes(self) -> "PassStore":
        from app.models.pass_numerique import PassStore

        return PassStore(self.db, self.catalogue, self.contacts)

    @property
    def structure_list(self) -> StructureList:
        """The newest valid list of structures: the one the server sent, else the shipped one."""
        return load_structure_list(self.path.parent / REFERENCE_FOLDER)

    def closure_notice(self, matricule: str) -> str | None:
        """Whether the list the server sent says this structure closed (a French sentence)."""
        return closure_notice(self.path.parent / REFERENCE_FOLDER, matricule)

    @cached_property
    def shared(self) -> SharedSettings:
        return SharedSettings(self.db)

    @cached_property
    def places(self) -> "PlaceStore":
        from app.models.qualified_places import PlaceStore

        return PlaceStore(self.db)

    # The person at the desk's visit (its duration); opened on first use: it needs pydantic's record.
    @cached_property
    def visit(self) -> "Visit":
        from app.models.visit import Visit

        return Visit(self.db)

    def record_loaders(self) -> dict[str, Callable[[list[str]], dict[str, Any]]]:
        """How the outbox finds the records of each kind it has to send."""
        return {
            "contact": self.contacts.records,
            "escalation": self.escalations.records,
            "pass_ledger": self.passes.ledger_records,
            "pass_issuance": self.passes.issuance_records,
            "setting": self.shared.records,
        }

    def close(self) -> None:
        self.db.conn.close()


def open_workspace(data_dir: str | Path | None = None, *, resume_sends: bool = True) -> Workspace:
    """Open and migrate the database in `data_dir`; raise `DatabaseUnavailable` if it is unusable.
    `resume_sends=False` for a second connection opened while the app runs (the summaries' worker):
    a batch marked as being sent is then the sync's, in flight, not one left by a crash."""
    path = database_path(data_dir)
    db = open_database(path)
    if resume_sends:
        reset_interrupted_sends(db)
    content = content_in_use(path.parent)
    catalogue = load_catalogue(content)
    return Workspace(
        path,
        db,
        catalogue,
        ContactStore(db, catalogue),
        Workstation(db),
        EscalationStore(db, catalogue),
        ReferentStore(db, catalogue),
        PortalStore(db, content),
        content,
    )
