"""The HTTP API of docs/SYNC_PROTOCOL.md.

Every refusal is `{"detail": {"code", "message"}}` with a French message the workstation can show as
is, and never quotes the request back (a malformed request may carry a code, a token or anything).
Handlers are plain functions (run in FastAPI's thread pool) except the ingest, which reads its raw
body to decode it within its limits. Every answer goes through `app.server.middleware`: body size
limits, security headers, one log line.
"""

import hashlib
from functools import cache
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app.models.record import RECORD_KINDS
from app.models.text import printable
from app.paths import resources_dir
from app.server import content as published_content
from app.server.accounts import Workstation, authenticate, code_structure, enrol
from app.server.ingest import (
    BODY_TOO_LARGE,
    MAX_BODY_BYTES,
    MAX_ITEMS,
    BodyRefused,
    decode_items,
    ingest,
)
from app.server.middleware import BodyLimit, RequestLog, Scope, SecurityHeaders
from app.server.pull import DEFAULT_PAGE, MAX_CURSOR, MAX_PAGE, pull_page
from app.server.rate_limit import FailureLimiter, waiting_time
from app.server.registry_reference import RegistryReference
from app.server.schema import timestamp, utc_now
from app.server.summary import monthly_summary, render, valid_month

UNAUTHORIZED = (
    "Ce poste n'est pas (ou plus) autorisé à envoyer des données. "
    "Demandez un nouveau code d'inscription au responsable de la structure."
)
INVALID_CODE = "Code d'inscription inconnu, expiré ou déjà utilisé. Demandez un nouveau code au responsable de la structure."
REFERENCE_NAMES = ("partners", "bouquet", "contact_fields")
# Built from the registry (`app.server.registry_reference`), once an ANCT list was imported.
STRUCTURES_REFERENCE = "structures"
CONTENT = "content"  # the national content's signed bundle (`app.server.content`), once published
_PLAIN_ERRORS = {
    400: ("bad_request", "Corps de la requête illisible : JSON en UTF-8 attendu."),
    404: ("not_found", "Adresse inconnue sur ce serveur."),
    405: ("method_not_allowed", "Méthode non autorisée pour cette adresse."),
}
# Every request body but the ingest's is a few hundred bytes at most.
MAX_OTHER_BODY_BYTES = 64 * 1024
# After this many refused codes within the window, from one address or for one structure, enrolment
# answers 429 until the oldest refusal leaves the window.
MAX_FAILED_CODES = 10
FAILED_CODES_WINDOW_SECONDS = 15 * 60


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorAnswer(BaseModel):
    detail: ErrorDetail


class StructureAnswer(BaseModel):
    matricule: str
    name: str
    departement: str
    itinerant: bool


def _printable_text(value: str) -> str:
    if not value.isprintable():
        raise ValueError("control characters, NUL or lone surrogates")
    return value


# A person types it: printable characters only (no NUL, control or lone surrogate, which no
# database stores and no digest encodes).
TypedText = Annotated[StrictStr, AfterValidator(_printable_text)]


class EnrolmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: TypedText = Field(max_length=64, examples=["7KQM-2WXP-H9TD"])
    installation_id: UUID
    label: TypedText | None = Field(default=None, max_length=80)


class EnrolmentAnswer(BaseModel):
    token: str
    workstation_id: str
    structure: StructureAnswer


class SessionAnswer(BaseModel):
    workstation_id: str
    structure: StructureAnswer
    server_time: str
    reference: dict[str, str]


class ItemResult(BaseModel):
    id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    code: Literal["invalid", "wrong_structure", "conflict"] | None = None
    reason: str | None = None
    seq: int | None = Field(
        default=None,
        description="Accepté ou doublon : la place de l'enregistrement dans la suite de sa structure "
        "(le `seq` du flux), qui permet au poste de rejouer les mouvements Pass numérique dans "
        "l'ordre du serveur. Absent d'un refus, et des réponses d'un serveur plus ancien.",
    )


class IngestAnswer(BaseModel):
    received_at: str
    results: list[ItemResult]


class Sender(BaseModel):
    id: str
    label: str | None


