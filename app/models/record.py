"""The records as they travel (contacts, escalations, Pass numérique): the one definition that the
workstation and the server validate.

No field can hold a citizen's identity, and `extra="forbid"` makes sure none is smuggled in: the
free note is not part of the record at all, it stays in the workstation's own table. The free-text
values that remain (place, agent, structure, funder, booklet) go through the same identifier guard
as the note, here, so that the server refuses what a modified client would let through; no string
may hold control characters, NUL or lone surrogates (PostgreSQL refuses them, terminals obey them).

Types are strict (`"5"`, `true` or `1.0` are not a duration; `0` or `"yes"` are not a boolean) and
times are bounded: nothing before the France Services network could exist, nothing beyond the clock
tolerance in the future, so that no later arithmetic on a stored time can overflow.
"""

import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit
from uuid import UUID

import uuid6
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.models.communes import INSEE_CODE, Communes
from app.models.note_guard import control_problem, value_problem
from app.models.reference import Catalogue

CLOCK_TOLERANCE = timedelta(minutes=5)
# The France Services network was announced in 2019: no record can be older. Checked before any
# conversion, so that "0001-01-01T00:00:00+01:00" is a French message, not an OverflowError.
EARLIEST_TIME = datetime(2019, 1, 1, tzinfo=UTC)
# Without a `now` to compare with (the server, records read back from the database), a time is
# refused beyond a day ahead of this machine's clock: workstation clocks drift, a year 9999 is a typo.
MAX_CLOCK_SKEW = timedelta(days=1)
LATEST_VALIDITY = date(2099, 12, 31)
# The values written by hand rather than chosen in a list: guarded against identifiers.
FREE_TEXT_FIELDS = ("structure", "agent", "place", "funder", "booklet")
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
    "partner": "partenaire",
    "sent_at": "date d'envoi",
    "status": "statut",
    "answered_at": "date de réponse",
    "event": "mouvement",
    "funder": "financeur",
    "booklet": "carnet",
    "booklet_size": "chèques par carnet",
    "cheques": "numéros de chèques",
    "value_cents": "valeur",
    "valid_until": "fin de validité",
    "reason": "motif",
    "issuance": "remise",
    "issued_at": "date de remise",
    "social_situation": "situation",
    "autonomy_level": "niveau d'autonomie",
    "contact": "contact",
    "changed_at": "date de modification",
    "item": "paramètre",
    "value": "valeur",
}

# A cheque number as printed on the cheque: letters, digits and dashes.
CHEQUE_NUMBER = r"^[A-Za-z0-9-]{1,32}$"
BOOKLET_SIZES = (5, 10)
AUTONOMY_LEVELS = {"debutant": "Débutant", "intermediaire": "Intermédiaire", "autonome": "Autonome"}

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


def _residence_commune(value: Any, info: ValidationInfo) -> Any:
    """An INSEE code, never free text (where a name or a phone number could be written), and one of
    the official list when the context has it (the workstation's store and the server do). The
    message never repeats the value: it may be just what must not be kept."""
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(INSEE_CODE, value):
        raise RecordError(
            "residence_commune", "Choisissez la commune de résidence dans la liste officielle des communes."
        )
    communes: Communes | None = (info.context or {}).get("communes")
    if communes is not None and value not in communes:
        raise RecordError("residence_commune", "Commune de résidence inconnue de la liste officielle.")
    return value


ResidenceCommune = Annotated[
    Annotated[str, StringConstraints(pattern=INSEE_CODE)] | None, BeforeValidator(_residence_commune)
]


def new_id() -> UUID:
    """A new record id, made on the workstation at capture: a UUIDv7 (RFC 9562), its first 48 bits the
    time in milliseconds. New records thus reach the server in increasing id order and its indexes on
    ids grow at their right edge, where random ids (v4) scatter every insert over the whole index —
    at national scale, 1.5–1.9× slower ingest and 12× the write-ahead log per contact (issue 15). Any
    UUID stays valid: older workstations keep sending v4 ids, and the rule "later (created_at, id)
    wins" only needs ids to compare, whatever their version."""
    return UUID(bytes=uuid6.uuid7().bytes)


