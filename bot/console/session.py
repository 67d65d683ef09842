"""One console session: the real Pacer app, served over HTTP on 127.0.0.1 and driven with requests
signed exactly as Slack signs them, its Web API client pointed at the embedded Slack stand-in, its
clock the console's own.

`Console.handle(line)` takes one console line; everything shown goes to `echo`, and a modal asks
for its fields through `ask` (the terminal, or the next lines of a script).
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from socketserver import ThreadingMixIn
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo

from slack_sdk.signature import SignatureVerifier

from bot.app import WsgiApp, create_app
from bot.config import PacerConfig
from bot.console.demo import TEAM_ID, Person
from bot.console.render import Button, plain, render_blocks, render_message
from bot.console.slack_standin import Call, SlackStandIn
from bot.deps import build_deps
from bot.jobs import JOBS
from bot.scheduler import Scheduler, SoleLeadership
from bot.store.engine import Database
from bot.store.migrate import upgrade

logger = logging.getLogger(__name__)

Echo = Callable[[str], None]
Ask = Callable[[str], str | None]  # None: no answer (end of input)

#: The scheduler's dispatcher runs every minute; the console runs it once per hour of console time
#: (and at the instant the clock stops), which is when everything Pacer schedules on the hour is due.
TICK_STEP = timedelta(hours=1)
CANCEL = ":cancel"


class ConsoleError(Exception):
    """A console line that can't be done: one line saying why, with an example that works."""


class ConsoleClock:
    """The app's clock: it moves only when the console says so, and only forwards."""

    def __init__(self, now: datetime) -> None:
        self.now = now.astimezone(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def set(self, when: datetime) -> None:
        with self._lock:
            if when < self.now:
                raise ConsoleError(f"the clock only moves forward (it is {self.now:%Y-%m-%dT%H:%M}Z); e.g. :tick 1d")
            self.now = when.astimezone(UTC)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_: Any) -> None:
        pass


@dataclass
class Modal:
    view_id: str
    view: dict[str, Any]


