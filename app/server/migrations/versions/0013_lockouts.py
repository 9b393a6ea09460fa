"""The lock-outs' recent failures (enrolment codes, web logins), shared by every server process.

Revision ID: 0013_lockouts
Revises: 0012_compact_storage
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_lockouts"
down_revision = "0012_compact_storage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lockout_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("at", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lockout_failures"),
    )
    op.create_index("ix_lockout_failures_purpose_key_at", "lockout_failures", ["purpose", "key", "at"])
    op.create_index("ix_lockout_failures_purpose_at", "lockout_failures", ["purpose", "at"])


def downgrade() -> None:
    op.drop_index("ix_lockout_failures_purpose_at", table_name="lockout_failures")
    op.drop_index("ix_lockout_failures_purpose_key_at", table_name="lockout_failures")
    op.drop_table("lockout_failures")