class PulledRecord(BaseModel):
    seq: int
    kind: Literal["contact", "escalation", "pass_ledger", "pass_issuance"]
    record: dict[str, Any]
    workstation: Sender
    received_at: str


class PullAnswer(BaseModel):
    records: list[PulledRecord]
    next_after: int
    more: bool
    last_seq: int = Field(
        description="Le dernier numéro de la suite de la structure à la lecture de la page : "
        "(next_after − départ) / (last_seq − départ) mesure l'avancement d'un poste qui rattrape."
    )
    server_time: str


class SummaryAnswer(BaseModel):
    matricule: str
    month: str
    total: int
    by_partner: dict[str, int]
    by_situation: dict[str, int]
    by_channel: dict[str, int]
    by_outcome: dict[str, int]
    by_place: dict[str, int]
    by_help_kind: dict[str, int]
    by_agent: dict[str, int]
    non_recours: int
    pass_numerique: int
    escalations_sent: int
    escalations_answered: int
    escalations_late: int
    escalations_by_partner: dict[str, int]
    pass_issuances: int
    pass_cheques_received: int
    pass_cheques_handed_out: int
    pass_value_handed_out_cents: int
    pass_cheques_returned: int
    pass_cheques_cancelled: int
    pass_stock_left: int


class HealthAnswer(BaseModel):
    status: str


def refusal(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(status, detail={"code": code, "message": message}, headers=headers)


_bearer = HTTPBearer(auto_error=False, description="Jeton reçu à l'inscription du poste.")


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def current_workstation(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Workstation:
    """The workstation behind the bearer token, or 401 (missing, unknown or revoked token)."""
    workstation = authenticate(_engine(request), credentials.credentials) if credentials else None
    if workstation is None:
        raise refusal(401, "unauthorized", UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})
    request.state.workstation_id = workstation.id  # for the request's log line
    return workstation


Authenticated = Annotated[Workstation, Depends(current_workstation)]
# The refusals any request can get, documented on every operation.
_COMMON_DOC: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorAnswer, "description": "Corps de la requête trop volumineux."},
    422: {"model": ErrorAnswer, "description": "Requête mal formée (le champ en cause est nommé)."},
    503: {
        "model": ErrorAnswer,
        "description": "Base de données momentanément indisponible (voir Retry-After) : réessayer plus tard.",
    },
}
_UNAUTHORIZED_DOC: dict[int | str, dict[str, Any]] = {
    **_COMMON_DOC,
    401: {"model": ErrorAnswer, "description": "Jeton absent, inconnu ou révoqué."},
}

router = APIRouter(prefix="/api/v1")


@router.post(
    "/enrolment",
    status_code=201,
    response_model=EnrolmentAnswer,
    responses={
        **_COMMON_DOC,
        400: {"model": ErrorAnswer, "description": "Corps illisible (pas du JSON en UTF-8)."},
        401: {"model": ErrorAnswer, "description": "Code inconnu, expiré ou déjà utilisé."},
        429: {
            "model": ErrorAnswer,
            "description": "Trop de codes refusés depuis cette adresse ou pour cette structure (voir Retry-After).",
        },
    },
)
def post_enrolment(body: EnrolmentRequest, request: Request) -> dict[str, Any]:
    """Exchange a one-time enrolment code for the workstation's token (never kept in a cache:
    `Cache-Control: no-store`, as every API answer)."""
    engine = _engine(request)
    limiter: FailureLimiter = request.app.state.failed_codes
    address = f"address:{request.client.host if request.client else ''}"
    structure = code_structure(engine, body.code)
    keys = [address, *([f"structure:{structure}"] if structure else [])]
    wait = limiter.retry_after(*keys)
    if wait is not None:
        raise refusal(
            429,
            "too_many_attempts",
            f"Trop de codes d'inscription refusés : réessayez dans {waiting_time(wait)}. "
            "Vérifiez le code auprès du responsable de la structure.",
            {"Retry-After": str(wait)},
        )
    label = (body.label or "").strip() or None
    issued = enrol(engine, body.code, str(body.installation_id), label)
    if issued is None:
        limiter.fail(*keys)
        raise refusal(401, "invalid_code", INVALID_CODE)
    token, workstation = issued
    request.state.workstation_id = workstation.id  # for the request's log line
    return {"token": token, "workstation_id": workstation.id, "structure": workstation.structure.as_json()}


