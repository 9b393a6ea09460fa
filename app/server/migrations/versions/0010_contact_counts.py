"""Counts of current contacts per structure (and per département) × month × dimension
(`app.server.rollups`), kept at ingest from now on; filled here from the contacts already stored,
with the rule of that module frozen in SQL (not deleted, not superseded, not outranked by a later
(created_at, id) rival).

Revision ID: 0010_contact_counts
Revises: 0009_web_accounts
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_contact_counts"
down_revision = "0009_web_accounts"
branch_labels = None
depends_on = None

_CURRENT = """
    r.deleted = :no
    AND NOT EXISTS (SELECT 1 FROM records s WHERE s.structure = r.structure AND s.supersedes = r.id)
    AND NOT EXISTS (
        SELECT 1 FROM records v WHERE v.structure = r.structure AND v.supersedes = r.supersedes
        AND (v.created_at > r.created_at OR (v.created_at = r.created_at AND v.id > r.id))
    )
"""
_COLUMNS = ("situation", "channel", "outcome", "place", "help_kind", "agent")
_FLAGS = ("non_recours", "pass_numerique")


def upgrade() -> None:
    op.create_table(
        "contact_counts",
        sa.Column("structure", sa.String(64), nullable=False),
        sa.Column("local_month", sa.String(7), nullable=False),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("value", sa.String(120), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_contact_counts_structure_structures"
        ),
        sa.PrimaryKeyConstraint("structure", "local_month", "dimension", "value", name="pk_contact_counts"),
    )
    op.create_index(
        "ix_contact_counts_dimension_local_month_structure_value",
        "contact_counts",
        ["dimension", "local_month", "structure", "value"],
        postgresql_include=["n"],
    )
    op.create_table(
        "departement_counts",
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("local_month", sa.String(7), nullable=False),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("value", sa.String(120), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "departement", "local_month", "dimension", "value", name="pk_departement_counts"
        ),
    )
    op.create_index(
        "ix_departement_counts_dimension_local_month_departement_value",
        "departement_counts",
        ["dimension", "local_month", "departement", "value"],
        postgresql_include=["n"],
    )
    legs = [
        "SELECT r.structure AS structure, r.local_month AS local_month, 'total' AS dimension, '' AS value "
        f"FROM records r WHERE {_CURRENT}"
    ]
    legs += [
        f"SELECT r.structure, r.local_month, '{column}', r.{column} FROM records r WHERE {_CURRENT}"
        for column in _COLUMNS
    ]
    legs += [
        f"SELECT r.structure, r.local_month, '{flag}', '' FROM records r WHERE r.{flag} = :yes AND {_CURRENT}"
        for flag in _FLAGS
    ]
    legs.append(
        "SELECT r.structure, r.local_month, 'partner', p.partner FROM records r "
        f"JOIN record_partners p ON p.record_id = r.id WHERE {_CURRENT}"
    )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO contact_counts (structure, local_month, dimension, value, n) "
            "SELECT structure, local_month, dimension, value, COUNT(*) FROM ("
            + " UNION ALL ".join(legs)
            + ") AS counted "
            "GROUP BY structure, local_month, dimension, value"
        ),
        {"no": False, "yes": True},
    )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO departement_counts (departement, local_month, dimension, value, n) "
            "SELECT s.departement, c.local_month, c.dimension, c.value, SUM(c.n) FROM contact_counts c "
            "JOIN structures s ON s.matricule = c.structure "
            "GROUP BY s.departement, c.local_month, c.dimension, c.value"
        )
    )


def downgrade() -> None:
    op.drop_index("ix_departement_counts_dimension_local_month_departement_value", "departement_counts")
    op.drop_table("departement_counts")
    op.drop_index("ix_contact_counts_dimension_local_month_structure_value", "contact_counts")
    op.drop_table("contact_counts")
