"""A serving process checkpoints SQLite's write-ahead log on a thread of its own, never in a commit."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import text

from bot.store.engine import Checkpointer, Database
from bot.store.migrate import upgrade

PAGES = 1_500  # more than SQLite's default threshold of 1,000 pages, at which a commit checkpoints


def _database(tmp_path: Path, *, background: bool) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'pacer.db'}", checkpoint_in_background=background)
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)"))
    return db


def _fill(db: Database, pages: int) -> None:
    """One commit per page of data, as many small transactions do."""
    for _ in range(pages):
        with db.transaction() as session:
            session.connection().execute(text("INSERT INTO filler (body) VALUES (zeroblob(4000))"))


def _wal_frames(path: Path) -> int:
    """Frames in the write-ahead log that are not checkpointed yet (read without checkpointing)."""
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size // 4_120 if wal.exists() else 0  # 24-byte frame header + a 4,096-byte page


def _wait_for(condition, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_commits_never_checkpoint_and_the_thread_does_soon_after(tmp_path):
    db = _database(tmp_path, background=True)
    assert db.checkpointer is not None
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
    db.checkpointer.INTERVAL = 3600  # type: ignore[misc]  # hold the thread back: commits alone run
    _fill(db, PAGES)
    assert db.checkpointer.checkpoints == 0
    assert _wal_frames(tmp_path / "pacer.db") > PAGES  # no commit checkpointed: the log kept growing
    db.checkpointer.checkpoint()  # what the thread does, every INTERVAL after a commit
    with sqlite3.connect(tmp_path / "pacer.db") as raw:
        busy, logged, done = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and logged == done  # everything in the log is in the database file
    db.dispose()


def test_the_thread_checkpoints_after_commits_and_stops_with_the_database(tmp_path):
    db = _database(tmp_path, background=True)
    checkpointer = db.checkpointer
    assert isinstance(checkpointer, Checkpointer)
    _fill(db, 10)
    assert _wait_for(lambda: checkpointer.checkpoints >= 1)
    time.sleep(3 * Checkpointer.INTERVAL)  # the commits may have straddled two rounds
    seen = checkpointer.checkpoints
    time.sleep(5 * Checkpointer.INTERVAL)
    assert checkpointer.checkpoints == seen  # nothing committed since: nothing to do
    _fill(db, 1)
    db.dispose()  # the last commit is checkpointed before the thread goes
    assert checkpointer.checkpoints == seen + 1 and not checkpointer.dirty
    assert not any(t.name == "pacer-checkpoints" and t.is_alive() for t in threading.enumerate())


def test_other_processes_keep_sqlites_own_checkpoints(tmp_path):
    db = _database(tmp_path, background=False)
    assert db.checkpointer is None
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
    _fill(db, PAGES)
    assert _wal_frames(tmp_path / "pacer.db") <= 1_100  # a commit checkpointed, and the log was reused
    db.dispose()


def test_a_migrated_database_serves_with_background_checkpoints(tmp_path):
    url = f"sqlite:///{tmp_path / 'pacer.db'}"
    upgrade(Database(url).engine)
    db = Database(url, checkpoint_in_background=True)
    with db.transaction() as session:
        session.connection().execute(text("SELECT 1"))
    assert db.checkpointer is not None and _wait_for(lambda: db.checkpointer.checkpoints >= 1)  # type: ignore[union-attr]
    db.dispose()
