"""Compact storage (issue 15): every record is kept as columns only, no JSON copy beside them.

Each kind's table gets the fields its columns lacked (a contact's partners, age band, first visit and
commune of residence; a Pass numérique line's cheques and booklet size; an issuance's cheques and
commune; a shared setting's value) and the record's `seq`, all read back from the stored payload and
the id registry; then the payload, the content hash, the id registry (`record_ids`) and the contacts'
partner rows (`record_partners`) go. On PostgreSQL the record ids and the workstation ids become
`uuid` (16 bytes instead of 37, in the rows and in every index). Indexes: (structure, seq) per kind for the feed; `supersedes`
only where it is set; the contacts lose (structure, local_month), their figures being read from
their counts.

The downgrade rebuilds the payload, content hash, id registry and partner rows from the columns.

Revision ID: 0012_compact_storage
Revises: 0011_figure_rollups
"""

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012_compact_storage"
down_revision = "0011_figure_rollups"
branch_labels = None
depends_on = None

_CHUNK = 5000
# Per table: its new columns, and how each is read from the stored payload.
_NEW_COLUMNS: dict[str, dict[str, Any]] = {
    "records": {
        "partners": (sa.Text(), lambda payload: ",".join(payload["partners"])),
        "age_band": (sa.String(64), lambda payload: payload.get("age_band")),
        "first_visit": (sa.Boolean(), lambda payload: payload.get("first_visit")),
        "residence_commune": (sa.String(5), lambda payload: payload.get("residence_commune")),
    },
    "escalations": {},
    "pass_ledger": {
        "booklet_size": (sa.Integer(), lambda payload: payload.get("booklet_size")),
        "cheques": (sa.Text(), lambda payload: ",".join(payload["cheques"])),
    },
    "pass_issuances": {
        "cheques": (sa.Text(), lambda payload: ",".join(payload["cheques"])),
        "residence_commune": (sa.String(5), lambda payload: payload.get("residence_commune")),
    },
    "setting_versions": {
        "value": (
            sa.Text(),
            lambda payload: (
                None
                if payload.get("value") is None
                else json.dumps(payload["value"], sort_keys=True, separators=(",", ":"))
            ),
        ),
    },
}
_REQUIRED = {"records": ("partners",), "pass_ledger": ("cheques",), "pass_issuances": ("cheques",)}
_CORRECTABLE = ("records", "escalations", "setting_versions")
_UUID_COLUMNS = {
    "records": ("id", "supersedes"),
    "escalations": ("id", "supersedes"),
    "pass_ledger": ("id", "issuance"),
    "pass_issuances": ("id", "contact"),
    "setting_versions": ("id", "supersedes"),
}


def upgrade() -> None:
    for table, columns in _NEW_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
            for name, (kind, _read) in columns.items():
                batch.add_column(sa.Column(name, kind, nullable=True))
        _fill(table, columns)
    op.drop_table("record_partners")
    op.drop_index("ix_record_ids_structure_seq", "record_ids")
    op.drop_table("record_ids")
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in _NEW_COLUMNS:
        with op.batch_alter_table(table) as batch:
            if table in _CORRECTABLE:
                batch.drop_index(f"ix_{table}_structure_supersedes")
            if table == "records":
                batch.drop_index("ix_records_structure_local_month")
            batch.drop_column("payload")
            batch.drop_column("content_hash")
            batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
            for name in _REQUIRED.get(table, ()):
                batch.alter_column(name, existing_type=sa.Text(), nullable=False)
            if postgres:
                for name in _UUID_COLUMNS[table]:
                    batch.alter_column(
                        name,
                        existing_type=sa.String(36),
                        type_=postgresql.UUID(as_uuid=False),
                        postgresql_using=f"{name}::uuid",
                    )
        op.create_index(f"ix_{table}_structure_seq", table, ["structure", "seq"], unique=True)
        if table in _CORRECTABLE:
            op.create_index(
                f"ix_{table}_structure_supersedes",
                table,
                ["structure", "supersedes"],
                postgresql_where=sa.text("supersedes IS NOT NULL"),
                sqlite_where=sa.text("supersedes IS NOT NULL"),
            )
    if postgres:
        _workstation_ids(postgresql.UUID(as_uuid=False), "uuid")
        # The waiting escalations (0011) name escalations by id: the same type, to compare them.
        op.alter_column(
            "waiting_escalations",
            "id",
            existing_type=sa.String(36),
            type_=postgresql.UUID(as_uuid=False),
            postgresql_using="id::uuid",
        )


