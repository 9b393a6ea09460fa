"""The workstation's set-up: its structure, a bus's stops, and the agents who share it.

Stored in the `settings` table (JSON values) and the `agents` table of the same database, so that
a backup of one file is a backup of everything.
"""

from dataclasses import asdict, dataclass, replace
from typing import Any

from app.models.connection import Database
from app.models.database import transaction, utc_now
from app.models.note_guard import value_problem
from app.models.permissions import WHY_NOT, Rule, refusal, require
from app.models.settings import get_setting, set_setting
from app.models.shared_settings import SharedSettings, agent_item
from app.models.structures import Structure, StructureList, load_structures
from app.models.text import fold, printable
from app.registry.anct_list import departement_code

ROLES = {"agent": "Agent", "responsable": "Responsable"}
# Display, chosen in Paramètres › Affichage for everyone at this workstation (the screen is shared).
THEMES = {"standard": "Standard", "contraste-eleve": "Contraste élevé (fond noir, texte blanc et jaune)"}
TEXT_SCALES = {100: "Normale (100 %)", 125: "Grande (125 %)", 150: "Très grande (150 %)"}


class SetupError(ValueError):
    """Invalid set-up input; the message is French."""


@dataclass(frozen=True)
class Agent:
    id: int
    name: str
    role: str

    @property
    def is_manager(self) -> bool:
        return self.role == "responsable"


