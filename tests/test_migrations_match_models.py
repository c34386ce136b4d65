"""The Alembic migrations build exactly the schema the models describe, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from takedown.store.registry import metadata


def test_migrated_database_has_no_drift_from_models(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_every_revision_id_fits_alembic_version_column():
    """PostgreSQL keeps the revision in alembic_version.version_num, VARCHAR(32): a longer id
    fails the upgrade there (SQLite does not check lengths)."""
    from alembic.script import ScriptDirectory

    from takedown.store.migrate import alembic_config

    revisions = [
        script.revision
        for script in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()
    ]
    assert revisions
    assert [r for r in revisions if len(r) > 32] == []
