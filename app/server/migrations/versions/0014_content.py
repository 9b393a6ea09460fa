"""The national content's signed bundles, as `publish-content` stores them (`app.server.content`).

Revision ID: 0014_content
Revises: 0013_lockouts
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_content"
down_revision = "0013_lockouts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_bundles",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("bundle", sa.LargeBinary(), nullable=False),
        sa.Column("etag", sa.String(66), nullable=False),
        sa.Column("published_at", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_content_bundles"),
    )


def downgrade() -> None:
    op.drop_table("content_bundles")