class Workstation:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _get(self, key: str, default: Any = None) -> Any:
        return get_setting(self.db, key, default)

    def _set(self, key: str, value: Any) -> None:
        set_setting(self.db, key, value)

    @property
    def is_set_up(self) -> bool:
        return self.structure is not None and bool(self.agents())

    @property
    def structure(self) -> Structure | None:
        data = self._get("structure")
        return Structure(**data) if data else None

    @property
    def stops(self) -> list[str]:
        stops: list[str] = self._get("stops", [])
        return stops

    @property
    def current_stop(self) -> str | None:
        stop: str | None = self._get("current_stop")
        return stop

    def set_up(
        self, structure: Structure, stops: list[str], current_stop: str | None, agents: list[tuple[str, str]]
    ) -> None:
        """First start: everything at once, or nothing."""
        structure, stops = _checked(structure, stops)
        if not agents:
            raise SetupError("Créez au moins un profil d'agent.")
        with transaction(self.db):
            self._set_structure(structure, stops, current_stop)
            created = [self._add_agent(name, role) for name, role in agents]
            self._set("current_agent", created[0].id)  # whoever sets the workstation up works first

    def correct_structure(
        self, structure: Structure, stops: list[str], current_stop: str | None, by: Agent | None
    ) -> int:
        """A responsable corrects the structure chosen at first start (a wrong pick, fixed or itinerant,
        the stops). The records made here, never sent, go with it in the same transaction; returns how
        many changed structure. An enrolled workstation's structure is the server's: refused."""
        require(by, Rule.STRUCTURE, SetupError)
        if by is not None and by.id not in {agent.id for agent in self.agents()}:
            raise SetupError(WHY_NOT[Rule.STRUCTURE])
        from app.sync.status import SERVER_URL  # the setting only: no network code is loaded

        server = self._get(SERVER_URL)
        if server:
            raise SetupError(
                f"Ce poste est inscrit auprès du serveur de reporting {server} : sa structure vient du "
                "serveur et ne peut pas être modifiée sur le poste. Pour la changer, demandez au "
                "responsable un code d'inscription de la bonne structure et inscrivez le poste à nouveau."
            )
        structure, stops = _checked(structure, stops)
        from app.models import reattribution  # only when the structure changes

        with transaction(self.db):
            moved = reattribution.reattribute(self.db, structure.matricule)
            self._set_structure(structure, stops, current_stop)
        return moved

    def _set_structure(self, structure: Structure, stops: list[str], current_stop: str | None) -> None:
        self._set("structure", asdict(structure))
        self._set("stops", stops if structure.itinerant else [])
        current = current_stop if current_stop in stops else (stops[0] if stops else None)
        self._set("current_stop", current if structure.itinerant else None)

    def adopt_structure(self, matricule: str, name: str, departement: str, itinerant: bool) -> Structure:
        """Enrolment: the reporting server says which structure this workstation belongs to.

        The caller holds the transaction, so that the structure changes together with the enrolment's
        settings and the re-attribution of the records made before. The server does not know the
        commune: the public list's when the server names another structure than the one chosen here
        (a wrong pick), else the one chosen at first start (a structure typed by hand), else the name.
        """
        current = self.structure
        listed = next((s for s in load_structures() if s.matricule == matricule), None)
        kept = current if current and (current.matricule == matricule or listed is None) else None
        commune = (kept.commune if kept else None) or (listed.commune if listed else name)
        postal_code = listed.postal_code if listed else (current.postal_code if current else "")
        structure = Structure(matricule, name, commune, departement, itinerant, postal_code)
        self._set("structure", asdict(structure))
        if itinerant and not self.stops:
            self._set("stops", [commune])
            self._set("current_stop", commune)
        return structure

    def follow_list(self, structure_list: StructureList) -> bool:
        """The structure's name, commune, département and postal code as the newest list gives them
        (a structure renamed, or moved, since the list this workstation was set up from), so that the
        status bar and the headers of the exports follow; whether they changed. Fixed or itinerant
        and the stops stay as the workstation has them: they drive its daily use."""
        current = self.structure
        listed = structure_list.find(current.matricule) if current else None
        if current is None or listed is None:
            return False
        followed = replace(
            current,
            name=listed.name,
            commune=listed.commune or current.commune,
            departement=listed.departement,
            postal_code=listed.postal_code or current.postal_code,
        )
        if followed == current:
            return False
        with transaction(self.db):
            self._set("structure", asdict(followed))
        return True

    def set_stops(self, stops: list[str], current_stop: str | None) -> None:
        stops = _clean_stops(stops)
        if not stops:
            raise SetupError("Une structure itinérante doit avoir au moins un arrêt (commune).")
        with transaction(self.db):
            self._set("stops", stops)
            self._set("current_stop", current_stop if current_stop in stops else stops[0])
            SharedSettings(self.db).change("stops", stops)

    def set_current_stop(self, stop: str) -> None:
        if stop not in self.stops:
            raise SetupError(f"« {stop} » n'est pas un arrêt de cette structure.")
        with transaction(self.db):
            self._set("current_stop", stop)

    @property
    def place(self) -> str:
        """Where contacts happen now: the bus's current stop, or the fixed site's commune."""
        structure = self.structure
        if structure is None:
            return ""
        return (self.current_stop or structure.commune) if structure.itinerant else structure.commune

    def places(self) -> list[str]:
        structure = self.structure
        if structure is None:
            return []
        return self.stops if structure.itinerant else [structure.commune]

    def agents(self, *, inactive: bool = False) -> list[Agent]:
        """The agents offered (status bar, form); with `inactive`, also those deactivated, whose
        contacts the history still lists and filters."""
        where = "" if inactive else "WHERE active = 1 "
        return [
            Agent(*row) for row in self.db.execute(f"SELECT id, name, role FROM agents {where}ORDER BY name")
        ]

    def deactivate_agent(self, agent_id: int) -> Agent:
        """An agent who left: no longer offered anywhere, their contacts kept under their name; once
        enrolled, for every workstation of the structure. Only a responsable, never oneself (the
        workstation would be left without a current agent)."""
        agent = next((a for a in self.agents() if a.id == agent_id), None)
        if agent is None:
            raise SetupError("Cet agent n'est plus actif sur ce poste.")
        current = require(self.current_agent, Rule.AGENTS, SetupError)
        if agent.id == current.id:
            raise SetupError("Vous ne pouvez pas désactiver votre propre profil : changez d'agent d'abord.")
        with transaction(self.db):
            self.db.execute("UPDATE agents SET active = 0 WHERE id = ?", [agent.id])
            SharedSettings(self.db).change(agent_item(agent.name), None, deleted=True)
        return agent

    def add_agent(self, name: str, role: str = "agent") -> Agent:
        """An agent added in Paramètres: once enrolled, for every workstation of the structure."""
        with transaction(self.db):
            agent = self._add_agent(name, role)
            SharedSettings(self.db).change(agent_item(agent.name), {"role": agent.role})
            return agent

    def _add_agent(self, name: str, role: str) -> Agent:
        name = " ".join(name.split())
        if not name:
            raise SetupError("Indiquez le nom ou les initiales de l'agent.")
        if len(name) > 80:
            raise SetupError("Le nom de l'agent est trop long (80 caractères au plus).")
        _refuse_identifiers(name, "Le nom de l'agent")
        if role not in ROLES:
            raise SetupError(f"Rôle inconnu : « {role} ».")
        known = self.db.execute("SELECT id, active FROM agents WHERE name = ?", [name]).fetchone()
        if known and known[1]:
            raise SetupError(f"Un agent « {name} » existe déjà.")
        if known:  # deactivated, and back: the same profile, active again
            self.db.execute("UPDATE agents SET active = 1, role = ? WHERE id = ?", [role, known[0]])
            return Agent(known[0], name, role)
        cursor = self.db.execute(
            "INSERT INTO agents (name, role, created_at) VALUES (?, ?, ?)",
            [name, role, utc_now().isoformat()],
        )
        assert cursor.lastrowid is not None  # set by every INSERT
        return Agent(cursor.lastrowid, name, role)

    @property
    def theme(self) -> str:
        """The display theme; an unknown stored value (older or newer version) falls back to standard."""
        theme = self._get("display_theme", "standard")
        return theme if theme in THEMES else "standard"

    @property
    def text_scale(self) -> int:
        """Text size in percent of the system's font size."""
        scale = self._get("text_scale", 100)
        return scale if scale in TEXT_SCALES else 100

    def set_display(self, theme: str, text_scale: int) -> None:
        if theme not in THEMES:
            raise SetupError(f"Thème inconnu : « {theme} ».")
        if text_scale not in TEXT_SCALES:
            raise SetupError(f"Taille du texte inconnue : {text_scale} %.")
        with transaction(self.db):
            self._set("display_theme", theme)
            self._set("text_scale", text_scale)

    @property
    def current_agent(self) -> Agent | None:
        agent_id = self._get("current_agent")
        return next((a for a in self.agents() if a.id == agent_id), None)

    def refusal(self, rule: Rule) -> str | None:
        """Why the current agent may not make a change `rule` reserves, or None if they may: what a
        screen asks to enable its buttons and say why not (the store refuses the same change)."""
        return refusal(self.current_agent, rule)

    def first_agent_after_join(self, name: str | None = None) -> Agent:
        """A workstation that joined a structure with its agents: who works first — the agent named
        (one of the structure's), else a responsable. SetupError in French if there is no such agent."""
        agents = self.agents()
        if not agents:
            raise SetupError("Aucun profil d'agent n'est venu avec la structure : créez-en un.")
        chosen: Agent | None
        if name is None:
            chosen = next((agent for agent in agents if agent.is_manager), agents[0])
        else:
            chosen = next((agent for agent in agents if agent.name == name.strip()), None)
            if chosen is None:
                known = ", ".join(agent.name for agent in agents)
                raise SetupError(
                    f"Aucun agent de ce nom dans la structure. Agents de la structure : {known}."
                )
        self.set_current_agent(chosen.id)
        return chosen

    def set_current_agent(self, agent_id: int) -> None:
        with transaction(self.db):
            self._set("current_agent", agent_id)

    def contact_defaults(self) -> dict[str, str]:
        """What every new contact knows without asking: structure, agent, place."""
        structure, agent = self.structure, self.current_agent
        if structure is None or agent is None:
            raise SetupError(
                "Le poste n'est pas encore configuré : lancez l'application pour choisir la structure "
                "et créer un profil d'agent, ou utilisez « bureau-virtuel demo »."
            )
        return {"structure": structure.matricule, "agent": agent.name, "place": self.place}


