"""Engines and transactions for SQLite (embedded default) and PostgreSQL.

Two kinds of transaction: `reading()` never takes a write lock, `transaction()` writes. On SQLite
only one writer can run at a time, so a write transaction should be a handful of statements:
read what you need first, outside it, and build replies after it.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session


def make_engine(url: str, *, immediate: bool = True, **kwargs: Any) -> Engine:
    """An engine tuned for Pacer's short transactions.

    SQLite: WAL (readers never block the writer), synchronous=NORMAL (durable at checkpoints,
    safe with WAL), foreign keys on, a 5 s busy timeout, and — for the writing engine —
    `BEGIN IMMEDIATE`, so a transaction that reads before it writes waits for the lock up front
    instead of failing with "database is locked" when it tries to upgrade.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 5.0},
            poolclass=NullPool if parsed.database in (None, "", ":memory:") else None,
            **kwargs,
        )
        _tune_sqlite(engine, immediate=immediate)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


def _tune_sqlite(engine: Engine, *, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class WriteGate:
    """Queues SQLite writers of every thread and process of this machine, so none has to poll.

    SQLite's own busy handler waits by sleeping 1, 2, 5, 10… ms and retrying; under load that
    turns a 1 ms write into tens of milliseconds. Writers instead queue on a thread lock and an
    `flock` on `<database>.lock`, which the kernel hands to the next waiter at once.
    """

    def __init__(self, path: str) -> None:
        self._path = path + ".lock"
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock:
            fd = self._descriptor()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child needs its own open file
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


class Database:
    """Owns the engines; `transaction()` is the unit of work: commit on success, roll back on error."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._gate: WriteGate | None = None
        self._writing = threading.local()
        parsed = make_url(url)
        if self.engine.dialect.name == "sqlite":
            self.read_engine = make_engine(url, immediate=False, **engine_kwargs)
            if parsed.database not in (None, "", ":memory:"):
                self._gate = WriteGate(os.path.abspath(parsed.database))
        else:
            self.read_engine = self.engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction. Never nest them, and never call Slack inside one."""
        if getattr(self._writing, "active", False):
            raise RuntimeError("nested write transaction: finish the outer one first")
        self._writing.active = True
        try:
            if self._gate is None:
                with Session(self.engine, expire_on_commit=False) as session, session.begin():
                    yield session
            else:
                with self._gate.held(), Session(self.engine, expire_on_commit=False) as session, session.begin():
                    yield session
        finally:
            self._writing.active = False

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only snapshot that takes no write lock (on SQLite, WAL readers never wait)."""
        with Session(self.read_engine, expire_on_commit=False) as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
