"""Events: `user_change` keeps a member's name, time zone and locale current.

Slack retries an event it thinks was not delivered (same `event_id`, `X-Slack-Retry-Num` set);
the event's receipt is stored with its effect, so a retry changes nothing.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.store import receipts, workspaces
from handlers import ids
from handlers.replies import refresh_from_event


def register(app: App, deps: Deps) -> None:
    app.event(ids.USER_CHANGE)(partial(user_changed, deps=deps))


def user_changed(body: dict[str, Any], event: dict[str, Any], *, deps: Deps) -> None:
    team_id, key = body["team_id"], f"event:{body['event_id']}"
    now = deps.clock()
    with deps.db.transaction() as session:
        workspace = workspaces.ensure_workspace(session, team_id=team_id, now=now)
        assert workspace.id is not None
        if receipts.find(session, workspace_id=workspace.id, key=key) is not None:
            return
        receipts.save(session, workspace_id=workspace.id, key=key, response=None, now=now)
        refresh_from_event(deps, session, team_id, event["user"])
    deps.directory.forget(team_id, event["user"]["id"])
