"""The structure's feed: every record id gets its structure, its sending workstation and its place in
the structure's sequence (`seq`), the cursor workstations pull the other workstations' records by.

Existing records are numbered per structure in the order they were received (then by id), and each
structure's counter starts after its last number.

Revision ID: 0004
Revises: 0003
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_KIND_TABLES = {
    "contact": "records",
    "escalation": "escalations",
    "pass_ledger": "pass_ledger",
    "pass_issuance": "pass_issuances",
}


def upgrade() -> None:
    op.create_table(
        "structure_sequences",
        sa.Column("structure", sa.String(64), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_structure_sequences_structure_structures"
        ),
        sa.PrimaryKeyConstraint("structure", name="pk_structure_sequences"),
    )
    with op.batch_alter_table("record_ids") as batch:
        batch.add_column(sa.Column("structure", sa.String(64), nullable=True))
        batch.add_column(sa.Column("workstation_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table("record_ids") as batch:
        batch.alter_column("structure", existing_type=sa.String(64), nullable=False)
        batch.alter_column("workstation_id", existing_type=sa.String(36), nullable=False)
        batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch.create_foreign_key(
            "fk_record_ids_structure_structures", "structures", ["structure"], ["matricule"]
        )
        batch.create_foreign_key(
            "fk_record_ids_workstation_id_workstations", "workstations", ["workstation_id"], ["id"]
        )
        batch.create_index("ix_record_ids_structure_seq", ["structure", "seq"], unique=True)


def _backfill(connection: sa.Connection) -> None:
    """Number the records already stored, per structure, in the order they were received."""
    union = " UNION ALL ".join(
        f"SELECT id, structure, workstation_id, received_at FROM {table}" for table in _KIND_TABLES.values()
    )
    rows = connection.execute(sa.text(f"{union} ORDER BY 2, 4, 1")).all()
    last: dict[str, int] = defaultdict(int)
    numbered = []
    for record_id, structure, workstation_id, _received_at in rows:
        last[structure] += 1
        numbered.append(
            {
                "id": record_id,
                "structure": structure,
                "workstation_id": workstation_id,
                "seq": last[structure],
            }
        )
    if numbered:
        connection.execute(
            sa.text(
                "UPDATE record_ids SET structure = :structure, workstation_id = :workstation_id, seq = :seq "
                "WHERE id = :id"
            ),
            numbered,
        )
    structures = connection.execute(sa.text("SELECT matricule FROM structures")).scalars().all()
    if structures:
        connection.execute(
            sa.text("INSERT INTO structure_sequences (structure, last_seq) VALUES (:structure, :last_seq)"),
            [{"structure": matricule, "last_seq": last[matricule]} for matricule in structures],
        )


def downgrade() -> None:
    with op.batch_alter_table("record_ids") as batch:
        batch.drop_index("ix_record_ids_structure_seq")
        batch.drop_constraint("fk_record_ids_workstation_id_workstations", type_="foreignkey")
        batch.drop_constraint("fk_record_ids_structure_structures", type_="foreignkey")
        batch.drop_column("seq")
        batch.drop_column("workstation_id")
        batch.drop_column("structure")
    op.drop_table("structure_sequences")
