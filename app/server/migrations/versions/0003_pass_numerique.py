"""Pass numérique: the stock ledger's lines and the cheques handed to citizens.

Both kinds are append-only (never corrected nor deleted), so neither table has `supersedes` nor
`deleted`.

Revision ID: 0003
Revises: 0002
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(20), nullable=nullable)


def _create(name: str, moment: str, *columns: sa.Column[Any]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("structure", sa.String(64), nullable=False),
        sa.Column("workstation_id", sa.String(36), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _time("created_at"),
        _time(moment),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("local_month", sa.String(7), nullable=False),
        sa.Column("agent", sa.String(80), nullable=False),
        *columns,
        _time("received_at"),
        sa.Column("clock_skew_seconds", sa.Integer(), nullable=True),
        sa.Column("clock_skewed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name=f"fk_{name}_structure_structures"
        ),
        sa.ForeignKeyConstraint(
            ["workstation_id"], ["workstations.id"], name=f"fk_{name}_workstation_id_workstations"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
    )
    op.create_index(f"ix_{name}_structure_local_month", name, ["structure", "local_month"])


def upgrade() -> None:
    _create(
        "pass_ledger",
        "occurred_at",
        sa.Column("event", sa.String(8), nullable=False),
        sa.Column("funder", sa.String(120), nullable=False),
        sa.Column("booklet", sa.String(40), nullable=False),
        sa.Column("cheque_count", sa.Integer(), nullable=False),
        sa.Column("value_cents", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("issuance", sa.String(36), nullable=True),
    )
    _create(
        "pass_issuances",
        "issued_at",
        sa.Column("cheque_count", sa.Integer(), nullable=False),
        sa.Column("value_cents", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(64), nullable=True),
        sa.Column("social_situation", sa.String(64), nullable=True),
        sa.Column("autonomy_level", sa.String(16), nullable=True),
        sa.Column("contact", sa.String(36), nullable=True),
    )


def downgrade() -> None:
    for table in ("pass_issuances", "pass_ledger"):
        op.drop_table(table)
