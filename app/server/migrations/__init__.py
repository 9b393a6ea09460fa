"""Alembic migrations of the server schema, run by `app.server.database.upgrade` (no alembic.ini)."""
