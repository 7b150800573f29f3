"""Alembic's entry point: run the migrations on the database `sahel.store.migrate` names.

Online, one connection in one transaction (PostgreSQL's DDL is transactional: a failed migration
changes nothing); two processes migrating at once queue on an advisory lock. Offline (`--sql`),
the SQL is printed for a database administrator instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

# Any constant: the key of the lock migrations hold, distinct from the store's write lock.
MIGRATION_LOCK = 7_316_016_001


def run_offline() -> None:
    """Print the SQL of the pending migrations."""
    context.configure(url=context.config.attributes["url"], literal_binds=True,
                      transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Apply the pending migrations in one transaction."""
    engine = create_engine(context.config.attributes["url"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transactional_ddl=True)
        with context.begin_transaction():
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK})
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
