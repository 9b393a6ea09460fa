"""Alembic environment: the server hands over its open connection (see `app.server.database.upgrade`)."""

from alembic import context

from app.server.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
