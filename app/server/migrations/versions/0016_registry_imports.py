"""Each import of the ANCT's list: its publication date, file and what it changed.

Revision ID: 0016_registry_imports
Revises: 0015_escalation_deadlines
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_registry_imports"
down_revision = "0015_escalation_deadlines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("published_on", sa.String(10), nullable=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("imported_at", sa.String(20), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_registry_imports"),
    )


def downgrade() -> None:
    op.drop_table("registry_imports")
