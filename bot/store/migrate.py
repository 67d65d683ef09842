"""Schema migrations (Alembic), run by `pacer db upgrade` and at the start of `pacer run`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> list[str]:
    """Apply every pending migration; returns the revisions applied (empty when up to date)."""
    before = current_revision(engine)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    if engine.dialect.name == "sqlite":  # refresh planner statistics where they are stale (cheap when fresh)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA optimize")
    script = ScriptDirectory.from_config(config)
    applied = []
    for rev in script.walk_revisions(base="base", head="head"):
        if rev.revision == before:
            break
        applied.append(rev.revision)
    return list(reversed(applied))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def all_revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions(base="base", head="head")))]
