"""Pacer served over real HTTP on 127.0.0.1, driven with signed Slack requests.

The app's WebClient talks to a FakeSlack over HTTP; every request to the app carries a valid
`X-Slack-Signature` made with the test signing secret (unless a test tampers with it).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_sdk.signature import SignatureVerifier
from sqlmodel import Session

from bot.app import WsgiApp, create_app
from bot.config import PacerConfig
from bot.deps import Deps, build_deps
from bot.store.engine import Database
from tests.fakes.slack_api import FakeSlack
from tests.support import payloads
from tests.support.clock import FakeClock

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *_: Any) -> None:
        pass


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body)) if self.body else {}

    @property
    def text(self) -> str:
        """Everything a person would read in the reply: the fallback text and all block text."""
        data = self.json()
        return _all_text(data)


def _all_text(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(_all_text(v) for k, v in value.items() if k not in ("action_id", "block_id", "value"))
    if isinstance(value, list):
        return " ".join(_all_text(v) for v in value)
    return value if isinstance(value, str) else ""


class Pacer:
    """One running Pacer: `command()`, `click()`, `submit()`, `event()` send signed requests."""

    def __init__(
        self, *, db: Database, slack: FakeSlack, clock: FakeClock, config: PacerConfig, team_id: str = "T1"
    ) -> None:
        self.db = db
        self.slack = slack
        self.clock = clock
        self.team_id = team_id
        self.deps: Deps = build_deps(
            config=config,
            db=db,
            token=slack.token,
            base_url=slack.url,
            clock=clock,
            start_sender=False,
            background_workers=1,
        )
        self.app = create_app(signing_secret=SIGNING_SECRET, deps=self.deps)
        self.server = make_server(
            "127.0.0.1",
            0,
            WsgiApp(self.app, self.deps, signing_secret=SIGNING_SECRET),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.verifier = SignatureVerifier(SIGNING_SECRET)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.deps.background.shutdown(wait=True)

    # --- raw HTTP -------------------------------------------------------------------------
    def post(
        self,
        body: str,
        *,
        content_type: str,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        sign: bool = True,
        path: str = "/slack/events",
    ) -> Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        all_headers = {"Content-Type": content_type}
        if sign:
            all_headers["X-Slack-Request-Timestamp"] = ts
            all_headers["X-Slack-Signature"] = self.verifier.generate_signature(timestamp=ts, body=body)
        all_headers.update(headers or {})
        request = Request(self.url + path, data=body.encode(), headers=all_headers, method="POST")
        try:
            with urlopen(request, timeout=10) as response:
                return Response(response.status, response.read().decode(), dict(response.headers))
        except HTTPError as error:
            return Response(error.code, error.read().decode(), dict(error.headers))

    def get(self, path: str) -> Response:
        try:
            with urlopen(self.url + path, timeout=10) as response:
                return Response(response.status, response.read().decode(), dict(response.headers))
        except HTTPError as error:
            return Response(error.code, error.read().decode(), dict(error.headers))

    # --- Slack surfaces -------------------------------------------------------------------
    def command(
        self,
        user_id: str,
        command: str,
        text: str = "",
        *,
        team_id: str | None = None,
        trigger_id: str | None = None,
        **kwargs: Any,
    ) -> Response:
        body = payloads.slash_command(
            team_id=team_id or self.team_id,
            user_id=user_id,
            command=command,
            text=text,
            response_url=self.slack.response_url(payloads.next_id("cmd")),
            trigger_id=trigger_id,
        )
        return self.post(body, content_type="application/x-www-form-urlencoded", **kwargs)

    def deal(self, user_id: str, text: str = "", **kwargs: Any) -> Response:
        return self.command(user_id, "/deal", text, **kwargs)

    def activity(self, user_id: str, text: str = "", **kwargs: Any) -> Response:
        return self.command(user_id, "/activity", text, **kwargs)

    def click(
        self, user_id: str, action_id: str, value: str, *, view_id: str | None = None, team_id: str | None = None
    ) -> Response:
        body = payloads.block_actions(
            team_id=team_id or self.team_id,
            user_id=user_id,
            action_id=action_id,
            value=value,
            view_id=view_id,
            response_url=None if view_id else self.slack.response_url(payloads.next_id("action")),
        )
        return self.post(body, content_type="application/x-www-form-urlencoded")

    def submit(
        self,
        user_id: str,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        *,
        view_id: str | None = None,
        team_id: str | None = None,
    ) -> Response:
        body = payloads.view_submission(
            team_id=team_id or self.team_id, user_id=user_id, callback_id=callback_id, values=values, view_id=view_id
        )
        return self.post(body, content_type="application/x-www-form-urlencoded")

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry: int | None = None,
        team_id: str | None = None,
    ) -> Response:
        body = payloads.event_callback(team_id=team_id or self.team_id, event=event, event_id=event_id)
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(body, content_type="application/json", headers=headers)

    # --- after the ack --------------------------------------------------------------------
    def settle(self) -> None:
        """Wait for the post-ack work queued so far (one worker in tests, so tasks run in order)."""
        self.deps.background.submit(lambda: None).result(timeout=10)

    def deliver_outbox(self) -> Any:
        return self.deps.outbox.deliver_due()

    def read(self, fn: Callable[[Session], Any]) -> Any:
        with self.db.transaction() as session:
            return fn(session)
