"""How a listener answers: one place that turns results and typed errors into Slack replies.

A `Reply`'s `text` and a typed error's message are plain text that may quote the user as typed;
`ephemeral` escapes the text exactly once on its way out, as the Block Kit builders escape the
blocks, so a fallback can't carry `<!channel>`, a mention or a link any more than the blocks can.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk.models.views import View
from sqlmodel import Session

from bot.deps import Deps
from bot.directory import Caller
from handlers import home
from handlers.blocks.common import AnyBlock, as_dicts, error_blocks, error_text, escape
from scoring.errors import PacerError

logger = logging.getLogger(__name__)


@dataclass
class Reply:
    """What a listener says back: blocks with a plain-text fallback, or a modal to open.

    `text` is plain text with user text as typed (`ephemeral` escapes it); `blocks` come from the
    builders, which escape as they build."""

    blocks: Sequence[AnyBlock] = field(default_factory=list)
    text: str = ""
    open_view: View | None = None
    queued: bool = False  # the work queued outbox messages: wake the sender
    recorded_work: bool = False  # a deal or activity was recorded: refresh the Home tab (if it is used)


def run(deps: Deps, team_id: str, user_id: str, work: Callable[[Caller], Reply]) -> Reply:
    """One unit of work for one request; a stale member profile is refreshed after the ack.

    `work` opens the transactions it needs: `deps.db.reading()` to look, `deps.db.transaction()`
    to change — short, and never around a Slack call.
    """
    callers: list[Caller] = []

    def tracked(caller: Caller) -> Reply:
        callers[:] = [caller]
        return work(caller)

    reply = deps.uow.run(team_id, user_id, tracked)  # committed by now: post-ack work sees it
    if reply.queued:
        deps.outbox.kick()
    caller = callers[0] if callers else None
    if caller is not None and caller.stale:
        home.refresh_after_ack(deps, team_id, user_id)
    if caller is not None and reply.recorded_work and caller.uses_home:
        deps.after_ack(home.publish_home, deps, team_id, user_id)  # the Home tab shows the new work and score
    return reply


def transactional(deps: Deps, work: Callable[[Session, Caller], Reply]) -> Callable[[Caller], Reply]:
    """Work that needs one write transaction around it."""

    def in_transaction(caller: Caller) -> Reply:
        with deps.db.transaction() as session:
            return work(session, caller)

    return in_transaction


def error_reply(error: PacerError) -> Reply:
    return Reply(blocks=error_blocks(error), text=error_text(error))


def ephemeral(reply: Reply) -> dict[str, Any]:
    """The body of an ephemeral answer, for `ack` or `respond`: the one place a fallback is escaped."""
    return {"response_type": "ephemeral", "text": escape(reply.text), "blocks": as_dicts(reply.blocks)}


def answer_command(ack: Ack, command: dict[str, Any], deps: Deps, work: Callable[[Caller], Reply]) -> None:
    """Slash command: the ack carries the ephemeral answer; a modal opens after the ack."""
    try:
        reply = run(deps, command["team_id"], command["user_id"], work)
    except PacerError as error:
        ack(**ephemeral(error_reply(error)))
        return
    if reply.open_view is not None:
        ack()
        deps.after_ack(deps.client.views_open, trigger_id=command["trigger_id"], view=reply.open_view)
        return
    ack(**ephemeral(reply))


def answer_action(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    deps: Deps,
    work: Callable[[Caller], Reply],
    *,
    view_title: str,
    replace: bool = True,
) -> None:
    """Button: ack at once, then replace the message (or the modal) that held the button.

    `replace=False` answers with a new ephemeral message instead (a Show more button's next part).
    """
    ack()
    try:
        reply = run(deps, body["team"]["id"], body["user"]["id"], work)
    except PacerError as error:
        reply, replace = error_reply(error), False
    container = body.get("container") or {}
    if container.get("type") == "view" and body.get("view"):
        view = View(type="modal", title=view_title, close="Done", blocks=reply.blocks)
        deps.after_ack(deps.client.views_update, view_id=body["view"]["id"], view=view)
    else:
        deps.after_ack(respond, **ephemeral(reply), replace_original=replace)
