"""The `bureau-virtuel-server` command: run the server and administer structures and workstations.

Every command upgrades the database to the latest schema first. Errors are one French line on stderr
and a non-zero exit status; a command's useful output (a code, a summary) is on stdout, last.
"""

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from app.french_argparse import FrenchArgumentParser

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy import Engine

EXIT_INVALID = 1
EXIT_UNAVAILABLE = 3
MAX_WORKERS = 64
_WORKER_DATABASE = "BUREAU_VIRTUEL_SERVER_WORKER_DATABASE"
_WORKER_DOCS = "BUREAU_VIRTUEL_SERVER_WORKER_DOCS"
_WORKER_HTTP_COOKIES = "BUREAU_VIRTUEL_SERVER_WORKER_HTTP_COOKIES"


class CommandError(Exception):
    """A French one-line message for the administrator."""


def build_parser() -> argparse.ArgumentParser:
    # Any: argparse takes any parser as a parent, typeshed only one of the subparsers' class
    # (FrenchArgumentParser, which brings its own -h).
    common: Any = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        metavar="URL",
        help="base de données SQLAlchemy, SQLite ou PostgreSQL (défaut : $BUREAU_VIRTUEL_SERVER_DATABASE, "
        "sinon un fichier SQLite dans le dossier de données de l'utilisateur)",
    )
    parser = FrenchArgumentParser(
        prog="bureau-virtuel-server",
        description="Serveur de remontée de Bureau virtuel : reçoit les contacts et les sollicitations des postes inscrits.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMANDE", parser_class=FrenchArgumentParser
    )

    serve = commands.add_parser("serve", help="démarrer le serveur HTTP", parents=[common])
    serve.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port d'écoute (défaut : 8000)")
    serve.add_argument(
        "--docs",
        action="store_true",
        help="servir aussi la documentation interactive de l'API (/docs, /redoc) ; /openapi.json l'est toujours",
    )
    serve.add_argument(
        "--http-cookies",
        action="store_true",
        help="cookie de session sans l'attribut Secure, pour http://127.0.0.1 en test ou en développement "
        "seulement (en production, le serveur est derrière HTTPS)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="nombre de processus serveur sur le même port (défaut : 1 ; PostgreSQL conseillé au-delà)",
    )

    add = commands.add_parser(
        "add-structure", help="déclarer une structure et obtenir un code d'inscription", parents=[common]
    )
    add.add_argument("--matricule", required=True, help="matricule de la structure (liste officielle)")
    add.add_argument("--name", required=True, help="nom de la France Services")
    add.add_argument("--departement", required=True, help="département, par ex. 02, 2A, 974")
    add.add_argument("--itinerant", action="store_true", help="structure itinérante (bus)")

    code = commands.add_parser(
        "enrolment-code", help="émettre un nouveau code d'inscription (un poste, 7 jours)", parents=[common]
    )
    code.add_argument("--matricule", required=True, help="matricule de la structure")

    listing = commands.add_parser("workstations", help="lister les postes inscrits", parents=[common])
    listing.add_argument("--matricule", required=True, help="matricule de la structure")

    revoke = commands.add_parser(
        "revoke", help="révoquer un poste (son jeton cesse de marcher)", parents=[common]
    )
    revoke.add_argument("--workstation", required=True, metavar="ID", help="identifiant du poste")

    imported = commands.add_parser(
        "import-structures",
        help="importer la liste des France Services publiée par l'ANCT (CSV ou GeoJSON)",
        parents=[common],
    )
    imported.add_argument(
        "file", metavar="FICHIER", help="la liste, telle que l'ANCT la publie (CSV ou GeoJSON)"
    )
    imported.add_argument(
        "--dry-run", action="store_true", help="dire ce que l'import changerait, sans rien enregistrer"
    )
    imported.add_argument(
        "--confirm-closures",
        action="store_true",
        help="accepter de fermer plus de 10 %% des structures de la liste actuelle",
    )
    imported.add_argument(
        "--publication-date",
        metavar="AAAA-MM-JJ",
        help="date de publication de la liste par l'ANCT (par défaut : celle du nom du fichier, "
        "ex. liste-fs-20240801.csv)",
    )

    listing_structures = commands.add_parser(
        "structures", help="lister les structures du registre", parents=[common]
    )
    listing_structures.add_argument("--departement", help="seulement ce département, par ex. 02, 2A, 974")
    listing_structures.add_argument(
        "--format", choices=("json", "csv"), default="csv", help="csv (défaut) ou json"
    )

    account = commands.add_parser(
        "add-account",
        help="créer un compte du tableau de bord (mot de passe demandé, ou lu sur l'entrée standard)",
        description="Crée un compte du tableau de bord. Le mot de passe n'est jamais un argument (il "
        "resterait dans l'historique du shell) : il est demandé deux fois au clavier, ou lu sur la "
        "première ligne de l'entrée standard quand elle n'est pas un terminal "
        "(par ex. bureau-virtuel-server add-account ... < fichier).",
        parents=[common],
    )
    account.add_argument("--login", required=True, help="identifiant, de préférence l'adresse électronique")
    account.add_argument(
        "--role",
        required=True,
        choices=("national", "departement", "structure"),
        help="national (tout), departement (ses départements) ou structure (sa structure)",
    )
    account.add_argument(
        "--departement",
        action="append",
        default=[],
        help="département d'un compte departement (répéter l'option pour plusieurs)",
    )
    account.add_argument("--matricule", help="structure d'un compte structure")

    api_token = commands.add_parser(
        "api-token",
        help="émettre le jeton d'API d'un compte (pour les outils qui lisent /api/v1/stats ; remplace le précédent)",
        parents=[common],
    )
    api_token.add_argument("--login", required=True, help="identifiant du compte")

    for name, verb in (("disable-account", "désactiver"), ("enable-account", "réactiver")):
        switch = commands.add_parser(
            name,
            help=f"{verb} un compte du tableau de bord"
            + (" (ses sessions sont fermées, son jeton d'API refusé)" if name == "disable-account" else ""),
            parents=[common],
        )
        switch.add_argument("--login", required=True, help="identifiant du compte")

    publish = commands.add_parser(
        "publish-content",
        help="vérifier, signer et publier le contenu national (parcours, portail, référentiels)",
        description="Vérifie le contenu d'un dossier organisé comme resources/ (content.json, flows/, "
        "portal/, reference/), le signe avec la clé privée de l'éditeur national et le publie : les "
        "postes le reçoivent à leur prochaine synchronisation (docs/DEPLOYMENT.md).",
        parents=[common],
    )
    publish.add_argument("folder", metavar="DOSSIER", help="dossier du contenu (comme resources/)")
    publish.add_argument(
        "--key", required=True, metavar="FICHIER", help="clé privée Ed25519 de l'éditeur (PEM)"
    )

    content_key = commands.add_parser(
        "content-key",
        help="créer la paire de clés de l'éditeur national (la clé publique est affichée)",
        description="Écrit une nouvelle clé privée Ed25519 dans FICHIER (lisible par son seul "
        "propriétaire, jamais écrasée) et affiche la clé publique, à livrer avec l'application dans "
        "resources/content_key.pub.",
    )
    content_key.add_argument("action", choices=("new",), help="new : nouvelle paire de clés")
    content_key.add_argument("file", metavar="FICHIER", help="où écrire la clé privée (hors du dépôt)")

    summary = commands.add_parser("summary", help="synthèse mensuelle d'une structure", parents=[common])
    summary.add_argument("--matricule", required=True, help="matricule de la structure")
    summary.add_argument(
        "--month", required=True, help="mois local (des contacts, de l'envoi des sollicitations), AAAA-MM"
    )
    summary.add_argument("--format", choices=("json", "csv"), default="json", help="json (défaut) ou csv")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "content-key":  # no database: the editor's machine may have none
        return _content_key(args)
    from sqlalchemy.exc import SQLAlchemyError

    from app.content.bundle import BundleError
    from app.server.accounts import AccountError
    from app.server.database import UnknownSchema, default_url, display_url, open_database

    url = args.database or default_url()
    try:
        _check_arguments(args)
        engine = open_database(url)
    except CommandError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return EXIT_INVALID
    except (SQLAlchemyError, OSError, UnknownSchema) as error:
        print(
            f"Erreur : base de données inaccessible ({display_url(url)}) : {_first_line(error)}",
            file=sys.stderr,
        )
        return EXIT_UNAVAILABLE
    try:
        return _COMMANDS[args.command](engine, args)
    except (AccountError, CommandError, BundleError) as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return EXIT_INVALID
    except SQLAlchemyError as error:
        print(f"Erreur : base de données indisponible : {_first_line(error)}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    finally:
        engine.dispose()


def _check_arguments(args: argparse.Namespace) -> None:
    from app.server.summary import valid_month

    if args.command == "serve" and not 1 <= args.port <= 65535:
        raise CommandError(f"--port : port invalide « {args.port} » (de 1 à 65535).")
    if args.command == "serve" and not 1 <= args.workers <= MAX_WORKERS:
        raise CommandError(f"--workers : nombre invalide « {args.workers} » (de 1 à {MAX_WORKERS}).")
    if args.command == "summary" and not valid_month(args.month):
        raise CommandError(f"--month : mois invalide « {args.month} » (format attendu : AAAA-MM).")
    if args.command == "structures" and args.departement is not None:
        from app.registry.anct_list import departement_code

        code = departement_code(args.departement)
        if code is None:
            raise CommandError(
                f"--departement : département invalide « {args.departement} » (exemples : 02, 2A, 974)."
            )
        args.departement = code


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _serve(engine: "Engine", args: argparse.Namespace) -> int:
    import uvicorn

    from app.server.api import create_app
    from app.server.logs import configure_logging

    configure_logging()
    if args.workers == 1:
        application: FastAPI | str = _settled(
            create_app(engine, docs=args.docs, secure_cookies=not args.http_cookies)
        )
    else:
        # Each worker is a new process that opens its own engine (the schema is already migrated):
        # uvicorn imports `worker_app` there, told the database and options through the environment.
        engine.dispose()
        os.environ[_WORKER_DATABASE] = engine.url.render_as_string(hide_password=False)
        os.environ[_WORKER_DOCS] = "1" if args.docs else ""
        os.environ[_WORKER_HTTP_COOKIES] = "1" if args.http_cookies else ""
        application = f"{__name__}:worker_app"
    # No `server: uvicorn` banner, and no access log of uvicorn's (it prints query strings):
    # `app.server.middleware.RequestLog` writes one line per request instead.
    uvicorn.run(
        application,
        factory=args.workers > 1,
        workers=args.workers,
        host=args.host,
        port=args.port,
        server_header=False,
        access_log=False,
        log_config=None,
    )
    return 0


def worker_app() -> "FastAPI":
    """The application of one worker of `serve --workers N` (several processes on one PostgreSQL:
    ingest and roll-ups take their locks in one order, see `app.server.ingest`; the lock-outs count
    their failures in the database, `app.server.rate_limit`)."""
    from app.server.api import create_app
    from app.server.database import open_database
    from app.server.logs import configure_logging

    configure_logging()
    return _settled(
        create_app(
            open_database(os.environ[_WORKER_DATABASE]),
            docs=bool(os.environ.get(_WORKER_DOCS)),
            secure_cookies=not os.environ.get(_WORKER_HTTP_COOKIES),
        )
    )


def _settled(application: "FastAPI") -> "FastAPI":
    """`application`, its modules' objects moved out of the garbage collector's reach: they live as
    long as the process, and each full collection walked all ~114,000 of them again — during a large
    answer, whose rows trigger several (the national structures list's tables, CSV and XLSX, in a
    process with the application: 240 → 167 ms p50, measured side by side on a loaded machine)."""
    import gc

    gc.freeze()
    return application


def _add_structure(engine: "Engine", args: argparse.Namespace) -> int:
    from app.server.accounts import create_structure

    code = create_structure(engine, args.matricule, args.name, args.departement, args.itinerant)
    print(f"Structure « {args.name.strip()} » (matricule {args.matricule.strip()}) enregistrée.")
    _print_code(code)
    return 0


def _enrolment_code(engine: "Engine", args: argparse.Namespace) -> int:
    from app.server.accounts import issue_code

    _print_code(issue_code(engine, args.matricule))
    return 0


def _print_code(code: str) -> None:
    print("Code d'inscription à saisir sur un poste (un seul poste, valable 7 jours) :")
    print(code)


def _workstations(engine: "Engine", args: argparse.Namespace) -> int:
    from app.models.text import printable
    from app.server.accounts import list_workstations

    found = list_workstations(engine, args.matricule)
    if not found:
        print(f"Aucun poste inscrit pour la structure {args.matricule}.")
        return 0
    print("identifiant\tnom du poste\tinscrit le\tvu le\tétat")
    for workstation in found:
        state = f"révoqué le {workstation.revoked_at}" if workstation.revoked_at else "actif"
        print(
            f"{workstation.id}\t{printable(workstation.label or '-')}\t{workstation.enrolled_at}"
            f"\t{workstation.last_seen_at or '-'}\t{state}"
        )
    return 0


def _revoke(engine: "Engine", args: argparse.Namespace) -> int:
    from app.server.accounts import revoke

    workstation, newly = revoke(engine, args.workstation)
    if newly:
        print(f"Poste {workstation.id} révoqué : il ne peut plus envoyer de données.")
    else:
        print(f"Le poste {workstation.id} était déjà révoqué (depuis le {workstation.revoked_at}).")
    return 0


def _add_account(engine: "Engine", args: argparse.Namespace) -> int:
    from app.server.web.accounts import check_password, create_account

    password = _read_password()
    check_password(password)
    account = create_account(engine, args.login, password, args.role, args.departement, args.matricule)
    scope = {
        "national": "toutes les structures",
        "departement": "département(s) " + ", ".join(account.departements),
        "structure": f"structure {account.structure}",
    }[account.role]
    print(f"Compte « {account.login} » créé ({scope}).")
    return 0


def _api_token(engine: "Engine", args: argparse.Namespace) -> int:
    from app.server.web.accounts import issue_api_token

    token = issue_api_token(engine, args.login)
    print("Jeton d'API (à envoyer en « Authorization: Bearer … » ; il n'est montré qu'une fois) :")
    print(token)
    return 0


def _set_account_enabled(engine: "Engine", args: argparse.Namespace) -> int:
    from app.server.web.accounts import audit, set_account_enabled

    enabled = args.command == "enable-account"
    account = set_account_enabled(engine, args.login, enabled)
    audit(
        engine,
        "account_enabled" if enabled else "account_disabled",
        "(ligne de commande)",
        "",
        detail=account.login,
    )
    print(f"Compte « {account.login} » {'réactivé' if enabled else 'désactivé'}.")
    return 0


def _read_password() -> str:
    """Twice at the keyboard, or the first line of standard input when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("Mot de passe (12 caractères au moins) : ")
    if getpass.getpass("Le même mot de passe, encore : ") != first:
        raise CommandError("Les deux mots de passe diffèrent : rien n'a été créé.")
    return first


def _summary(engine: "Engine", args: argparse.Namespace) -> int:
    from app.server.accounts import find_structure
    from app.server.summary import monthly_summary, render

    with engine.connect() as connection:
        if find_structure(connection, args.matricule) is None:
            raise CommandError(f"Structure inconnue : matricule « {args.matricule} ».")
        body = render(monthly_summary(connection, args.matricule, args.month), args.format)
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()
    return 0


def _import_structures(engine: "Engine", args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.models.text import french_day
    from app.registry.anct_list import ListError, read_list
    from app.server.registry import (
        ClosuresNeedConfirmation,
        Publication,
        PublicationDateError,
        import_structures,
        publication_date,
    )

    name = Path(args.file).name
    try:
        publication = Publication(name, publication_date(args.publication_date, name))
        listed = read_list(Path(args.file))
        report = import_structures(
            engine,
            listed,
            confirm_closures=args.confirm_closures,
            dry_run=args.dry_run,
            publication=publication,
        )
    except (ListError, ClosuresNeedConfirmation, PublicationDateError) as error:
        raise CommandError(str(error)) from error
    lines = [
        ("ajoutées", report.added),
        ("modifiées", [f"{matricule} ({', '.join(fields)})" for matricule, fields in report.changed]),
        ("rouvertes", report.reopened),
        ("fermées (absentes de la liste ; leurs postes et leurs données sont gardés)", report.closed),
        ("antennes sans structure principale identifiée", report.unlinked_antennes),
        ("déclarées à la main, absentes de la liste, laissées telles quelles", report.by_hand),
    ]
    if args.dry_run:
        print("Essai : rien n'a été enregistré. L'import ferait :")
    print(f"{len(listed)} structures lues dans {name}.")
    if publication.published_on:
        print(f"Liste publiée par l'ANCT le {french_day(publication.published_on)}.")
    else:
        print(
            "Date de publication inconnue (absente du nom du fichier) : précisez-la avec "
            "--publication-date AAAA-MM-JJ pour que les pages et les postes la citent."
        )
    for label, matricules in lines:
        if matricules:
            shown = ", ".join(matricules[:30]) + (
                f", … ({len(matricules) - 30} de plus)" if len(matricules) > 30 else ""
            )
            print(f"{len(matricules)} {label} : {shown}")
    print(f"{report.unchanged} inchangées.")
    return 0


def _structures(engine: "Engine", args: argparse.Namespace) -> int:
    from app.server.registry import list_structures, render_structures

    with engine.connect() as connection:
        rows = list_structures(connection, args.departement)
    sys.stdout.buffer.write(render_structures(rows, args.format))
    sys.stdout.buffer.flush()
    return 0


def _publish_content(engine: "Engine", args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.server.content import publish

    content = publish(engine, Path(args.folder), Path(args.key))
    print(
        f"Contenu national version {content.version} du {content.date} publié "
        f"({len(content.flow_files())} parcours) : les postes le recevront à leur prochaine synchronisation."
    )
    return 0


def _content_key(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.content.bundle import BundleError
    from app.content.keys import new_key_pair

    try:
        public = new_key_pair(Path(args.file))
    except BundleError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"Clé privée écrite dans {args.file} : gardez-la hors du dépôt, sauvegardée et secrète.")
    print("Clé publique, à livrer avec l'application dans resources/content_key.pub :")
    print(public, end="")
    return 0


_COMMANDS = {
    "serve": _serve,
    "add-structure": _add_structure,
    "enrolment-code": _enrolment_code,
    "workstations": _workstations,
    "revoke": _revoke,
    "summary": _summary,
    "add-account": _add_account,
    "api-token": _api_token,
    "disable-account": _set_account_enabled,
    "enable-account": _set_account_enabled,
    "import-structures": _import_structures,
    "structures": _structures,
    "publish-content": _publish_content,
}

if __name__ == "__main__":
    sys.exit(main())
