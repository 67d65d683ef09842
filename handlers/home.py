"""The Home tab: `app_home_opened` publishes the rep's dashboard (a team view for managers).

It is published after the ack, from its own read transaction, and again after each deal the rep logs.
Publishing is idempotent (the latest view wins), so a retried event only publishes the same view again;
the one thing stored — the member, on first contact — is stored once.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.models.views import View

from bot.deps import Deps
from bot.directory import Caller
from bot.services import home as service
from bot.services import members, rules
from handlers import ids
from handlers.blocks import activities as activity_blocks
from handlers.blocks import deals as deal_blocks
from handlers.blocks import home as blocks

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    app.event(ids.APP_HOME_OPENED)(partial(home_opened, deps=deps))
    app.action(ids.HOME_LOG_DEAL)(partial(log_deal_clicked, deps=deps))
    app.action(ids.HOME_LOG_ACTIVITY)(partial(log_activity_clicked, deps=deps))


def home_opened(body: dict[str, Any], event: dict[str, Any], *, deps: Deps) -> None:
    if event.get("tab", "home") != "home":  # the Messages tab needs nothing from us
        return
    deps.after_ack(home_seen, deps, body["team_id"], event["user"])


def home_seen(deps: Deps, team_id: str, user_id: str) -> None:
    """Remember that this member uses the Home tab (so deals refresh it), then publish it."""

    def mark(caller: Caller) -> None:
        members.mark_home_opened(deps.db, deps.directory, caller, now=deps.clock())

    try:
        deps.uow.run(team_id, user_id, mark)
    except Exception:
        logger.exception("could not record the Home tab visit team=%s user=%s", team_id, user_id)
    publish_home(deps, team_id, user_id)


def publish_home(deps: Deps, team_id: str, user_id: str) -> None:
    """Build the dashboard in a read transaction and publish it; failures are logged, never raised."""
    try:
        view = deps.uow.run(team_id, user_id, partial(_dashboard, deps))
    except Exception:
        logger.exception("home tab could not be built team=%s user=%s", team_id, user_id)
        view = blocks.unavailable_view()
    try:
        deps.client.views_publish(user_id=user_id, view=view)
    except Exception:
        logger.exception("views.publish failed team=%s user=%s", team_id, user_id)


def _dashboard(deps: Deps, caller: Caller) -> View:
    with deps.db.reading() as session:
        dashboard = service.dashboard(session, caller, config=deps.config)
    if caller.stale:
        refresh_after_ack(deps, caller.team_id, caller.user_id)
    return blocks.home_view(
        dashboard, currency=deps.config.currency, deal_action=ids.HOME_LOG_DEAL, activity_action=ids.HOME_LOG_ACTIVITY
    )


def refresh_after_ack(deps: Deps, team_id: str, user_id: str) -> None:
    """Refresh a stale member's Slack profile once the request has been answered."""
    deps.after_ack(members.refresh, deps.db, deps.directory, team_id=team_id, user_id=user_id, now=deps.clock())


def log_deal_clicked(ack: Ack, body: dict[str, Any], *, deps: Deps) -> None:
    ack()
    deps.after_ack(open_form, deps, body, "deal")


def log_activity_clicked(ack: Ack, body: dict[str, Any], *, deps: Deps) -> None:
    ack()
    deps.after_ack(open_form, deps, body, "activity")


def open_form(deps: Deps, body: dict[str, Any], kind: str) -> None:
    """The same modals `/deal` and `/activity` open, dated in the clicker's time zone."""
    caller = deps.uow.run(body["team"]["id"], body["user"]["id"], lambda caller: caller)
    if kind == "deal":
        with deps.db.reading() as session:
            products = rules.product_names(session, caller, config=deps.config)
        view = deal_blocks.modal(products=products, today=caller.today, metadata={})
    else:
        view = activity_blocks.modal(today=caller.today, metadata={})
    deps.client.views_open(trigger_id=body["trigger_id"], view=view)