class _Record(BaseModel):
    """What every record that travels has: an id made at capture, times, who, and what it replaces."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: UUID
    created_at: datetime
    utc_offset_minutes: StrictInt = Field(ge=-14 * 60, le=14 * 60)
    structure: str = Field(min_length=1, max_length=64)
    agent: str = Field(min_length=1, max_length=80)
    supersedes: UUID | None = None
    deleted: StrictBool = False

    @model_validator(mode="before")
    @classmethod
    def _clean_strings(cls, data: Any) -> Any:
        """No string anywhere in the record holds a control character, NUL or lone surrogate."""
        if not isinstance(data, dict):
            return data
        parts: list[Any] = []
        for field, value in data.items():
            parts.append(field)
            if isinstance(value, str):
                parts.append(value)
            elif isinstance(value, list):
                parts.extend(value)
        try:
            clean = not control_problem(" ".join(parts))
        except TypeError:  # a name or a list item that is not a string: each looked at below
            clean = False
        if clean:
            return data  # the usual case, in one search; otherwise find the culprit
        for field, value in data.items():
            if not isinstance(field, str) or control_problem(field):
                raise RecordError("", "Nom de champ invalide : caractères interdits.")
            for text in _texts(value):
                problem = control_problem(text)
                if problem:
                    raise RecordError(field, f"{_subject(field)} contient un {problem}.")
        return data

    @field_validator(*FREE_TEXT_FIELDS, check_fields=False)
    @classmethod
    def _no_identifier(cls, value: str, info: ValidationInfo) -> str:
        problem = value_problem(value, _subject(_field(info)))
        if problem:
            raise RecordError(_field(info), problem)
        return value

    @field_validator(
        "created_at",
        "occurred_at",
        "sent_at",
        "answered_at",
        "issued_at",
        "valid_until",
        "changed_at",
        mode="before",
        check_fields=False,
    )
    @classmethod
    def _time_as_text(cls, value: Any, info: ValidationInfo) -> Any:
        """A time is ISO 8601 text (or already a date): a number would be read as a Unix timestamp."""
        if value is None or isinstance(value, str | date):
            return value
        raise RecordError(_field(info), f"{_subject(_field(info))} doit être une date ISO 8601.")

    @field_validator(
        "created_at", "occurred_at", "sent_at", "answered_at", "issued_at", "changed_at", check_fields=False
    )
    @classmethod
    def _utc_whole_seconds(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            return None
        field = _field(info)
        if value.tzinfo is None:
            raise RecordError(field, "L'heure doit préciser son fuseau horaire.")
        label = FIELD_LABELS[field]
        # The year first: converting a time at the calendar's edges to UTC overflows.
        if not EARLIEST_TIME.year - 1 <= value.year <= datetime.now(UTC).year + 1:
            raise RecordError(field, _out_of_bounds(label))
        value = value.astimezone(UTC).replace(microsecond=0)
        if not EARLIEST_TIME <= value <= datetime.now(UTC) + MAX_CLOCK_SKEW:
            raise RecordError(field, _out_of_bounds(label))
        return value

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Any:
        """The record from a database row, where SQLite keeps booleans as 0 and 1."""
        for field in _boolean_fields(cls):
            if row.get(field) in (0, 1):
                row[field] = bool(row[field])
        return cls.model_validate(row)

    def carried_over(self) -> dict[str, Any]:
        """What a record superseding this one starts from: its content, without what makes a record
        itself (id, capture time and offset) nor its own supersession."""
        return self.model_dump(exclude={"id", "created_at", "utc_offset_minutes", "supersedes", "deleted"})

    def _check_ids(self, catalogue: Catalogue, fields: dict[str, str]) -> None:
        for field, table in fields.items():
            value = getattr(self, field)
            if value is not None and value not in getattr(catalogue, table):
                raise RecordError(field, f"{FIELD_LABELS[field].capitalize()} inconnu(e) : « {value} ».")


# What every summary of contacts counts per value, besides their total, partners, minutes and hours:
# the workstation's Synthèses (`app.reports.aggregation`) as the server's roll-ups
# (`app.server.rollups`), one list so that both count the same things (a test compares them).
COUNTED_FIELDS = ("situation", "channel", "outcome", "place", "help_kind", "agent")
COUNTED_FLAGS = ("non_recours", "pass_numerique")  # counted where true, value ''


class ContactRecord(_Record):
    """One contact with a citizen, as counted by reporting."""

    occurred_at: datetime
    place: str = Field(min_length=1, max_length=120)
    channel: str
    situation: str
    partners: list[str] = Field(min_length=1, max_length=11)
    help_kind: str
    outcome: str
    duration_minutes: StrictInt = Field(ge=1, le=MAX_DURATION_MINUTES)
    age_band: str | None = None
    first_visit: StrictBool | None = None
    residence_commune: ResidenceCommune = None
    non_recours: StrictBool = False
    pass_numerique: StrictBool = False

    @model_validator(mode="after")
    def _check_against_context(self, info: ValidationInfo) -> "ContactRecord":
        context = info.context or {}
        catalogue: Catalogue | None = context.get("catalogue")
        if catalogue is not None:
            self._check_ids(catalogue, _REFERENCE_FIELDS)
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


class EscalationRecord(_Record):
    """A complex case sent to a partner's referent; the case itself lives in Administration+.

    A change of status is a new record superseding the previous one, as for contacts.
    """

    partner: str
    situation: str
    sent_at: datetime
    channel: str
    status: str
    answered_at: datetime | None = None

    @model_validator(mode="after")
    def _check_against_context(self, info: ValidationInfo) -> "EscalationRecord":
        context = info.context or {}
        catalogue: Catalogue | None = context.get("catalogue")
        if catalogue is not None:
            self._check_ids(
                catalogue,
                {
                    "partner": "partners",
                    "situation": "situations",
                    "channel": "escalation_channels",
                    "status": "escalation_statuses",
                },
            )
        now: datetime | None = context.get("now")
        if now is not None and self.sent_at > now + CLOCK_TOLERANCE:
            raise RecordError("sent_at", "La date d'envoi est dans le futur. Vérifiez la date et l'heure.")
        if self.answered_at is not None and self.answered_at < self.sent_at:
            raise RecordError("answered_at", "La date de réponse précède la date d'envoi.")
        return self


class _PassRecord(_Record):
    """A Pass numérique record: public money, so never corrected nor deleted, only compensated by
    another movement (a cheque handed out by mistake is returned to stock, not erased)."""

    cheques: list[Annotated[str, StringConstraints(pattern=CHEQUE_NUMBER)]] = Field(
        min_length=1, max_length=100
    )

    @model_validator(mode="after")
    def _append_only(self) -> "_PassRecord":
        if self.supersedes is not None or self.deleted:
            raise RecordError(
                "supersedes",
                "Le registre des Pass numérique ne se corrige pas : enregistrez un mouvement inverse.",
            )
        if len(set(self.cheques)) != len(self.cheques):
            raise RecordError("cheques", "Un numéro de chèque est indiqué deux fois.")
        return self


class PassLedgerRecord(_PassRecord):
    """One line of the Pass numérique stock ledger, about cheques of one booklet.

    `recu`: a booklet received; `remis`: cheques handed out (`issuance` names the handing out);
    `retour`: handed-out cheques back in stock; `annule`: cheques lost, damaged, stolen or expired.
    Every line carries the booklet's funder, value and validity, so that it reads on its own.
    """

    occurred_at: datetime
    event: Literal["recu", "remis", "retour", "annule"]
    funder: str = Field(min_length=1, max_length=120)
    booklet: str = Field(min_length=1, max_length=40)
    booklet_size: StrictInt | None = None
    value_cents: StrictInt = Field(ge=100, le=100_00)
    valid_until: date = Field(ge=EARLIEST_TIME.date(), le=LATEST_VALIDITY)
    reason: str | None = None
    issuance: UUID | None = None

    @model_validator(mode="after")
    def _check_event(self, info: ValidationInfo) -> "PassLedgerRecord":
        context = info.context or {}
        if self.event == "recu":
            if self.booklet_size not in BOOKLET_SIZES:
                raise RecordError("booklet_size", "Un carnet compte 5 ou 10 chèques.")
            if len(self.cheques) != self.booklet_size:
                raise RecordError(
                    "cheques",
                    f"{len(self.cheques)} numéro(s) de chèques pour un carnet de {self.booklet_size} : "
                    "vérifiez les numéros.",
                )
        elif self.booklet_size is not None:
            raise RecordError("booklet_size", "Le nombre de chèques par carnet se donne à la réception.")
        if (self.event == "remis") != (self.issuance is not None):
            raise RecordError("issuance", "Seule une remise de chèques indique sa remise.")
        reasons = {"annule": "pass_cancel_reasons", "retour": "pass_return_reasons"}.get(self.event)
        if reasons is None and self.reason is not None:
            raise RecordError("reason", "Seuls une annulation et un retour en stock ont un motif.")
        if reasons is not None and self.reason is None:
            raise RecordError("reason", "Indiquez le motif.")
        catalogue: Catalogue | None = context.get("catalogue")
        if catalogue is not None and reasons is not None:
            self._check_ids(catalogue, {"reason": reasons})
        now: datetime | None = context.get("now")
        if now is not None and self.occurred_at > now + CLOCK_TOLERANCE:
            raise RecordError(
                "occurred_at", "La date du mouvement est dans le futur. Vérifiez la date et l'heure."
            )
        return self


class PassIssuanceRecord(_PassRecord):
    """Pass numérique cheques handed to a citizen, with an anonymous profile for reporting."""

    issued_at: datetime
    value_cents: StrictInt = Field(ge=100, le=100 * 100_00)  # all the cheques together
    age_band: str | None = None
    residence_commune: ResidenceCommune = None
    social_situation: str | None = None
    autonomy_level: Literal["debutant", "intermediaire", "autonome"] | None = None
    contact: UUID | None = None

    @model_validator(mode="after")
    def _check_against_context(self, info: ValidationInfo) -> "PassIssuanceRecord":
        context = info.context or {}
        catalogue: Catalogue | None = context.get("catalogue")
        if catalogue is not None:
            self._check_ids(catalogue, {"age_band": "age_bands", "social_situation": "pass_situations"})
        now: datetime | None = context.get("now")
        if now is not None and self.issued_at > now + CLOCK_TOLERANCE:
            raise RecordError(
                "issued_at", "La date de remise est dans le futur. Vérifiez la date et l'heure."
            )
        return self


MAX_STOPS = 50
MAX_PASS_THRESHOLD = 10_000
# The shared settings a `setting` record may carry, by item: `agent/<name>` (one per agent, keyed by
# the name the records carry), `link/<url>`, `site/<domain>`, `referent/<partner>/<name>`,
# `place/<commune>/<name>`, and the structure's single-valued settings.
REFERENT_ITEM, PLACE_ITEM = "referent/", "place/"
SETTING_ITEMS = (
    "agent/",
    "link/",
    "site/",
    REFERENT_ITEM,
    PLACE_ITEM,
    "stops",
    "pass.threshold",
    "search.engine",
)
# Items a deletion may end (an agent withdrawn, a link, a site, a referent or a place removed); the
# others always have a value.
DELETABLE_ITEMS = ("agent/", "link/", "site/", REFERENT_ITEM, PLACE_ITEM)
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

# --- Institutional contacts: the partners' referents and the qualified places ------------------------
# The privacy decision (docs/SYNC_PROTOCOL.md, "Shared settings"). A referent is a partner's member of
# staff and a qualified place a venue: institutional contacts, never citizens. Their phone number,
# e-mail address and postal address are what the structure shares them for, so those may travel —
# but only in those fields of those two items, each held to its own format (a French phone number,
# an e-mail address, a postal address that holds no identifier once its postal code and box number
# are set aside). Every other text of them (the referent's note, the place's name, commune and
# opening hours) goes through the identifier guard like any free text, so a social-security number
# or a citizen's phone number typed there is refused on the workstation and by the server alike. The
# referent's name is a person's name by design: it skips the guard's name check only, as the street
# of an address may (« place Monsieur Vincent »); every number, e-mail or document in it is refused.
REFERENT_LIMITS = {"name": 80, "phone": 20, "email": 254, "note": 200}
PLACE_LIMITS = {"name": 80, "address": 100, "commune": 60, "phone": 20, "hours": 120}
_PHONE_TEXT = re.compile(r"\+?[0-9 .()-]{6,20}")
_FRENCH_PHONE = re.compile(
    r"(?:0|\+33|0033)[1-9]\d{8}|(?:\+|00)(?:262|269|508|590|594|596|681|687|689)\d{6,9}"
)
_EMAIL_ADDRESS = re.compile(
    r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
# What a postal address holds that the guard would take for an identifier: a postal box (BP, CS,
# TSA and its number) and the postal code before the commune.
_POSTAL_PARTS = re.compile(r"\b(?:BP|CS|TSA)\s*\d{1,5}\b|\b\d{5}(?=\s+[^\W\d])", re.IGNORECASE)


def french_phone(text: str) -> bool:
    """A French phone number as people write it ("04 50 00 00 30", "+33 (0)6 12 34 56 78",
    "+262 262 12 34 56"): metropolitan or overseas, digits with spaces, dots, dashes or brackets."""
    if not _PHONE_TEXT.fullmatch(text):
        return False
    return bool(_FRENCH_PHONE.fullmatch(re.sub(r"[ .()-]", "", text.replace("(0)", ""))))


def email_address(text: str) -> bool:
    return len(text) <= 254 and bool(_EMAIL_ADDRESS.fullmatch(text))


def check_referent(partner: str, name: str, value: Any, catalogue: Catalogue | None = None) -> None:
    """A referent as the structure shares it (`referent/<partner>/<name>`, value: its phone, e-mail
    and note, each possibly empty; None for a removal), or RecordError in French. The workstation's
    directory checks every referent with this too, enrolled or not."""
    if not re.fullmatch(r"[a-z0-9-]{1,40}", partner) or (
        catalogue is not None and partner not in catalogue.partners
    ):
        raise RecordError("item", "Partenaire du référent inconnu.")
    _key_text(name, REFERENT_LIMITS["name"], "Le nom du référent", names=False)
    if value is None:  # a removal
        return
    _value_texts(value, REFERENT_LIMITS.keys() - {"name"}, "référent")
    if value["phone"] and not french_phone(value["phone"]):
        raise RecordError("value", "Le téléphone du référent n'est pas un numéro de téléphone français.")
    if value["email"] and not email_address(value["email"]):
        raise RecordError("value", "L'adresse e-mail du référent est invalide.")
    _free_text(value["note"], REFERENT_LIMITS["note"], "La note du référent")


def check_place(commune: str, name: str, value: Any) -> None:
    """A qualified place as the structure shares it (`place/<commune>/<name>`, value: its address,
    phone and opening hours; None for a removal), or RecordError in French. The workstation's
    directory checks every place with this too, enrolled or not."""
    _key_text(commune, PLACE_LIMITS["commune"], "La commune du lieu")
    if "/" in commune:
        raise RecordError("item", "La commune du lieu ne peut pas contenir « / ».")
    _key_text(name, PLACE_LIMITS["name"], "Le nom du lieu")
    if value is None:  # a removal
        return
    _value_texts(value, PLACE_LIMITS.keys() - {"name", "commune"}, "lieu qualifié")
    address = value["address"]
    if not address.strip() or len(address) > PLACE_LIMITS["address"]:
        raise RecordError("value", "L'adresse du lieu est vide ou trop longue.")
    problem = value_problem(_POSTAL_PARTS.sub(" ", address), "L'adresse du lieu", names=False)
    if problem:
        raise RecordError("value", problem)
    if value["phone"] and not french_phone(value["phone"]):
        raise RecordError("value", "Le téléphone du lieu n'est pas un numéro de téléphone français.")
    _free_text(value["hours"], PLACE_LIMITS["hours"], "Les horaires du lieu")


def _key_text(text: str, limit: int, subject: str, *, names: bool = True) -> None:
    """A text that names an item: tidy (the same on every workstation), within `limit`, guarded."""
    if not text or text != " ".join(text.split()) or len(text) > limit:
        raise RecordError("item", f"{subject} est vide, trop long ou mal espacé.")
    problem = value_problem(text, subject, names=names)
    if problem:
        raise RecordError("item", problem)


def _value_texts(value: Any, keys: set[str], what: str) -> None:
    """`value` is an object of exactly the texts `keys` names (each field then has its own check)."""
    if (
        not isinstance(value, dict)
        or value.keys() != keys
        or not all(isinstance(v, str) for v in value.values())
    ):
        raise RecordError("value", f"Valeur invalide pour un {what}.")


def _free_text(text: str, limit: int, subject: str) -> None:
    """An optional free text of an item: within `limit`, through the identifier guard."""
    if len(text) > limit:
        raise RecordError("value", f"{subject} : {limit} caractères au plus.")
    problem = value_problem(text, subject) if text else None
    if problem:
        raise RecordError("value", problem)


def split_item(item: str, prefix: str) -> tuple[str, str]:
    """The two parts of a `referent/<partner>/<name>` or `place/<commune>/<name>` item."""
    first, _slash, second = item.removeprefix(prefix).partition("/")
    return first, second


class SettingRecord(_Record):
    """One version of one of the structure's shared settings (see app.models.shared_settings).

    `item` names the setting, `value` is its new value (None for a deletion: `deleted`), `supersedes`
    the version it was changed from. The versions of an item are never overwritten: the current one
    is chosen by one rule everywhere, the others stay in the item's history.
    """

    changed_at: datetime
    item: str = Field(min_length=1, max_length=320)
    value: StrictInt | str | list[str] | dict[str, str] | None = None

    @model_validator(mode="after")
    def _check_item(self, info: ValidationInfo) -> "SettingRecord":
        item, value = self.item, self.value
        if self.deleted != (value is None) or (self.deleted and not item.startswith(DELETABLE_ITEMS)):
            raise RecordError(
                "value",
                "Seuls un agent, un lien local, un site autorisé, un référent et un lieu qualifié se "
                "retirent ; tout autre paramètre a une valeur.",
            )
        if item.startswith("agent/"):
            name = item.removeprefix("agent/")
            problem = value_problem(name, "Le nom de l'agent") if name == " ".join(name.split()) else None
            if not name or name != " ".join(name.split()) or len(name) > 80 or problem:
                raise RecordError("item", problem or "Nom d'agent invalide.")
            if value is not None and (
                not isinstance(value, dict)
                or value.keys() != {"role"}
                or value["role"] not in ("agent", "responsable")
            ):
                raise RecordError("value", "Le rôle d'un agent est « agent » ou « responsable ».")
        elif item.startswith("link/"):
            if not _https_url(item.removeprefix("link/")):
                raise RecordError("item", "Un lien local est une adresse https:// sans espace.")
            if value is not None:
                _texts_of(value, {"label": 80, "description": 200}, "lien local")
        elif item.startswith("site/"):
            if not _DOMAIN.fullmatch(item.removeprefix("site/")):
                raise RecordError("item", "Nom de domaine invalide.")
            if value is not None:
                _texts_of(value, {"reason": 200}, "site autorisé")
        elif item.startswith(REFERENT_ITEM):
            partner, name = split_item(item, REFERENT_ITEM)
            check_referent(partner, name, value, (info.context or {}).get("catalogue"))
        elif item.startswith(PLACE_ITEM):
            commune, name = split_item(item, PLACE_ITEM)
            check_place(commune, name, value)
        elif item == "stops":
            if not isinstance(value, list) or len(value) > MAX_STOPS:
                raise RecordError("value", f"Les arrêts sont une liste de {MAX_STOPS} communes au plus.")
            for stop in value:
                problem = value_problem(stop, "Le nom d'un arrêt")
                if not stop.strip() or len(stop) > 120 or problem:
                    raise RecordError("value", problem or "Nom d'arrêt invalide.")
        elif item == "pass.threshold":
            if not isinstance(value, int) or not 0 <= value <= MAX_PASS_THRESHOLD:
                raise RecordError(
                    "value", f"Le seuil d'alerte doit être compris entre 0 et {MAX_PASS_THRESHOLD} chèques."
                )
        elif item == "search.engine":
            if not isinstance(value, str) or not _https_url(value) or "{query}" not in value:
                raise RecordError(
                    "value", "Le moteur de recherche est une adresse https:// contenant {query}."
                )
        else:
            raise RecordError("item", f"Paramètre partagé inconnu : « {item} ».")
        return self


def _texts_of(value: Any, limits: dict[str, int], what: str) -> None:
    """`value` is an object of exactly the texts `limits` names, each within its length and free of
    identifiers (the note guard)."""
    if not isinstance(value, dict) or value.keys() != limits.keys():
        raise RecordError("value", f"Valeur invalide pour un {what}.")
    for key, limit in limits.items():
        text = value[key]
        problem = value_problem(text, f"Le champ « {key} » du {what}")
        if not text.strip() or len(text) > limit or control_problem(text) or problem:
            raise RecordError(
                "value", problem or f"Le champ « {key} » du {what} est vide, trop long ou invalide."
            )


def _https_url(url: str) -> bool:
    """An address the portal may open: https, a host, at most 300 characters, no space."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # an unreadable address ("https://[") is simply not one
        return False
    return (
        parts.scheme == "https"
        and bool(host)
        and len(url) <= 300
        and not any(character.isspace() for character in url)
    )


