"""A cheque received once per structure: `pass_cheque_states.received` says whether a stored reception
brought it, so that the same booklet received on two workstations offline is refused the second time
(`app.server.pass_stock`). Filled from the receptions already stored.

Revision ID: 0008_pass_received
Revises: 0007_registry
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0008_pass_received"
down_revision = "0007_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "pass_cheque_states", sa.Column("received", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    connection = op.get_bind()
    received = {
        (structure, number)
        for structure, payload in connection.execute(
            sa.text("SELECT structure, payload FROM pass_ledger WHERE event = 'recu'")
        )
        for number in json.loads(payload)["cheques"]
    }
    if received:
        connection.execute(
            sa.text(
                "UPDATE pass_cheque_states SET received = :yes WHERE structure = :structure AND number = :number"
            ),
            [{"yes": True, "structure": structure, "number": number} for structure, number in received],
        )


def downgrade() -> None:
    op.drop_column("pass_cheque_states", "received")
