"""Escalation deadlines as Administration+ counts them (issue 16): business time on the structure's
own wall clock, with the `holidays` library's public holidays of every département (overseas
included), and a further deadline 15 business days after an answer
(`app.models.escalations.escalation_clock`). What the stored roll-ups derive from a deadline is
counted again here with that rule: every `answered_late` count (per structure and per département)
and every row of `waiting_escalations` (now also the answered escalations waiting for a further
answer). The rule of current versions is frozen in SQL, as in 0011.

The downgrade changes nothing: the schema is the same, and the counts stay those of the newer rule.

Revision ID: 0015_escalation_deadlines
Revises: 0014_content
"""

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.models.escalations import stored_clock

revision = "0015_escalation_deadlines"
down_revision = "0014_content"
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


def upgrade() -> None:
    bind = op.get_bind()
    for table in ("escalation_counts", "departement_escalation_counts"):
        bind.execute(sa.text(f"DELETE FROM {table} WHERE dimension = 'answered_late'"))
    bind.execute(sa.text("DELETE FROM waiting_escalations"))
    late: Counter[tuple[str, str, str]] = Counter()  # (structure, département, month)
    waiting = []
    rows = bind.execute(
        sa.text(
            "SELECT e.id, e.structure, s.departement, e.local_month, e.status, e.sent_at, "
            "e.answered_at, e.created_at FROM escalations e "
            f"JOIN structures s ON s.matricule = e.structure WHERE {_CURRENT}"
        ),
        {"no": False},
    )
    for row in rows:
        clock = stored_clock(row.status, row.sent_at, row.answered_at, row.created_at, row.departement)
        if clock.answered_late:
            late[(row.structure, row.departement, row.local_month)] += 1
        elif clock.deadline is not None:
            waiting.append(
                {
                    "id": row.id,
                    "structure": row.structure,
                    "local_month": row.local_month,
                    "deadline": _stored(clock.deadline),
                }
            )
    by_departement: Counter[tuple[str, str]] = Counter()
    for (_structure, departement, month), n in late.items():
        by_departement[(departement, month)] += n
    if late:
        bind.execute(
            sa.text(
                "INSERT INTO escalation_counts (structure, local_month, dimension, value, n) "
                "VALUES (:owner, :month, 'answered_late', '', :n)"
            ),
            [{"owner": s, "month": m, "n": n} for (s, _d, m), n in sorted(late.items())],
        )
        bind.execute(
            sa.text(
                "INSERT INTO departement_escalation_counts (departement, local_month, dimension, value, n) "
                "VALUES (:owner, :month, 'answered_late', '', :n)"
            ),
            [{"owner": d, "month": m, "n": n} for (d, m), n in sorted(by_departement.items())],
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
    pass