RECORD_KINDS: dict[str, type[_Record]] = {
    "contact": ContactRecord,
    "escalation": EscalationRecord,
    "pass_ledger": PassLedgerRecord,
    "pass_issuance": PassIssuanceRecord,
    "setting": SettingRecord,
}


def validate_record(
    data: dict[str, Any],
    *,
    catalogue: Catalogue | None = None,
    now: datetime | None = None,
    kind: str = "contact",
    communes: Communes | None = None,
) -> Any:
    """Build a record of `kind` (see RECORD_KINDS) from `data`, or raise `RecordError` in French."""
    if kind not in RECORD_KINDS:
        raise RecordError("kind", f"Type d'enregistrement inconnu : « {kind} ».")
    try:
        return RECORD_KINDS[kind].model_validate(
            data, context={"catalogue": catalogue, "now": now, "communes": communes}
        )
    except ValidationError as exc:
        raise _in_french(exc) from None


def _texts(value: Any) -> list[str]:
    """The strings of a value as the records hold them: a string, or a list of them."""
    if isinstance(value, str):
        return [value]
    return [text for text in value if isinstance(text, str)] if isinstance(value, list) else []


def _field(info: ValidationInfo) -> str:
    """The validated field's name: pydantic leaves it None only for a model validator."""
    assert info.field_name is not None
    return info.field_name