class Console:
    def __init__(
        self,
        *,
        config: PacerConfig,
        people: tuple[Person, ...],
        database_url: str,
        start: datetime,
        echo: Echo,
        ask: Ask,
    ) -> None:
        self.config = config
        self.people = {person.handle: person for person in people}
        self.by_id = {person.user_id: person for person in people}
        members = [m for team in config.teams for m in team.members]
        self.me = next((p for p in people if p.user_id in members), next(iter(people)))
        self.echo = echo
        self.ask = ask
        self.clock = ConsoleClock(start)
        self.slack = SlackStandIn(
            token="xoxb-pacer-console", team_id=TEAM_ID, team="Pacer demo", bot_user_id="U0PACER", clock=self.clock
        ).start()
        for person in people:
            self.slack.add_user(
                person.user_id, name=person.handle, real_name=person.real_name, display_name=person.handle, tz=person.tz
            )
        self.db = Database(database_url)
        upgrade(self.db.engine)
        self.secret = secrets.token_hex(32)  # this session's signing secret: every request is signed with it
        self.deps = build_deps(
            config=config,
            db=self.db,
            token=self.slack.token,
            base_url=self.slack.url,
            clock=self.clock,
            start_sender=False,
            background_workers=1,
            outbox_per_minute=1000,
        )
        app = create_app(signing_secret=self.secret, deps=self.deps)
        self.server = make_server(
            "127.0.0.1",
            0,
            WsgiApp(app, self.deps, signing_secret=self.secret),
            server_class=_Server,
            handler_class=_Quiet,
        )
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/slack/events"
        self.verifier = SignatureVerifier(self.secret)
        self.scheduler = Scheduler(
            db=self.db,
            config=config,
            client=self.deps.client,
            jobs=JOBS,
            clock=self.clock,
            leadership=SoleLeadership(),
        )
        self.buttons: list[Button] = []
        self._seen = 0
        self._ids = itertools.count(1)
        self._introduce_everyone()

    def _introduce_everyone(self) -> None:
        """Everyone in the teams has used Pacer once (`/pacer help`, answer unseen), as in a
        workspace where it is installed: so the scheduler nudges them and the period close freezes them."""
        echo, me = self.echo, self.me
        self.echo = lambda _text: None
        try:
            placed = {team.manager for team in self.config.teams} | {
                member for team in self.config.teams for member in team.members
            }
            for person in self.by_id.values():
                if person.user_id not in placed:
                    continue  # a reviewer or an admin is not a rep: they meet Pacer when they first use it
                self.me = person
                self.command("/pacer help")
        finally:
            self.echo, self.me, self.buttons = echo, me, []

    def close(self) -> None:
        """Finish the work in flight, then stop: every request ran in its own transaction, so the
        database is consistent whatever was interrupted."""
        self.server.shutdown()
        self.server.server_close()
        self.deps.background.shutdown(wait=True)
        self.slack.stop()
        self.db.dispose()

    # ------------------------------------------------------------------ people and names

    def name(self, user_id: str) -> str:
        person = self.by_id.get(user_id)
        return person.handle if person else ("pacer" if user_id == "U0PACER" else user_id)

    def person(self, handle: str) -> Person:
        person = self.people.get(handle.strip().lstrip("@").lower())
        if person is None:
            raise ConsoleError(f"no one called {handle!r} here; try :as @{next(iter(self.people))} (:people lists all)")
        return person

    def mentions(self, text: str) -> str:
        """`@hana` becomes `<@UDEMOHANA|hana>`, as Slack sends a mention picked in the composer."""
        words = []
        for word in text.split(" "):
            stripped = word.lstrip("@")
            if word.startswith("@") and stripped.lower() in self.people:
                word = self.people[stripped.lower()].mention
            words.append(word)
        return " ".join(words)

    def local(self, when: datetime, user_id: str | None = None) -> str:
        tz = ZoneInfo((self.by_id.get(user_id or self.me.user_id) or self.me).tz)
        return when.astimezone(tz).strftime("%a %d %b %Y %H:%M %Z")

    # ------------------------------------------------------------------ requests, signed as Slack signs them

    def _post(self, body: str, content_type: str) -> dict[str, Any]:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": str(self.verifier.generate_signature(timestamp=timestamp, body=body)),
        }
        request = Request(self.url, data=body.encode(), headers=headers, method="POST")
        try:
            with urlopen(request, timeout=30) as response:
                raw = response.read().decode()
        except HTTPError as error:
            raise ConsoleError(f"Pacer answered HTTP {error.code}: {error.read().decode()[:200]}") from None
        try:
            return dict(json.loads(raw)) if raw.strip() else {}
        except ValueError:
            return {"text": raw}

    def _trigger(self) -> str:
        return f"{next(self._ids)}.{int(time.time())}.console"

    def _response_url(self) -> str:
        return self.slack.response_url(f"console{next(self._ids)}")

    def command(self, line: str) -> None:
        command, _, text = line.strip().partition(" ")
        body = urlencode(
            {
                "token": "console",
                "team_id": TEAM_ID,
                "team_domain": "pacer-demo",
                "channel_id": "C0DEMOSALES",
                "channel_name": "sales",
                "user_id": self.me.user_id,
                "user_name": self.me.handle,
                "command": command,
                "text": self.mentions(text.strip()),
                "api_app_id": "A0PACER",
                "is_enterprise_install": "false",
                "response_url": self._response_url(),
                "trigger_id": self._trigger(),
            }
        )
        answer = self._post(body, "application/x-www-form-urlencoded")
        self.show_answer(answer)

    def _interactive(self, payload: dict[str, Any]) -> dict[str, Any]:
        base = {
            "api_app_id": "A0PACER",
            "token": "console",
            "team": {"id": TEAM_ID, "domain": "pacer-demo"},
            "user": {"id": self.me.user_id, "username": self.me.handle, "name": self.me.handle, "team_id": TEAM_ID},
            "trigger_id": self._trigger(),
            "is_enterprise_install": False,
        }
        return self._post(urlencode({"payload": json.dumps({**base, **payload})}), "application/x-www-form-urlencoded")

    def press(self, number: int) -> None:
        if not self.buttons:
            raise ConsoleError("there is no button to press yet; /deal 12.5k Acme Corp shows some")
        if not 1 <= number <= len(self.buttons):
            raise ConsoleError(f"press a number from 1 to {len(self.buttons)}, e.g. :press 1")
        button = self.buttons[number - 1]
        self.echo(f"(you press “{button.label}”)")
        if button.url:
            self.echo(f"  opens {button.url}")
            return
        action = {
            "type": "button",
            "action_id": button.action_id,
            "block_id": button.block_id,
            "value": button.value,
            "text": {"type": "plain_text", "text": button.label},
            "action_ts": f"{time.time():.6f}",
        }
        payload: dict[str, Any] = {"type": "block_actions", "actions": [action]}
        where = dict(button.where)
        if where.get("type") == "view":
            view = where["view"]
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = view
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": where.get("ts", "1"),
                "channel_id": where.get("channel", "C0DEMOSALES"),
                "is_ephemeral": where.get("ephemeral", True),
            }
            payload["channel"] = {"id": where.get("channel", "C0DEMOSALES"), "name": "sales"}
            if not where.get("ephemeral", True):
                payload["message"] = where.get("message", {})
            payload["response_url"] = self._response_url()
        self.show_answer(self._interactive(payload))

    def home(self) -> None:
        event = {
            "type": "app_home_opened",
            "user": self.me.user_id,
            "channel": self.slack.dm_channel(self.me.user_id),
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        body = json.dumps(
            {
                "token": "console",
                "team_id": TEAM_ID,
                "api_app_id": "A0PACER",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev0CONSOLE{next(self._ids)}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM_ID, "user_id": "U0PACER", "is_bot": True}],
            }
        )
        self._post(body, "application/json")
        self.show_answer({}, home=True)

    # ------------------------------------------------------------------ time

    def advance(self, target: datetime) -> None:
        """Move the clock to `target`, running the scheduler's jobs on every hour in between (and
        at `target`), each followed by the outbox, as the running bot would."""
        now = self.clock()
        if target < now:
            raise ConsoleError(f"the clock only moves forward (it is {now:%Y-%m-%dT%H:%M}Z); e.g. :tick 1d")
        step = now.replace(minute=0, second=0, microsecond=0) + TICK_STEP
        instants = []
        while step < target:
            instants.append(step)
            step += TICK_STEP
        instants.append(target)
        for instant in instants:
            self.clock.set(instant)
            self.scheduler.dispatch()
            self.show_answer({}, when=instant)
        self.echo(f"(it is now {self.local(target)})")

    # ------------------------------------------------------------------ what Slack shows

    def settle(self) -> None:
        """Wait for the app's after-ack work, then deliver what it queued, as the sender would."""
        for _ in range(3):
            self.deps.background.submit(lambda: None).result(timeout=30)
            if not self.deps.outbox.run_until_idle().handled:
                break

    def show_answer(self, answer: dict[str, Any], *, home: bool = False, when: datetime | None = None) -> None:
        """The request's own answer, then everything Slack was asked to show since the last line."""
        buttons: list[Button] = []
        lines: list[str] = []
        if answer.get("text") or answer.get("blocks"):
            lines.append("── reply (only you can see it) " + "─" * 20)
            lines += render_message(answer, names=self.name, buttons=buttons, where={"ephemeral": True})
        self.settle()
        calls = self.slack.calls()
        new, self._seen = calls[self._seen :], len(calls)
        modal: Modal | None = None
        for call in new:
            if call.outcome != "ok":
                continue
            shown, opened = self._render_call(call, buttons, home=home)
            lines += shown
            modal = opened or modal
        if lines and when is not None:
            lines.insert(0, f"═══ {self.local(when)} ═══")
        if lines:
            self.echo("\n".join(lines))
        if buttons:
            self.buttons = buttons
        if modal is not None:
            self.fill(modal)

    def _audience(self, channel: str) -> tuple[str, bool]:
        members = self.slack.members_of(channel)
        if members is None:
            wins = self.config.wins.channel if self.config.wins else None
            return f"#{'wins' if channel == wins else channel}", True
        names = ", ".join("@" + self.name(m) for m in members)
        if len(members) == 1:
            return f"DM from Pacer to {names}", members[0] == self.me.user_id
        return f"group DM ({names}, Pacer)", self.me.user_id in members

    def _render_call(self, call: Call, buttons: list[Button], *, home: bool) -> tuple[list[str], Modal | None]:
        args, response = call.args, call.response if isinstance(call.response, dict) else {}
        if call.method == "response_url":
            if args.get("delete_original"):
                return ["── (the message above was deleted)"], None
            how = "replaces the message above" if args.get("replace_original") else "only you can see it"
            head = [f"── reply ({how}) " + "─" * 20]
            return head + render_message(args, names=self.name, buttons=buttons, where={"ephemeral": True}), None
        if call.method in ("chat.postMessage", "chat.update"):
            channel = str(response.get("channel") or args.get("channel") or "")
            message = response.get("message") or args
            audience, visible = self._audience(channel)
            thread = " · in the thread" if args.get("thread_ts") else ""
            edited = " · updated" if call.method == "chat.update" else ""
            if not visible:
                first = plain(str(args.get("text") or ""), self.name).split("\n")[0][:80]
                return [f"· {audience}{thread}{edited}: {first}"], None
            where = {"ephemeral": False, "channel": channel, "ts": response.get("ts", ""), "message": message}
            head = [f"── {audience}{thread}{edited} " + "─" * 10]
            return head + render_message(args, names=self.name, buttons=buttons, where=where), None
        if call.method == "chat.postEphemeral" and args.get("user") == self.me.user_id:
            head = ["── reply (only you can see it) " + "─" * 20]
            return head + render_message(args, names=self.name, buttons=buttons, where={"ephemeral": True}), None
        if call.method in ("views.open", "views.push"):
            view = response.get("view") or {}
            return [], Modal(view_id=str(view.get("id")), view=view)
        if call.method == "views.update":
            view = response.get("view") or {}
            return self._render_view(view, buttons), None
        if call.method == "views.publish":
            if not home or args.get("user_id") != self.me.user_id:
                return [], None
            view = response.get("view") or {}
            head = [f"── Home tab of @{self.me.handle} " + "─" * 20]
            return head + render_blocks(
                view.get("blocks") or [], names=self.name, buttons=buttons, where=_in(view)
            ), None
        return [], None

    def _render_view(self, view: dict[str, Any], buttons: list[Button]) -> list[str]:
        title = (view.get("title") or {}).get("text", "")
        head = [f"── modal: {title} " + "─" * 20]
        return head + render_blocks(view.get("blocks") or [], names=self.name, buttons=buttons, where=_in(view))

    # ------------------------------------------------------------------ modals

    def fill(self, modal: Modal) -> None:
        """Ask for each input of the modal, submit it, and ask again for the fields Pacer refused."""
        view = modal.view
        buttons: list[Button] = []
        self.echo("\n".join(self._render_view(view, buttons)))
        self.echo(
            f"  (fill in each field; an empty answer keeps the default or skips an optional one; {CANCEL} closes)"
        )
        inputs = [block for block in view.get("blocks") or [] if block.get("type") == "input"]
        values: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        asking = inputs
        while True:
            for block in asking:
                state = self._ask_field(block, errors.get(str(block.get("block_id"))))
                if state is None:
                    self.echo("  (modal closed)")
                    return
                element = block.get("element") or {}
                values[str(block.get("block_id"))] = {str(element.get("action_id")): state}
            payload = {
                "type": "view_submission",
                "view": {
                    **view,
                    "state": {"values": values},
                },
                "response_urls": [],
            }
            answer = self._interactive(payload)
            action = answer.get("response_action")
            if action == "errors":
                errors = {str(k): str(v) for k, v in (answer.get("errors") or {}).items()}
                asking = [block for block in inputs if str(block.get("block_id")) in errors]
                if not asking:
                    self.echo("  ⚠ " + "; ".join(errors.values()))
                    return
                continue
            if action in ("update", "push") and isinstance(answer.get("view"), dict):
                shown = {**answer["view"], "id": view.get("id")}
                new_buttons: list[Button] = []
                self.echo("\n".join(self._render_view(shown, new_buttons)))
                if new_buttons:
                    self.buttons = new_buttons
            else:
                self.echo("  (submitted; the modal closes)")
            self.show_answer({})
            return

    def _ask_field(self, block: dict[str, Any], error: str | None) -> dict[str, Any] | None:
        element = block.get("element") or {}
        kind = element.get("type")
        label = plain(str((block.get("label") or {}).get("text", "")), self.name)
        optional = bool(block.get("optional"))
        if error:
            self.echo(f"  ⚠ {label}: {plain(error, self.name)}")
        options = element.get("options") or [o for g in element.get("option_groups") or [] for o in g["options"]]
        if options:
            listed = "  ".join(f"{i}) {plain(o['text']['text'], self.name)}" for i, o in enumerate(options, 1))
            self.echo(f"  {label}: {listed}")
        while True:
            default = self._default(element, options)
            prompt = f"  {label}{' (optional)' if optional else ''}{f' [{default}]' if default else ''}: "
            answer = self.ask(prompt)
            if answer is None or answer.strip() == CANCEL:
                return None
            answer = answer.strip()
            if not answer and default:
                answer = default
            if not answer and not optional:
                self.echo("  ⚠ Please complete this required field.")
                continue
            state, problem = _element_state(kind, element, options, answer, self)
            if problem is None:
                return state
            self.echo(f"  ⚠ {problem}")

    def _default(self, element: dict[str, Any], options: list[dict[str, Any]]) -> str:
        if element.get("initial_value"):
            return str(element["initial_value"])
        if element.get("initial_date"):
            return str(element["initial_date"])
        if element.get("initial_user"):
            return "@" + self.name(str(element["initial_user"]))
        initial = element.get("initial_option")
        if isinstance(initial, dict):
            return str(next((i for i, o in enumerate(options, 1) if o.get("value") == initial.get("value")), ""))
        return ""