# The columns holding a workstation's id, each with its foreign key (PostgreSQL: a `uuid` too).
_WORKSTATION_REFERENCES = ("enrolment_codes", *_NEW_COLUMNS)


def _workstation_ids(kind: sa.types.TypeEngine[Any], using: str) -> None:
    """Workstation ids to `kind` (PostgreSQL), the foreign keys dropped and made again around it."""
    existing = sa.String(36) if using == "uuid" else postgresql.UUID(as_uuid=False)
    for table in _WORKSTATION_REFERENCES:
        op.drop_constraint(f"fk_{table}_workstation_id_workstations", table, type_="foreignkey")
    for table, column in (
        ("workstations", "id"),
        *((table, "workstation_id") for table in _WORKSTATION_REFERENCES),
    ):
        op.alter_column(
            table, column, existing_type=existing, type_=kind, postgresql_using=f"{column}::{using}"
        )
    for table in _WORKSTATION_REFERENCES:
        op.create_foreign_key(
            f"fk_{table}_workstation_id_workstations", table, "workstations", ["workstation_id"], ["id"]
        )


def _fill(table: str, columns: dict[str, Any]) -> None:
    """The new columns of `table` from each row's payload and its `seq` from the id registry, a chunk
    of rows at a time in id order (memory stays flat on a national database)."""
    connection = op.get_bind()
    names = ["seq", *columns]
    update = sa.text(
        f"UPDATE {table} SET {', '.join(f'{name} = :{name}' for name in names)} WHERE id = :row_id"
    )
    last = ""
    while True:
        rows = connection.execute(
            sa.text(
                f"SELECT t.id, t.payload, i.seq FROM {table} t JOIN record_ids i ON i.id = t.id "
                "WHERE t.id > :last ORDER BY t.id LIMIT :chunk"
            ),
            {"last": last, "chunk": _CHUNK},
        ).all()
        if not rows:
            return
        changes = []
        for record_id, payload, seq in rows:
            record = json.loads(payload)
            change = {"row_id": record_id, "seq": seq}
            change.update((name, read(record)) for name, (_kind, read) in columns.items())
            changes.append(change)
        connection.execute(update, changes)
        last = rows[-1][0]


