"""The Bolt app and the WSGI application that serves it (`/slack/events`, `/healthz`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot.deps import Deps
from handlers import ids as _ids
from handlers.envelope import bad_request, problem_with

logger = logging.getLogger(__name__)

#: The slash commands the app registers (the console offers exactly these).
SLASH_COMMANDS = _ids.COMMANDS


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


class _SlackRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, answering 400 to a signed body in a shape Slack never sends.

    Bolt reads the body (a form's `payload` as JSON) and every listener argument (`action`, `event`,
    `view`…) from it before any middleware or error handler of ours can run, so a body it cannot
    read — or one that would make a listener fail half-way (handlers/envelope.py) — is refused here.
    Its signature is checked first, so an unsigned request is still a 401.
    """

    def __init__(self, app: App, *, path: str, signing_secret: str | None) -> None:
        super().__init__(app, path=path)
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        raw, headers = b"", request.get_headers()
        try:
            raw = request.environ["wsgi.input"].read(int(request.environ.get("CONTENT_LENGTH") or 0))
            bolt_request = _bolt_request(raw.decode("utf-8"), query=request.query_string, headers=headers)
            problem = problem_with(bolt_request.body)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError):
            problem = "the body is not readable as Slack's JSON or form encoding"
        if problem is None:
            return self.app.dispatch(bolt_request)
        single = {name: value if isinstance(value, str) else ",".join(value) for name, value in headers.items()}
        if self.verifier is not None and not self.verifier.is_valid_request(raw, single):
            return BoltResponse(status=401, body={"error": "invalid request"})
        logger.warning("malformed request refused: %s", problem)
        return bad_request(problem)


def _bolt_request(raw: str, *, query: str | None, headers: dict[str, Any]) -> BoltRequest:
    """Bolt's request, read right even when a form body merely mentions the word "payload".

    Bolt reads any form body containing the text `payload` as an interactive payload, and a slash
    command whose text says "payload" (`/deal 500 Payload Ltd`, typed in lower case) then comes out
    empty and unanswered. Such a body is read as the plain form it is, and the context built again
    from it. The raw body, which the signature is checked against, is left as it came.
    """
    request = BoltRequest(body=raw, query=query, headers=headers)
    if not request.body and raw and not raw.lstrip().startswith("{"):
        form = dict(parse_qsl(raw, keep_blank_values=True))
        if form and "payload" not in form:
            request.body = form
            request.context = build_context(BoltContext({}), form)
    return request


class WsgiApp:
    """`/slack/events` → Bolt; `/healthz` → a database ping; anything else → 404."""

    def __init__(self, app: App, deps: Deps, *, signing_secret: str | None = None) -> None:
        self.slack = _SlackRequestHandler(app, path="/slack/events", signing_secret=signing_secret)
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
