"""The Synthèses' duration and week table on the web structure page (issue 15): the contacts' counts
(`contact_counts`, `departement_counts`) also keep, per month, the minutes with the public
(dimension `minutes`, value '', `n` their sum) and the contacts per weekday × hour on the agent's
wall clock (dimension `weekday_hour`, value "0-09" for Monday 9 h to 10 h), as ingest now keeps them
(`app.server.rollups.contact_keys`). They are filled here from the current contacts already stored,
with the rule of current versions frozen in SQL as in 0011, and each département's as the sums of
its structures'.

The wall clock is the contact's UTC time plus its own `utc_offset_minutes` (the rule of
`local_month`); on PostgreSQL `occurred_at` is a `timestamptz` since 0017, text on SQLite.

The downgrade deletes these rows.

Revision ID: 0018_contact_measures
Revises: 0017_compact_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_contact_measures"
down_revision = "0017_compact_counts"
branch_labels = None
depends_on = None

_DIMENSIONS = "('minutes', 'weekday_hour')"
_CURRENT = """
    r.deleted = :no
    AND NOT EXISTS (SELECT 1 FROM records s WHERE s.structure = r.structure AND s.supersedes = r.id)
    AND NOT EXISTS (
        SELECT 1 FROM records v WHERE v.structure = r.structure AND v.supersedes = r.supersedes
        AND (v.created_at > r.created_at OR (v.created_at = r.created_at AND v.id > r.id))
    )
"""
# "0-09": the weekday (Monday = 0) and the hour of the contact's wall-clock time `local`.
_POSTGRES_LOCAL = "((r.occurred_at AT TIME ZONE 'UTC') + r.utc_offset_minutes * interval '1 minute')"
_POSTGRES_SLOT = (
    f"(to_char({_POSTGRES_LOCAL}, 'ID')::int - 1)::text || '-' || to_char({_POSTGRES_LOCAL}, 'HH24')"
)
_SQLITE_LOCAL = "datetime(r.occurred_at, r.utc_offset_minutes || ' minutes')"
_SQLITE_SLOT = (
    f"((CAST(strftime('%w', {_SQLITE_LOCAL}) AS INTEGER) + 6) % 7) || '-' || strftime('%H', {_SQLITE_LOCAL})"
)


def upgrade() -> None:
    bind = op.get_bind()
    _delete()
    slot = _POSTGRES_SLOT if bind.dialect.name == "postgresql" else _SQLITE_SLOT
    insert = "INSERT INTO contact_counts (structure, local_month, dimension, value, n) "
    bind.execute(
        sa.text(
            f"{insert}SELECT r.structure, r.local_month, 'weekday_hour', {slot}, count(*) FROM records r "
            f"WHERE {_CURRENT} GROUP BY r.structure, r.local_month, {slot}"
        ),
        {"no": False},
    )
    bind.execute(
        sa.text(
            f"{insert}SELECT r.structure, r.local_month, 'minutes', '', sum(r.duration_minutes) "
            f"FROM records r WHERE {_CURRENT} GROUP BY r.structure, r.local_month "
            "HAVING sum(r.duration_minutes) > 0"
        ),
        {"no": False},
    )
    bind.execute(
        sa.text(
            "INSERT INTO departement_counts (departement, local_month, dimension, value, n) "
            "SELECT s.departement, c.local_month, c.dimension, c.value, sum(c.n) FROM contact_counts c "
            f"JOIN structures s ON s.matricule = c.structure WHERE c.dimension IN {_DIMENSIONS} "
            "GROUP BY s.departement, c.local_month, c.dimension, c.value"
        )
    )


def _delete() -> None:
    for table in ("contact_counts", "departement_counts"):
        op.execute(f"DELETE FROM {table} WHERE dimension IN {_DIMENSIONS}")


def downgrade() -> None:
    _delete()
