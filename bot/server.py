"""Running Pacer: HTTP mode behind gunicorn, or Socket Mode when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.app import WsgiApp, create_app
from bot.config import PacerConfig
from bot.deps import Deps, build_deps
from bot.settings import Settings
from bot.store.engine import Database

logger = logging.getLogger(__name__)


def build(settings: Settings, config: PacerConfig) -> tuple[Any, Deps]:
    """The Bolt app and its deps for this process (one per gunicorn worker)."""
    assert settings.slack_bot_token is not None
    deps = build_deps(
        config=config,
        db=Database(settings.database_url),
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
    )
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "socket-mode"
    return create_app(signing_secret=secret, deps=deps), deps


class PacerServer(BaseApplication):  # type: ignore[misc]
    """gunicorn with threaded workers; each worker builds its own app after the fork."""

    def __init__(self, settings: Settings, config: PacerConfig) -> None:
        self.settings = settings
        self.config = config
        self.deps: Deps | None = None
        super().__init__()

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
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        app, self.deps = build(self.settings, self.config)
        return WsgiApp(app, self.deps)

    def _worker_exit(self, _server: Any, _worker: Any) -> None:
        """Finish post-ack work and stop the outbox sender before the worker goes."""
        if self.deps is not None:
            self.deps.close()


def serve_http(settings: Settings, config: PacerConfig) -> None:
    logger.info("Pacer listening on http://%s:%s/slack/events (health: /healthz)", settings.host, settings.port)
    PacerServer(settings, config).run()


def serve_socket_mode(settings: Settings, config: PacerConfig) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert settings.slack_app_token is not None
    app, deps = build(settings, config)
    logger.info("Pacer connecting to Slack in Socket Mode")
    try:
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()  # type: ignore[no-untyped-call]
    finally:
        deps.close()
