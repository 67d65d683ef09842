"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.store.engine import Database
from bot.store.migrate import all_revisions, current_revision, head_revision, upgrade


def test_the_migrated_schema_matches_the_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    assert current_revision(db.engine) == head_revision()


def test_upgrading_an_up_to_date_database_applies_nothing(db):
    assert upgrade(db.engine) == []


def test_a_new_sqlite_database_is_created_with_every_migration(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert upgrade(database.engine) == all_revisions()
    assert all_revisions()[-1] == head_revision()
    assert current_revision(database.engine) == head_revision()
    database.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    database.dispose()
