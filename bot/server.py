"""Running Pacer: HTTP mode behind gunicorn, or Socket Mode when SLACK_APP_TOKEN is set; and the
scheduler, inside `pacer run` or alone (`pacer scheduler`).

Where the scheduler runs:
- Socket Mode is one process: the scheduler runs in it, next to the app and its outbox sender.
- HTTP mode has one gunicorn master and N forked workers; the scheduler must run once per
  deployment, not once per worker. It runs as a child process of the master (`pacer scheduler
  --exit-with-parent`, started once the master listens, restarted if it dies, stopped with the
  master). Not a thread in the master: gunicorn forks workers from the master at any time
  (respawns), and a fork copies the scheduler's open database connections into the worker — a
  worker closing its copy would end the leader's PostgreSQL session and drop the advisory lock —
  and any lock a scheduler thread held at that instant. A child started by fork+exec shares nothing.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from bot.app import WsgiApp, create_app
from bot.clock import system_clock
from bot.config import PacerConfig
from bot.deps import Deps, build_deps, web_client
from bot.jobs import JOBS
from bot.outbox import OutboxSender
from bot.scheduler import Scheduler, check_can_start, leadership_for
from bot.services import customer_index
from bot.settings import Settings
from bot.store.engine import Database

logger = logging.getLogger(__name__)


def build(settings: Settings, config: PacerConfig, *, start_sender: bool = True) -> tuple[Any, Deps]:
    """The Bolt app and its deps for this process (one per gunicorn worker)."""
    assert settings.slack_bot_token is not None
    deps = build_deps(
        config=config,
        db=Database(settings.database_url, checkpoint_in_background=True),
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        outbox_per_minute=settings.pacer_outbox_per_minute,
        start_sender=start_sender,
    )
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "socket-mode"
    return create_app(signing_secret=secret, deps=deps), deps


def make_scheduler(settings: Settings, config: PacerConfig, *, db: Database, sender: OutboxSender) -> Scheduler:
    """The scheduler for this process: its jobs, the system clock, the database's leadership."""
    assert settings.slack_bot_token is not None
    return Scheduler(
        db=db,
        config=config,
        client=web_client(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url),
        jobs=JOBS,
        clock=system_clock,
        leadership=leadership_for(settings.database_url),
        heartbeat_seconds=settings.pacer_scheduler_heartbeat_seconds,
        after_dispatch=sender.kick,
    )


def settle_heap() -> None:
    """Leave what the worker has built so far (modules, the app, its compiled statements) out of the
    garbage collector's full passes: they live as long as the worker, and scanning them again took a
    worker ~90 ms every few thousand requests (a stall every request queued behind it shares)."""
    gc.collect()
    gc.freeze()


class SchedulerChild:
    """`pacer scheduler` as a child of the gunicorn master, kept running by it."""

    RESTART_AFTER_SECONDS = 10.0

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    def start(self) -> None:
        command = [sys.executable, "-m", "bot.cli", "scheduler", "--exit-with-parent"]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        self.started = time.monotonic()
        logger.info("scheduler process started (pid %s)", self.process.pid)

    def keep_running(self) -> None:
        # gunicorn's master reaps every child, so poll() sees the exit but not its status.
        if self.process is None or self.process.poll() is None:
            return
        if time.monotonic() - self.started >= self.RESTART_AFTER_SECONDS:
            logger.warning("scheduler process %s stopped; starting another", self.process.pid)
            self.start()

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()


class PacerArbiter(Arbiter):  # type: ignore[misc]
    """gunicorn's master, which also keeps the scheduler process running (once a second)."""

    def manage_workers(self) -> None:
        super().manage_workers()
        child = getattr(self.app, "scheduler_child", None)
        if child is not None:
            child.keep_running()


