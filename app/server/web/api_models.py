"""The shapes of the stats API's answers (`app.server.web.api`), for the OpenAPI schema only.

Why documentation-only models: the answers are built as plain dicts by `app.server.figures` and written
by orjson; validating them through these models on every request would cost time on the hot path and
could change their bytes. The models are therefore given as `responses={200: {"model": …}}`, and
tests/server/test_stats_api_schema.py holds them to the real answers: a key in an answer and not here,
or here and not in the answer, fails it (`extra="forbid"` writes `additionalProperties: false`).
"""

from pydantic import BaseModel, ConfigDict, Field

_MONTH = "AAAA-MM (mois local des contacts)"
_COUNTS = "Nombre de contacts par {what}, du plus fréquent au moins fréquent ; '' : non renseigné."
_TIME = "Heure UTC « AAAA-MM-JJTHH:MM:SSZ »"


class _Documented(BaseModel):
    """No key beyond the documented ones: the schema is the answer's exact shape."""

    model_config = ConfigDict(extra="forbid")


class FiguresAnswer(_Documented):
    """Les chiffres du périmètre du compte (national, un département ou une structure) sur la période ;
    les clés de la synthèse mensuelle d'une structure (celle du poste), sommées sur les mois."""

    first_month: str = Field(description=f"Premier mois de la période, {_MONTH}.")
    last_month: str = Field(description=f"Dernier mois de la période (inclus), {_MONTH}.")
    total: int = Field(
        description="Nombre de contacts (enregistrements courants, ni supprimés ni remplacés)."
    )
    by_partner: dict[str, int] = Field(description=_COUNTS.format(what="partenaire (CAF, CPAM, DGFiP…)"))
    by_situation: dict[str, int] = Field(
        description=_COUNTS.format(what="situation de vie (code du catalogue)")
    )
    by_channel: dict[str, int] = Field(
        description=_COUNTS.format(what="canal (sur-place, telephone, email, visio, domicile)")
    )
    by_outcome: dict[str, int] = Field(
        description=_COUNTS.format(what="issue (resolu : résolu sur place, oriente, attente-referent)")
    )
    by_place: dict[str, int] = Field(
        default_factory=dict,
        description=_COUNTS.format(what="lieu (guichet, arrêt du bus)")
        + " Seulement pour une structure (paramètre `structure`) : absent sinon.",
    )
    by_help_kind: dict[str, int] = Field(description=_COUNTS.format(what="type d'aide"))
    by_agent: dict[str, int] = Field(
        default_factory=dict,
        description=_COUNTS.format(what="agent (nom choisi sur le poste)")
        + " Seulement pour une structure (paramètre `structure`) : absent sinon.",
    )
    non_recours: int = Field(
        description="Contacts où un non-recours aux droits a été détecté (une aide due et non touchée)."
    )
    pass_numerique: int = Field(description="Contacts où la case « Pass numérique remis » a été cochée.")
    escalations_sent: int = Field(description="Sollicitations de partenaires envoyées (mois de l'envoi).")
    escalations_answered: int = Field(description="Sollicitations envoyées sur la période et répondues.")
    escalations_late: int = Field(
        description="Sollicitations en retard : répondues après 72 heures ouvrées, ou en attente au-delà "
        "de leur échéance au moment de la lecture."
    )
    escalations_by_partner: dict[str, int] = Field(
        description="Sollicitations envoyées par partenaire, de la plus fréquente à la moins fréquente."
    )
    pass_issuances: int = Field(description="Remises de Pass numérique (une par usager).")
    pass_cheques_received: int = Field(description="Chèques Pass numérique reçus en stock.")
    pass_cheques_handed_out: int = Field(description="Chèques Pass numérique remis aux usagers.")
    pass_value_handed_out_cents: int = Field(description="Valeur des chèques remis, en centimes d'euro.")
    pass_cheques_returned: int = Field(description="Chèques Pass numérique revenus en stock.")
    pass_cheques_cancelled: int = Field(description="Chèques Pass numérique annulés.")
    pass_stock_left: int = Field(
        description="Stock de chèques à la fin du dernier mois : reçus − remis + revenus − annulés, depuis "
        "le début."
    )
    solved_on_the_spot_share: float | None = Field(
        description="Part des contacts résolus sur place, de 0 à 1 (trois décimales) ; null sans contact."
    )
    by_theme: dict[str, int] = Field(
        description=_COUNTS.format(what="thème de la situation de vie (catalogue du serveur)")
    )
    by_month: dict[str, int] = Field(
        description=f"Nombre de contacts par mois de la période (clé {_MONTH}), dans l'ordre, zéros compris."
    )
    structures: int = Field(description="Nombre de structures du périmètre actives sur la période.")
    previous_total: int = Field(
        description="Nombre de contacts de la période précédente, de même longueur (le mois, le "
        "trimestre ou l'année d'avant), comme la Synthèse du poste les compare."
    )
    year_before_total: int = Field(description="Nombre de contacts des mêmes mois, un an avant.")
    total_minutes: int = Field(description="Temps passé avec le public, en minutes (durées des contacts).")
    by_weekday_hour: dict[str, int] = Field(
        default_factory=dict,
        description="Nombre de contacts par jour de la semaine et heure, à l'heure locale du poste : "
        "« 0-09 » pour le lundi de 9 h à 10 h (0 : lundi … 6 : dimanche), heures sans contact "
        "absentes. Seulement pour une structure (paramètre `structure`) : absent sinon.",
    )


class StructureRow(_Documented):
    """Une structure du périmètre du compte, avec sa dernière synchronisation."""

    matricule: str = Field(description="Identifiant de la structure (id_fs de la liste de l'ANCT).")
    name: str = Field(description="Nom de la structure.")
    departement: str = Field(description="Code du département (02, 2A, 974).")
    commune: str = Field(description="Commune ('' si inconnue).")
    format: str | None = Field(
        description="Format : fixe, fixe_antennes, multisites, bus ou itinerante ; null si inconnu."
    )
    closed_at: str | None = Field(
        description=f"{_TIME} de sa fermeture (absente d'une liste plus récente) ; null si ouverte."
    )
    latitude: float | None = Field(description="Latitude (WGS 84) ; null si inconnue.")
    longitude: float | None = Field(description="Longitude (WGS 84) ; null si inconnue.")
    last_seen_at: str | None = Field(
        description=f"{_TIME} du dernier passage d'un de ses postes ; null si jamais."
    )
    last_record_at: str | None = Field(
        description=f"{_TIME} du dernier lot d'enregistrements reçu ; null si jamais."
    )
    silent: bool = Field(
        description="Silencieuse : ouverte et rien reçu depuis 14 jours (ou jamais) ; false si fermée."
    )


class PublicAnswer(_Documented):
    """Contacts par mois, au national et par département : ce que chacun peut lire."""

    months: list[str] = Field(description=f"Les mois de la période, dans l'ordre, {_MONTH}.")
    national: dict[str, int] = Field(description="Nombre de contacts par mois (clé AAAA-MM), au national.")
    departements: dict[str, dict[str, int]] = Field(
        description="Par code de département ayant eu des contacts : nombre de contacts par mois (clé AAAA-MM)."
    )
