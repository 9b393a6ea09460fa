"""The `bureau-virtuel` command: the GUI by default, and sub-commands for managers, scripts and tests.

Sub-commands never import Qt, so they run on a server or in a script without a display. Errors are
one French line on stderr and a non-zero exit status. A command acts as the workstation's current
agent (the one the GUI shows), or as the agent `--agent` names; what only a responsable may do
(`app.models.permissions`: the export of a summary) is refused to anyone else, as in the GUI. What is printed from the database or from the
server (labels, names, refusals) goes through `printable`: it is shown, never run by the terminal.
"""

import argparse
import gc
import json
import logging
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.french_argparse import FrenchArgumentParser
from app.models.text import printable

if TYPE_CHECKING:
    from app.models.workspace import Workspace
    from app.models.workstation import Agent
    from app.reports.periods import Period

EXIT_INVALID = 1
EXIT_UNAVAILABLE = 3

log = logging.getLogger(__name__)


def _reference_epilog() -> str:
    from app.models.reference import load_catalogue

    catalogue = load_catalogue()
    parts = []
    for title, table in (
        ("Situations (--situation)", catalogue.situations),
        ("Partenaires (--partner)", catalogue.partners),
        ("Canaux (--channel)", catalogue.channels),
        ("Types d'aide (--help-kind)", catalogue.help_kinds),
        ("Issues (--outcome)", catalogue.outcomes),
        ("Tranches d'âge (--age-band)", catalogue.age_bands),
    ):
        lines = "\n".join(f"  {item_id:<24} {item.label}" for item_id, item in table.items())
        parts.append(f"{title} :\n{lines}")
    return "\n\n".join(parts)


