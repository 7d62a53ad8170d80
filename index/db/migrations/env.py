"""Alembic's environment for Citewise: always run on a connection the caller opened and holds the migration lock
on (`index.db.migrate`), never from an alembic.ini."""

from alembic import context

from index.db.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