def _subject(field: str) -> str:
    """A field named at the start of a French sentence."""
    return f"Le champ « {FIELD_LABELS.get(field, field)} »"


def _out_of_bounds(label: str) -> str:
    return (
        f"{label.capitalize()} impossible : avant le 1er janvier {EARLIEST_TIME.year} ou dans le futur. "
        "Vérifiez la date et l'heure."
    )


@cache
def _boolean_fields(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, field in model.model_fields.items() if bool in _types_of(field.annotation))


def _types_of(annotation: Any) -> tuple[Any, ...]:
    """The types a field's annotation allows, `Annotated[...]` (StrictBool) unwrapped."""
    types = get_args(annotation) or (annotation,)
    return tuple(getattr(kind, "__origin__", kind) for kind in types)


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
    if kind == "int_type":
        return RecordError(field, f"Le champ « {label} » doit être un nombre entier.")
    if kind == "bool_type":
        return RecordError(field, f"Le champ « {label} » doit valoir true ou false.")
    if field == "valid_until" and kind in ("greater_than_equal", "less_than_equal"):
        return RecordError(
            field,
            f"La fin de validité doit être comprise entre {EARLIEST_TIME.year} et {LATEST_VALIDITY.year}.",
        )
    if field == "partners" and kind == "too_short":
        return RecordError(field, "Choisissez au moins un partenaire.")
    if field == "duration_minutes":
        return RecordError(field, f"La durée doit être comprise entre 1 et {MAX_DURATION_MINUTES} minutes.")
    if kind == "string_too_long":
        return RecordError(field, f"Le champ « {label} » est trop long.")
    if kind == "string_too_short":
        return RecordError(field, f"Champ obligatoire vide : {label}.")
    if field == "cheques" and kind == "string_pattern_mismatch":
        return RecordError(field, "Numéro de chèque invalide : lettres, chiffres et tirets seulement.")
    if field == "cheques" and kind == "too_short":
        return RecordError(field, "Indiquez au moins un numéro de chèque.")
    return RecordError(field, f"Valeur invalide pour « {label} ».")
