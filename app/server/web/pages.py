"""The web pages of the reporting server (French, DSFR, readable without JavaScript).

Every page that shows figures takes its scope from the logged-in account (`app.server.scope`) and
narrows it to what the URL asks; what lies outside is a 404, the same as what does not exist. Every
table can be downloaded with `?format=csv` or `?format=xlsx` on the same address (the export goes
through the same scope, and is written to the audit log).
"""

import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Row

from app.models.text import fold, french_day, printable
from app.registry.anct_list import MATRICULE, departement_code
from app.reports.periods import PeriodError
from app.server.accounts import AccountError
from app.server.content import catalogue
from app.server.figures import (
    MonthRange,
    contacts_by_departement,
    figures,
    parse_period,
    public_by_month,
    structure_departements,
    structure_list,
)
from app.server.rate_limit import FailureLimiter, waiting_time
from app.server.registry import last_import
from app.server.schema import utc_now
from app.server.scope import Scope, scope_of, visible_structure
from app.server.web.accounts import (
    ROLE_LABELS,
    ROLES,
    Session,
    audit,
    close_session,
    create_account,
    list_accounts,
    normalise_login,
    open_session,
    read_audit_log,
    set_account_enabled,
    verify_login,
)
from app.server.web.auth import (
    LOGIN_CSRF_COOKIE,
    Forbidden,
    LoginRequired,
    check_csrf,
    client_address,
    current_session,
    form_fields,
    optional_session,
    session_token,
)
from app.server.web.format import (
    departement_label,
    local_time,
    month_label,
    number,
    period_label,
    plural,
)
from app.server.web.map import COLOURS, DOTTED, FILLS, build_map, legend, outline_file, outlines
from app.server.web.tables import (
    DataTable,
    as_csv,
    as_xlsx,
    departements_table,
    figure_tables,
    journal_table,
    months_table,
    structure_tables,
)

SERVICE_NAME = "Bureau virtuel — pilotage France Services"
# The pages load nothing but this server's own files (DSFR's CSS, fonts and icons); DSFR's CSS
# draws a few icons from data: URIs.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; font-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters.update(
    day=french_day,
    local_time=local_time,
    departement=departement_label,
    number=number,
    plural=plural,
    month=month_label,
)
_templates.globals["period_label"] = period_label

# DSFR's files and the map's outlines change only with the server's version: a browser keeps them a
# day, revalidating with their ETag after that, instead of the API's `no-store`.
STATIC_CACHE_CONTROL = "public, max-age=86400"
JOURNAL_PAGE = 50  # lines of the audit log per page
STRUCTURES_PAGE = 100  # structures per page of their list
router = APIRouter(include_in_schema=False)
LoggedIn = Annotated[Session, Depends(current_session)]


class NotFound(Exception):
    """Outside the account's scope, or not there at all: the same 404 page."""


class BadQuery(Exception):
    """A query parameter that cannot be read; the message is French."""


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    session = context.pop("session") if "session" in context else optional_session(request)
    html = _templates.get_template(template).render(
        service_name=SERVICE_NAME,
        session=session,
        role_labels=ROLE_LABELS,
        path=request.url.path,
        params=request.query_params,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": PAGE_CSP})


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/tableau-de-bord", status_code=303)


@router.get("/connexion")
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


def _login_page(
    request: Request, error: str | None = None, status: int = 200, login: str = ""
) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or _new_token()
    response = page(request, "connexion.html", status, csrf=token, error=error, login=login)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=request.app.state.cookies.secure
    )
    return response


