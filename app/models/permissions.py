"""What only a responsable may do at the workstation, and the French sentence that says so.

One place decides: the stores (`referents`, `qualified_places`, `portal`, `pass_numerique`,
`contacts`, `workstation`) refuse a change by an agent before writing anything, the CLI refuses an
export, and the screens only ask `refusal` to enable or disable a button and show its sentence.

Who acts is the workstation's current agent (the profile chosen in Paramètres, shown in the status
bar), for the GUI and the CLI alike; the CLI's `--agent` names another of the workstation's profiles.
There is no password: the rule keeps an agent from changing by mistake what the structure's
responsable answers for (charter § 3.1), it is not a lock against someone who picks another profile.
"""

from enum import StrEnum
from typing import TYPE_CHECKING

from app.models.connection import Database

if TYPE_CHECKING:
    from app.models.workstation import Agent


class Rule(StrEnum):
    """A change reserved to a responsable."""

    REFERENTS = "referents"
    PLACES = "places"
    LOCAL_LINKS = "local_links"
    ALLOWED_SITES = "allowed_sites"
    SEARCH_ENGINE = "search_engine"
    STRUCTURE = "structure"
    PASS_STOCK = "pass_stock"
    PASS_REFUSED = "pass_refused"
    EXPORT = "export"
    SHARED_SETTINGS = "shared_settings"
    OTHER_WORKSTATION_CONTACT = "other_workstation_contact"
    AGENTS = "agents"


# Why an agent may not: each sentence is shown as it is, under the disabled button or as the error.
WHY_NOT = {
    Rule.REFERENTS: "Seul un responsable peut modifier l'annuaire des référents.",
    Rule.PLACES: "Seul un responsable peut modifier les lieux qualifiés.",
    Rule.LOCAL_LINKS: "Seul un responsable peut ajouter ou retirer un lien local.",
    Rule.ALLOWED_SITES: "Seul un responsable peut autoriser un site ou le retirer des sites autorisés.",
    Rule.SEARCH_ENGINE: "Seul un responsable peut changer le moteur de recherche.",
    Rule.STRUCTURE: "Seul un responsable peut corriger la structure du poste.",
    Rule.AGENTS: "Seul un responsable peut désactiver un agent.",
    Rule.PASS_STOCK: "Réception des carnets, annulations, retours et seuil : réservés au responsable.",
    Rule.PASS_REFUSED: "Seul un responsable peut régulariser un mouvement de Pass numérique refusé.",
    Rule.SHARED_SETTINGS: "Seul un responsable peut modifier les paramètres partagés par toute la structure.",
    Rule.EXPORT: (
        "Les synthèses relèvent du responsable de la structure (charte France Services, § 3.1) : vous "
        "pouvez consulter les chiffres, mais seul le responsable les exporte en PDF ou en CSV."
    ),
    Rule.OTHER_WORKSTATION_CONTACT: (
        "Ce contact a été enregistré sur un autre poste : seul un responsable peut le corriger ou le "
        "supprimer."
    ),
}


class NotAllowed(ValueError):
    """A change the acting agent may not make; the message is French."""


def refusal(agent: "Agent | None", rule: Rule) -> str | None:
    """Why `agent` may not do what `rule` reserves (no agent chosen: nobody may), or None if they may."""
    return None if agent is not None and agent.is_manager else WHY_NOT[rule]


def acting_agent(db: Database) -> "Agent | None":
    """Who acts on this workstation: its current agent."""
    from app.models.workstation import Workstation  # the workstation's stores check through here

    return Workstation(db).current_agent


def require(agent: "Agent | None", rule: Rule, error: type[ValueError] = NotAllowed) -> "Agent":
    """Raise `error` (the caller's own kind, which its callers already show) with the French
    sentence if `agent` may not; called before anything is written. The agent, who may."""
    reason = refusal(agent, rule)
    if reason is not None or agent is None:
        raise error(reason or WHY_NOT[rule])
    return agent
