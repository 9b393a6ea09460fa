"""The structure's shared settings: agents, a bus's stops, local links and allowed sites, the partners'
referents, the qualified places, the Pass numérique alert threshold and the search engine are one
version per structure, whichever workstation changed them.

Every change made here once the workstation is enrolled is a `setting` record
(`app.models.record.SettingRecord`): stored in `setting_versions`, sent through the outbox like a contact, served to the other workstations in the structure's feed, which apply it.
Versions are never overwritten. An item's current version is the one with the greatest
(`changed_at`, `id`): the same on every workstation whatever order the versions arrived in, so two
workstations that changed the same item offline end with the same value after their passes, and
the other change stays in the item's history (`history`).

Before enrolment the settings are the workstation's own (the agents and stops of its wizard); the
first pass after enrolment reads the structure's feed, then publishes every item the structure does
not have yet (`seed`): the first workstation of a structure publishes its agents and stops, the next
ones take the structure's and add only their own new agents.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.models.connection import Database
from app.models.database import db_time, parse_db_time, utc_now, write_records
from app.models.permissions import Rule, acting_agent, require
from app.models.settings import get_setting, set_setting

# The record's definition (pydantic) is imported where a version is written or read, not at
# start-up: the main window reads the settings without it (bench/startup.py).
if TYPE_CHECKING:
    from app.models.record import SettingRecord

# The workstation settings each single-valued item is applied to (read by their own modules).
STOPS_KEY = "stops"
CURRENT_STOP_KEY = "current_stop"
THRESHOLD_KEY = "pass_stock_threshold"
ENGINE_KEY = "portal.search_engine"
# The structure whose shared settings this workstation publishes: set by `seed` after the first feed.
PUBLISHING = "shared_settings.structure"
_log = logging.getLogger(__name__)
_LOCAL_KEYS = {"stops": STOPS_KEY, "pass.threshold": THRESHOLD_KEY, "search.engine": ENGINE_KEY}


class SharedSettingError(ValueError):
    """A change of a shared setting refused; the message is French."""


@dataclass(frozen=True)
class Version:
    """One version of an item, as the history shows it."""

    id: str
    value: Any
    deleted: bool
    changed_at: datetime
    agent: str
    origin: str | None  # the workstation it came from, None: this one
    current: bool


def agent_item(name: str) -> str:
    return f"agent/{name}"


class SharedSettings:
    def __init__(self, db: Database) -> None:
        self.db = db

    def publishing(self) -> str | None:
        """The structure this workstation publishes changes for, None before its first feed."""
        publishing: str | None = get_setting(self.db, PUBLISHING)
        return publishing

    def change(self, item: str, value: Any, *, deleted: bool = False) -> None:
        """A change made here (inside the caller's transaction, after the local write): a new version
        sent to the structure, signed by the current agent, who must be a responsable (the rule: only
        a responsable changes what the whole structure shares). Nothing happens before enrolment: the
        local settings are published by `seed`."""
        matricule = self.publishing() or self._enrolled_in()
        if matricule is None:
            return
        author = acting_agent(self.db)
        require(author, Rule.SHARED_SETTINGS, SharedSettingError)
        assert author is not None  # `require` refuses nobody
        self._publish(item, value, author.name, matricule, deleted)

    def change_all(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        """A change of a whole directory (referents, places: an item per entry) made here, as
        `change` makes it: a removal for each item gone that the structure has (an entry that could
        not be shared stays removable), a version for each one new or changed."""
        for item in sorted(before.keys() - after.keys()):
            if self._winner(item) is not None:
                self.change(item, None, deleted=True)
        for item in sorted(after):
            if before.get(item) != after[item]:
                self.change(item, after[item])

    def _enrolled_in(self) -> str | None:
        """The structure of an enrolled workstation whose first pass has not read the feed yet (one
        that has just joined, then gone offline): a change made there is still a change of the
        structure's setting, published with its own time, or `seed` would later find the structure's
        version and drop it. Only the settings made before enrolment wait for `seed`."""
        from app.sync.status import SERVER_URL  # the setting only: no network code is loaded

        structure = get_setting(self.db, "structure")
        return structure["matricule"] if structure and get_setting(self.db, SERVER_URL) else None

    def _publish(self, item: str, value: Any, author: str, matricule: str, deleted: bool = False) -> None:
        # contacts imports the workstation, which imports this module
        from app.models.contacts import local_offset_minutes
        from app.models.record import RecordError, new_id, validate_record

        winner = self._winner(item)
        now = utc_now().replace(microsecond=0)
        if winner is not None and parse_db_time(winner[1]) >= now:
            # Two changes within one second (or after a faster clock's): this one comes after.
            now = parse_db_time(winner[1]) + timedelta(seconds=1)
        data = {
            "id": str(new_id()),
            "created_at": now.isoformat(),
            "changed_at": now.isoformat(),
            "utc_offset_minutes": local_offset_minutes(),
            "structure": matricule,
            "agent": author,
            "supersedes": winner[0] if winner else None,
            "deleted": deleted,
            "item": item,
            "value": None if deleted else value,
        }
        try:
            record = validate_record(data, kind="setting")
        except RecordError as error:  # what the structure could not share (an identifier, a long label)
            raise SharedSettingError(str(error)) from None
        self._insert(record, None)

    def insert_pulled(self, record: "SettingRecord", origin: str) -> None:
        """Another workstation's version (inside the caller's transaction): kept, and applied here if
        it is the item's current version."""
        self._insert(record, origin)

    def _insert(self, record: "SettingRecord", origin: str | None) -> None:
        """A version's row (inside the caller's transaction), with its outbox row when it is this
        workstation's own (`origin` None)."""
        row = {
            "id": str(record.id),
            "item": record.item,
            "value": json.dumps(record.value, ensure_ascii=False),
            "deleted": int(record.deleted),
            "changed_at": db_time(record.changed_at),
            "created_at": db_time(record.created_at),
            "utc_offset_minutes": record.utc_offset_minutes,
            "structure": record.structure,
            "agent": record.agent,
            "supersedes": str(record.supersedes) if record.supersedes else None,
            "origin": origin,
        }
        write_records(self.db, "setting_versions", "setting", [row])
        winner = self._winner(record.item)
        if winner is not None and winner[0] == str(record.id):
            self._apply(record.item, record.value, record.deleted, record.agent)

    def _winner(self, item: str) -> tuple[str, str] | None:
        """(id, changed_at) of the item's current version: the rule of docs/SYNC_PROTOCOL.md."""
        winner: tuple[str, str] | None = self.db.execute(
            "SELECT id, changed_at FROM setting_versions WHERE item = ? ORDER BY changed_at DESC, id DESC "
            "LIMIT 1",
            [item],
        ).fetchone()
        return winner

    def _apply(self, item: str, value: Any, deleted: bool, author: str) -> None:
        """Make `value` the workstation's setting for `item` (the modules that use it read it there)."""
        from app.models.record import PLACE_ITEM, REFERENT_ITEM

        if item.startswith((REFERENT_ITEM, PLACE_ITEM)):
            # the directories publish through this module
            from app.models.qualified_places import apply_place
            from app.models.referents import apply_referent

            (apply_referent if item.startswith(REFERENT_ITEM) else apply_place)(self.db, item, value)
            return
        if item.startswith(("link/", "site/")):
            from app.models.portal import PortalStore  # the portal publishes through this module

            portal = PortalStore(self.db)
            if item.startswith("site/") and deleted:
                portal.disallow(item.removeprefix("site/"))
            elif item.startswith("site/"):
                portal.allow(item.removeprefix("site/"), value["reason"], author)
            elif deleted:
                portal.erase_link(item.removeprefix("link/"))
            else:
                portal.write_link(value["label"], item.removeprefix("link/"), value["description"], author)
            return
        if item.startswith("agent/"):
            name = item.removeprefix("agent/")
            if deleted:
                self.db.execute("UPDATE agents SET active = 0 WHERE name = ?", [name])
            else:
                self.db.execute(
                    "INSERT INTO agents (name, role, created_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET role = excluded.role, active = 1",
                    [name, value["role"], db_time(utc_now())],
                )
            return
        set_setting(self.db, _LOCAL_KEYS[item], value)
        if item == "stops":
            current = get_setting(self.db, CURRENT_STOP_KEY)
            if current not in value:
                set_setting(self.db, CURRENT_STOP_KEY, value[0] if value else None)

    def seed(self, matricule: str) -> int:
        """After the first feed read since enrolment in `matricule` (inside the caller's transaction):
        publish every local setting the structure has no version of yet, and publish every change
        from now on. Returns how many versions were made."""
        if self.publishing() == matricule:
            return 0
        set_setting(self.db, PUBLISHING, matricule)
        author = self._author()
        local: dict[str, Any] = {
            agent_item(name): {"role": role}
            for name, role in self.db.execute("SELECT name, role FROM agents WHERE active = 1")
        }
        # the portal and the directories publish through this module
        from app.models.portal import PortalStore
        from app.models.qualified_places import shared_places
        from app.models.referents import shared_referents

        local.update(PortalStore(self.db).shared_items())
        local.update(shared_referents(self.db))
        local.update(shared_places(self.db))
        for item, key in _LOCAL_KEYS.items():
            value = get_setting(self.db, key)
            if value not in (None, []):  # a fixed site's empty list of stops says nothing
                local[item] = int(value) if item == "pass.threshold" else value
        made = 0
        for item, value in local.items():
            if self._winner(item) is not None:
                continue
            try:
                self._publish(item, value, author, matricule)
            except SharedSettingError as error:  # kept on this workstation, never blocks the others
                _log.warning("local setting %s not shared: %s", item.split("/")[0], error)
                continue
            made += 1
        return made

    def _author(self) -> str:
        """Who a seeded version is signed by: the current agent, else the first responsable."""
        current = get_setting(self.db, "current_agent")
        row = self.db.execute(
            "SELECT name FROM agents WHERE active = 1 ORDER BY id = ? DESC, role = 'responsable' DESC, id",
            [current],
        ).fetchone()
        return row[0] if row else "poste"

    def history(self, item: str) -> list[Version]:
        """Every version of `item`, the current one first, then the others newest first: what two
        workstations changed offline stays visible here even when the rule chose the other."""
        rows = self.db.execute(
            "SELECT id, value, deleted, changed_at, agent, origin FROM setting_versions WHERE item = ? "
            "ORDER BY changed_at DESC, id DESC",
            [item],
        ).fetchall()
        return [
            Version(
                row[0], json.loads(row[1]), bool(row[2]), parse_db_time(row[3]), row[4], row[5], index == 0
            )
            for index, row in enumerate(rows)
        ]

    def versions(self) -> list[tuple[str, Version]]:
        """Every item's history (items in order), for the Historique of Paramètres."""
        return [(item, version) for item in self.items() for version in self.history(item)]

    def sender_label(self, origin: str | None) -> str:
        """The workstation a version came from, as the history names it."""
        if origin is None:
            return "ce poste"
        row = self.db.execute("SELECT label FROM other_workstations WHERE id = ?", [origin]).fetchone()
        return (row[0] if row and row[0] else None) or f"poste {origin[:8]}"

    def items(self) -> list[str]:
        return [
            item for (item,) in self.db.execute("SELECT DISTINCT item FROM setting_versions ORDER BY item")
        ]

    def records(self, ids: list[str]) -> dict[str, "SettingRecord"]:
        """The outbox's loader: this workstation's versions as they travel."""
        from app.models.record import SettingRecord

        marks = ", ".join("?" * len(ids))
        found = {}
        for row in self.db.execute(
            f"SELECT id, item, value, deleted, changed_at, created_at, utc_offset_minutes, structure, "
            f"agent, supersedes FROM setting_versions WHERE id IN ({marks})",
            ids,
        ):
            found[row[0]] = SettingRecord.from_row(
                {
                    "id": row[0],
                    "item": row[1],
                    "value": json.loads(row[2]),
                    "deleted": row[3],
                    "changed_at": row[4],
                    "created_at": row[5],
                    "utc_offset_minutes": row[6],
                    "structure": row[7],
                    "agent": row[8],
                    "supersedes": row[9],
                }
            )
        return found