@router.post("/connexion")
async def login(request: Request) -> Response:
    fields = await form_fields(request)
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), fields.get("csrf"))
    login_name = fields.get("identifiant", "").strip()[:254]
    password = fields.get("mot_de_passe", "")
    address = client_address(request)
    engine = request.app.state.engine
    limiter: FailureLimiter = request.app.state.failed_logins
    keys = (f"login:{normalise_login(login_name)}", f"address:{address}")
    wait = limiter.retry_after(*keys)
    if wait is not None:
        audit(engine, "locked_out", login_name, address)
        return _login_page(
            request,
            f"Trop de tentatives de connexion échouées : réessayez dans {waiting_time(wait)}.",
            429,
            login_name,
        )
    account = verify_login(engine, login_name, password) if login_name and password else None
    if account is None:
        limiter.fail(*keys)
        audit(engine, "login_failed", login_name, address)
        return _login_page(request, "Identifiant ou mot de passe incorrect.", 401, login_name)
    audit(engine, "login", account.login, address, account)
    token, _session = open_session(engine, account)
    response = RedirectResponse("/tableau-de-bord", status_code=303)
    cookies = request.app.state.cookies
    response.set_cookie(cookies.session_name, token, **cookies.session_options())
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/deconnexion")
async def logout(request: Request, session: LoggedIn) -> Response:
    fields = await form_fields(request)
    check_csrf(session.csrf_token, fields.get("csrf"))
    close_session(request.app.state.engine, session_token(request) or "")
    audit(request.app.state.engine, "logout", session.account.login, client_address(request), session.account)
    response = RedirectResponse("/connexion", status_code=303)
    response.delete_cookie(request.app.state.cookies.session_name, path="/")
    return response


@router.get("/tableau-de-bord")
def overview(request: Request, session: LoggedIn) -> Response:
    account = session.account
    if account.role == "structure" and account.structure:
        return RedirectResponse(
            f"/structures/{account.structure}?{request.url.query}".rstrip("?"), status_code=303
        )
    scope = account_scope(session)
    title = (
        "Vue nationale"
        if scope.is_national
        else ", ".join(departement_label(code) for code in account.departements)
    )
    return _figures_page(request, session, scope, title, "tableau-de-bord")


@router.get("/departements/{code}")
def departement_page(request: Request, code: str, session: LoggedIn) -> Response:
    departement = departement_code(code)
    if departement is None:
        raise NotFound
    scope = account_scope(session).narrowed(departement=departement)
    if scope.is_empty:
        raise NotFound
    return _figures_page(
        request, session, scope, departement_label(departement), f"departement-{departement}"
    )