def build_parser() -> argparse.ArgumentParser:
    # Any: argparse takes any parser as a parent, typeshed only one of the subparsers' class
    # (FrenchArgumentParser, which brings its own -h).
    common: Any = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        help="dossier de la base de données (défaut : $BUREAU_VIRTUEL_DATA_DIR, sinon le dossier de données de l'utilisateur)",
    )
    parser = FrenchArgumentParser(
        prog="bureau-virtuel",
        description="Bureau virtuel France Services. Sans sous-commande : lance l'application.",
        parents=[common],
    )
    parser.add_argument(
        "--self-test", action="store_true", help="démarre l'application complète, la vérifie et quitte"
    )
    commands = parser.add_subparsers(dest="command", parser_class=FrenchArgumentParser)

    contacts = commands.add_parser("contacts", help="enregistrer ou lister des contacts", parents=[common])
    contact_commands = contacts.add_subparsers(
        dest="action", required=True, parser_class=FrenchArgumentParser
    )
    add = contact_commands.add_parser(
        "add",
        help="enregistrer un contact",
        parents=[common],
        epilog=_reference_epilog,  # type: ignore[arg-type]  # FrenchArgumentParser calls it for the help
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument("--situation", required=True, help="situation de vie (voir la liste ci-dessous)")
    add.add_argument(
        "--partner", action="append", help="partenaire concerné (répétable ; défaut : celui de la situation)"
    )
    add.add_argument("--channel", help="canal (défaut : sur-place)")
    add.add_argument("--help-kind", help="type d'aide (défaut : information)")
    add.add_argument("--outcome", help="issue (défaut : resolu)")
    add.add_argument("--at", help="date et heure du contact, ISO 8601 (défaut : maintenant)")
    add.add_argument(
        "--duration",
        type=int,
        help="durée en minutes (défaut : celle de la visite en cours, comme dans le formulaire : depuis le "
        "premier parcours, site ou évaluation pour la personne ou « Nouvelle personne » ; sinon 1)",
    )
    add.add_argument("--agent", help="nom de l'agent (défaut : l'agent actuel du poste)")
    add.add_argument(
        "--place", help="lieu : la commune du site ou un arrêt du bus (défaut : le site ou l'arrêt actuel)"
    )
    add.add_argument(
        "--commune",
        help="commune de résidence (facultatif) : code INSEE, nom porté par une seule commune ou « Nom (dép.) »",
    )
    add.add_argument("--age-band", help="tranche d'âge (facultatif)")
    add.add_argument("--first-visit", action="store_true", help="première visite")
    add.add_argument("--non-recours", action="store_true", help="non-recours aux droits détecté")
    add.add_argument("--pass-numerique", action="store_true", help="Pass numérique remis")
    add.add_argument("--note", default="", help="note locale, jamais transmise (ni nom, ni numéro)")

    listing = contact_commands.add_parser("list", help="lister les contacts actuels", parents=[common])
    listing.add_argument("--from", dest="start", help="premier jour, AAAA-MM-JJ")
    listing.add_argument("--to", dest="end", help="dernier jour, AAAA-MM-JJ")
    listing.add_argument("--json", action="store_true", help="un tableau JSON, un objet par contact")

    enroll = commands.add_parser(
        "enroll", help="inscrire ce poste auprès d'un serveur de reporting", parents=[common]
    )
    enroll.add_argument(
        "--server", required=True, help="adresse du serveur, ex. https://reporting.exemple.fr"
    )
    enroll.add_argument(
        "--code",
        required=True,
        help="code d'inscription à usage unique donné par l'administrateur du serveur",
    )
    enroll.add_argument(
        "--reattribuer",
        "--yes",
        dest="reattribute",
        action="store_true",
        help="rattacher sans demander à la structure du serveur les enregistrements faits sur ce poste "
        "sous une autre structure et jamais envoyés",
    )
    enroll.add_argument(
        "--agent",
        help="profil d'agent à créer sur ce poste s'il n'en a aucun (nom ou initiales), pour saisir aussitôt",
    )
    enroll.add_argument(
        "--role", choices=("agent", "responsable"), default="agent", help="rôle de ce profil (défaut : agent)"
    )
    commands.add_parser(
        "sync",
        help="envoyer maintenant les contacts en attente (code de sortie non nul s'il en reste)",
        parents=[common],
    )

    export = commands.add_parser(
        "export",
        help="exporter la synthèse d'un mois, d'un trimestre ou d'une année (PDF ou CSV)",
        description="Synthèse d'activité de la structure sur une période, en PDF ou en CSV. En CSV, "
        "deux fichiers : les agrégats (SORTIE) et une ligne anonymisée par contact "
        "(SORTIE-contacts.csv, à côté).",
        parents=[common],
    )
    period = export.add_mutually_exclusive_group(required=True)
    period.add_argument(
        "--month", dest="period", type=_period_option("month"), metavar="AAAA-MM", help="un mois, AAAA-MM"
    )
    period.add_argument(
        "--quarter",
        dest="period",
        type=_period_option("quarter"),
        metavar="AAAA-Tn",
        help="un trimestre, AAAA-Tn ou AAAA-Qn",
    )
    period.add_argument(
        "--year", dest="period", type=_period_option("year"), metavar="AAAA", help="une année, AAAA"
    )
    export.add_argument("--format", required=True, choices=("pdf", "csv"), help="pdf ou csv")
    export.add_argument(
        "--output", required=True, metavar="SORTIE", help="fichier à écrire (remplacé s'il existe)"
    )
    export.add_argument(
        "--agent",
        help="responsable qui exporte (défaut : l'agent actuel du poste) ; seul un responsable exporte",
    )

    demo = commands.add_parser("demo", help="ajouter des contacts de démonstration", parents=[common])
    demo.add_argument("--contacts", type=int, default=3000, help="nombre de contacts (défaut : 3000)")
    demo.add_argument("--seed", type=int, help="graine du tirage, pour des données reproductibles")
    return parser


_PERIOD_FORMS = {
    "month": ("un mois", "AAAA-MM, par exemple 2026-11"),
    "quarter": ("un trimestre", "AAAA-Tn, par exemple 2026-T4"),
    "year": ("une année", "AAAA, par exemple 2026"),
}


def _period_option(kind: str) -> Callable[[str], "Period"]:
    """The type of --month/--quarter/--year: a period of that kind that has begun; otherwise argparse
    prints the French reason and exits with status 2, before the database is even opened."""

    def parse(text: str) -> "Period":
        from app.reports.periods import Period, PeriodError

        what, form = _PERIOD_FORMS[kind]
        try:
            period: Period | None = Period.parse(text)
        except PeriodError:
            period = None
        if period is None or period.kind != kind:
            raise argparse.ArgumentTypeError(f"« {text} » n'est pas {what} (attendu : {form}).")
        if period.start > date.today():
            raise argparse.ArgumentTypeError(
                f"la période « {period.label} » n'a pas encore commencé : choisissez une période passée "
                "ou en cours."
            )
        return period

    return parse


class CommandError(Exception):
    """A French one-line message for the user."""


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} : date invalide « {value} » (format attendu : AAAA-MM-JJ).") from None


def _parse_moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
        # Local time at the calendar's edges ("0001-01-01T00:00" in Paris) is out of range.
        return moment if moment.tzinfo else moment.astimezone()
    except ValueError:
        raise CommandError(f"--at : date invalide « {value} » (format attendu : AAAA-MM-JJTHH:MM).") from None


def _commune_code(text: str) -> str:
    from app.models.communes import CommuneError, load_communes

    try:
        return load_communes().resolve(text).code
    except CommuneError as error:
        raise CommandError(f"--commune : {error}") from None


