"""The scheduler: one APScheduler interval job, the dispatcher, that runs every registered
every-minute job once a minute; and the leadership that lets exactly one process dispatch.

The schedule itself lives in our tables (reminders, nudge times), never in APScheduler: each job
finds what is due at `ctx.now` and writes outbox rows, so a restart simply catches up and there is
never one APScheduler job per rep.

Leadership:
- PostgreSQL: a session-level `pg_try_advisory_lock` on a connection of its own (never one from
  the pool that serves requests), checked every heartbeat. A standby retries every heartbeat, so
  when the leader dies its connection closes, PostgreSQL releases the lock and the standby leads
  within one heartbeat (15 s by default). The connection asks the server for TCP keepalives, so
  even a leader whose machine vanished without closing its socket is dropped in about 25 s.
- SQLite (one machine): an `flock` on `<database>.scheduler.lock`; a second scheduler refuses to
  start and says what to do.
The lease row (`scheduler_lease`) shows operators who leads and when it last proved it was alive.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.clock import Clock
from bot.config import PacerConfig
from bot.jobs.base import Job, JobContext, JobResult
from bot.store.engine import Database
from bot.store.tables import SchedulerLease

logger = logging.getLogger(__name__)

DISPATCHER_ID = "pacer-dispatcher"
DISPATCH_SECONDS = 60
LEASE_NAME = "dispatcher"


class AnotherSchedulerRuns(RuntimeError):
    """A second scheduler on a SQLite database; the message says which database and what to do."""


def this_process() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


class Leadership(Protocol):
    description: str

    def claim(self) -> None:
        """At start: raise AnotherSchedulerRuns where a second scheduler must not even stand by."""

    def try_lead(self) -> bool:
        """Try to become the leader; True when this process now leads."""

    def still_leading(self) -> bool:
        """The heartbeat: False when leadership was lost (the lock's connection is gone)."""

    def release(self) -> None: ...


class SoleLeadership:
    """A database only this process can open (in-memory SQLite): it always leads."""

    description = "the only process on its database"

    def claim(self) -> None:
        pass

    def try_lead(self) -> bool:
        return True

    def still_leading(self) -> bool:
        return True

    def release(self) -> None:
        pass


class FileLeadership:
    """SQLite: an exclusive `flock` on `<database>.scheduler.lock`, held while the process lives."""

    def __init__(self, database_path: str) -> None:
        self.database = os.path.abspath(database_path)
        self.path = self.database + ".scheduler.lock"
        self.description = f"lock file {self.path}"
        self._fd: int | None = None

    def claim(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise AnotherSchedulerRuns(
                f"pacer: a scheduler is already running on the SQLite database {self.database} ({holder}; "
                f"lock file {self.path}).\n"
                "Only one scheduler may run per database. Stop that one first, or start this process without "
                "a scheduler: `pacer run --no-scheduler` (or PACER_SCHEDULER=off).\n"
                "Several machines need PostgreSQL (DATABASE_URL=postgresql://…), where a second scheduler "
                "waits as a standby instead."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, this_process().encode())
        self._fd = fd

    def try_lead(self) -> bool:
        return self._fd is not None

    def still_leading(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# Ask PostgreSQL to probe an idle client so a vanished leader's lock is released in ~25 s, and
# libpq to give up on a silent server just as fast (so a cut-off leader stops dispatching).
SERVER_KEEPALIVES = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}
CLIENT_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 25_000,
    "connect_timeout": 10,
}


class AdvisoryLockLeadership:
    """PostgreSQL: a session-level advisory lock on a dedicated connection.

    The lock key is derived from the database and schema, so two Pacer deployments that share a
    server (or one database in separate schemas) each get their own scheduler.
    """

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        self._engine = create_engine(parsed, poolclass=NullPool, connect_args=CLIENT_KEEPALIVES)
        self._connection: Connection | None = None
        self._key: int | None = None
        self._lock = threading.Lock()  # the heartbeat thread and a dispatch may both ask
        self.description = f"advisory lock on {parsed.render_as_string(hide_password=True)}"

    def claim(self) -> None:
        pass  # a second scheduler on PostgreSQL stands by

    def try_lead(self) -> bool:
        with self._lock:
            try:
                connection = self._connect()
                leads = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar()
            except Exception as exc:
                logger.warning("scheduler: cannot reach PostgreSQL to take the lead (%s); will retry", exc)
                self._drop()
                return False
            return bool(leads)

    def still_leading(self) -> bool:
        with self._lock:
            if self._connection is None:
                return False
            try:
                self._connection.execute(text("SELECT 1")).scalar()
            except Exception as exc:
                logger.warning("scheduler: the lock's connection failed (%s)", exc)
                self._drop()
                return False
            return True

    def release(self) -> None:
        with self._lock:
            if self._connection is not None:
                try:
                    self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                except Exception:
                    logger.debug("scheduler: unlock failed; closing the connection releases it", exc_info=True)
                self._drop()
            self._engine.dispose()

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            for name, value in SERVER_KEEPALIVES.items():
                connection.execute(text(f"SET {name} = {int(value)}"))
            where = connection.execute(text("SELECT current_database() || '.' || current_schema()")).scalar()
            digest = hashlib.blake2b(f"pacer-scheduler:{where}".encode(), digest_size=8).digest()
            self._key = int.from_bytes(digest, "big", signed=True)
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                logger.debug("scheduler: closing the lock's connection failed", exc_info=True)
            self._connection = None


def leadership_for(url: str) -> Leadership:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return AdvisoryLockLeadership(url)
    if parsed.database in (None, "", ":memory:"):
        return SoleLeadership()
    return FileLeadership(parsed.database)


def check_can_start(url: str) -> None:
    """Raise AnotherSchedulerRuns now, before serving, if a scheduler could not start on `url`."""
    leadership = leadership_for(url)
    leadership.claim()
    leadership.release()


class Scheduler:
    """Runs every `every_minute` job once a minute while this process leads.

    `dispatch()` is one tick: each job gets a `JobContext` whose `now` is the injected clock's; a
    job that raises is logged with its traceback and the others still run.
    """

    def __init__(
        self,
        *,
        db: Database,
        config: PacerConfig,
        client: WebClient,
        jobs: Mapping[str, Job],
        clock: Clock,
        leadership: Leadership,
        heartbeat_seconds: float = 15.0,
        after_dispatch: Callable[[], None] | None = None,
        holder: str | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.client = client
        self.jobs = jobs
        self.clock = clock
        self.leadership = leadership
        self.heartbeat_seconds = heartbeat_seconds
        self.after_dispatch = after_dispatch
        self.holder = holder or this_process()
        self._standing_by = False
        self._leading = threading.Event()
        self._stopping = threading.Event()
        self._since: datetime | None = None
        self._aps: BackgroundScheduler | None = None
        self._watcher: threading.Thread | None = None

    @property
    def leading(self) -> bool:
        return self._leading.is_set()

    def dispatch(self) -> list[JobResult]:
        """Run every every-minute job once, each with the same `now`."""
        now = self.clock()
        context = JobContext(db=self.db, config=self.config, client=self.client, now=now)
        results = []
        for job in self.jobs.values():
            if not job.every_minute:
                continue
            try:
                result = job.run(context)
            except Exception:
                logger.exception("scheduler: job %s failed at %s; the other jobs still run", job.name, now.isoformat())
                continue
            results.append(result)
            level = logging.INFO if any(result.counts.values()) else logging.DEBUG
            logger.log(level, "scheduler: %s", result.summary())
        if self.after_dispatch is not None:
            self.after_dispatch()
        return results

    def tick(self) -> list[JobResult]:
        """The APScheduler job: dispatch if (and only if) this process still leads."""
        if not self.leading or not self.leadership.still_leading():
            return []
        results = self.dispatch()
        try:
            self._record_lease(dispatched=True)
        except Exception:
            logger.exception("scheduler: could not record the dispatch in scheduler_lease")
        return results

    def build(self) -> BackgroundScheduler:
        """The APScheduler scheduler with its one job, the dispatcher, not yet started."""
        aps = BackgroundScheduler(timezone=UTC, executors={"default": ThreadPoolExecutor(max_workers=1)})
        aps.add_job(
            self.tick,
            "interval",
            seconds=DISPATCH_SECONDS,
            id=DISPATCHER_ID,
            name="Pacer dispatcher: every due job, once a minute",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=DISPATCH_SECONDS,
        )
        return aps

    def start(self) -> None:
        """Start dispatching (when leading) and keeping or seeking leadership in the background.

        Raises AnotherSchedulerRuns on a SQLite database that already has a scheduler.
        """
        self.leadership.claim()
        # APScheduler logs every run of the dispatcher at INFO; ours says what each job did.
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        self._aps = self.build()
        self._aps.start()
        self._watcher = threading.Thread(target=self._watch, name="pacer-scheduler-leadership", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=30)
            self._watcher = None
        if self._aps is not None:
            self._aps.shutdown(wait=True)
            self._aps = None
        self._leading.clear()
        self.leadership.release()

    def _watch(self) -> None:
        while not self._stopping.is_set():
            try:
                self.heartbeat()
            except Exception:
                logger.exception("scheduler: leadership check failed; will retry")
            self._stopping.wait(self.heartbeat_seconds)

    def heartbeat(self) -> bool:
        """One leadership step (every heartbeat_seconds): the leader proves it still holds the
        lock and records it; a standby tries to take over. True when this process leads after it."""
        if self.leading:
            if self.leadership.still_leading():
                self._record_lease()
                return True
            self._leading.clear()
            self._standing_by = True
            logger.warning("scheduler: %s lost the lead; standing by", self.holder)
            return False
        if not self.leadership.try_lead():
            if not self._standing_by:
                logger.info(
                    "scheduler: standing by — another process leads; %s retries every %s s",
                    self.holder,
                    self.heartbeat_seconds,
                )
            self._standing_by = True
            return False
        self._since = self.clock()
        self._standing_by = False
        self._leading.set()
        logger.info("scheduler: leading — %s dispatches every minute (%s)", self.holder, self.leadership.description)
        self._record_lease()
        if self._aps is not None:  # catch up at once rather than a minute from now
            self._aps.modify_job(DISPATCHER_ID, next_run_time=datetime.now(UTC))
        return True

    def _record_lease(self, *, dispatched: bool = False) -> None:
        now = self.clock()
        with self.db.transaction() as session:
            lease = session.get(SchedulerLease, LEASE_NAME)
            if lease is None:
                lease = SchedulerLease(name=LEASE_NAME, holder=self.holder, leading_since=now, heartbeat_at=now)
            if lease.holder != self.holder:
                lease.holder, lease.dispatched_at = self.holder, None
            lease.leading_since = self._since or now
            lease.heartbeat_at = now
            if dispatched:
                lease.dispatched_at = now
            session.add(lease)