@router.get("/structures")
def structures_page(request: Request, session: LoggedIn) -> Response:
    """The structures of the scope, a page of `STRUCTURES_PAGE` at a time (the national list has
    ~2,850: as one HTML table it took 330 ms p95 to render and send), narrowed to a département and to
    what matches the search; the CSV and XLSX files give every row the filters keep, unpaged."""
    scope = account_scope(session)
    departement_text = request.query_params.get("departement", "").strip()
    departement = departement_code(departement_text) if departement_text else None
    if departement_text and (departement is None or scope.narrowed(departement=departement).is_empty):
        raise NotFound
    wanted = request.query_params.get("recherche", "").strip()[:100]
    with request.app.state.engine.connect() as connection:
        departements = structure_departements(connection, scope)
        every = structure_list(connection, scope if departement is None else scope.narrowed(departement))
        registry = last_import(connection)
    rows = [row for row in every if _matches(row, wanted)] if wanted else every
    filters = {name: value for name, value in (("departement", departement), ("recherche", wanted)) if value}
    if "format" in request.query_params:
        exported = _export(request, session, structure_tables(rows), "structures")
        assert exported is not None  # asked for by ?format
        return exported
    current = _page_number(request)
    pages = max(1, -(-len(rows) // STRUCTURES_PAGE))
    shown = rows[(current - 1) * STRUCTURES_PAGE : current * STRUCTURES_PAGE]
    return page(
        request,
        "structures.html",
        session=session,
        registry=registry,
        rows=shown,
        total=len(rows),
        silent=sum(1 for row in rows if row["silent"]),
        tables=structure_tables(shown),
        departements=departements if len(departements) > 1 else [],
        departement=departement,
        wanted=wanted,
        current=current,
        pages=pages,
        query=urlencode(filters),
    )


def _matches(row: dict[str, Any], wanted: str) -> bool:
    """Whether a structure's matricule, name or commune holds what was searched (accents and case aside)."""
    if not wanted:
        return True
    folded = fold(wanted)
    return wanted == row["matricule"] or any(folded in fold(row[name] or "") for name in ("name", "commune"))


@router.get("/structures/{matricule}")
def structure_page(request: Request, matricule: str, session: LoggedIn) -> Response:
    if not MATRICULE.fullmatch(matricule):
        raise NotFound
    scope = account_scope(session).narrowed(structure=matricule)
    with request.app.state.engine.connect() as connection:
        structure = visible_structure(connection, scope, matricule)
    if structure is None:
        raise NotFound
    return _figures_page(
        request,
        session,
        scope,
        f"{structure.name} ({structure.matricule})",
        f"structure-{matricule}",
        structure,
    )


@router.get("/carte")
def map_page(request: Request, session: LoggedIn) -> Response:
    """The départements coloured by their contacts, the structures as points: links to their pages;
    `?departement=` draws one département alone, with its structures as links."""
    scope = account_scope(session)
    period = read_period(request)
    zoom_text = request.query_params.get("departement", "").strip()
    zoom = departement_code(zoom_text) if zoom_text else None
    if zoom_text and (zoom is None or zoom not in outlines() or scope.narrowed(departement=zoom).is_empty):
        raise NotFound
    with request.app.state.engine.connect() as connection:
        contacts = contacts_by_departement(connection, scope, period)
        rows = structure_list(connection, scope)
    drawn = build_map(contacts, rows, set(contacts), zoom)
    table = departements_table(
        "departements", "Contacts par département", ("Contacts",), list(contacts.items())
    )
    exported = _export(request, session, [table], f"carte-{period.first}-{period.last}")
    if exported is not None:
        return exported
    zoomable = sorted({row["departement"] for row in rows} & set(outlines()))
    return page(
        request,
        "carte.html",
        session=session,
        map=drawn,
        colours=COLOURS,
        dotted=DOTTED,
        fills=FILLS,
        legend=legend(drawn.thresholds),
        period=period,
        table=table,
        query=_period_query(request),
        zoomable=zoomable if len(zoomable) > 1 else [],
        outlines_url=f"/carte/contours.svg?v={outline_file().version}",
    )


@router.get("/carte/contours.svg")
def map_outlines() -> Response:
    """The départements' outlines every map refers to (public data: the ANCT's, Licence Ouverte);
    kept a day by the browser, its URL carrying its version."""
    outlines_file = outline_file()
    return Response(
        outlines_file.body,
        media_type="image/svg+xml",
        headers={"Cache-Control": STATIC_CACHE_CONTROL, "ETag": f'"{outlines_file.version}"'},
    )


@router.get("/comptes")
def accounts_page(request: Request, session: LoggedIn) -> Response:
    """The accounts, and the form to create one: national accounts only."""
    if session.account.role != "national":
        raise NotFound
    return _accounts_page(request, session)


@router.post("/comptes")
async def create_account_form(request: Request, session: LoggedIn) -> Response:
    if session.account.role != "national":
        raise NotFound
    fields = await form_fields(request)
    check_csrf(session.csrf_token, fields.get("csrf"))
    departements = [part for part in re.split(r"[\s,;]+", fields.get("departements", "")) if part]
    try:
        created = create_account(
            request.app.state.engine,
            fields.get("identifiant", ""),
            fields.get("mot_de_passe", ""),
            fields.get("role", ""),
            departements,
            fields.get("matricule", "").strip() or None,
        )
    except AccountError as error:
        return _accounts_page(request, session, error=str(error), form=fields, status=400)
    audit(
        request.app.state.engine,
        "account_created",
        session.account.login,
        client_address(request),
        session.account,
        f"{created.login} ({created.role})",
    )
    return _accounts_page(request, session, created=created.login)


@router.post("/comptes/desactiver")
async def disable_account_form(request: Request, session: LoggedIn) -> Response:
    return await _set_enabled(request, session, False)


@router.post("/comptes/reactiver")
async def enable_account_form(request: Request, session: LoggedIn) -> Response:
    return await _set_enabled(request, session, True)


async def _set_enabled(request: Request, session: Session, enabled: bool) -> Response:
    """Disable or re-enable an account from the accounts' page (national accounts; not one's own,
    which would lock its holder out of the page that re-enables it)."""
    if session.account.role != "national":
        raise NotFound
    fields = await form_fields(request)
    check_csrf(session.csrf_token, fields.get("csrf"))
    login_name = fields.get("identifiant", "")
    try:
        if normalise_login(login_name) == session.account.login:
            raise AccountError("Vous ne pouvez pas désactiver votre propre compte.")
        changed = set_account_enabled(request.app.state.engine, login_name, enabled)
    except AccountError as error:
        return _accounts_page(request, session, error=str(error), status=400)
    audit(
        request.app.state.engine,
        "account_enabled" if enabled else "account_disabled",
        session.account.login,
        client_address(request),
        session.account,
        changed.login,
    )
    done = "réactivé" if enabled else "désactivé : ses sessions sont fermées, son jeton d'API refusé"
    return _accounts_page(request, session, changed=f"Compte « {changed.login} » {done}.")


def _accounts_page(request: Request, session: Session, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("form", {})
    return page(
        request,
        "comptes.html",
        status,
        session=session,
        accounts=list_accounts(request.app.state.engine),
        roles=ROLES,
        **context,
    )


@router.get("/journal")
def journal_page(request: Request, session: LoggedIn) -> Response:
    """The audit log, newest first, a page at a time, filtered by login: national accounts only."""
    if session.account.role != "national":
        raise NotFound
    wanted = request.query_params.get("identifiant", "").strip()[:254]
    current = _page_number(request)
    engine = request.app.state.engine
    if "format" in request.query_params:
        _total, rows = read_audit_log(engine, wanted)
        exported = _export(request, session, [journal_table(rows)], "journal")
        assert exported is not None  # asked for by ?format
        return exported
    total, rows = read_audit_log(engine, wanted, (current - 1) * JOURNAL_PAGE, JOURNAL_PAGE)
    pages = max(1, -(-total // JOURNAL_PAGE))
    filtered = urlencode({"identifiant": wanted}) if wanted else ""
    return page(
        request,
        "journal.html",
        session=session,
        table=journal_table(rows),
        total=total,
        current=current,
        pages=pages,
        wanted=wanted,
        query=filtered,
    )


@router.get("/statistiques")
def public_page(request: Request) -> Response:
    """Figures anyone may read, without an account: contacts per month, nationally and per département."""
    period = read_period(request, default_year=True)
    with request.app.state.engine.connect() as connection:
        found = public_by_month(connection, period)
    rows = [(code, *counts.values(), sum(counts.values())) for code, counts in found["departements"].items()]
    tables = [
        months_table("national", "Contacts par mois, France entière", found["national"]),
        departements_table(
            "departements",
            "Contacts par mois et par département",
            (*(month_label(month) for month in found["months"]), "Total"),
            rows,
        ),
    ]
    exported = _export(request, None, tables, "statistiques")
    if exported is not None:
        return exported
    return page(request, "statistiques.html", tables=tables, period=period, query=_period_query(request))


def _page_number(request: Request) -> int:
    """The `page` of a paged list (1 when absent)."""
    number_text = request.query_params.get("page", "1")
    if not number_text.isdigit() or not 1 <= int(number_text) <= 1_000_000:
        raise BadQuery(f"Numéro de page invalide : « {printable(number_text)[:12]} » (1, 2, 3…).")
    return int(number_text)


def account_scope(session: Session) -> Scope:
    account = session.account
    return scope_of(account.role, account.departements, account.structure)


def read_period(request: Request, default_year: bool = False) -> MonthRange:
    params = request.query_params
    periode = params.get("periode")
    if default_year and not (periode or params.get("du") or params.get("au")):
        periode = str(utc_now().year)
    try:
        return parse_period(periode, params.get("du"), params.get("au"), datetime.now().astimezone())
    except PeriodError as error:
        raise BadQuery(printable(str(error))) from error


def _figures_page(
    request: Request, session: Session, scope: Scope, title: str, slug: str, structure: Row[Any] | None = None
) -> Response:
    period = read_period(request)
    with request.app.state.engine.connect() as connection:
        found = figures(connection, scope, period)
    tables = figure_tables(found, catalogue(request.app.state.engine), period)
    exported = _export(request, session, tables, f"{slug}-{period.first}-{period.last}")
    if exported is not None:
        return exported
    return page(
        request,
        "figures.html",
        session=session,
        title=title,
        period=period,
        figures=found,
        tables=tables,
        structure=structure,
        query=_period_query(request),
    )


def _export(request: Request, session: Session | None, tables: list[DataTable], name: str) -> Response | None:
    """The page's tables as a file when `?format=csv|xlsx` asks for it (None for the HTML page)."""
    wanted = request.query_params.get("format")
    if wanted is None:
        return None
    if wanted not in ("csv", "xlsx"):
        raise BadQuery(f"Format d'export inconnu : « {printable(wanted)[:16]} » (csv ou xlsx).")
    if session is not None:
        audit(
            request.app.state.engine,
            "export",
            session.account.login,
            client_address(request),
            session.account,
            f"{request.url.path}?{request.url.query}",
        )
    if wanted == "csv":
        body, media_type = as_csv(tables), "text/csv; charset=utf-8"
    else:
        body, media_type = (
            as_xlsx(tables),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{wanted}"'},
    )


def _period_query(request: Request) -> str:
    """The period's part of the query string, for the export links."""
    kept = {
        name: request.query_params[name] for name in ("periode", "du", "au") if name in request.query_params
    }
    return urlencode(kept)


def _new_token() -> str:
    return secrets.token_urlsafe(32)


# What is not a page: the synchronisation protocol's and the dashboard's JSON API, the supervisors'
# health check and the OpenAPI schema keep their JSON errors.
_NOT_PAGES = ("/api/", "/health", "/openapi.json", "/docs", "/redoc")
_HTTP_ERRORS = {
    404: ("Page introuvable", "Cette page n'existe pas, ou votre compte n'y a pas accès."),
    405: (
        "Action impossible sur cette page",
        "Cette adresse ne s'utilise pas ainsi (un lien ou un formulaire périmé ?) : repartez du tableau de bord.",
    ),
    413: (
        "Formulaire trop volumineux",
        "Ce formulaire contenait trop de texte pour être reçu : rien n'a été enregistré. Raccourcissez "
        "les champs remplis, puis recommencez.",
    ),
}


def is_page_path(path: str) -> bool:
    return not path.startswith(_NOT_PAGES)


def http_error_page(request: Request, status: int) -> HTMLResponse:
    """The French page of an HTTP error outside the API (an unknown address, a wrong method…)."""
    title, message = _HTTP_ERRORS.get(
        status, ("Demande impossible", "Cette demande n'a pas pu aboutir : repartez du tableau de bord.")
    )
    return page(request, "erreur.html", status, title=title, message=message)


async def not_found(request: Request, _error: Exception) -> HTMLResponse:
    return http_error_page(request, 404)


async def bad_query(request: Request, error: Exception) -> HTMLResponse:
    return page(request, "erreur.html", 400, title="Demande invalide", message=str(error))


async def forbidden(request: Request, _error: Exception) -> HTMLResponse:
    return page(
        request,
        "erreur.html",
        403,
        title="Formulaire refusé",
        message="Ce formulaire a expiré ou ne vient pas de ce site : rechargez la page et recommencez.",
    )


async def login_required(request: Request, _error: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse(
            {
                "detail": {
                    "code": "unauthorized",
                    "message": "Connexion requise : jeton d'API (Authorization: Bearer) ou session du tableau de bord.",
                }
            },
            status_code=401,
        )
    return RedirectResponse("/connexion", status_code=303)


EXCEPTION_HANDLERS = {
    NotFound: not_found,
    BadQuery: bad_query,
    Forbidden: forbidden,
    LoginRequired: login_required,
}
