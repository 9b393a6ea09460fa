"""Escalations, and one registry of record ids across kinds.

`record_ids` holds every id received with its kind and content hash (the records already stored are
copied in as contacts), so that an id is unique across kinds under a constraint; `escalations` holds the
escalations sent to partners' referents.

Revision ID: 0002
Revises: 0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(20), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "record_ids",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_record_ids"),
    )
    op.execute(
        "INSERT INTO record_ids (id, kind, content_hash) SELECT id, 'contact', content_hash FROM records"
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("structure", sa.String(64), nullable=False),
        sa.Column("workstation_id", sa.String(36), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _time("created_at"),
        _time("sent_at"),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("local_month", sa.String(7), nullable=False),
        sa.Column("agent", sa.String(80), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("situation", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        _time("answered_at", nullable=True),
        sa.Column("supersedes", sa.String(36), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        _time("received_at"),
        sa.Column("clock_skew_seconds", sa.Integer(), nullable=True),
        sa.Column("clock_skewed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_escalations_structure_structures"
        ),
        sa.ForeignKeyConstraint(
            ["workstation_id"], ["workstations.id"], name="fk_escalations_workstation_id_workstations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_escalations"),
    )
    op.create_index("ix_escalations_structure_local_month", "escalations", ["structure", "local_month"])
    op.create_index("ix_escalations_structure_supersedes", "escalations", ["structure", "supersedes"])


def downgrade() -> None:
    for table in ("escalations", "record_ids"):
        op.drop_table(table)