@router.get("/session", response_model=SessionAnswer, responses=_UNAUTHORIZED_DOC)
def get_session(workstation: Authenticated, request: Request) -> dict[str, Any]:
    """The cheap authenticated request that tells the client the network (and its token) works,
    with the ETag of each reference file: a client whose copy is current asks for none of them."""
    reference = {name: _reference_file(name)[1] for name in REFERENCE_NAMES}
    registry = _registry_reference(request).current()
    if registry is not None:
        reference[STRUCTURES_REFERENCE] = registry.etag
    content_etag = published_content.current_etag(_engine(request))
    if content_etag is not None:
        reference[CONTENT] = content_etag
    return {
        "workstation_id": workstation.id,
        "structure": workstation.structure.as_json(),
        "server_time": timestamp(utc_now()),
        "reference": reference,
    }


_INGEST_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["records"],
                "properties": {
                    "records": {
                        "type": "array",
                        "maxItems": MAX_ITEMS,
                        "items": {
                            "type": "object",
                            "required": ["kind", "record"],
                            "properties": {
                                "kind": {"type": "string", "enum": list(RECORD_KINDS)},
                                "record": {
                                    "oneOf": [model.model_json_schema() for model in RECORD_KINDS.values()]
                                },
                            },
                        },
                    }
                },
            }
        }
    },
}


@router.post(
    "/records",
    response_model=IngestAnswer,
    openapi_extra={"requestBody": _INGEST_BODY},
    responses={
        **_UNAUTHORIZED_DOC,
        400: {"model": ErrorAnswer, "description": "Corps illisible (gzip ou JSON)."},
        413: {
            "model": ErrorAnswer,
            "description": "Plus de 500 éléments, 1 Mio envoyé ou 8 Mio décompressé.",
        },
    },
)
async def post_records(
    request: Request,
    workstation: Authenticated,
    x_device_time: Annotated[str | None, Header(description="Horloge du poste, ISO 8601 UTC.")] = None,
) -> JSONResponse:
    """Store a batch of records (gzip accepted); one answer per item, the batch in one transaction.
    The body is within its 1 MiB by then (`BodyLimit`). A workstation whose network drops in the
    middle of the upload is not a server error: nothing was stored, and it sends the batch again."""
    try:
        raw = await request.body()
    except ClientDisconnect:
        raise refusal(400, "incomplete", "Envoi interrompu avant la fin : rien n'a été enregistré.") from None
    try:
        answer = await run_in_threadpool(
            _ingest_body,
            _engine(request),
            workstation,
            raw,
            request.headers.get("content-encoding"),
            x_device_time,
        )
    except BodyRefused as refused:
        raise refusal(refused.status, refused.code, refused.message) from None
    return JSONResponse(answer)


def _ingest_body(
    engine: Engine, workstation: Workstation, raw: bytes, encoding: str | None, device_time: str | None
) -> dict[str, Any]:
    return ingest(engine, workstation, decode_items(raw, encoding), device_time)


@router.get("/records", response_model=PullAnswer, responses=_UNAUTHORIZED_DOC)
def get_records(
    workstation: Authenticated,
    request: Request,
    after: Annotated[
        int,
        Query(
            ge=0, le=MAX_CURSOR, description="Curseur : le `next_after` de la page précédente, 0 au début."
        ),
    ] = 0,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Enregistrements lus au plus.")
    ] = DEFAULT_PAGE,
) -> Response:
    """What the structure's other workstations sent after the cursor, oldest first (the structure's
    feed); `more` says another page follows. Compressed with gzip when the client accepts it."""
    return Response(pull_page(_engine(request), workstation, after, limit), media_type="application/json")