class PacerServer(BaseApplication):  # type: ignore[misc]
    """gunicorn with threaded workers; each worker builds its own app after the fork."""

    def __init__(self, settings: Settings, config: PacerConfig, *, scheduler: bool = False) -> None:
        self.settings = settings
        self.config = config
        self.deps: Deps | None = None
        self.customers_indexed = 0  # by load(): what this worker indexed before serving
        self.scheduler_child = SchedulerChild() if scheduler else None
        super().__init__()

    def run(self) -> None:
        try:
            PacerArbiter(self).run()
        except RuntimeError as exc:
            print(f"\nError: {exc}\n", file=sys.stderr)  # noqa: T201 — as gunicorn's own run() does
            sys.exit(1)

    def load_config(self) -> None:
        s = self.settings
        options = {
            "bind": f"{s.host}:{s.port}",
            "workers": s.web_concurrency,
            "threads": s.web_threads,
            "worker_class": "gthread",
            "timeout": 30,
            "graceful_timeout": 10,
            "keepalive": 5,
            "accesslog": None,
            "loglevel": s.log_level.lower(),
            "worker_exit": self._worker_exit,
            "when_ready": self._when_ready,
            "on_exit": self._on_exit,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        app, self.deps = build(self.settings, self.config)
        secret = self.settings.slack_signing_secret
        wsgi = WsgiApp(app, self.deps, signing_secret=secret.get_secret_value() if secret else None)
        self.customers_indexed = customer_index.warm(self.deps.db, now=system_clock())
        settle_heap()
        return wsgi

    def _worker_exit(self, _server: Any, _worker: Any) -> None:
        """Finish post-ack work and stop the outbox sender before the worker goes."""
        if self.deps is not None:
            self.deps.close()

    def _when_ready(self, _server: Any) -> None:
        if self.scheduler_child is not None:
            self.scheduler_child.start()

    def _on_exit(self, _server: Any) -> None:
        if self.scheduler_child is not None:
            self.scheduler_child.stop()


def serve_http(settings: Settings, config: PacerConfig) -> None:
    """Serve HTTP; with the scheduler on, also run it once, in a child process of the master.

    Raises AnotherSchedulerRuns before serving if a SQLite database already has a scheduler.
    """
    if settings.pacer_scheduler:
        check_can_start(settings.database_url)
    logger.info("Pacer listening on http://%s:%s/slack/events (health: /healthz)", settings.host, settings.port)
    if not settings.pacer_scheduler:
        logger.info("scheduler off in this process (--no-scheduler or PACER_SCHEDULER=off)")
    PacerServer(settings, config, scheduler=settings.pacer_scheduler).run()


def serve_socket_mode(settings: Settings, config: PacerConfig) -> None:
    """Connect to Slack in Socket Mode, then start the scheduler and serve until stopped.

    The connection comes first: an app token Slack refuses, or Slack out of reach, raises (SlackApiError,
    OSError) before the outbox sender or the scheduler has sent anything, for `pacer run` to say once.
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert settings.slack_app_token is not None
    app, deps = build(settings, config, start_sender=False)  # it sends once connected
    customer_index.warm(deps.db, now=system_clock())
    connection_log = logging.getLogger("bot.server.socket_mode")
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value(), logger=connection_log)
    scheduler = None
    if not settings.pacer_scheduler:
        logger.info("scheduler off in this process (--no-scheduler or PACER_SCHEDULER=off)")
    try:
        connection_log.disabled = True  # a refused first connection is said once, by `pacer run`, not logged too
        try:
            handler.connect()  # type: ignore[no-untyped-call]
        finally:
            connection_log.disabled = False
        logger.info("Pacer connected to Slack in Socket Mode")
        deps.outbox.start()
        if settings.pacer_scheduler:
            scheduler = make_scheduler(settings, config, db=deps.db, sender=deps.outbox)
            scheduler.start()
        threading.Event().wait()  # as SocketModeHandler.start() does once connected, until the process is stopped
    finally:
        if scheduler is not None:
            scheduler.stop()
        handler.close()  # type: ignore[no-untyped-call]
        deps.close()


def serve_scheduler(settings: Settings, config: PacerConfig, *, exit_with_parent: bool = False) -> None:
    """`pacer scheduler`: the scheduler alone, with an outbox sender for what it queues.

    Runs until SIGTERM or SIGINT (or, with exit_with_parent, until the process that started it
    is gone). Raises AnotherSchedulerRuns on a SQLite database that already has a scheduler.
    """
    assert settings.slack_bot_token is not None
    parent = os.getppid()
    db = Database(settings.database_url)
    sender = OutboxSender(
        db=db,
        client=web_client(
            token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, retries=False
        ),
        clock=system_clock,
        per_minute=settings.pacer_outbox_per_minute,
    )
    scheduler = make_scheduler(settings, config, db=db, sender=sender)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("scheduler: %s received, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        scheduler.start()
        sender.start()
        while not stop.wait(1.0):
            if exit_with_parent and os.getppid() != parent:
                logger.warning("scheduler: the process that started it is gone; stopping")
                break
    finally:
        scheduler.stop()
        sender.stop()
        db.dispose()