def _acting_agent(workspace: "Workspace", name: str | None) -> "Agent | None":
    """Who the command acts as: the agent `--agent` names (one of the workstation's), else the
    workstation's current agent."""
    if not name:
        return workspace.workstation.current_agent
    agents = {agent.name: agent for agent in workspace.workstation.agents()}
    if name not in agents:
        raise CommandError(f"Agent inconnu : « {name} ». Agents du poste : {', '.join(sorted(agents))}.")
    return agents[name]


def _contacts_add(workspace: "Workspace", args: argparse.Namespace) -> int:
    defaults = workspace.workstation.contact_defaults()
    _acting_agent(workspace, args.agent)  # an unknown name is refused before anything is written
    catalogue = workspace.catalogue
    fields = {
        **defaults,
        "situation": args.situation,
        "channel": args.channel or catalogue.defaults["channel"],
        "help_kind": args.help_kind or catalogue.defaults["help_kind"],
        "outcome": args.outcome or catalogue.defaults["outcome"],
        "duration_minutes": args.duration if args.duration is not None else workspace.visit.minutes(),
        "age_band": args.age_band,
        "first_visit": args.first_visit or None,
        "non_recours": args.non_recours,
        "pass_numerique": args.pass_numerique,
    }
    if args.partner:
        fields["partners"] = args.partner
    if args.agent:
        fields["agent"] = args.agent
    if args.place:
        fields["place"] = args.place
    if args.commune:
        fields["residence_commune"] = _commune_code(args.commune)
    moment = _parse_moment(args.at)
    if moment:
        fields["occurred_at"] = moment
    record = workspace.contacts.add(fields, args.note)
    workspace.visit.end()  # as the form does: the next person's visit starts with the next action
    log.info("contact %s recorded", record.id)
    print(record.id)
    return 0


def _contacts_list(workspace: "Workspace", args: argparse.Namespace) -> int:
    from app.models.contacts import ContactFilter

    where = ContactFilter(start=_parse_day(args.start, "--from"), end=_parse_day(args.end, "--to"))
    rows = workspace.contacts.iter_current(where)
    if args.json:
        print(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=1))
        return 0
    catalogue = workspace.catalogue
    for row in rows:
        partners = ", ".join(catalogue.label("partners", p) for p in row.partners)
        # Stored labels are shown, never interpreted: no escape sequence reaches the terminal.
        print(
            printable(
                f"{row.occurred_at.astimezone():%d/%m/%Y %H:%M}  {catalogue.label('situations', row.situation)}"
                f"  [{partners}]  {catalogue.label('outcomes', row.outcome)}  {row.agent} · {row.place}"
            )
        )
    return 0


def _demo(workspace: "Workspace", args: argparse.Namespace) -> int:
    from app.models.demo import add_demo_contacts

    if args.contacts < 1:
        raise CommandError("--contacts : indiquez un nombre de contacts positif.")
    added = add_demo_contacts(workspace, args.contacts, seed=args.seed)
    structure = workspace.workstation.structure
    assert structure is not None  # add_demo_contacts sets one up
    print(
        printable(f"{added} contacts de démonstration ajoutés pour « {structure.name} » ({workspace.path}).")
    )
    return 0


def _export(workspace: "Workspace", args: argparse.Namespace) -> int:
    from app.models.permissions import Rule, refusal
    from app.reports.aggregation import summarise

    period, output = args.period, Path(args.output)
    if not output.parent.is_dir():
        raise CommandError(
            f"Le dossier « {output.parent} » n'existe pas : créez-le ou choisissez-en un autre."
        )
    summary = summarise(workspace, period)
    agent = _acting_agent(workspace, args.agent)
    reason = refusal(agent, Rule.EXPORT)
    if reason is not None:
        who = f"« {agent.name} » est agent" if agent else "aucun agent n'est choisi sur ce poste"
        raise CommandError(
            f"{reason} Ici, {who} : relancez avec --agent et le nom d'un responsable du poste. "
            "Aucun fichier n'a été écrit."
        )
    try:
        if args.format == "pdf":
            from app.reports.summary_pdf import write_summary_pdf

            write_summary_pdf(summary, workspace.catalogue, output)
            print(f"Synthèse ({period.label}, PDF) : {output}")
            return 0
        from app.reports.summary_csv import write_contacts_csv, write_summary_csv

        write_summary_csv(summary, workspace.catalogue, output)
        contacts = output.with_name(f"{output.stem}-contacts.csv")
        count = write_contacts_csv(workspace, period, contacts)
    except OSError as error:
        where = error.filename or output
        raise CommandError(f"Impossible d'écrire « {where} » ({error.strerror or error}).") from None
    print(f"Synthèse ({period.label}, CSV) : {output}")
    print(f"Contacts anonymisés ({count}) : {contacts}")
    return 0


