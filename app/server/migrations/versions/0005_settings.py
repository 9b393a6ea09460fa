"""Shared settings: the versions of a structure's agents, local links, allowed sites, stops, Pass
numérique alert threshold and search engine (`app.models.record.SettingRecord`), stored like the other kinds and served in the
structure's feed.

Revision ID: 0005_settings
Revises: 0004
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005_settings"
down_revision = "0004"
branch_labels = None
depends_on = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(20), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "setting_versions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("structure", sa.String(64), nullable=False),
        sa.Column("workstation_id", sa.String(36), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _time("created_at"),
        _time("changed_at"),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("local_month", sa.String(7), nullable=False),
        sa.Column("agent", sa.String(80), nullable=False),
        sa.Column("item", sa.String(320), nullable=False),
        sa.Column("supersedes", sa.String(36), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        _time("received_at"),
        sa.Column("clock_skew_seconds", sa.Integer(), nullable=True),
        sa.Column("clock_skewed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_setting_versions_structure_structures"
        ),
        sa.ForeignKeyConstraint(
            ["workstation_id"], ["workstations.id"], name="fk_setting_versions_workstation_id_workstations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_setting_versions"),
    )
    op.create_index(
        "ix_setting_versions_structure_local_month", "setting_versions", ["structure", "local_month"]
    )
    op.create_index(
        "ix_setting_versions_structure_supersedes", "setting_versions", ["structure", "supersedes"]
    )


def downgrade() -> None:
    op.drop_table("setting_versions")
