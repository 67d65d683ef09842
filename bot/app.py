"""The Bolt app and the WSGI application that serves it (`/slack/events`, `/healthz`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.deps import Deps

logger = logging.getLogger(__name__)


def create_app(*, signing_secret: str, deps: Deps, token_verification: bool = True) -> App:
    """A Bolt app whose listeners run before the response, so an ack carries its answer.

    Slow work (views.open, chat.update, users.info refreshes) goes to `deps.after_ack`; messages to
    channels go through the outbox. Nothing here reads the environment.
    """
    import handlers

    app = App(
        client=deps.client,
        signing_secret=signing_secret,
        process_before_response=True,
        token_verification_enabled=token_verification,
        ignoring_self_events_enabled=True,
    )
    handlers.register(app, deps)
    return app


class WsgiApp:
    """`/slack/events` → Bolt; `/healthz` → a database ping; anything else → 404."""

    def __init__(self, app: App, deps: Deps) -> None:
        self.slack = SlackRequestHandler(app, path="/slack/events")
        self.deps = deps

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/slack/events":
            if environ.get("REQUEST_METHOD") != "POST":
                return self._json(start_response, "405 Method Not Allowed", {"ok": False, "error": "use POST"})
            return self.slack(environ, start_response)
        if path == "/healthz":
            return self._health(start_response)
        return self._json(start_response, "404 Not Found", {"ok": False, "error": "not found"})

    def _health(self, start_response: Any) -> Iterable[bytes]:
        try:
            with self.deps.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            logger.warning("health check: database unavailable: %s", exc)
            return self._json(start_response, "503 Service Unavailable", {"ok": False, "database": "unavailable"})
        return self._json(start_response, "200 OK", {"ok": True, "database": "ok"})

    @staticmethod
    def _json(start_response: Any, status: str, body: dict[str, Any]) -> Iterable[bytes]:
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]
