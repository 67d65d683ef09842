"""Engines and transactions for SQLite (embedded default) and PostgreSQL.

Two kinds of transaction: `reading()` never takes a write lock, `transaction()` writes. On SQLite
only one writer can run at a time, so a write transaction should be a handful of statements:
read what you need first, outside it, and build replies after it.

`direct_reading()` and `direct_transaction()` are the same two kinds for Core statements only, run on
the DBAPI connection without the Session and execution layer (`bot.store.direct`): the hot path of
`/deal` uses them.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from bot.store.direct import Direct, Tracer

logger = logging.getLogger(__name__)


def make_engine(url: str, *, immediate: bool = True, autocheckpoint: bool = True, **kwargs: Any) -> Engine:
    """An engine tuned for Pacer's short transactions.

    SQLite: WAL (readers never block the writer), synchronous=NORMAL (durable at checkpoints,
    safe with WAL), foreign keys on, a 5 s busy timeout, and — for the writing engine —
    `BEGIN IMMEDIATE`, so a transaction that reads before it writes waits for the lock up front
    instead of failing with "database is locked" when it tries to upgrade. `autocheckpoint=False`
    leaves WAL checkpoints to a `Checkpointer`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 5.0},
            poolclass=NullPool if parsed.database in (None, "", ":memory:") else None,
            **kwargs,
        )
        _tune_sqlite(engine, immediate=immediate, autocheckpoint=autocheckpoint)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


def _tune_sqlite(engine: Engine, *, immediate: bool, autocheckpoint: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if not autocheckpoint:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
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


class Checkpointer:
    """Runs a SQLite database's WAL checkpoints on a thread of their own, off the request path.

    By default the commit that takes the write-ahead log past 1,000 pages checkpoints it: copies the
    pages into the database file and syncs both, several milliseconds of that request's time — the
    slowest 1% of `/deal`. A serving process's writers turn that off (`wal_autocheckpoint=0`) and
    this thread checkpoints instead, at most every `INTERVAL` seconds and only after a commit, in
    PASSIVE mode (it never waits for, nor blocks, readers and writers). It starts with the first
    commit of the process that writes (so never before a fork); `stop` runs a last checkpoint.
    """

    INTERVAL = 0.1

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.dirty = False
        self.checkpoints = 0  # how many ran (tests and benchmarks read it)

    def committed(self) -> None:
        """A write transaction committed: checkpoint soon."""
        self.dirty = True
        if self._thread is None or self._pid != os.getpid():
            self._start()

    def _start(self) -> None:
        with self._lock:
            if (self._thread is None or self._pid != os.getpid()) and not self._stopping.is_set():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="pacer-checkpoints", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self.INTERVAL):
            if self.dirty:
                self.dirty = False
                try:
                    self.checkpoint()
                except Exception:  # a busy or broken database: the next commit tries again
                    logger.warning("WAL checkpoint failed", exc_info=True)
                    self.dirty = True

    def checkpoint(self) -> None:
        pooled = self._engine.raw_connection()
        try:
            cursor = pooled.cursor()
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cursor.fetchall()
            cursor.close()
        finally:
            pooled.close()
        self.checkpoints += 1

    def stop(self) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None and self._pid == os.getpid():
            thread.join()
            if self.dirty:
                self.dirty = False
                self.checkpoint()


class Database:
    """Owns the engines; `transaction()` is the unit of work: commit on success, roll back on error.

    `checkpoint_in_background`: on a SQLite file, WAL checkpoints run on a thread of their own
    (`Checkpointer`) instead of in whichever commit crosses SQLite's threshold — for serving processes.
    """

    def __init__(self, url: str, *, checkpoint_in_background: bool = False, **engine_kwargs: Any) -> None:
        self.url = url
        parsed = make_url(url)
        path = parsed.database if parsed.get_backend_name() == "sqlite" else None
        on_file = path not in (None, "", ":memory:")
        background = checkpoint_in_background and on_file
        if background:
            engine_kwargs = {**engine_kwargs, "autocheckpoint": False}
        self.engine = make_engine(url, **engine_kwargs)
        self.checkpointer = Checkpointer(self.engine) if background else None
        self._gate = WriteGate(os.path.abspath(path)) if path and on_file else None
        self._writing = threading.local()
        self.tracers: list[Tracer] = []  # see `direct_transaction`
        if self.engine.dialect.name == "sqlite":
            self.read_engine = make_engine(url, immediate=False, **engine_kwargs)
        else:
            self.read_engine = self.engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction. Never nest them, and never call Slack inside one."""
        with self._writer(), Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def direct_transaction(self) -> Iterator[Direct]:
        """`transaction()` for Core statements only, on the DBAPI connection (see `bot.store.direct`):
        the same lock, the same `BEGIN IMMEDIATE` on SQLite, commit on success, roll back on error."""
        with self._writer(), self._direct(self.engine, writes=True) as direct:
            yield direct

    @contextmanager
    def direct_reading(self) -> Iterator[Direct]:
        """`reading()` for Core statements only, on the DBAPI connection (see `bot.store.direct`)."""
        with self._direct(self.read_engine, writes=False) as direct:
            yield direct

    @contextmanager
    def _writer(self) -> Iterator[None]:
        """One write transaction at a time per thread and, on SQLite, per machine (`WriteGate`)."""
        if getattr(self._writing, "active", False):
            raise RuntimeError("nested write transaction: finish the outer one first")
        self._writing.active = True
        try:
            if self._gate is None:
                yield
            else:
                with self._gate.held():
                    yield
        finally:
            self._writing.active = False
        if self.checkpointer is not None:
            self.checkpointer.committed()

    @contextmanager
    def _direct(self, engine: Engine, *, writes: bool) -> Iterator[Direct]:
        pooled = engine.raw_connection()
        try:
            direct = Direct(pooled, engine=engine, writes=writes, tracers=self.tracers)
            if self.is_sqlite:  # the driver runs in autocommit mode here (`_tune_sqlite`): begin explicitly
                direct.run_driver("BEGIN IMMEDIATE" if writes else "BEGIN")
            try:
                yield direct
            except BaseException:
                with suppress(Exception):  # the error that brought us here is the one to raise
                    direct.end(commit=False)
                raise
            direct.end(commit=True)
        finally:
            pooled.close()  # back to the pool (or closed, if the driver lost it)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only snapshot that takes no write lock (on SQLite, WAL readers never wait)."""
        with Session(self.read_engine, expire_on_commit=False) as session, session.begin():
            yield session

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