def downgrade() -> None:
    """Back to a payload and content hash per record, the id registry and the partner rows, rebuilt
    from the columns (the wire record's fields, frozen here as they are at this revision)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        _workstation_ids(sa.String(36), "text")
        op.alter_column(
            "waiting_escalations",
            "id",
            existing_type=postgresql.UUID(as_uuid=False),
            type_=sa.String(36),
            postgresql_using="id::text",
        )
    for table in _NEW_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("content_hash", sa.String(64), nullable=True))
            batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
            batch.drop_index(f"ix_{table}_structure_seq")
            if table in _CORRECTABLE:
                batch.drop_index(f"ix_{table}_structure_supersedes")
            if postgres:
                for name in _UUID_COLUMNS[table]:
                    batch.alter_column(
                        name,
                        existing_type=postgresql.UUID(as_uuid=False),
                        type_=sa.String(36),
                        postgresql_using=f"{name}::text",
                    )
        if table in _CORRECTABLE:
            op.create_index(f"ix_{table}_structure_supersedes", table, ["structure", "supersedes"])
    op.create_index("ix_records_structure_local_month", "records", ["structure", "local_month"])
    op.create_table(
        "record_ids",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("structure", sa.String(64), nullable=False),
        sa.Column("workstation_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_record_ids_structure_structures"
        ),
        sa.ForeignKeyConstraint(
            ["workstation_id"], ["workstations.id"], name="fk_record_ids_workstation_id_workstations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_record_ids"),
    )
    op.create_index("ix_record_ids_structure_seq", "record_ids", ["structure", "seq"], unique=True)
    for table, kind in _KINDS.items():
        _refill(table, kind)
        with op.batch_alter_table(table) as batch:
            batch.alter_column("content_hash", existing_type=sa.String(64), nullable=False)
            batch.alter_column("payload", existing_type=sa.Text(), nullable=False)
            batch.drop_column("seq")
            for name in _NEW_COLUMNS[table]:
                batch.drop_column(name)
    # After the contacts' table is rebuilt (SQLite): dropping it would cascade to these rows.
    op.create_table(
        "record_partners",
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_record_partners_record_id_records", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("record_id", "partner", name="pk_record_partners"),
    )
    _refill_partners()


_KINDS = {
    "records": "contact",
    "escalations": "escalation",
    "pass_ledger": "pass_ledger",
    "pass_issuances": "pass_issuance",
    "setting_versions": "setting",
}
_COMMON = ("id", "created_at", "utc_offset_minutes", "structure", "agent")
_CORRECTION = ("supersedes", "deleted")
_FIELDS = {
    "records": (
        *_COMMON,
        *_CORRECTION,
        "occurred_at",
        "place",
        "channel",
        "situation",
        "partners",
        "help_kind",
        "outcome",
        "duration_minutes",
        "age_band",
        "first_visit",
        "residence_commune",
        "non_recours",
        "pass_numerique",
    ),
    "escalations": (
        *_COMMON,
        *_CORRECTION,
        "partner",
        "situation",
        "sent_at",
        "channel",
        "status",
        "answered_at",
    ),
    "pass_ledger": (
        *_COMMON,
        *_CORRECTION,
        "cheques",
        "occurred_at",
        "event",
        "funder",
        "booklet",
        "booklet_size",
        "value_cents",
        "valid_until",
        "reason",
        "issuance",
    ),
    "pass_issuances": (
        *_COMMON,
        *_CORRECTION,
        "cheques",
        "issued_at",
        "value_cents",
        "age_band",
        "residence_commune",
        "social_situation",
        "autonomy_level",
        "contact",
    ),
    "setting_versions": (*_COMMON, *_CORRECTION, "changed_at", "item", "value"),
}
_BOOLEANS = ("deleted", "first_visit", "non_recours", "pass_numerique")
_LISTS = ("partners", "cheques")


def _refill(table: str, kind: str) -> None:
    """The payload, content hash, id registry row (and partner rows) of every record of `table`."""
    connection = op.get_bind()
    stored = [name for name in _FIELDS[table] if table in _CORRECTABLE or name not in _CORRECTION]
    last = ""
    while True:
        rows = (
            connection.execute(
                sa.text(
                    f"SELECT {', '.join(stored)}, workstation_id, seq FROM {table} WHERE id > :last "
                    "ORDER BY id LIMIT :chunk"
                ),
                {"last": last, "chunk": _CHUNK},
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        payloads, registry = [], []
        for row in rows:
            record = {"supersedes": None, "deleted": False, **{name: row[name] for name in stored}}
            for name in _BOOLEANS:
                if record.get(name) is not None:
                    record[name] = bool(record[name])
            for name in _LISTS:
                if name in record:
                    record[name] = record[name].split(",")
            if table == "setting_versions" and record["value"] is not None:
                record["value"] = json.loads(record["value"])
            payload = json.dumps(record, sort_keys=True, separators=(",", ":"))
            digest = hashlib.sha256(payload.encode()).hexdigest()
            payloads.append({"row_id": row["id"], "payload": payload, "content_hash": digest})
            registry.append(
                {
                    "id": row["id"],
                    "kind": kind,
                    "content_hash": digest,
                    "structure": row["structure"],
                    "workstation_id": row["workstation_id"],
                    "seq": row["seq"],
                }
            )
        connection.execute(
            sa.text(
                f"UPDATE {table} SET payload = :payload, content_hash = :content_hash WHERE id = :row_id"
            ),
            payloads,
        )
        connection.execute(
            sa.text(
                "INSERT INTO record_ids (id, kind, content_hash, structure, workstation_id, seq) "
                "VALUES (:id, :kind, :content_hash, :structure, :workstation_id, :seq)"
            ),
            registry,
        )
        last = rows[-1]["id"]


def _refill_partners() -> None:
    """One `record_partners` row per partner of each contact, from its payload."""
    connection = op.get_bind()
    last = ""
    while True:
        rows = connection.execute(
            sa.text("SELECT id, payload FROM records WHERE id > :last ORDER BY id LIMIT :chunk"),
            {"last": last, "chunk": _CHUNK},
        ).all()
        if not rows:
            return
        connection.execute(
            sa.text("INSERT INTO record_partners (record_id, partner) VALUES (:record_id, :partner)"),
            [
                {"record_id": record_id, "partner": partner}
                for record_id, payload in rows
                for partner in json.loads(payload)["partners"]
            ],
        )
        last = rows[-1][0]
