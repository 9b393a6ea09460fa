"""One Pass numérique stock per structure: which handing out holds each handed-out cheque, so that the
same cheque handed out on two workstations is refused (`app.server.pass_stock`).

Filled from the records already stored, per structure in the order of its feed (`seq`): a handing out
(an issuance or its `remis` line) takes the cheques nobody holds, a `retour` line frees them.

Revision ID: 0007
Revises: 0004
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pass_cheque_holders",
        sa.Column("structure", sa.String(64), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("issuance", sa.String(36), nullable=False),
        sa.Column("handed_out_at", sa.String(20), nullable=False),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_pass_cheque_holders_structure_structures"
        ),
        sa.PrimaryKeyConstraint("structure", "number", name="pk_pass_cheque_holders"),
    )
    _backfill(op.get_bind())


def _backfill(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT i.structure, r.seq, i.id, NULL, i.issued_at, i.utc_offset_minutes, i.payload "
            "FROM pass_issuances i JOIN record_ids r ON r.id = i.id "
            "UNION ALL "
            "SELECT l.structure, r.seq, coalesce(l.issuance, l.id), l.event, l.occurred_at, "
            "l.utc_offset_minutes, l.payload "
            "FROM pass_ledger l JOIN record_ids r ON r.id = l.id WHERE l.event IN ('remis', 'retour') "
            "ORDER BY 1, 2"
        )
    ).all()
    holders: dict[tuple[str, str], dict] = {}
    for structure, _seq, issuance, event, at, offset, payload in rows:
        for number in json.loads(payload)["cheques"]:
            key = (structure, number)
            if event == "retour":
                holders.pop(key, None)
            elif key not in holders:
                holders[key] = {
                    "structure": structure,
                    "number": number,
                    "issuance": issuance,
                    "handed_out_at": at,
                    "utc_offset_minutes": offset,
                }
    if holders:
        connection.execute(
            sa.text(
                "INSERT INTO pass_cheque_holders (structure, number, issuance, handed_out_at, "
                "utc_offset_minutes) VALUES (:structure, :number, :issuance, :handed_out_at, "
                ":utc_offset_minutes)"
            ),
            list(holders.values()),
        )


def downgrade() -> None:
    op.drop_table("pass_cheque_holders")
