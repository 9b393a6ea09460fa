"""The Synthèses' duration and week table on the web structure page (issue 15): the contacts' counts
(`contact_counts`, `departement_counts`) also keep, per month, the minutes with the public
(dimension `minutes`, value '', `n` their sum), and a new table `contact_weeks` keeps each
structure's contacts per month and weekday × hour on the agent's wall clock (a JSON object
{"0-09": 12, …}: Monday 9 h to 10 h), as ingest now keeps them (`app.server.rollups`).

They are filled here from the current contacts already stored, with the rule of current versions
frozen in SQL as in 0011, in ONE pass over `records`: its current contacts grouped by structure,
month, weekday and hour into a temporary table (at most 168 rows per structure and month), from
which the weeks, the structures' minutes and the départements' minutes are written. The weekday
and hour are grouped as numbers and written as text only once grouped.

The wall clock is the contact's UTC time plus its own `utc_offset_minutes` (the rule of
`local_month`); on PostgreSQL `occurred_at` is a `timestamptz` since 0017, text on SQLite.

The downgrade drops the table and deletes the minutes.

Revision ID: 0018_contact_measures
Revises: 0017_compact_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_contact_measures"
down_revision = "0017_compact_counts"
branch_labels = None
depends_on = None

_FILLFACTOR = 85  # app.server.schema.COUNTS_FILLFACTOR, as of this revision
_CURRENT = """
    r.deleted = :no
    AND NOT EXISTS (SELECT 1 FROM records s WHERE s.structure = r.structure AND s.supersedes = r.id)
    AND NOT EXISTS (
        SELECT 1 FROM records v WHERE v.structure = r.structure AND v.supersedes = r.supersedes
        AND (v.created_at > r.created_at OR (v.created_at = r.created_at AND v.id > r.id))
    )
"""
# The weekday (Monday = 0) and the hour of the contact's wall-clock time.
_POSTGRES_LOCAL = "((r.occurred_at AT TIME ZONE 'UTC') + r.utc_offset_minutes * interval '1 minute')"
_POSTGRES_DAY_HOUR = f"extract(isodow FROM {_POSTGRES_LOCAL})::int - 1 AS day, extract(hour FROM {_POSTGRES_LOCAL})::int AS hour"
_SQLITE_LOCAL = "datetime(r.occurred_at, r.utc_offset_minutes || ' minutes')"
_SQLITE_DAY_HOUR = (
    f"(CAST(strftime('%w', {_SQLITE_LOCAL}) AS INTEGER) + 6) % 7 AS day, "
    f"CAST(strftime('%H', {_SQLITE_LOCAL}) AS INTEGER) AS hour"
)
# The week's JSON object of "0-09" keys (on PostgreSQL written as ingest writes it).
_POSTGRES_WEEK = "jsonb_object_agg(day || '-' || lpad(hour::text, 2, '0'), n ORDER BY day, hour)::text"
_SQLITE_WEEK = "json_group_object(printf('%d-%02d', day, hour), n)"


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.create_table(
        "contact_weeks",
        sa.Column("structure", sa.String(64), sa.ForeignKey("structures.matricule"), nullable=False),
        sa.Column("local_month", sa.String(7), nullable=False),
        sa.Column("hours", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("structure", "local_month", name="pk_contact_weeks"),
        postgresql_with={"fillfactor": _FILLFACTOR},
    )
    op.execute("DELETE FROM contact_counts WHERE dimension = 'minutes'")
    op.execute("DELETE FROM departement_counts WHERE dimension = 'minutes'")
    if postgres:
        op.execute("SET LOCAL work_mem = '256MB'")  # the grouping hashed in memory, not sorted on disk
    bind.execute(
        sa.text(
            "CREATE TEMPORARY TABLE migrated_hours AS "
            f"SELECT r.structure, r.local_month, {_POSTGRES_DAY_HOUR if postgres else _SQLITE_DAY_HOUR}, "
            "count(*) AS n, sum(r.duration_minutes) AS minutes "
            f"FROM records r WHERE {_CURRENT} GROUP BY 1, 2, 3, 4"
        ),
        {"no": False},
    )
    op.execute(
        "INSERT INTO contact_weeks (structure, local_month, hours) "
        f"SELECT structure, local_month, {_POSTGRES_WEEK if postgres else _SQLITE_WEEK} "
        "FROM migrated_hours GROUP BY structure, local_month"
    )
    op.execute(
        "INSERT INTO contact_counts (structure, local_month, dimension, value, n) "
        "SELECT structure, local_month, 'minutes', '', sum(minutes) FROM migrated_hours "
        "GROUP BY structure, local_month"
    )
    op.execute(
        "INSERT INTO departement_counts (departement, local_month, dimension, value, n) "
        "SELECT s.departement, h.local_month, 'minutes', '', sum(h.minutes) FROM migrated_hours h "
        "JOIN structures s ON s.matricule = h.structure GROUP BY s.departement, h.local_month"
    )
    op.execute("DROP TABLE migrated_hours")


def downgrade() -> None:
    op.drop_table("contact_weeks")
    op.execute("DELETE FROM contact_counts WHERE dimension = 'minutes'")
    op.execute("DELETE FROM departement_counts WHERE dimension = 'minutes'")
