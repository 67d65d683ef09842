"""`/pacer nudges` (every member, not only admins) and the Snooze buttons of the daily nudge.

/pacer nudges             your setting and the next nudge, in your local time
/pacer nudges 08:30       nudge at 08:30 (also 8:30am, 8.30, 17h, 1730)
/pacer nudges off | on    pause or resume
"""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.deps import Deps
from bot.directory import Caller
from bot.services import nudges as service
from handlers import ids
from handlers.blocks.nudges import EXAMPLE_TIME, setting_blocks, snoozed_blocks
from handlers.replies import Reply, ephemeral, error_reply, run
from handlers.text import show
from scoring.errors import InputError, PacerError
from scoring.schedule import parse_local_time

SNOOZES: dict[str, service.SnoozeChoice] = {ids.NUDGE_SNOOZE_DAY: "day", ids.NUDGE_SNOOZE_WEEK: "week"}


def register(app: App, deps: Deps) -> None:
    for action_id in SNOOZES:
        app.action(action_id)(partial(snooze_clicked, deps=deps))


def settings_reply(deps: Deps, caller: Caller, rest: str) -> Reply:
    """The answer to `/pacer nudges [HH:MM|off|on]`."""
    word = unicodedata.normalize("NFKC", rest).strip().lower()
    now, config = deps.clock(), deps.config
    if word in ("", "status", "show"):
        setting = service.setting(deps.db, caller, config=config, now=now)
        return Reply(blocks=setting_blocks(setting), text=_plain(setting))
    if word in ("off", "pause", "stop"):
        setting = service.switch(deps.db, caller, config=config, on=False, now=now)
        return Reply(blocks=setting_blocks(setting, changed="Daily nudges paused."), text="Daily nudges paused.")
    if word in ("on", "resume", "start"):
        setting = service.switch(deps.db, caller, config=config, on=True, now=now)
        return Reply(blocks=setting_blocks(setting, changed="Daily nudges on."), text="Daily nudges on.")
    at = parse_local_time(word)
    if at is None:
        raise InputError(
            f"“{show(rest.strip())}” isn't a time of day. "
            "Give a 24-hour time like 08:30 or 17:00, or 8:30am, or `off` / `on`.",
            example=EXAMPLE_TIME,
        )
    setting = service.set_time(deps.db, caller, config=config, at=at, now=now)
    changed = f"Your daily nudge now comes at {at.strftime('%H:%M')} ({setting.tz.key})."
    return Reply(blocks=setting_blocks(setting, changed=changed), text=changed)


def _plain(setting: service.Setting) -> str:
    state = "off" if not setting.enabled else f"at {setting.local_time.strftime('%H:%M')} ({setting.tz.key})"
    return f"Your daily nudge: {state}"


def snooze_clicked(ack: Ack, body: dict[str, Any], respond: Respond, *, deps: Deps) -> None:
    """Ack at once; snoozing from the same nudge twice (a double click) gives the same result."""
    ack()
    action = body["actions"][0]
    choice = SNOOZES[action["action_id"]]

    def work(caller: Caller) -> Reply:
        try:
            nudge_day = date.fromisoformat(action.get("value") or "")
        except ValueError:
            nudge_day = caller.today
        resume, setting = service.snooze(
            deps.db, caller, config=deps.config, nudge_day=nudge_day, choice=choice, now=deps.clock()
        )
        return Reply(blocks=snoozed_blocks(resume, setting), text=f"Snoozed until {resume.isoformat()}")

    try:
        reply = run(deps, body["team"]["id"], body["user"]["id"], work)
    except PacerError as error:
        reply = error_reply(error)
    deps.after_ack(respond, **ephemeral(reply), replace_original=False)
