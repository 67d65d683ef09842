"""A consistent copy of a SQLite database while Pacer keeps running (`pacer db backup`).

SQLite's online backup API copies the database page by page from one read transaction, so the copy
holds everything committed — including what is still in the `-wal` file — and nothing half-written.
Copying `pacer.db` alone with `cp` would miss the WAL. PostgreSQL has `pg_dump` for this.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Backup:
    path: Path
    size_bytes: int
    integrity: str  # "ok", or what SQLite's quick_check found wrong in the copy


def backup_sqlite(database: Path, target: Path) -> Backup:
    """Copy `database` (a SQLite file, in use or not) to `target`, a new single file; check the copy."""
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            integrity = "; ".join(str(row[0]) for row in copy.execute("PRAGMA quick_check").fetchall())
        finally:
            copy.close()
    finally:
        source.close()
    return Backup(path=target, size_bytes=target.stat().st_size, integrity=integrity)
