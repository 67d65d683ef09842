"""An in-process stand-in for the Slack Web API: `pacer console` runs the real app against it, and
the test suite asserts on what the app sent (`tests/fakes/slack_api.py` re-exports it).

Start one, point a real ``slack_sdk.WebClient`` at it and assert on what the app sent::

    with FakeSlack() as fake:
        client = WebClient(token=fake.token, base_url=fake.url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.last("chat.postMessage").args["text"] == "hi"

Standard library only: a ``ThreadingHTTPServer`` on 127.0.0.1 (ephemeral port) served
from a daemon thread.

Posted messages are kept per conversation (posting to a user id posts to the DM with that
user) and answered by ``conversations.history``, metadata included with
``include_all_metadata``. A post with ``thread_ts`` is a reply in that thread (the parent must be
in the conversation, else ``thread_not_found``): as on Slack, ``conversations.history`` lists
only top-level messages (and replies sent with ``reply_broadcast``), ``conversations.replies``
a thread, parent first. ``conversations.open`` with several users opens their group DM (a ``G``
id, the same for the same people). :meth:`FakeSlack.rate_limit` makes a method enforce a per-workspace
limit per minute, answering 429 with ``Retry-After`` like Slack; the workspace of a request is
its ``team_id`` argument, else the team of the user (or DM) it posts to, else the fake's own.

* ``POST /api/<method>``: Slack Web API methods. Bodies may be form-encoded or JSON;
  JSON-typed arguments (``blocks``, ``view``, ...) sent as JSON strings are decoded, so
  ``args["blocks"]`` is always a list of dicts. Form values otherwise stay strings
  (slack_sdk sends ``True`` as ``"1"`` and numbers as text in form bodies).
* ``POST /response/<name>``: a ``response_url`` (see :meth:`FakeSlack.response_url`),
  recorded with method ``"response_url"``.

Every request is recorded as a :class:`Call`, including scripted failures, auth errors
and unknown methods.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import socket
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["Call", "FakeSlack", "MethodHandler", "SlackStandIn"]

#: Arguments whose Slack type is JSON. When one arrives as a string (always the case in
#: form bodies) it is decoded so tests see Python lists/dicts.
JSON_ARGS = frozenset(
    {
        "attachments",
        "blocks",
        "chunks",
        "dialog",
        "files",
        "manifest",
        "message",
        "metadata",
        "option_groups",
        "options",
        "outputs",
        "prefs",
        "unfurls",
        "user_auth_blocks",
        "view",
    }
)

#: A custom method implementation: receives the decoded args, returns the JSON body.
MethodHandler = Callable[[dict[str, Any]], dict[str, Any]]

_TS_START_US = 1_700_000_000_000_100  # first ts is "1700000000.000100"
_TS_STEP_US = 100
_EPOCH = 1_700_000_000

_TZ_LABELS = {
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "AKST": "Alaska Standard Time",
    "AKDT": "Alaska Daylight Time",
    "HST": "Hawaii-Aleutian Standard Time",
    "GMT": "Greenwich Mean Time",
    "UTC": "Coordinated Universal Time",
    "BST": "British Summer Time",
    "WET": "Western European Time",
    "WEST": "Western European Summer Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Time",
    "EEST": "Eastern European Summer Time",
    "IST": "India Standard Time",
    "JST": "Japan Standard Time",
    "KST": "Korea Standard Time",
    "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time",
    "NZST": "New Zealand Standard Time",
    "NZDT": "New Zealand Daylight Time",
}


@dataclass(frozen=True)
class Call:
    """One request the fake received.

    ``method`` is the Web API method (``"chat.postMessage"``), ``"response_url"`` for
    ``/response/<name>`` posts, or the raw path for anything else. ``headers`` has
    lower-cased names. ``at`` is ``time.monotonic()`` at arrival. ``outcome`` is
    ``"ok"``, an error name (``"invalid_auth"``, ``"channel_not_found"``...), an HTTP
    status (``"429"``, ``"500"``), ``"reset"`` or ``"hang"``. ``response`` is the body
    the fake answered with (parsed JSON, or text for response_url), None after a reset.
    """

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float
    outcome: str = "ok"
    response: Any = None


@dataclass(frozen=True)
class _Failure:
    status: int | None = None
    error: str | None = None
    retry_after: int | None = None
    reset: bool = False
    hang: float | None = None
    applied: bool = False  # handle the request for real, then fail (Slack did it but said otherwise)
    passthrough: bool = False  # no failure: let this request through (see ``fail(after=...)``)

    @property
    def outcome(self) -> str:
        if self.reset:
            return "reset"
        if self.hang is not None:
            return "hang"
        if self.status in (None, 200):
            return self.error or "ok"
        return str(self.status)


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str
    outcome: str
    parsed: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _User:
    id: str
    team_id: str
    name: str
    real_name: str
    display_name: str
    tz: str | None
    tz_label: str | None
    tz_offset: int | None
    locale: str
    is_bot: bool
    deleted: bool
    email: str | None
    enterprise_id: str | None = None
    enterprise_teams: tuple[str, ...] | None = None


def _json_reply(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> _Reply:
    outcome = ("ok" if payload.get("ok") else str(payload.get("error", "error"))) if status == 200 else str(status)
    return _Reply(
        status=status,
        body=json.dumps(payload).encode(),
        content_type="application/json; charset=utf-8",
        outcome=outcome,
        parsed=payload,
        headers=headers or {},
    )


def _text_reply(text: str, status: int = 200) -> _Reply:
    return _Reply(
        status=status,
        body=text.encode(),
        content_type="text/plain; charset=utf-8",
        outcome="ok" if status == 200 else str(status),
        parsed=text,
    )


def _err(error: str, *missing: str) -> dict[str, Any]:
    payload: dict[str, Any] = {"ok": False, "error": error}
    if missing:
        payload["response_metadata"] = {"messages": [f"[ERROR] missing required field: {m}" for m in missing]}
    return payload


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _decode_json_args(args: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_ARGS & args.keys():
        value = args[key]
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):  # if invalid, keep the string as sent
                args[key] = json.loads(value)
    return args


def _parse_args(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    ctype = content_type.split(";", 1)[0].strip().lower()
    text = raw.decode("utf-8", errors="replace")
    if ctype == "application/json" or (ctype != "application/x-www-form-urlencoded" and text.startswith("{")):
        body = json.loads(text) if text.strip() else {}
        args.update(body if isinstance(body, dict) else {"_body": body})
    elif text:
        args.update(parse_qsl(text, keep_blank_values=True))
    return _decode_json_args(args)


def _tz_fields(tz: str) -> tuple[str, int]:
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return tz, 0
    offset = now.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    abbrev = now.tzname() or tz
    if abbrev == "IST" and tz == "Europe/Dublin":
        return "Irish Standard Time", seconds
    if abbrev[:1] in "+-":  # zones without a letter abbreviation, e.g. "-03"
        return f"GMT{abbrev}", seconds
    return _TZ_LABELS.get(abbrev, abbrev), seconds


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections give up after this
    server: _Server

    def do_POST(self) -> None:
        self.server.fake._dispatch(self)

    def do_GET(self) -> None:
        self.server.fake._dispatch(self)

    def log_message(self, *_: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client hung up (timeouts, resets); not interesting
        super().handle_error(request, client_address)


class FakeSlack:
    """A fake Slack Web API server. See the module docstring."""

    def __init__(
        self,
        *,
        token: str = "xoxb-test-token",
        app_token: str = "xapp-1-A1-test-token",
        team_id: str = "T1",
        team: str = "Pacer Test",
        bot_id: str = "B1",
        bot_user_id: str = "U0PACER",
        bot_name: str = "pacer",
        app_id: str = "A1",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.token = token
        #: The app-level token (Socket Mode) that apps.connections.open accepts; no other method does.
        self.app_token = app_token
        self.team_id = team_id
        self.team = team
        self.bot_id = bot_id
        self.bot_user_id = bot_user_id
        self.bot_name = bot_name
        self.app_id = app_id
        #: The time rate limits are measured in (a test's fixed clock); the wall clock by default.
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        #: Exceptions raised inside the fake itself (answered as HTTP 500).
        self.errors: list[BaseException] = []

        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._users: dict[str, _User] = {}
        self._custom: dict[str, MethodHandler] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._limits: dict[str, int] = {}
        self._windows: dict[tuple[str, str, int], int] = {}
        self._dms: dict[str, str] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._reactions: set[tuple[str, str, str]] = set()
        self._ts = itertools.count(_TS_START_US, _TS_STEP_US)
        self._ids: dict[str, itertools.count[int]] = {}
        self._hashes = itertools.count(1)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, MethodHandler] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "users.info": self._users_info,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.open": self._conversations_open,
            "reactions.add": self._reactions_add,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
        }
        self.add_user(bot_user_id, name=bot_name, real_name=bot_name, is_bot=True, tz="America/Los_Angeles")

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        if self._server is not None:
            raise RuntimeError("FakeSlack already started")
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="FakeSlack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes requests sleeping in hang=
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self if self._server is not None else self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)``; ends with ``/``."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        """A ``response_url`` for payloads; posts to it are recorded as method ``"response_url"``."""
        return f"http://127.0.0.1:{self.port}/response/{quote(name, safe='')}"

    # ------------------------------------------------------------------ configuration

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str | None = None,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str = "",
        tz: str | None = "America/New_York",
        tz_label: str | None = None,
        tz_offset: int | None = None,
        locale: str = "en-US",
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
        enterprise_id: str | None = None,
        enterprise_teams: list[str] | None = None,
    ) -> dict[str, Any]:
        """Make ``users.info`` know ``user_id``; returns the user object it will answer with.

        ``tz=None`` means the user object carries no tz/tz_label/tz_offset at all. With a tz,
        label and offset are derived (DST-aware, at answer time) unless given. ``email``
        defaults to ``<name>@example.com`` for humans; bots have none. ``display_name``
        defaults to "" as it often is on real workspaces. ``enterprise_id`` makes an Enterprise
        Grid user: the object carries ``enterprise_user`` (with ``teams`` when
        ``enterprise_teams`` is given, as Slack lists the workspaces they belong to).
        """
        name = name or user_id.lower()
        user = _User(
            id=user_id,
            team_id=team_id or self.team_id,
            name=name,
            real_name=real_name if real_name is not None else name.replace(".", " ").title(),
            display_name=display_name,
            tz=tz,
            tz_label=tz_label,
            tz_offset=tz_offset,
            locale=locale,
            is_bot=is_bot,
            deleted=deleted,
            email=email if email is not None or is_bot else f"{name}@example.com",
            enterprise_id=enterprise_id,
            enterprise_teams=tuple(enterprise_teams) if enterprise_teams is not None else None,
        )
        with self._cond:
            self._users[user_id] = user
        return self._user_object(user, include_locale=True)

    def on(self, method: str, handler: MethodHandler) -> None:
        """Answer ``method`` with ``handler(args)`` (after the auth check), replacing any built-in."""
        with self._cond:
            self._custom[method] = handler

    def rate_limit(self, method: str, per_minute: int | None) -> None:
        """Let each workspace call ``method`` at most ``per_minute`` times per clock minute
        (fixed windows); beyond that answer HTTP 429 with ``Retry-After`` = the seconds to the
        next minute. ``None`` lifts the limit. Refused calls do not count."""
        with self._cond:
            if per_minute is None:
                self._limits.pop(method, None)
            else:
                self._limits[method] = per_minute

    def fail(
        self,
        method: str,
        *,
        times: int = 1,
        status: int | None = None,
        error: str | None = None,
        retry_after: int | None = None,
        reset: bool = False,
        hang: float | None = None,
        applied: bool = False,
        after: int = 0,
    ) -> None:
        """Script the next ``times`` requests to ``method`` to fail; queued in order per method.

        * default / ``status=429``: HTTP 429, ``Retry-After: retry_after`` (default 1),
          body ``{"ok": false, "error": "ratelimited"}``;
        * ``status=500`` (any non-200): that status with an ``ok: false`` JSON body;
        * ``error="channel_not_found"``: HTTP 200 ``{"ok": false, "error": ...}``
          (combine with ``status`` for an error body on another status);
        * ``reset=True``: read the request, then close the socket without answering;
        * ``hang=seconds``: sleep before answering normally (client read timeouts).

        ``method`` may be ``"response_url"`` to fail posts to any response URL.
        ``applied=True`` handles the request for real first (a message is posted) and then
        answers with the status or resets: Slack did it, the client cannot know. (``hang`` is
        always applied.) ``after=n`` lets the next ``n`` requests through first.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        if sum((reset, hang is not None, status is not None or error is not None)) > 1:
            raise ValueError("choose one of status/error, reset or hang")
        if not reset and hang is None and status is None and error is None:
            status = 429
        if status == 429 and retry_after is None:
            retry_after = 1
        failure = _Failure(status=status, error=error, retry_after=retry_after, reset=reset, hang=hang, applied=applied)
        with self._cond:
            queue = self._failures.setdefault(method, deque())
            queue.extend([_Failure(passthrough=True)] * after)
            queue.extend([failure] * times)

    def pending_failures(self, method: str | None = None) -> int:
        """How many scripted failures have not been consumed yet."""
        with self._cond:
            if method is not None:
                return len(self._failures.get(method, ()))
            return sum(len(q) for q in self._failures.values())

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """A copy of the recorded calls, oldest first, optionally only ``method``."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def last(self, method: str) -> Call:
        """The most recent call of ``method``; AssertionError if there is none."""
        calls = self.calls(method)
        if not calls:
            raise AssertionError(f"no {method} call recorded; recorded: {self._method_names()}")
        return calls[-1]

    def clear(self) -> None:
        """Forget recorded calls (users, views, scripted failures stay)."""
        with self._cond:
            self._calls.clear()

    def wait_for(self, method: str, *, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until at least ``count`` calls of ``method`` are recorded; returns them."""
        with self._cond:
            done = self._cond.wait_for(lambda: sum(c.method == method for c in self._calls) >= count, timeout=timeout)
            if not done:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {count} {method} call(s); recorded: {self._method_names()}"
                )
            return [c for c in self._calls if c.method == method]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages posted to ``channel`` (a channel, a DM id or a user id), oldest first."""
        with self._cond:
            return [dict(m) for m in self._history.get(self._resolve_channel(channel), [])]

    def posted(self) -> list[dict[str, Any]]:
        """Every message posted anywhere, oldest first, each with its ``channel``."""
        with self._cond:
            found = [{**m, "channel": c} for c, messages in self._history.items() for m in messages]
        return sorted(found, key=lambda m: m["ts"])

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The replies in the thread of message ``ts`` of ``channel``, oldest first (no parent)."""
        with self._cond:
            messages = self._history.get(self._resolve_channel(channel), [])
            return [dict(m) for m in messages if m.get("thread_ts") == ts and m["ts"] != ts]

    def group_channel(self, *user_ids: str) -> str:
        """The group DM id ``conversations.open(users=...)`` gives for these people (opening it)."""
        with self._cond:
            key = ",".join(sorted(set(user_ids)))
            if key not in self._dms:
                self._dms[key] = self._next_id("G")
            return self._dms[key]

    def dm_channel(self, user_id: str) -> str:
        """The DM channel id ``conversations.open`` (and posting to a user id) gives for ``user_id``."""
        with self._cond:
            return self._dm_for(user_id)[0]

    def members_of(self, channel: str) -> list[str] | None:
        """Who is in a DM or group DM (its user ids), or None for a channel everyone may read."""
        with self._cond:
            found = next((key for key, value in self._dms.items() if value == channel), None)
        return None if found is None else found.split(",")

    def _method_names(self) -> list[str]:
        with self._cond:
            return [c.method for c in self._calls]

    # ------------------------------------------------------------------ request handling

    def _dispatch(self, handler: _Handler) -> None:
        arrived = time.monotonic()
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        path = split.path
        try:
            args = _parse_args(raw, headers.get("content-type", ""), split.query)
        except ValueError:
            args = {"_raw": raw.decode("utf-8", errors="replace")}
        if path.startswith("/api/"):
            method, kind = unquote(path[len("/api/") :]), "api"
        elif path.startswith("/response/"):
            method, kind = "response_url", "response"
            args["_name"] = unquote(path[len("/response/") :])
        else:
            method, kind = path, "other"

        with self._cond:
            queue = self._failures.get(method)
            failure = queue.popleft() if queue else None
        if failure is not None and failure.passthrough:
            failure = None
        if failure is None:
            limited = self._rate_limited(method, args)
            if limited is not None:
                self._record(Call(method, args, headers, arrived, "429", limited.parsed))
                self._send(handler, limited)
                return
        if failure is not None and failure.applied and kind == "api":
            self._reply(kind, method, args, headers)

        if failure is not None and failure.reset:
            self._record(Call(method, args, headers, arrived, "reset", None))
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            handler.connection.close()
            return

        try:
            if failure is not None and failure.hang is None:
                reply = self._failure_reply(kind, failure)
            else:
                reply = self._reply(kind, method, args, headers)
        except Exception as exc:  # a bug in the fake: answer 500, keep it visible
            traceback.print_exc()
            self.errors.append(exc)
            reply = _json_reply({"ok": False, "error": "fake_slack_internal_error", "detail": repr(exc)}, 500)

        outcome = "hang" if failure is not None and failure.hang is not None else reply.outcome
        self._record(Call(method, args, headers, arrived, outcome, reply.parsed))
        if failure is not None and failure.hang is not None:
            self._stopping.wait(failure.hang)
        self._send(handler, reply)

    def _send(self, handler: _Handler, reply: _Reply) -> None:
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            handler.wfile.write(reply.body)
        except (ConnectionError, TimeoutError):
            handler.close_connection = True  # client gave up (e.g. after hang=)

    def _rate_limited(self, method: str, args: dict[str, Any]) -> _Reply | None:
        with self._cond:
            limit = self._limits.get(method)
            if limit is None:
                return None
            now = self.clock().timestamp()
            window = int(now // 60)
            key = (method, self._team_of(args), window)
            if self._windows.get(key, 0) < limit:
                self._windows[key] = self._windows.get(key, 0) + 1
                return None
        retry_after = max(1, math.ceil((window + 1) * 60 - now))
        return _json_reply({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(retry_after)})

    def _team_of(self, args: dict[str, Any]) -> str:
        """The workspace a request counts against (hold self._cond)."""
        if args.get("team_id"):
            return str(args["team_id"])
        channel = str(args.get("channel") or args.get("users") or "")
        user = self._users.get(channel.split(",")[0])
        if user is None and channel[:1] in ("D", "G"):
            people = next((u for u, dm in self._dms.items() if dm == channel), "")
            user = self._users.get(people.split(",")[0])
        return user.team_id if user is not None else self.team_id

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def _failure_reply(self, kind: str, failure: _Failure) -> _Reply:
        status = failure.status or 200
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        if failure.error is not None:
            error = failure.error
        elif status == 429:
            error = "ratelimited"
        elif status >= 500:
            error = "internal_error"
        else:
            error = f"http_{status}"
        if kind == "response":
            reply = _text_reply(error, status if status != 200 else 404)
            reply.headers.update(headers)
        else:
            reply = _json_reply({"ok": False, "error": error}, status, headers)
        reply.outcome = failure.outcome
        return reply

    def _reply(self, kind: str, method: str, args: dict[str, Any], headers: dict[str, str]) -> _Reply:
        if kind == "response":
            return _text_reply("ok")
        if kind == "other":
            return _text_reply("not found", 404)
        with self._cond:
            custom = self._custom.get(method)
        builtin = self._methods.get(method)
        if custom is None and builtin is None:
            return _json_reply({"ok": False, "error": "unknown_method", "req_method": method})
        auth_error = self._auth_error(headers, args, method)
        if auth_error is not None:
            return _json_reply(_err(auth_error))
        if custom is not None:  # outside the lock: it may block or call back into the fake
            return _json_reply(custom(args))
        assert builtin is not None
        with self._cond:  # built-ins share counters and state
            return _json_reply(builtin(args))

    def _auth_error(self, headers: dict[str, str], args: dict[str, Any], method: str) -> str | None:
        """Slack's answer to the token: apps.connections.open takes only the app-level token (xapp-),
        every other method only the bot token."""
        auth = headers.get("authorization", "")
        token = auth[len("bearer ") :].strip() if auth.lower().startswith("bearer ") else args.get("token")
        if not token:
            return "not_authed"
        socket_mode = method == "apps.connections.open"
        expected, other = (self.app_token, self.token) if socket_mode else (self.token, self.app_token)
        if token == expected:
            return None
        return "not_allowed_token_type" if token == other else "invalid_auth"

    # ------------------------------------------------------------------ helpers (hold self._cond)

    def _next_ts(self) -> str:
        us = next(self._ts)
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids.setdefault(prefix, itertools.count(1))):04d}"

    def _dm_for(self, user_id: str) -> tuple[str, bool]:
        """(channel id, already_open)."""
        if user_id in self._dms:
            return self._dms[user_id], True
        self._dms[user_id] = channel = self._next_id("D")
        return channel, False

    def _resolve_channel(self, channel: str) -> str:
        """Posting to a user id posts to the DM with that user, as Slack does."""
        return self._dm_for(channel)[0] if channel[:1] in ("U", "W") else channel

    def _bot_profile(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "app_id": self.app_id,
            "name": self.bot_name,
            "icons": {"image_36": "https://a.slack-edge.com/bot_36.png"},
            "deleted": False,
            "updated": _EPOCH,
            "team_id": self.team_id,
        }

    def _message(self, args: dict[str, Any], ts: str | None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": args.get("text", ""),
            "team": self.team_id,
            "bot_profile": self._bot_profile(),
        }
        if ts is not None:
            message["ts"] = ts
        for key in ("blocks", "attachments", "metadata", "thread_ts", "reply_broadcast"):
            if key in args:
                message[key] = args[key]
        return message

    def _user_object(self, user: _User, *, include_locale: bool) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.display_name,
            "display_name_normalized": user.display_name,
            "first_name": user.real_name.split(" ")[0],
            "last_name": " ".join(user.real_name.split(" ")[1:]),
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "avatar_hash": "g0000000000",
            "image_24": "https://secure.gravatar.com/avatar/0.jpg?s=24",
            "image_48": "https://secure.gravatar.com/avatar/0.jpg?s=48",
            "image_72": "https://secure.gravatar.com/avatar/0.jpg?s=72",
            "team": user.team_id,
        }
        if user.email is not None:
            profile["email"] = user.email
        if user.is_bot:
            profile.update(bot_id=self.bot_id, api_app_id=self.app_id, always_active=True)
        obj: dict[str, Any] = {
            "id": user.id,
            "team_id": user.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "color": "9f69e7",
            "real_name": user.real_name,
        }
        if user.tz is not None:
            label, offset = _tz_fields(user.tz)
            obj["tz"] = user.tz
            obj["tz_label"] = user.tz_label if user.tz_label is not None else label
            obj["tz_offset"] = user.tz_offset if user.tz_offset is not None else offset
        obj.update(
            profile=profile,
            is_admin=False,
            is_owner=False,
            is_primary_owner=False,
            is_restricted=False,
            is_ultra_restricted=False,
            is_bot=user.is_bot,
            is_app_user=False,
            updated=_EPOCH,
            is_email_confirmed=not user.is_bot,
            who_can_share_contact_card="EVERYONE",
        )
        if user.enterprise_id is not None:
            enterprise: dict[str, Any] = {
                "id": user.id,
                "enterprise_id": user.enterprise_id,
                "enterprise_name": "Pacer Grid",
                "is_admin": False,
                "is_owner": False,
                "is_primary_owner": False,
            }
            if user.enterprise_teams is not None:
                enterprise["teams"] = list(user.enterprise_teams)
            obj.update(enterprise_user=enterprise, enterprise_id=user.enterprise_id, enterprise_name="Pacer Grid")
        if include_locale:
            obj["locale"] = user.locale
        return obj

    def _store_view(
        self, args: dict[str, Any], *, view_id: str | None = None, previous: str | None = None
    ) -> dict[str, Any]:
        submitted = args.get("view")
        if not isinstance(submitted, dict):
            submitted = {}
        view_id = view_id or self._next_id("V")
        old = self._views.get(view_id, {})
        view = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": old.get("root_view_id", view_id),
            "previous_view_id": previous,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
            **submitted,
        }
        view["id"] = view_id
        view["hash"] = f"{_EPOCH + next(self._hashes)}.{view_id.lower()}"
        self._views[view_id] = view
        return view

    # ------------------------------------------------------------------ methods (hold self._cond)

    def _auth_test(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://pacer-test.slack.com/",
            "team": self.team,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "enterprise_id": None,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, _args: dict[str, Any]) -> dict[str, Any]:
        """A Socket Mode address; nothing answers WebSocket there (the fake is the Web API only)."""
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket-mode/{next(self._hashes)}"}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if not user_id:
            return _err("invalid_arguments", "user")
        user = self._users.get(str(user_id))
        if user is None:
            return _err("user_not_found")
        # Like Slack, "locale" is only present with include_locale=true.
        return {
            "ok": True,
            "user": self._user_object(user, include_locale=_truthy(args.get("include_locale"))),
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return _err("channel_not_found")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            return _err("no_text")
        channel = self._resolve_channel(str(args["channel"]))
        thread_ts = str(args.get("thread_ts") or "")
        parent = None
        if thread_ts:
            parent = next((m for m in self._history.get(channel, []) if m["ts"] == thread_ts), None)
            if parent is None:
                return _err("thread_not_found")
            if parent.get("thread_ts", thread_ts) != thread_ts:  # a reply's ts: its thread's parent
                thread_ts = parent["thread_ts"]
                parent = next(m for m in self._history[channel] if m["ts"] == thread_ts)
        ts = self._next_ts()
        message = self._message({**args, "thread_ts": thread_ts} if thread_ts else args, ts)
        if parent is not None:
            message["parent_user_id"] = parent["user"]
            parent.update(thread_ts=thread_ts, reply_count=parent.get("reply_count", 0) + 1, latest_reply=ts)
        self._history.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return _err("channel_not_found")
        if not args.get("user"):
            return _err("invalid_arguments", "user")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            return _err("no_text")
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return _err("channel_not_found")
        if not args.get("ts"):
            return _err("message_not_found")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            return _err("no_text")
        message = self._message(args, None)
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        channel = self._resolve_channel(str(args["channel"]))
        stored = next((m for m in self._history.get(channel, []) if m["ts"] == args["ts"]), None)
        if stored is not None:  # a message we hold is rewritten in place: its text, blocks and metadata
            for key in ("text", "blocks", "attachments", "metadata"):
                stored.pop(key, None)
            stored.update({k: v for k, v in message.items() if k in ("text", "blocks", "attachments", "metadata")})
            stored["edited"] = message["edited"]
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": args["ts"],
            "text": args.get("text", ""),
            "message": message,
        }

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        """No scope needed. The message must exist in the channel (`message_not_found` otherwise)."""
        channel, ts = str(args.get("channel") or ""), str(args.get("message_ts") or "")
        if not channel or not ts:
            return _err("invalid_arguments")
        if not any(m["ts"] == ts for m in self._history.get(self._resolve_channel(channel), [])):
            return _err("message_not_found")
        link = f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        if "thread_ts" in args:
            link += f"?thread_ts={args['thread_ts']}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return _err("channel_not_found")
        if not args.get("ts"):
            return _err("message_not_found")
        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not (args.get("trigger_id") or args.get("interactivity_pointer")):
            return _err("invalid_arguments", "trigger_id")
        if not isinstance(args.get("view"), dict):
            return _err("invalid_arguments", "view")
        return {"ok": True, "view": self._store_view(args)}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._views_open(args)

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not (view_id or external_id):
            return _err("invalid_arguments", "view_id")
        if not isinstance(args.get("view"), dict):
            return _err("invalid_arguments", "view")
        if not view_id:
            view_id = next((v["id"] for v in self._views.values() if v.get("external_id") == external_id), None)
            if view_id is None:
                return _err("not_found")
        current = self._views.get(str(view_id))
        if current is not None and args.get("hash") and args["hash"] != current["hash"]:
            return _err("hash_conflict")
        return {"ok": True, "view": self._store_view(args, view_id=str(view_id))}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("user_id"):
            return _err("invalid_arguments", "user_id")
        if not isinstance(args.get("view"), dict):
            return _err("invalid_arguments", "view")
        view = self._store_view({"view": {"type": "home", **args["view"]}})
        return {"ok": True, "view": view}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        channel = args.get("channel")
        if not users and not channel:
            return _err("users_list_not_supplied")
        if channel:
            channel_id, already_open, user = str(channel), True, None
        elif len(users) == 1:
            (user,) = users
            channel_id, already_open = self._dm_for(user)
        else:  # a multi-person DM
            key, user = ",".join(sorted(users)), None
            already_open = key in self._dms
            if not already_open:
                self._dms[key] = self._next_id("G")
            channel_id = self._dms[key]
        info: dict[str, Any] = {"id": channel_id}
        if _truthy(args.get("return_im")):
            info.update(
                created=_EPOCH,
                is_im=user is not None,
                is_org_shared=False,
                user=user,
                last_read="0000000000.000000",
                latest=None,
                unread_count=0,
                unread_count_display=0,
                is_open=True,
                priority=0,
            )
        payload: dict[str, Any] = {"ok": True, "channel": info}
        if already_open:
            payload.update(no_op=True, already_open=True)
        return payload

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            return _err("invalid_arguments", "channel")
        if channel not in self._history and channel not in self._dms.values():
            return _err("channel_not_found")
        inclusive = _truthy(args.get("inclusive"))
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or "inf")

        def within(message: dict[str, Any]) -> bool:
            ts = float(message["ts"])
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        def top_level(message: dict[str, Any]) -> bool:
            return message.get("thread_ts", message["ts"]) == message["ts"] or _truthy(message.get("reply_broadcast"))

        newest_first = [m for m in reversed(self._history.get(channel, [])) if within(m) and top_level(m)]
        return self._page(newest_first, args)

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if not channel:
            return _err("invalid_arguments", "channel")
        if not ts:
            return _err("invalid_arguments", "ts")
        if channel not in self._history and channel not in self._dms.values():
            return _err("channel_not_found")
        messages = self._history.get(channel, [])
        parent = next((m for m in messages if m["ts"] == ts), None)
        if parent is None:
            return _err("thread_not_found")
        thread_ts = parent.get("thread_ts", ts)
        oldest_first = [m for m in messages if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts]
        return self._page(oldest_first, args)

    def _page(self, ordered: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        """One page of ``ordered`` (``cursor``, ``limit``), metadata only with include_all_metadata."""
        start = int(str(args.get("cursor") or "0").removeprefix("page:") or 0)
        limit = max(1, min(int(args.get("limit") or 100), 999))
        page = ordered[start : start + limit]
        if not _truthy(args.get("include_all_metadata")):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        has_more = start + limit < len(ordered)
        return {
            "ok": True,
            "messages": page,
            "has_more": has_more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": f"page:{start + limit}" if has_more else ""},
        }

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return _err("channel_not_found")
        if not args.get("timestamp"):
            return _err("invalid_arguments", "timestamp")
        if not args.get("name"):
            return _err("invalid_name")
        key = (str(args["channel"]), str(args["timestamp"]), str(args["name"]).strip(":"))
        if key in self._reactions:
            return _err("already_reacted")
        self._reactions.add(key)
        return {"ok": True}


#: The name the console uses; the tests know it as FakeSlack.
SlackStandIn = FakeSlack