@router.get(
    "/reference/{name}",
    responses={
        **_UNAUTHORIZED_DOC,
        200: {
            "content": {"application/json": {}},
            "description": "Le fichier de référence, avec son ETag ; `structures` compressé en gzip "
            "si le client l'accepte.",
        },
        304: {"description": "Inchangé depuis l'ETag indiqué par If-None-Match."},
        404: {
            "model": ErrorAnswer,
            "description": "Référentiel inconnu (ou, pour `structures`, aucune liste de l'ANCT importée).",
        },
    },
)
def get_reference(
    name: str,
    workstation: Authenticated,
    request: Request,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A reference file as the server has it; `If-None-Match` with its ETag answers 304."""
    gzipped = None
    if name == STRUCTURES_REFERENCE:
        registry = _registry_reference(request).current()
        if registry is None:
            raise refusal(
                404, "not_found", "Ce serveur n'a pas encore importé la liste des structures de l'ANCT."
            )
        body, etag, gzipped = registry.body, registry.etag, registry.gzipped
    elif name in REFERENCE_NAMES:
        body, etag = _reference_file(name)
    else:
        raise refusal(404, "not_found", f"Référentiel inconnu : « {printable(name)[:64]} ».")
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    if gzipped is not None:
        # Compressed once when built, not per answer (GZipMiddleware leaves an encoded answer alone).
        headers["Vary"] = "Accept-Encoding"
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            headers["Content-Encoding"] = "gzip"
            body = gzipped
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/content",
    responses={
        **_UNAUTHORIZED_DOC,
        200: {
            "content": {"application/json": {}},
            "description": "Le contenu national signé (parcours, portail, référentiels) le plus récent "
            "publié par `publish-content`, avec son ETag (docs/SYNC_PROTOCOL.md).",
        },
        304: {"description": "Inchangé depuis l'ETag indiqué par If-None-Match."},
        404: {"model": ErrorAnswer, "description": "Aucun contenu publié sur ce serveur."},
    },
)
def get_content(
    workstation: Authenticated,
    request: Request,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The newest signed bundle, as stored: the workstation verifies the signature itself."""
    published = published_content.current(_engine(request))
    if published is None:
        raise refusal(404, "not_found", "Aucun contenu national publié sur ce serveur.")
    headers = {"ETag": published.etag, "Cache-Control": "no-cache"}
    if _matches(if_none_match, published.etag):
        return Response(status_code=304, headers=headers)
    return Response(published.bundle, media_type="application/json", headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    return if_none_match is not None and etag in (
        tag.strip().removeprefix("W/") for tag in if_none_match.split(",")
    )


def _registry_reference(request: Request) -> RegistryReference:
    reference: RegistryReference = request.app.state.registry_reference
    return reference


@cache
def _reference_file(name: str) -> tuple[bytes, str]:
    body = (resources_dir() / "reference" / f"{name}.json").read_bytes()
    return body, f'"{hashlib.sha256(body).hexdigest()}"'


@router.get(
    "/structures/{matricule}/summary",
    response_model=SummaryAnswer,
    responses={
        **_UNAUTHORIZED_DOC,
        200: {"content": {"text/csv": {}}, "description": "JSON, ou CSV (UTF-8 avec BOM, séparateur « ; »)."},
        400: {"model": ErrorAnswer, "description": "Mois invalide."},
        403: {"model": ErrorAnswer, "description": "Jeton d'une autre structure."},
    },
)
def get_summary(
    matricule: str,
    workstation: Authenticated,
    request: Request,
    month: Annotated[
        str,
        Query(
            description="Mois local (des contacts, de l'envoi des sollicitations), AAAA-MM.",
            examples=["2026-11"],
        ),
    ],
    output: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response:
    """The structure's aggregates for a month of current records."""
    if workstation.structure.matricule != matricule:
        raise refusal(403, "forbidden", "Ce poste ne peut consulter que les chiffres de sa propre structure.")
    if not valid_month(month):
        raise refusal(
            400, "bad_request", f"Mois invalide : « {printable(month)[:16]} » (format attendu : AAAA-MM)."
        )
    with _engine(request).connect() as connection:
        body = render(monthly_summary(connection, matricule, month), output)
    if output == "csv":
        filename = f"synthese-{matricule}-{month}.csv"
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return Response(body, media_type="application/json")


health_router = APIRouter()


@health_router.get(
    "/health", response_model=HealthAnswer, responses={**_COMMON_DOC, 503: {"model": HealthAnswer}}
)
def health(request: Request) -> JSONResponse:
    """200 when the database answers, 503 otherwise (for supervisors and load balancers)."""
    try:
        with _engine(request).connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


def create_app(engine: Engine, *, docs: bool = False, secure_cookies: bool = True) -> FastAPI:
    """The application over an open, migrated database. `/openapi.json` is always served (the
    protocol's contract); the interactive pages `/docs` and `/redoc` only with `docs`. The web
    application's session cookie is Secure unless `secure_cookies` is false (http://127.0.0.1 in
    tests and development: `serve --http-cookies`)."""
    app = FastAPI(
        title="Bureau virtuel — serveur de remontée",
        description="Inscription des postes, réception des contacts et des sollicitations, référentiels et synthèses mensuelles "
        "(protocole de synchronisation v1).",
        version="1",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    app.state.engine = engine
    app.state.failed_codes = FailureLimiter(
        engine, "enrolment", MAX_FAILED_CODES, FAILED_CODES_WINDOW_SECONDS
    )
    app.state.registry_reference = RegistryReference(engine)
    # Per-item answers are repetitive JSON: compressed, they cost the bus's link a third as much.
    # Level 6, not Starlette's 9: on a 0.9 MB page 6 ms instead of 15, for 2 % more bytes.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    app.add_middleware(
        BodyLimit,
        default=MAX_OTHER_BODY_BYTES,
        limits={f"{router.prefix}/records": MAX_BODY_BYTES},
        message=_too_large,
        page=_too_large_page,
    )
    app.add_middleware(SecurityHeaders)  # around BodyLimit: its own 413 gets the headers too
    app.add_middleware(RequestLog)  # outermost: it sees the status of every answer, refusals included
    app.include_router(router)
    app.include_router(health_router)
    from app.server.web import install as install_web  # it documents its answers with this module's

    install_web(app, secure_cookies=secure_cookies)

    app.add_exception_handler(OperationalError, _database_unavailable)
    # Starlette types a handler as taking any Exception; each of these takes the one it is registered for.
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    return app


def _too_large(limit: int) -> str:
    if limit == MAX_BODY_BYTES:
        return BODY_TOO_LARGE
    return f"Corps de la requête trop volumineux : {limit // 1024} Kio au plus."


def _too_large_page(scope: Scope) -> Response | None:
    """A web page's 413 is a French HTML page (a form posted too much); the API keeps its JSON."""
    from app.server.web.pages import http_error_page, is_page_path  # the web package imports this one

    if not is_page_path(scope["path"]):
        return None
    return http_error_page(Request(scope), 413)


async def _database_unavailable(_request: Request, _error: Exception) -> JSONResponse:
    # A locked or unreachable database is temporary: 503 makes the client retry later, keeping its queue.
    return JSONResponse(
        {
            "detail": {
                "code": "unavailable",
                "message": "Base de données momentanément indisponible. Réessayez.",
            }
        },
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
    """422 naming the fields in cause, never quoting what was sent (FastAPI's default echoes it)."""
    fields: list[str] = []
    for problem in error.errors():
        location = [str(part) for part in problem.get("loc", ()) if isinstance(part, str)]
        if problem.get("type") == "json_invalid":
            name = "corps (JSON illisible)"
        elif problem.get("type") == "extra_forbidden":
            name = "champ non prévu"
        else:
            name = location[-1] if len(location) > 1 else "corps"
        if name not in fields:
            fields.append(name)
    quoted = ", ".join(f"« {printable(name)[:40]} »" for name in fields[:5])
    return JSONResponse(
        {"detail": {"code": "invalid_request", "message": f"Requête invalide : vérifiez {quoted}."}},
        status_code=422,
    )


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    from app.server.web.pages import http_error_page, is_page_path  # the web package imports this one

    if is_page_path(request.url.path):
        return http_error_page(request, error.status_code)
    detail: Any = error.detail  # a protocol error's {code, message}, else Starlette's text
    if not isinstance(detail, dict):
        code, message = _PLAIN_ERRORS.get(error.status_code, ("error", str(detail)))
        detail = {"code": code, "message": message}
    return JSONResponse({"detail": detail}, status_code=error.status_code, headers=error.headers)
