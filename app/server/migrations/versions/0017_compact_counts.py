"""Fewer bytes per contact (issue 15): the contacts' times as `timestamptz`, the structures' counts
updated in place.

On PostgreSQL the three times of `records` (`created_at`, the contact's `occurred_at`, `received_at`)
become `timestamptz`: 8 bytes each instead of 21 as text. One `ALTER TABLE` rewrites the table once,
the text parsed by PostgreSQL itself (`…Z` is UTC whatever the session's time zone); the server reads
them back as the same text (`app.server.schema.UtcTime`). SQLite keeps the text.

The structures' counts (`contact_counts`, `escalation_counts`, `pass_counts`) lose their index by
dimension with `n` in it: they are read by structure (their primary key), and with `n` in no index
an increment at ingest is a HOT update, no new entry in the indexes. For the structures active in a
period, `contact_counts` gets a small index of its `total` rows by month, the two others their
index by dimension without `n` nor `value`, and on PostgreSQL the
three tables keep room in their pages for those updates (fillfactor, for the pages written from now
on); `contact_counts`' primary key, swollen by the past updates, is rebuilt. A structure's count that
falls to 0 is deleted from now on (`app.server.rollups._drop_zeros`: a `total` row then means
contacts, read from the index alone); those at 0 already go.

The downgrade turns the times back into the same text and puts the indexes back.

Revision ID: 0017_compact_counts
Revises: 0016_registry_imports
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_compact_counts"
down_revision = "0016_registry_imports"
branch_labels = None
depends_on = None

_TIMES = ("created_at", "occurred_at", "received_at")
_STRUCTURE_COUNTS = ("contact_counts", "escalation_counts", "pass_counts")
# Their index by dimension, as 0010 and 0011 named it.
_BY_DIMENSION = {
    "contact_counts": "ix_contact_counts_dimension_local_month_structure_value",
    "escalation_counts": "ix_escalation_counts_by_dimension",
    "pass_counts": "ix_pass_counts_by_dimension",
}
_FILLFACTOR = 85  # app.server.schema.COUNTS_FILLFACTOR, as of this revision


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            "ALTER TABLE records "
            + ", ".join(f"ALTER COLUMN {name} TYPE timestamptz USING {name}::timestamptz" for name in _TIMES)
        )
    for table, index in _BY_DIMENSION.items():
        op.drop_index(index, table)
    for table in _STRUCTURE_COUNTS:  # a structure's count fallen to 0 is deleted from now on
        op.execute(f"DELETE FROM {table} WHERE n = 0")
    for table in ("escalation_counts", "pass_counts"):
        op.create_index(_BY_DIMENSION[table], table, ["dimension", "local_month", "structure"])
    op.create_index(
        "ix_contact_counts_totals",
        "contact_counts",
        ["local_month", "structure"],
        postgresql_where=sa.text("dimension = 'total'"),
        sqlite_where=sa.text("dimension = 'total'"),
    )
    if postgres:
        for table in _STRUCTURE_COUNTS:
            op.execute(f"ALTER TABLE {table} SET (fillfactor = {_FILLFACTOR})")
        op.execute("REINDEX INDEX pk_contact_counts")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for table in _STRUCTURE_COUNTS:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    op.drop_index("ix_contact_counts_totals", "contact_counts")
    for table in ("escalation_counts", "pass_counts"):
        op.drop_index(_BY_DIMENSION[table], table)
    for table, index in _BY_DIMENSION.items():
        op.create_index(
            index, table, ["dimension", "local_month", "structure", "value"], postgresql_include=["n"]
        )
    if postgres:
        text = '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\''
        op.execute(
            "ALTER TABLE records "
            + ", ".join(
                f"ALTER COLUMN {name} TYPE varchar(20) USING to_char({name} AT TIME ZONE 'UTC', {text})"
                for name in _TIMES
            )
        )
