"""The server's tables, in SQLAlchemy Core, identical on SQLite and PostgreSQL.

Times are UTC text `YYYY-MM-DDTHH:MM:SSZ`, as on the workstation: they sort as text and read the same
on both databases (the contacts' are kept as `timestamptz` on PostgreSQL and read back as that text:
`UtcTime`). Alembic migrations (app/server/migrations) create these tables; this module is what
the queries use, and a test checks that both agree.
"""

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

TIMESTAMP_LENGTH = 20

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


def _time(name: str, *, nullable: bool = False) -> Column[Any]:
    return Column(name, String(TIMESTAMP_LENGTH), nullable=nullable)


class UtcTime(TypeDecorator[str]):
    """A time as its stored text `YYYY-MM-DDTHH:MM:SSZ` in Python (what the wire record carries and
    the queries compare), kept as PostgreSQL's 8-byte `timestamptz` there (21 bytes as text; a contact
    has three: issue 15) and as the same text on SQLite. Records carry whole seconds from 2018 on
    (`app.models.record`), so the text read back is the one written, byte for byte, and both forms
    sort alike."""

    impl = String(TIMESTAMP_LENGTH)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(String(TIMESTAMP_LENGTH))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name == "postgresql" and isinstance(value, str):
            return datetime.fromisoformat(value)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return timestamp(value) if isinstance(value, datetime) else value


class CompactUuid(TypeDecorator[str]):
    """A record's (or a workstation's) id as text with dashes in Python (what the wire record carries), stored as
    PostgreSQL's 16-byte `uuid` there (37 bytes as text, and as much again in every index holding it)
    and as the same text on SQLite, where bytes matter less than reading the file by hand."""

    impl = String(36)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID(as_uuid=False))
        return dialect.type_descriptor(String(36))


structures = Table(
    "structures",
    metadata,
    Column("matricule", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("departement", String(3), nullable=False),
    Column("itinerant", Boolean, nullable=False),
    _time("created_at"),
    # What the ANCT's list says of it (`app.server.registry`); a structure declared by hand with
    # `add-structure` has `listed` false and only the columns above.
    Column("listed", Boolean, nullable=False, server_default=false()),
    Column("commune", String(100), nullable=False, server_default=""),
    Column("insee_commune", String(5), nullable=False, server_default=""),
    Column("postal_code", String(10), nullable=False, server_default=""),
    Column("address", String(300), nullable=False, server_default=""),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("format", String(16)),
    Column("antenne", Boolean, nullable=False, server_default=false()),
    Column("principal", String(64)),
    Column("group_label", String(200), nullable=False, server_default=""),
    # Set when a newer list no longer has it: its workstations and records are kept.
    _time("closed_at", nullable=True),
)

# One line per import of the ANCT's list (`app.server.registry`): which publication the registry
# follows — its date, when the file or the command line gives it — for the pages and the reference
# file the workstations get, and what each import changed.
registry_imports = Table(
    "registry_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("published_on", String(10)),  # YYYY-MM-DD, the ANCT's publication; None when unknown
    Column("file_name", String(255), nullable=False),
    _time("imported_at"),
    Column("added", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("closed", Integer, nullable=False),
    Column("moved", Integer, nullable=False),
)

# A workstation's id is in every record it sent (`workstation_id`): a `uuid` on PostgreSQL too.
workstations = Table(
    "workstations",
    metadata,
    Column("id", CompactUuid(), primary_key=True),
    Column("structure", ForeignKey("structures.matricule"), nullable=False, index=True),
    Column("installation_id", String(36), nullable=False),
    Column("label", String(80)),
    Column("token_hash", String(64), nullable=False, unique=True),
    _time("enrolled_at"),
    _time("last_seen_at", nullable=True),
    _time("revoked_at", nullable=True),
)

# One row per code issued; only the SHA-256 of the code is kept.
enrolment_codes = Table(
    "enrolment_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("structure", ForeignKey("structures.matricule"), nullable=False),
    _time("created_at"),
    _time("expires_at"),
    Column("installation_id", String(36)),
    Column("workstation_id", ForeignKey("workstations.id")),
    _time("used_at", nullable=True),
)


# The web application's accounts (`app.server.web.accounts`): `role` is national, departement or
# structure; a département account sees the départements of `web_account_departements`, a structure
# account its `structure`. Only the Argon2 hash of a password is kept.
web_accounts = Table(
    "web_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login", String(254), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("structure", ForeignKey("structures.matricule")),
    # The SHA-256 of the account's API token (`api-token`), for tools that read the JSON API.
    Column("api_token_hash", String(64), unique=True),
    _time("created_at"),
    _time("disabled_at", nullable=True),
)

web_account_departements = Table(
    "web_account_departements",
    metadata,
    Column("account_id", ForeignKey("web_accounts.id"), nullable=False),
    Column("departement", String(3), nullable=False),
    PrimaryKeyConstraint("account_id", "departement"),
)

# Server-side sessions: only the SHA-256 of the cookie is kept; logging out deletes the row.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", ForeignKey("web_accounts.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    _time("created_at"),
    _time("expires_at"),
)

# Who logged in (or failed to), out, and exported what, when and from which address.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _time("at"),
    Column("account_id", ForeignKey("web_accounts.id")),
    Column("login", String(254), nullable=False),
    Column("event", String(16), nullable=False),
    Column("detail", String(300), nullable=False, server_default=""),
    Column("address", String(64), nullable=False, server_default=""),
    Index(None, "at"),
)