_ITEM_LABELS = {
    "stops": "Arrêts du bus",
    "pass.threshold": "Seuil d'alerte du stock Pass numérique",
    "search.engine": "Moteur de recherche du portail",
}
_ROLE_LABELS = {"agent": "Agent", "responsable": "Responsable"}


def describe(item: str, version: Version) -> tuple[str, str]:
    """(what the item is, what the version set it to), in French, for the history."""
    from app.models.record import PLACE_ITEM, REFERENT_ITEM, split_item

    if item.startswith("agent/"):
        label = f"Agent « {item.removeprefix('agent/')} »"
        return label, "retiré" if version.deleted else _ROLE_LABELS[version.value["role"]]
    if item.startswith("link/"):
        label = f"Lien local « {item.removeprefix('link/')} »"
        return label, "retiré" if version.deleted else version.value["label"]
    if item.startswith("site/"):
        label = f"Site autorisé « {item.removeprefix('site/')} »"
        return label, "retiré" if version.deleted else version.value["reason"]
    if item.startswith(REFERENT_ITEM):
        partner, name = split_item(item, REFERENT_ITEM)
        label = f"Référent « {name} » ({partner})"
        value = version.value or {}
        return label, "retiré" if version.deleted else " · ".join(filter(None, value.values()))
    if item.startswith(PLACE_ITEM):
        commune, name = split_item(item, PLACE_ITEM)
        value = version.value or {}
        label = f"Lieu qualifié « {name} » ({commune})"
        return label, "retiré" if version.deleted else " · ".join(filter(None, value.values()))
    if item == "stops":
        return _ITEM_LABELS[item], ", ".join(version.value)
    if item == "pass.threshold":
        return _ITEM_LABELS[item], f"{version.value} chèque{'s' if version.value > 1 else ''}"
    return _ITEM_LABELS.get(item, item), str(version.value)