def _checked(structure: Structure, stops: list[str]) -> tuple[Structure, list[str]]:
    """The structure's own checks, its département as the State writes it (« 1 » is 01, « 2a » 2A:
    one département under two spellings would split its figures), and its stops cleaned."""
    stops = _clean_stops(stops)
    if not structure.name.strip():
        raise SetupError("Indiquez le nom de la structure.")
    if not structure.commune.strip():
        raise SetupError("Indiquez la commune de la structure.")
    departement = departement_code(structure.departement)
    if departement is None:
        raise SetupError(
            f"Département de la structure invalide : « {printable(structure.departement.strip()[:10])} » "
            "(indiquez son numéro, par ex. 01, 2A ou 974)."
        )
    _refuse_identifiers(structure.name, "Le nom de la structure")
    _refuse_identifiers(structure.commune, "La commune de la structure")
    if structure.itinerant and not stops:
        raise SetupError("Une structure itinérante doit avoir au moins un arrêt (commune).")
    return replace(structure, departement=departement), stops


def stop_problem(stop: str, stops: list[str]) -> str | None:
    """Why `stop` cannot join the round `stops`, in French, or None: a name that could hold an
    identifier, or a stop already there under another case or accents (« etreux », « Étreux »)
    — two names for one place would split its contacts."""
    stop = " ".join(stop.split())
    if not stop:
        return "Saisissez la commune de l'arrêt."
    problem = value_problem(stop, "Le nom d'un arrêt")
    if problem:
        return problem
    same = next((known for known in stops if fold(known) == fold(stop)), None)
    if same is not None:
        return f"« {same} » est déjà un arrêt de la tournée."
    return None


def _clean_stops(stops: list[str]) -> list[str]:
    """The stops whitespace-trimmed, a name written twice (whatever its case or accents) kept once."""
    seen: list[str] = []
    for stop in stops:
        stop = " ".join(stop.split())
        _refuse_identifiers(stop, "Le nom d'un arrêt")
        if stop and all(fold(known) != fold(stop) for known in seen):
            seen.append(stop)
    return seen


def _refuse_identifiers(text: str, subject: str) -> None:
    """Agent names and stops travel in every record: the record's own guard, before anything is
    written, with a message naming what the agent typed."""
    problem = value_problem(text, subject)
    if problem:
        raise SetupError(problem)