# Recent failures of the lock-outs (`app.server.rate_limit`: refused enrolment codes, failed web
# logins), in the database so that every server process counts those of the others.
lockout_failures = Table(
    "lockout_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("purpose", String(16), nullable=False),
    Column("key", String(320), nullable=False),
    _time("at"),
    Index(None, "purpose", "key", "at"),
    Index(None, "purpose", "at"),
)


class TextList(TypeDecorator[list[str]]):
    """A short list of words (a contact's partners, a Pass numérique line's cheque numbers) as one
    text, comma-separated, in the record's order (the wire record keeps it): one column instead of a
    child table of one row and one index entry per word. The words never hold a comma: partners are
    catalogue ids, cheque numbers letters, digits and dashes (`app.models.record`)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> str | None:
        return None if value is None else ",".join(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> list[str] | None:
        return None if value is None else value.split(",")


class JsonText(TypeDecorator[Any]):
    """A value of any JSON shape (a shared setting's value) as its compact JSON text; None is SQL NULL."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def _record_table(
    name: str,
    moment: str,
    *columns: Column[Any],
    correctable: bool = True,
    by_month: bool = True,
    compact_times: bool = False,
) -> Table:
    """The table of one record kind: the columns every kind has, then the kind's own `columns`.
    Together they hold every field of the wire record (`app.models.record`), named as the fields
    are, so that the record is rebuilt from its row (`app.server.wire`) instead of kept as a JSON
    copy beside it (half of a contact's bytes, issue 15). `moment` names the kind's own time, whose
    month on the agent's wall clock is `local_month`. A `correctable` kind also has `supersedes` and
    `deleted`; `supersedes` has no foreign key: a correction may arrive before the record it corrects,
    and only corrections are indexed on it. `seq` is the record's place in its structure's feed (the
    pull's cursor, `app.server.pull`): allocated from `structure_sequences` inside the ingest
    transaction, so that a structure's records commit in `seq` order. `by_month` indexes
    (structure, local_month) for the kinds whose figures are read from the rows (the contacts' are
    read from their counts, `app.server.rollups`). `compact_times` keeps the three times as `UtcTime`
    (the contacts: tens of millions of rows, issue 15)."""

    def time(column: str) -> Column[Any]:
        return Column(column, UtcTime(), nullable=False) if compact_times else _time(column)

    correction = [Column("supersedes", CompactUuid()), Column("deleted", Boolean, nullable=False)]
    supersedes_index = Index(
        None,
        "structure",
        "supersedes",
        postgresql_where=text("supersedes IS NOT NULL"),
        sqlite_where=text("supersedes IS NOT NULL"),
    )
    return Table(
        name,
        metadata,
        Column("id", CompactUuid(), primary_key=True),
        Column("structure", ForeignKey("structures.matricule"), nullable=False),
        Column("workstation_id", ForeignKey("workstations.id"), nullable=False),
        Column("seq", BigInteger, nullable=False),
        time("created_at"),
        time(moment),
        Column("utc_offset_minutes", Integer, nullable=False),
        Column("local_month", String(7), nullable=False),
        Column("agent", String(80), nullable=False),
        *columns,
        *(correction if correctable else []),
        time("received_at"),
        Column("clock_skew_seconds", Integer),
        Column("clock_skewed", Boolean, nullable=False),
        Index(None, "structure", "seq", unique=True),
        *([Index(None, "structure", "local_month")] if by_month else []),
        *([supersedes_index] if correctable else []),
    )


