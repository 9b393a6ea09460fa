"""One Pass numérique stock per structure: the state of each cheque, so that a move a cheque cannot
make (the same cheque handed out on two workstations) is refused (`app.server.pass_stock`).

Filled from the records already stored, per structure in the order of its feed (`seq`), as ingest
would have: each move sets the state of its cheques, a reception only that of cheques not seen yet.

Revision ID: 0006
Revises: 0005_settings
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005_settings"
branch_labels = None
depends_on = None

_AFTER = {"recu": "disponible", "remis": "remis", "retour": "disponible", "annule": "annule"}


def upgrade() -> None:
    op.create_table(
        "pass_cheque_states",
        sa.Column("structure", sa.String(64), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("issuance", sa.String(36), nullable=True),
        sa.Column("moved_at", sa.String(20), nullable=False),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_pass_cheque_states_structure_structures"
        ),
        sa.PrimaryKeyConstraint("structure", "number", name="pk_pass_cheque_states"),
    )
    _backfill(op.get_bind())


def _backfill(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT i.structure, r.seq, 'remis', i.id, i.issued_at, i.utc_offset_minutes, i.payload "
            "FROM pass_issuances i JOIN record_ids r ON r.id = i.id "
            "UNION ALL "
            "SELECT l.structure, r.seq, l.event, coalesce(l.issuance, l.id), l.occurred_at, "
            "l.utc_offset_minutes, l.payload FROM pass_ledger l JOIN record_ids r ON r.id = l.id "
            "ORDER BY 1, 2"
        )
    ).all()
    states: dict[tuple[str, str], dict[str, Any]] = {}
    for structure, _seq, event, issuance, at, offset, payload in rows:
        for number in json.loads(payload)["cheques"]:
            if event == "recu" and (structure, number) in states:
                continue
            states[structure, number] = {
                "structure": structure,
                "number": number,
                "state": _AFTER[event],
                "issuance": issuance if event == "remis" else None,
                "moved_at": at,
                "utc_offset_minutes": offset,
            }
    if states:
        connection.execute(
            sa.text(
                "INSERT INTO pass_cheque_states (structure, number, state, issuance, moved_at, "
                "utc_offset_minutes) VALUES (:structure, :number, :state, :issuance, :moved_at, "
                ":utc_offset_minutes)"
            ),
            list(states.values()),
        )


def downgrade() -> None:
    op.drop_table("pass_cheque_states")
