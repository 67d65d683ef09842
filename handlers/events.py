"""Events: `user_change` keeps a member's name, time zone and locale current; `app_uninstalled` tells
the admins in the log what they may run.

Slack retries an event it thinks was not delivered (same `event_id`, `X-Slack-Retry-Num` set);
the event's receipt is stored with its effect, so a retry changes nothing.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.services import members
from handlers import ids

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    app.event(ids.USER_CHANGE)(partial(user_changed, deps=deps))
    app.event(ids.APP_UNINSTALLED)(app_uninstalled)


def user_changed(body: dict[str, Any], event: dict[str, Any], *, deps: Deps) -> None:
    members.apply_user_change(
        deps.db,
        deps.directory,
        team_id=body["team_id"],
        event_id=body["event_id"],
        user=event["user"],
        now=deps.clock(),
    )


def app_uninstalled(body: dict[str, Any]) -> None:
    """Pacer was removed from a workspace. Its records stay: HR may need them, and reinstalling brings
    them back. Erasing them is the admin's explicit decision (docs/operations.md), said here in the log."""
    team_id = body.get("team_id")
    logger.warning(
        "Pacer was uninstalled from the Slack workspace %s. Its records stay in the database until an admin "
        "erases them: export what HR must keep (pacer export evaluations --team-id %s --period …), take a "
        "backup, then run: pacer workspace erase %s --yes (see docs/operations.md)",
        team_id,
        team_id,
        team_id,
    )
