"""Events: `user_change` keeps a member's name, time zone and locale current.

Slack retries an event it thinks was not delivered (same `event_id`, `X-Slack-Retry-Num` set);
the event's receipt is stored with its effect, so a retry changes nothing.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.services import members
from handlers import ids


def register(app: App, deps: Deps) -> None:
    app.event(ids.USER_CHANGE)(partial(user_changed, deps=deps))


def user_changed(body: dict[str, Any], event: dict[str, Any], *, deps: Deps) -> None:
    members.apply_user_change(
        deps.db,
        deps.directory,
        team_id=body["team_id"],
        event_id=body["event_id"],
        user=event["user"],
        now=deps.clock(),
    )