def _in(view: dict[str, Any]) -> dict[str, Any]:
    return {"type": "view", "view": view}


def _element_state(
    kind: Any, element: dict[str, Any], options: list[dict[str, Any]], answer: str, console: Console
) -> tuple[dict[str, Any], str | None]:
    """What Slack would put in `view.state` for this answer, or a problem Slack's client would show."""
    if kind in ("static_select", "radio_buttons"):
        if not answer:
            return {"type": kind, "selected_option": None}, None
        chosen = _option(options, answer)
        if chosen is None:
            return {}, f"choose a number from 1 to {len(options)}"
        return {"type": kind, "selected_option": chosen}, None
    if kind in ("multi_static_select", "checkboxes"):
        picked = [_option(options, part.strip()) for part in answer.split(",") if part.strip()]
        if any(p is None for p in picked):
            return {}, f"choose numbers from 1 to {len(options)}, separated by commas, e.g. 1,3"
        return {"type": kind, "selected_options": picked}, None
    if kind == "datepicker":
        if not answer:
            return {"type": kind, "selected_date": None}, None
        try:
            datetime.strptime(answer, "%Y-%m-%d")
        except ValueError:
            return {}, "a date as YYYY-MM-DD, e.g. 2026-11-24"
        return {"type": kind, "selected_date": answer}, None
    if kind == "users_select":
        if not answer:
            return {"type": kind, "selected_user": None}, None
        try:
            return {"type": kind, "selected_user": console.person(answer).user_id}, None
        except ConsoleError as error:
            return {}, str(error)
    if kind == "multi_users_select":
        try:
            users = [console.person(part).user_id for part in answer.replace(",", " ").split()]
        except ConsoleError as error:
            return {}, str(error)
        return {"type": kind, "selected_users": users}, None
    if kind == "number_input" and answer:
        pattern = r"-?\d+(\.\d+)?" if element.get("is_decimal_allowed") else r"-?\d+"
        if not re.fullmatch(pattern, answer):
            return {}, "a number, e.g. 4" + (" or 4.5" if element.get("is_decimal_allowed") else "")
    return {"type": kind or "plain_text_input", "value": answer or None}, None


def _option(options: list[dict[str, Any]], answer: str) -> dict[str, Any] | None:
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1]
    folded = answer.casefold()
    return next((o for o in options if str(o["text"]["text"]).casefold() == folded or o.get("value") == answer), None)
