"""The contact record as it travels: the one definition that the workstation and the server validate.

No field can hold a citizen's identity, and `extra="forbid"` makes sure none is smuggled in: the
free note is not part of the record at all, it stays in the workstation's own table.
"""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.models.reference import Catalogue

CLOCK_TOLERANCE = timedelta(minutes=5)
MAX_DURATION_MINUTES = 8 * 60

FIELD_LABELS = {
    "id": "identifiant",
    "created_at": "date d'enregistrement",
    "utc_offset_minutes": "fuseau horaire",
    "occurred_at": "date et heure",
    "structure": "structure",
    "agent": "agent",
    "place": "lieu",
    "channel": "canal",
    "situation": "situation",
    "partners": "partenaire(s)",
    "help_kind": "type d'aide",
    "outcome": "issue",
    "duration_minutes": "durée",
    "age_band": "tranche d'âge",
    "first_visit": "première visite",
    "residence_commune": "commune de résidence",
    "non_recours": "non-recours",
    "pass_numerique": "Pass numérique",
    "supersedes": "contact corrigé",
    "deleted": "suppression",
}

# Which catalogue table each id-valued field must be found in.
_REFERENCE_FIELDS = {
    "channel": "channels",
    "situation": "situations",
    "help_kind": "help_kinds",
    "outcome": "outcomes",
    "age_band": "age_bands",
}


class RecordError(ValueError):
    """An invalid contact: `field` names the culprit, `str(error)` is the French message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ContactRecord(BaseModel):
    """One contact with a citizen, as counted by reporting."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: UUID
    created_at: datetime
    utc_offset_minutes: int = Field(ge=-14 * 60, le=14 * 60)
    occurred_at: datetime
    structure: str = Field(min_length=1, max_length=64)
    agent: str = Field(min_length=1, max_length=80)
    place: str = Field(min_length=1, max_length=120)
    channel: str
    situation: str
    partners: list[str] = Field(min_length=1, max_length=11)
    help_kind: str
    outcome: str
    duration_minutes: int = Field(ge=1, le=MAX_DURATION_MINUTES)
    age_band: str | None = None
    first_visit: bool | None = None
    residence_commune: str | None = Field(default=None, max_length=120)
    non_recours: bool = False
    pass_numerique: bool = False
    supersedes: UUID | None = None
    deleted: bool = False

    @field_validator("created_at", "occurred_at")
    @classmethod
    def _utc_whole_seconds(cls, value: datetime, info: ValidationInfo) -> datetime:
        if value.tzinfo is None:
            raise RecordError(info.field_name, "L'heure doit préciser son fuseau horaire.")
        return value.astimezone(UTC).replace(microsecond=0)

    @model_validator(mode="after")
    def _check_against_context(self, info: ValidationInfo) -> "ContactRecord":
        context = info.context or {}
        catalogue: Catalogue | None = context.get("catalogue")
        if catalogue is not None:
            for field, table in _REFERENCE_FIELDS.items():
                value = getattr(self, field)
                if value is not None and value not in getattr(catalogue, table):
                    raise RecordError(field, f"{FIELD_LABELS[field].capitalize()} inconnu(e) : « {value} ».")
            for partner in self.partners:
                if partner not in catalogue.partners:
                    raise RecordError("partners", f"Partenaire inconnu : « {partner} ».")
            if len(set(self.partners)) != len(self.partners):
                raise RecordError("partners", "Un partenaire est indiqué deux fois.")
        now: datetime | None = context.get("now")
        if now is not None and self.occurred_at > now + CLOCK_TOLERANCE:
            raise RecordError(
                "occurred_at", "La date du contact est dans le futur. Vérifiez la date et l'heure."
            )
        return self


def validate_record(
    data: dict[str, Any], *, catalogue: Catalogue | None = None, now: datetime | None = None
) -> ContactRecord:
    """Build a record from `data`, or raise `RecordError` with a French message."""
    try:
        return ContactRecord.model_validate(data, context={"catalogue": catalogue, "now": now})
    except ValidationError as exc:
        raise _in_french(exc) from None


def _in_french(exc: ValidationError) -> RecordError:
    error = exc.errors(include_url=False)[0]
    original = error.get("ctx", {}).get("error")
    if isinstance(original, RecordError):
        return original
    field = str(error["loc"][0]) if error["loc"] else ""
    label = FIELD_LABELS.get(field, field)
    kind = error["type"]
    if kind == "missing":
        return RecordError(field, f"Champ obligatoire manquant : {label}.")
    if kind == "extra_forbidden":
        return RecordError(field, f"Champ non prévu : « {field} ». Aucune donnée personnelle n'est acceptée.")
    if field == "partners" and kind == "too_short":
        return RecordError(field, "Choisissez au moins un partenaire.")
    if field == "duration_minutes":
        return RecordError(field, f"La durée doit être comprise entre 1 et {MAX_DURATION_MINUTES} minutes.")
    if kind == "string_too_long":
        return RecordError(field, f"Le champ « {label} » est trop long.")
    if kind == "string_too_short":
        return RecordError(field, f"Champ obligatoire vide : {label}.")
    return RecordError(field, f"Valeur invalide pour « {label} ».")
