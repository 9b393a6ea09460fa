"""The web application's accounts, their départements, sessions and audit log.

Revision ID: 0009_web_accounts
Revises: 0008_pass_received
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_web_accounts"
down_revision = "0008_pass_received"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("structure", sa.String(64), nullable=True),
        sa.Column("api_token_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.String(20), nullable=False),
        sa.Column("disabled_at", sa.String(20), nullable=True),
        sa.ForeignKeyConstraint(
            ["structure"], ["structures.matricule"], name="fk_web_accounts_structure_structures"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_web_accounts"),
        sa.UniqueConstraint("login", name="uq_web_accounts_login"),
        sa.UniqueConstraint("api_token_hash", name="uq_web_accounts_api_token_hash"),
    )
    op.create_table(
        "web_account_departements",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["web_accounts.id"], name="fk_web_account_departements_account_id_web_accounts"
        ),
        sa.PrimaryKeyConstraint("account_id", "departement", name="pk_web_account_departements"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(20), nullable=False),
        sa.Column("expires_at", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["web_accounts.id"], name="fk_web_sessions_account_id_web_accounts"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_web_sessions"),
    )
    op.create_index("ix_web_sessions_account_id", "web_sessions", ["account_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(20), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("login", sa.String(254), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(300), server_default="", nullable=False),
        sa.Column("address", sa.String(64), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["web_accounts.id"], name="fk_audit_log_account_id_web_accounts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_web_sessions_account_id", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("web_account_departements")
    op.drop_table("web_accounts")
