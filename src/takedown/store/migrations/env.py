from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from takedown.store.registry import metadata

config = context.config

# Servers starting together (a rollout: each `takedown serve` migrates first) take turns: the
# first migrates, the others wait on this lock and then find the database up to date. Without it
# two created the same tables and one died (tests/test_servers_starting_together_migrate_...).
MIGRATION_LOCK_KEY = 0x7A6B_0001


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # held to the commit; the current revision is read after it is taken
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
