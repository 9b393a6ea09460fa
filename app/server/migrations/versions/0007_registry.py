"""The registry of structures: what the ANCT's list says of each structure (commune, format, antenne
and its principal, coordinates) and when a newer list stopped listing it (`app.server.registry`).

Revision ID: 0007_registry
Revises: 0006
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007_registry"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text: dict[str, Any] = {"nullable": False, "server_default": ""}
    flag: dict[str, Any] = {"nullable": False, "server_default": sa.false()}
    for column in (
        sa.Column("listed", sa.Boolean(), **flag),
        sa.Column("commune", sa.String(100), **text),
        sa.Column("insee_commune", sa.String(5), **text),
        sa.Column("postal_code", sa.String(10), **text),
        sa.Column("address", sa.String(300), **text),
        sa.Column("latitude", sa.Float()),
        sa.Column("longitude", sa.Float()),
        sa.Column("format", sa.String(16)),
        sa.Column("antenne", sa.Boolean(), **flag),
        sa.Column("principal", sa.String(64)),
        sa.Column("group_label", sa.String(200), **text),
        sa.Column("closed_at", sa.String(20)),
    ):
        op.add_column("structures", column)


def downgrade() -> None:
    for name in (
        "closed_at",
        "group_label",
        "principal",
        "antenne",
        "format",
        "longitude",
        "latitude",
        "address",
        "postal_code",
        "insee_commune",
        "commune",
        "listed",
    ):
        op.drop_column("structures", name)
