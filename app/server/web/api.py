"""The JSON API of the dashboard's figures, for the ANCT's own tools: the same figures as the pages,
through the same scope. A tool sends its account's API token (`bureau-virtuel-server api-token`) as
`Authorization: Bearer …`; in a browser, the session cookie of /connexion works too.
"""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.models.text import printable
from app.registry.anct_list import MATRICULE, departement_code
from app.server.api import _COMMON_DOC as COMMON_ANSWERS
from app.server.api import ErrorAnswer
from app.server.figures import figures, public_by_month, structure_list
from app.server.scope import visible_structure
from app.server.web.api_models import FiguresAnswer, PublicAnswer, StructureRow
from app.server.web.auth import api_session
from app.server.web.pages import BadQuery, account_scope, read_period

router = APIRouter(prefix="/api/v1/stats", tags=["statistiques"])
_PERIOD_DOC = {
    "periode": "Un mois (2026-11), un trimestre (2026-T4) ou une année (2026) ; sinon du/au, sinon le mois en cours.",
    "du": "Premier mois (AAAA-MM) d'une plage.",
    "au": "Dernier mois (AAAA-MM) d'une plage.",
}
_PUBLIC_ANSWERS: dict[int | str, dict[str, Any]] = {
    **COMMON_ANSWERS,
    400: {"model": ErrorAnswer, "description": "Période ou département invalide (message en français)."},
}
_ANSWERS: dict[int | str, dict[str, Any]] = {
    **_PUBLIC_ANSWERS,
    401: {
        "model": ErrorAnswer,
        "description": "Ni jeton d'API valide (Authorization: Bearer), ni session du tableau de bord.",
    },
    404: {
        "model": ErrorAnswer,
        "description": "Structure ou département hors du périmètre du compte, ou inexistant.",
    },
}
# The 200 answers, documented only: the answers are written as they are (`_JSON`), never validated.
_FIGURES_ANSWERS: dict[int | str, dict[str, Any]] = {
    **_ANSWERS,
    200: {"model": FiguresAnswer, "description": "Les chiffres du périmètre sur la période."},
}
_STRUCTURES_ANSWERS: dict[int | str, dict[str, Any]] = {
    **_ANSWERS,
    200: {
        "model": list[StructureRow],
        "description": "Les structures du périmètre, par département puis nom.",
    },
}
_PUBLIC_FIGURES_ANSWERS: dict[int | str, dict[str, Any]] = {
    **_PUBLIC_ANSWERS,
    200: {"model": PublicAnswer, "description": "Contacts par mois, au national et par département."},
}
# Declared on each operation for the OpenAPI schema; `read_period` reads them, as the pages do.
Periode = Annotated[str | None, Query(description=_PERIOD_DOC["periode"])]
Du = Annotated[str | None, Query(description=_PERIOD_DOC["du"])]
Au = Annotated[str | None, Query(description=_PERIOD_DOC["au"])]


class _JSON(JSONResponse):
    """The same bytes as Starlette's `JSONResponse` (compact, UTF-8, keys in order), written by orjson:
    the national list of structures (~2,850 rows, 750 KB) took 15–50 ms in `json.dumps`, ~1 ms here."""

    def render(self, content: Any) -> bytes:
        # OPT_NON_STR_KEYS: SQLAlchemy's column names are a subclass of str, which orjson refuses.
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def _refusal(status: int, code: str, message: str) -> JSONResponse:
    return _JSON({"detail": {"code": code, "message": message}}, status_code=status)


@router.get(
    "/figures",
    responses=_FIGURES_ANSWERS,
    summary="Chiffres du périmètre du compte",
    description="Les chiffres des pages du tableau de bord (national, un département ou une structure) "
    "sur une période : la synthèse d'une structure sommée sur les mois, par mois, par thème, la part "
    "résolue sur place et le nombre de structures actives.",
)
def get_figures(
    request: Request,
    periode: Periode = None,
    du: Du = None,
    au: Au = None,
    departement: Annotated[str | None, Query(description="Seulement ce département (02, 2A, 974).")] = None,
    structure: Annotated[str | None, Query(description="Seulement cette structure (matricule).")] = None,
) -> JSONResponse:
    """The figures of the account's scope (narrowed to a département or a structure) over a period:
    the keys of the structure's monthly summary, `by_month`, `structures`,
    `solved_on_the_spot_share`, the contacts of the period before and of the same months a year
    before (`previous_total`, `year_before_total`), as the workstation's Synthèses compare them, the
    minutes with the public (`total_minutes`) and, for one structure, the contacts per weekday and
    hour on the agent's wall clock (`by_weekday_hour`, "0-09": Monday 9 h to 10 h)."""
    session = api_session(request)
    try:
        period = read_period(request)
    except BadQuery as error:
        return _refusal(400, "bad_request", str(error))
    scope = account_scope(session)
    if departement is not None:
        code = departement_code(departement)
        if code is None:
            return _refusal(400, "bad_request", f"Département invalide : « {printable(departement)[:8]} ».")
        scope = scope.narrowed(departement=code)
        if scope.is_empty:
            return _refusal(404, "not_found", "Département hors de votre périmètre.")
    with request.app.state.engine.connect() as connection:
        if structure is not None:
            scope = scope.narrowed(structure=structure)
            if not MATRICULE.fullmatch(structure) or visible_structure(connection, scope, structure) is None:
                return _refusal(404, "not_found", "Structure inconnue ou hors de votre périmètre.")
        found = figures(connection, scope, period)
    return _JSON({"first_month": period.first, "last_month": period.last, **found})


@router.get(
    "/structures",
    responses=_STRUCTURES_ANSWERS,
    summary="Structures du périmètre du compte",
    description="Les structures du périmètre, avec la dernière synchronisation de leurs postes, le "
    "dernier lot reçu et si elles sont silencieuses (rien reçu depuis 14 jours).",
)
def get_structures(request: Request) -> JSONResponse:
    """The structures of the account's scope, with their last sync and whether they are silent."""
    scope = account_scope(api_session(request))
    with request.app.state.engine.connect() as connection:
        return _JSON(structure_list(connection, scope))


@router.get(
    "/public",
    responses=_PUBLIC_FIGURES_ANSWERS,
    summary="Statistiques publiques",
    description="Sans compte : nombre de contacts par mois, au national et par département (la page "
    "publique) ; par défaut l'année en cours.",
)
def get_public(request: Request, periode: Periode = None, du: Du = None, au: Au = None) -> JSONResponse:
    """Without an account: contacts per month, nationally and per département (the public page)."""
    try:
        period = read_period(request, default_year=True)
    except BadQuery as error:
        return _refusal(400, "bad_request", str(error))
    with request.app.state.engine.connect() as connection:
        return _JSON(public_by_month(connection, period))