def _enroll(workspace: "Workspace", args: argparse.Namespace) -> int:
    from app.sync.engine import ReattributionNeeded, enroll

    try:
        message = enroll(workspace, args.server, args.code, reattribute=args.reattribute)
    except ReattributionNeeded as needed:
        asked = sys.stdin.isatty()
        if not (asked and _confirm(str(needed))):
            question = "" if asked else f"{needed} "  # on a terminal it was just printed
            raise CommandError(
                f"{question}Poste non inscrit : rien n'a été modifié. Pour rattacher "
                "ces enregistrements, relancez la commande avec --reattribuer (le même code reste valable "
                "pour ce poste)."
            ) from None
        message = enroll(workspace, args.server, args.code, reattribute=True)
    print(printable(message))
    _join(workspace, args)
    return 0


def _join(workspace: "Workspace", args: argparse.Namespace) -> None:
    """After enrolment, the structure's records now (progress on stderr), then a first agent if the
    workstation has none: a workstation not yet set up is ready to record."""
    from app.sync.engine import pull_structure

    def progress(done: int, total: int) -> None:
        print(f"Réception des données de la structure : {done * 100 // max(total, 1)} %", file=sys.stderr)

    received = pull_structure(workspace, progress)
    print(
        f"{received} enregistrement{'s' if received > 1 else ''} reçu{'s' if received > 1 else ''} des autres postes."
    )
    workstation = workspace.workstation
    if args.agent and not workstation.agents():
        assert workstation.structure is not None  # enrolment adopted the server's
        workstation.set_up(
            workstation.structure, workstation.stops, workstation.current_stop, [(args.agent, args.role)]
        )
    elif workstation.agents() and workstation.current_agent is None:  # the structure brought its agents
        print(printable(f"Agent de ce poste : {workstation.first_agent_after_join(args.agent).name}."))
    if not workstation.agents():
        print(
            "Aucun profil d'agent sur ce poste : relancez avec --agent « Nom » (ou lancez l'application) "
            "avant de saisir des contacts.",
            file=sys.stderr,
        )


def _confirm(question: str) -> bool:
    """Ask on the terminal (a script says yes with --reattribuer, never by default)."""
    print(printable(question))
    try:
        answer = input("Rattacher ces enregistrements et inscrire le poste ? [o/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("o", "oui", "y", "yes")


def _sync(workspace: "Workspace", _args: argparse.Namespace) -> int:
    from app.sync.engine import run_pass
    from app.sync.status import journal_line

    report = run_pass(workspace, force=True)
    log.info(journal_line(report))
    print(printable(report.summary()))
    return 0 if report.enrolled and not report.busy and report.pending == 0 and report.error is None else 4


def _start_journal(data_dir: str | None) -> None:
    """The journal (app/journal) for the GUI and every sub-command; without it the work goes on."""
    from app.journal.files import start_journal

    try:
        start_journal(data_dir)
    except OSError as error:
        print(f"Avertissement : journal non enregistré ({error.strerror or error}).", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        # Start-up allocates much and frees little (modules, classes, Qt's enums, the first screen):
        # the garbage collector would walk it all again and again for almost nothing, ~10 ms of
        # CPU (bench/startup.py). It runs again once the window is up (settle_after_start), or
        # before the first-start wizard waits for the agent.
        gc.disable()
    data_dir = getattr(args, "data_dir", None)
    _start_journal(data_dir)
    log.info("start: %s", " ".join(filter(None, (args.command, getattr(args, "action", None)))) or "GUI")
    if args.command is None:
        try:
            # Before Qt: PySide6's import hook reads the source of every module imported after it
            # (to find `from __feature__`), about a fifth of the start-up for the models and their
            # libraries. (The search and the flows wait for the first search: Accueil shows neither.)
            import app.models.workspace
            import app.sync.status  # noqa: F401
            from app.ui.application import run_gui

            return run_gui(data_dir, self_test_only=args.self_test)
        finally:
            gc.enable()

    from app.models.database import DatabaseUnavailable
    from app.models.record import RecordError
    from app.models.workspace import open_workspace
    from app.models.workstation import SetupError
    from app.sync.credentials import CredentialsUnavailable
    from app.sync.transport import SyncError

    try:
        workspace = open_workspace(data_dir)
    except DatabaseUnavailable as error:
        print(f"Erreur : {printable(str(error))}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    handlers = {
        ("contacts", "add"): _contacts_add,
        ("contacts", "list"): _contacts_list,
        ("demo", None): _demo,
        ("export", None): _export,
        ("enroll", None): _enroll,
        ("sync", None): _sync,
    }
    try:
        return handlers[(args.command, getattr(args, "action", None))](workspace, args)
    except (CommandError, RecordError, SetupError, SyncError, CredentialsUnavailable) as error:
        print(f"Erreur : {printable(str(error))}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:  # `contacts list | head`: the reader has what it wanted
        sys.stderr.close()
        return 0
    except Exception:
        log.exception("%s failed", args.command)
        raise
    finally:
        workspace.close()