# Contacts (the first kind, hence the table's name); `local_month` is the month of `occurred_at`.
records = _record_table(
    "records",
    "occurred_at",
    Column("place", String(120), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("situation", String(64), nullable=False),
    Column("partners", TextList(), nullable=False),
    Column("help_kind", String(64), nullable=False),
    Column("outcome", String(64), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("age_band", String(64)),
    Column("first_visit", Boolean),
    Column("residence_commune", String(5)),
    Column("non_recours", Boolean, nullable=False),
    Column("pass_numerique", Boolean, nullable=False),
    by_month=False,
    compact_times=True,
)

# The last `seq` handed out per structure. Ingest increments its row first thing in its transaction:
# the row lock (PostgreSQL) or the write lock (SQLite) is held until commit, so two batches of one
# structure commit in the order of their sequence numbers (no gap for a cursor to skip over).
structure_sequences = Table(
    "structure_sequences",
    metadata,
    Column("structure", ForeignKey("structures.matricule"), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    # When the structure's last batch with anything new came in: the "silent" structures of the
    # dashboard, without a max() over millions of records.
    _time("last_received_at", nullable=True),
)


# Free room left in each page of the structures' counts, for the new versions of their rows: `n` is
# in no index of theirs, so an increment at ingest is a HOT update (the new version on the same page,
# no new index entry) instead of one more entry in every index (issue 15).
COUNTS_FILLFACTOR = 85


def _counts(
    name: str,
    owner: Column[Any],
    n_type: type[Integer] = Integer,
    index: str | None = None,
    *indexes: Index,
) -> Table:
    """A table of counts per `owner` (a structure or a département), month on the agent's wall clock,
    dimension and value (`app.server.rollups`). A count may fall to 0 (a record corrected into another
    month): readers skip those rows (a structure's are deleted then, `rollups._drop_zeros`).

    A département's table has a second index (`index`: its name when the default one would pass
    PostgreSQL's 63 characters) that answers the figures of all owners (a month, a year, by
    dimension) from the index alone on PostgreSQL. A structure's table is read by structure (its
    primary key) and has instead `indexes`, for the structures active in a period
    (`rollups.active_structures`: a structure's row at 0 is deleted, so a row means activity); it
    keeps `n` out of its indexes and room in its pages (`COUNTS_FILLFACTOR`), so that ingest's
    increments stay in place."""
    by_structure = owner.name == "structure"
    by_dimension = Index(index, "dimension", "local_month", owner.name, "value", postgresql_include=["n"])
    storage: dict[str, Any] = {"postgresql_with": {"fillfactor": COUNTS_FILLFACTOR}} if by_structure else {}
    return Table(
        name,
        metadata,
        owner,
        Column("local_month", String(7), nullable=False),
        Column("dimension", String(16), nullable=False),
        Column("value", String(120), nullable=False),
        Column("n", n_type, nullable=False),
        PrimaryKeyConstraint(owner.name, "local_month", "dimension", "value"),
        *(indexes if by_structure else [by_dimension]),
        **storage,
    )


def _structure() -> Column[Any]:
    return Column("structure", ForeignKey("structures.matricule"), nullable=False)


def _departement() -> Column[Any]:
    return Column("departement", String(3), nullable=False)


# Counts of the CURRENT contacts per structure × month × dimension (`total`, `partner`, `situation`,
# `channel`, `outcome`, `place`, `help_kind`, `agent`, `non_recours`, `pass_numerique`) × value (`''`
# for `total` and the flags). Kept up to date in the ingest transaction, under the structure's counter
# lock: every figure of the reporting is read from here, never by scanning the contacts.
# Its one other index: the structures with contacts in a month (`rollups.active_structures`), on the
# few `total` rows. Without `n`: PostgreSQL makes an update non-HOT when it changes a column of any
# index, whether or not the row is in a partial one.
contact_counts = _counts(
    "contact_counts",
    _structure(),
    Integer,
    None,
    Index(
        "ix_contact_counts_totals",
        "local_month",
        "structure",
        postgresql_where=text("dimension = 'total'"),
        sqlite_where=text("dimension = 'total'"),
    ),
)
# The same counts per département (the structure's; `app.server.registry` moves them when a newer list
# moves the structure), kept in the same transaction: national and département figures read ~100 rows
# per month and value instead of ~2,800.
departement_counts = _counts("departement_counts", _departement())
# The CURRENT contacts of a structure × month per weekday × hour on the agent's wall clock, for the
# structure page's week table (the Synthèses'): `hours`, a JSON object {"0-09": 12, …} of the hours
# with contacts (`app.server.rollups.weekday_hour`). One row per structure and month rather than one
# count row per hour: up to 168 hours would have added ~3 rows of `contact_counts` per contact at
# national scale (~100 bytes each). Kept at ingest under the structure's counter lock, like its
# counts; no département's (their pages have no week table).
contact_weeks = Table(
    "contact_weeks",
    metadata,
    _structure(),
    Column("local_month", String(7), nullable=False),
    Column("hours", Text, nullable=False),
    PrimaryKeyConstraint("structure", "local_month"),
    postgresql_with={"fillfactor": COUNTS_FILLFACTOR},
)

# Counts of the CURRENT escalations, the same way: `sent`, `answered`, `answered_late` (value '') and
# `partner`. Whether a still-waiting one is late depends on "now": `waiting_escalations` answers that.
escalation_counts = _counts(
    "escalation_counts",
    _structure(),
    Integer,
    None,
    Index("ix_escalation_counts_by_dimension", "dimension", "local_month", "structure"),
)
departement_escalation_counts = _counts(
    "departement_escalation_counts", _departement(), index="ix_departement_escalation_counts_by_dimension"
)

# The current escalations that can still become late, with their deadline
# (`app.models.escalations.escalation_clock`): waiting for an answer (72 business hours), or answered
# on time and waiting for a further one (15 business days); the late ones are those whose deadline has
# passed now. Kept in the ingest transaction with the counts; small (a closed escalation leaves it).
waiting_escalations = Table(
    "waiting_escalations",
    metadata,
    Column("id", CompactUuid(), primary_key=True),
    _structure(),
    Column("local_month", String(7), nullable=False),
    _time("deadline"),
    Index(None, "structure", "local_month"),
)

# The Pass numérique (append-only records) per month of its ledger lines and issuances: `issuances`
# (value ''), and per movement (`recu`, `remis`, `retour`, `annule`) the `cheques` and their
# `value_cents`. The stock left at the end of a month is the running sum of the cheques up to it.
pass_counts = _counts(
    "pass_counts",
    _structure(),
    BigInteger,
    None,
    Index("ix_pass_counts_by_dimension", "dimension", "local_month", "structure"),
)
departement_pass_counts = _counts(
    "departement_pass_counts", _departement(), BigInteger, "ix_departement_pass_counts_by_dimension"
)

# Escalations (a complex case sent to a partner's referent); `local_month` is the month of `sent_at`.
escalations = _record_table(
    "escalations",
    "sent_at",
    Column("partner", String(64), nullable=False),
    Column("situation", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("status", String(64), nullable=False),
    _time("answered_at", nullable=True),
)

# Pass numérique, append-only (never corrected nor deleted, so no `supersedes`/`deleted`). One line of
# the stock ledger about cheques of one booklet; `local_month` is the month of `occurred_at`.
# `cheque_count` is the number of cheques of the line, `value_cents` the value of each; `valid_until`
# is an ISO date (`YYYY-MM-DD`).
pass_ledger = _record_table(
    "pass_ledger",
    "occurred_at",
    Column("event", String(8), nullable=False),
    Column("funder", String(120), nullable=False),
    Column("booklet", String(40), nullable=False),
    Column("booklet_size", Integer),
    Column("cheques", TextList(), nullable=False),
    Column("cheque_count", Integer, nullable=False),
    Column("value_cents", Integer, nullable=False),
    Column("valid_until", String(10), nullable=False),
    Column("reason", String(64)),
    Column("issuance", CompactUuid()),
    correctable=False,
)

# Cheques handed to a citizen; `value_cents` is the value of all its cheques together, `local_month`
# the month of `issued_at`.
pass_issuances = _record_table(
    "pass_issuances",
    "issued_at",
    Column("cheques", TextList(), nullable=False),
    Column("cheque_count", Integer, nullable=False),
    Column("value_cents", Integer, nullable=False),
    Column("age_band", String(64)),
    Column("residence_commune", String(5)),
    Column("social_situation", String(64)),
    Column("autonomy_level", String(16)),
    Column("contact", CompactUuid()),
    correctable=False,
)

# One version of one of the structure's shared settings (agents, stops, Pass numérique threshold,
# search engine: `app.models.record.SettingRecord`); `local_month` is the month of `changed_at`.
# Versions are only stored and served in the feed: which one is current is decided by each
# workstation, with the rule of docs/SYNC_PROTOCOL.md.
setting_versions = _record_table(
    "setting_versions", "changed_at", Column("item", String(320), nullable=False), Column("value", JsonText())
)


def utc_now() -> datetime:
    """Now, in UTC, to the second: what every stored time is."""
    return datetime.now(UTC).replace(microsecond=0)


def timestamp(moment: datetime) -> str:
    """The stored text form of an aware time: always 20 characters, the year on four digits (C's
    strftime writes year 202 as "202", which would sort after "2026" and fail to parse back)."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"


# The state of each Pass numérique cheque per structure, as the records accepted so far leave it: in
# stock (`disponible`), handed out (`remis`, by `issuance`) or cancelled (`annule`), with the time of
# that move on the wall clock of its workstation. How ingest refuses a move a cheque cannot make (the
# same cheque handed out on two workstations while both were offline: `app.server.pass_stock`).
pass_cheque_states = Table(
    "pass_cheque_states",
    metadata,
    Column("structure", ForeignKey("structures.matricule"), nullable=False),
    Column("number", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("issuance", String(36)),
    _time("moved_at"),
    Column("utc_offset_minutes", Integer, nullable=False),
    # Whether a stored reception brought it: a second reception of the cheque is refused (the same
    # booklet recorded on two workstations offline), a move that came before its reception is not.
    Column("received", Boolean, nullable=False, server_default=false()),
    PrimaryKeyConstraint("structure", "number"),
)


# The national content's signed bundles (`app.server.content`), as `publish-content` stored them: the
# newest version is what every server process serves. Kept, not replaced: which version was served
# when is on record. No private key is ever here, only what the workstations receive.
content_bundles = Table(
    "content_bundles",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("date", String(10), nullable=False),
    Column("bundle", LargeBinary, nullable=False),
    Column("etag", String(66), nullable=False),
    _time("published_at"),
)
