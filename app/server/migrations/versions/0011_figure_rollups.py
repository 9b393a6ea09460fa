"""Counts of current escalations and of the Pass numérique per structure (and per département) ×
month × dimension, the current waiting escalations with their deadline (`app.server.rollups`), and
the time of each structure's last batch (`structure_sequences.last_received_at`): every figure of the
dashboard is read from them. Filled here from the records already stored, with the rule of current
versions frozen in SQL; the deadlines are computed with the workstation's business time.

Revision ID: 0011_figure_rollups
Revises: 0010_contact_counts
"""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.models.escalations import ANSWERED, stored_clock

revision = "0011_figure_rollups"
down_revision = "0010_contact_counts"
branch_labels = None
depends_on = None

_CURRENT = """
    e.deleted = :no
    AND NOT EXISTS (SELECT 1 FROM escalations s WHERE s.structure = e.structure AND s.supersedes = e.id)
    AND NOT EXISTS (
        SELECT 1 FROM escalations v WHERE v.structure = e.structure AND v.supersedes = e.supersedes
        AND (v.created_at > e.created_at OR (v.created_at = e.created_at AND v.id > e.id))
    )
"""
_COUNTS = ("escalation_counts", "pass_counts")
_RECORD_TABLES = ("records", "escalations", "pass_ledger", "pass_issuances", "setting_versions")


def _create_counts(name: str, owner: str, n_type: type[sa.types.TypeEngine[Any]]) -> None:
    owner_column = (
        sa.Column("structure", sa.String(64), nullable=False)
        if owner == "structure"
        else sa.Column("departement", sa.String(3), nullable=False)
    )
    constraints = (
        [
            sa.ForeignKeyConstraint(
                ["structure"], ["structures.matricule"], name=f"fk_{name}_structure_structures"
            )
        ]
        if owner == "structure"
        else []
    )
    op.create_table(
        name,
        owner_column,
        sa.Column("local_month", sa.String(7), nullable=False),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("value", sa.String(120), nullable=False),
        sa.Column("n", n_type(), nullable=False),
        *constraints,
        sa.PrimaryKeyConstraint(owner, "local_month", "dimension", "value", name=f"pk_{name}"),
    )
    op.create_index(
        f"ix_{name}_by_dimension",
        name,
        ["dimension", "local_month", owner, "value"],
        postgresql_include=["n"],
    )


def upgrade() -> None:
    _create_counts("escalation_counts", "structure", sa.Integer)
    _create_counts("departement_escalation_counts", "departement", sa.Integer)
    _create_counts("pass_counts", "structure", sa.BigInteger)
    _create_counts("departement_pass_counts", "departement", sa.BigInteger)
    op.create_table(
        "waiting_escalations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("structure", sa.String(64), nullable=False),
        sa.Column("local_month", sa.String(7), nullable=False),
        sa.Column("deadline", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_waiting_escalations_structure_structures"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_waiting_escalations"),
    )
    op.create_index(
        "ix_waiting_escalations_structure_local_month", "waiting_escalations", ["structure", "local_month"]
    )
    op.add_column("structure_sequences", sa.Column("last_received_at", sa.String(20), nullable=True))
    bind = op.get_bind()
    _fill_escalations(bind)
    bind.execute(
        sa.text(
            "INSERT INTO pass_counts (structure, local_month, dimension, value, n) "
            "SELECT structure, local_month, dimension, value, SUM(n) FROM ("
            "SELECT structure, local_month, 'issuances' AS dimension, '' AS value, 1 AS n FROM pass_issuances "
            "UNION ALL SELECT structure, local_month, 'cheques', event, cheque_count FROM pass_ledger "
            "UNION ALL SELECT structure, local_month, 'value_cents', event, cheque_count * value_cents "
            "FROM pass_ledger) AS counted GROUP BY structure, local_month, dimension, value"
        )
    )
    for name in _COUNTS:
        bind.execute(
            sa.text(
                f"INSERT INTO departement_{name} (departement, local_month, dimension, value, n) "
                f"SELECT s.departement, c.local_month, c.dimension, c.value, SUM(c.n) FROM {name} c "
                "JOIN structures s ON s.matricule = c.structure "
                "GROUP BY s.departement, c.local_month, c.dimension, c.value"
            )
        )
    last: dict[str, str] = {}
    for table in _RECORD_TABLES:
        for structure, at in bind.execute(
            sa.text(f"SELECT structure, MAX(received_at) FROM {table} GROUP BY structure")
        ):
            last[structure] = max(at, last.get(structure, at))
    if last:
        bind.execute(
            sa.text("UPDATE structure_sequences SET last_received_at = :at WHERE structure = :structure"),
            [{"structure": structure, "at": at} for structure, at in last.items()],
        )


def _fill_escalations(bind: sa.Connection) -> None:
    """The counts and the waiting ones of the current escalations: their deadline needs the business
    time of the workstation (holidays), so they are counted here rather than in SQL."""
    counts: Counter[tuple[str, ...]] = Counter()
    waiting = []
    rows = bind.execute(
        sa.text(
            "SELECT e.id, e.structure, s.departement, e.local_month, e.partner, e.status, e.sent_at, "
            "e.answered_at, e.created_at FROM escalations e "
            f"JOIN structures s ON s.matricule = e.structure WHERE {_CURRENT}"
        ),
        {"no": False},
    )
    for row in rows:
        key = (row.structure, row.local_month)
        counts[(*key, "sent", "")] += 1
        counts[(*key, "partner", row.partner)] += 1
        clock = stored_clock(row.status, row.sent_at, row.answered_at, row.created_at, row.departement)
        if row.status in ANSWERED:
            counts[(*key, "answered", "")] += 1
        if clock.answered_late:
            counts[(*key, "answered_late", "")] += 1
        elif clock.deadline is not None:
            waiting.append(
                {
                    "id": row.id,
                    "structure": row.structure,
                    "local_month": row.local_month,
                    "deadline": _stored(clock.deadline),
                }
            )
    if counts:
        bind.execute(
            sa.text(
                "INSERT INTO escalation_counts (structure, local_month, dimension, value, n) "
                "VALUES (:structure, :month, :dimension, :value, :n)"
            ),
            [
                {"structure": s, "month": m, "dimension": d, "value": v, "n": n}
                for (s, m, d, v), n in sorted(counts.items())
            ],
        )
    if waiting:
        bind.execute(
            sa.text(
                "INSERT INTO waiting_escalations (id, structure, local_month, deadline) "
                "VALUES (:id, :structure, :local_month, :deadline)"
            ),
            waiting,
        )


def _stored(moment: datetime) -> str:
    """The stored form of a time (`app.server.schema.timestamp`, frozen here)."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"


def downgrade() -> None:
    with op.batch_alter_table("structure_sequences") as batch:
        batch.drop_column("last_received_at")
    op.drop_index("ix_waiting_escalations_structure_local_month", "waiting_escalations")
    op.drop_table("waiting_escalations")
    for name in (
        "departement_pass_counts",
        "pass_counts",
        "departement_escalation_counts",
        "escalation_counts",
    ):
        op.drop_index(f"ix_{name}_by_dimension", name)
        op.drop_table(name)
