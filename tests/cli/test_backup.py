"""`pacer db backup FILE`: a SQLite copy taken while Pacer runs holds what is still in the WAL, and
the restore docs/operations.md describes brings it back."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from bot.store.engine import Database
from tests.cli.test_cli import pacer
from tests.support.every_table import fill_every_table


def workspaces_in(path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT team_id FROM workspace ORDER BY id")]


@pytest.fixture
def running_sqlite(tmp_path):
    """A migrated SQLite database with a workspace whose rows are still in the WAL: the connection that
    wrote them stays open, as a running Pacer's does, so nothing has been checkpointed into pacer.db."""
    url = f"sqlite:///{tmp_path / 'pacer.db'}"
    assert pacer(tmp_path, "db", "upgrade", DATABASE_URL=url).returncode == 0
    db = Database(url)
    fill_every_table(db, team_id="T0KEEP")
    yield tmp_path / "pacer.db", url, db
    db.dispose()


def test_a_backup_taken_while_pacer_runs_holds_what_is_still_in_the_wal(tmp_path, running_sqlite):
    database, url, _ = running_sqlite
    (tmp_path / "backups").mkdir()
    assert (tmp_path / "pacer.db-wal").stat().st_size > 0
    shutil.copy(database, tmp_path / "copied-alone.db")  # what docs/operations.md warns against

    result = pacer(tmp_path, "db", "backup", "backups/pacer-2026-12-01.db", DATABASE_URL=url)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{database} backed up to backups/pacer-2026-12-01.db: ")
    assert result.stdout.rstrip().endswith(", integrity ok")
    assert workspaces_in(tmp_path / "backups/pacer-2026-12-01.db") == ["T0KEEP"]
    assert workspaces_in(tmp_path / "copied-alone.db") == []  # the rows were only in the WAL
    assert not (tmp_path / "backups/pacer-2026-12-01.db-wal").exists()  # one self-contained file


def test_restoring_a_backup_as_the_docs_say_brings_its_data_back(tmp_path, running_sqlite):
    database, url, running = running_sqlite
    assert pacer(tmp_path, "db", "backup", "before.db", DATABASE_URL=url).returncode == 0
    erased = pacer(tmp_path, "workspace", "erase", "T0KEEP", "--yes", DATABASE_URL=url)
    assert erased.returncode == 0 and workspaces_in(database) == []

    running.dispose()  # stop Pacer
    shutil.copy(tmp_path / "before.db", database)
    for leftover in ("pacer.db-wal", "pacer.db-shm"):
        (tmp_path / leftover).unlink(missing_ok=True)

    status = pacer(tmp_path, "db", "status", DATABASE_URL=url)
    listed = pacer(tmp_path, "workspace", "list", DATABASE_URL=url)
    assert status.returncode == 0, status.stdout
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["T0KEEP"]


def test_a_backup_never_overwrites_a_file_and_needs_its_folder(tmp_path, running_sqlite):
    _, url, _ = running_sqlite
    (tmp_path / "old.db").write_bytes(b"an older backup")

    existing = pacer(tmp_path, "db", "backup", "old.db", DATABASE_URL=url)
    no_folder = pacer(tmp_path, "db", "backup", "backups/new.db", DATABASE_URL=url)

    assert existing.returncode == 2 and existing.stderr.startswith("pacer: old.db already exists; give the copy")
    assert (tmp_path / "old.db").read_bytes() == b"an older backup"
    assert no_folder.returncode == 2 and no_folder.stderr.startswith("pacer: the folder backups does not exist")


def test_on_postgresql_the_backup_points_at_pg_dump_without_connecting(tmp_path):
    result = pacer(tmp_path, "db", "backup", "pacer.db", DATABASE_URL="postgres://pacer@127.0.0.1:1/pacer")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "pacer: DATABASE_URL is PostgreSQL: back it up with pg_dump, like",
        '  pg_dump --format=custom --file=pacer.dump "$DATABASE_URL"',
        "and restore with pg_restore (docs/operations.md).",
    ]
    assert not (tmp_path / "pacer.db").exists()
