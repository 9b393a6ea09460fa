"""Initial schema: structures, workstations, enrolment codes, records and their partners.

Revision ID: 0001
Revises:
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(20), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "structures",
        sa.Column("matricule", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("itinerant", sa.Boolean(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("matricule", name="pk_structures"),
    )
    op.create_table(
        "workstations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("structure", sa.String(64), nullable=False),
        sa.Column("installation_id", sa.String(36), nullable=False),
        sa.Column("label", sa.String(80), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _time("enrolled_at"),
        _time("last_seen_at", nullable=True),
        _time("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_workstations_structure_structures"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_workstations"),
        sa.UniqueConstraint("token_hash", name="uq_workstations_token_hash"),
    )
    op.create_index("ix_workstations_structure", "workstations", ["structure"])
    op.create_table(
        "enrolment_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("structure", sa.String(64), nullable=False),
        _time("created_at"),
        _time("expires_at"),
        sa.Column("installation_id", sa.String(36), nullable=True),
        sa.Column("workstation_id", sa.String(36), nullable=True),
        _time("used_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_enrolment_codes_structure_structures"
        ),
        sa.ForeignKeyConstraint(
            ["workstation_id"], ["workstations.id"], name="fk_enrolment_codes_workstation_id_workstations"
        ),
        sa.PrimaryKeyConstraint("code_hash", name="pk_enrolment_codes"),
    )
    op.create_table(
        "records",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("structure", sa.String(64), nullable=False),
        sa.Column("workstation_id", sa.String(36), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _time("created_at"),
        _time("occurred_at"),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("local_month", sa.String(7), nullable=False),
        sa.Column("agent", sa.String(80), nullable=False),
        sa.Column("place", sa.String(120), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("situation", sa.String(64), nullable=False),
        sa.Column("help_kind", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("non_recours", sa.Boolean(), nullable=False),
        sa.Column("pass_numerique", sa.Boolean(), nullable=False),
        sa.Column("supersedes", sa.String(36), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        _time("received_at"),
        sa.Column("clock_skew_seconds", sa.Integer(), nullable=True),
        sa.Column("clock_skewed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_records_structure_structures"
        ),
        sa.ForeignKeyConstraint(
            ["workstation_id"], ["workstations.id"], name="fk_records_workstation_id_workstations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_records"),
    )
    op.create_index("ix_records_structure_local_month", "records", ["structure", "local_month"])
    op.create_index("ix_records_structure_supersedes", "records", ["structure", "supersedes"])
    op.create_table(
        "record_partners",
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_record_partners_record_id_records", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("record_id", "partner", name="pk_record_partners"),
    )


def downgrade() -> None:
    for table in ("record_partners", "records", "enrolment_codes", "workstations", "structures"):
        op.drop_table(table)
