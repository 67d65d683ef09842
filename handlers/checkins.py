"""`/checkin`: a manager (or an admin) opens a rep's evaluation check-in, or their whole team's.

/checkin @member [period]   the member's check-in for an ended period (default: their latest)
/checkin team [period]      every direct report's
/checkin  ·  /checkin help  how it works, and the caller's team's latest check-ins

The request is checked at once (who, which period, may the caller) and acknowledged with what is about to
happen; the freezing, the opening and the link to the thread come after the ack, through `respond`.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.directory import Caller
from bot.services import checkin_open as service
from bot.services import members
from handlers import ids
from handlers.blocks import checkins as blocks
from handlers.blocks.checkins import MESSAGES
from handlers.blocks.common import section
from handlers.replies import Reply, answer_command, ephemeral, error_reply
from scoring.errors import InputError, PacerError
from scoring.numerals import normalize

logger = logging.getLogger(__name__)

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def register(app: App, deps: Deps) -> None:
    app.command(ids.CHECKIN)(partial(checkin_command, deps=deps))


def checkin_command(ack: Ack, command: dict[str, Any], respond: Respond, *, deps: Deps) -> None:
    text = normalize(command.get("text") or "").strip()
    head, _, rest = text.partition(" ")
    rest = rest.strip()
    word = head.lower()
    later: list[Any] = []

    def check(caller: Caller) -> Reply:
        now = deps.clock()
        if not text or word in ("help", "?"):
            rows = service.team_overview(deps.db, caller, config=deps.config, now=now)
            return Reply(blocks=blocks.help_blocks(rows), text="How /checkin works")
        if word == "team":
            plan = service.team_plan(deps.db, caller, config=deps.config, period_text=rest, now=now)
            if not plan.targets and not plan.skipped:
                none, plain = blocks.no_reports()
                return Reply(blocks=none, text=plain)
            later.append(partial(_open_team, deps, caller, plan))
            plain = f"Opening the check-ins of your {len(plan.targets)} reports…"
            return Reply(blocks=[section(plain)], text=plain)
        found = MENTION.match(head)
        if found is None:
            raise InputError(
                "Whose check-in? Start with an @-mention of the rep picked from Slack's menu (or `team`, `help`).",
                example=service.EXAMPLE,
            )
        user_id = found.group(1)
        members.ensure_registered(
            deps.db,
            deps.directory,
            caller,
            user_id=user_id,
            now=now,
            example=service.EXAMPLE,
            may=partial(service.may_open, caller),
        )
        chosen = service.target(deps.db, caller, config=deps.config, user_id=user_id, period_text=rest, now=now)
        later.append(partial(_open_one, deps, caller, chosen))
        plain = blocks.opening_text(chosen.name, chosen.period.label)
        return Reply(blocks=[section(plain)], text=plain)

    answer_command(ack, command, deps, check)
    for work in later:
        deps.after_ack(_answer, deps, respond, work)


def _answer(deps: Deps, respond: Respond, work: Any) -> None:
    try:
        reply = work()
    except PacerError as error:
        reply = error_reply(error)
    deps.outbox.kick()
    respond(**ephemeral(reply), replace_original=False)


def _open_one(deps: Deps, caller: Caller, chosen: service.Target) -> Reply:
    outcome = service.open_for(deps.db, caller, chosen, config=deps.config, render=MESSAGES, now=deps.clock())
    found, plain = blocks.outcomes([(outcome, _link(deps, outcome))])
    return Reply(blocks=found, text=plain)


def _open_team(deps: Deps, caller: Caller, plan: service.TeamPlan) -> Reply:
    done = service.open_team(deps.db, caller, plan, config=deps.config, render=MESSAGES, now=deps.clock())
    found, plain = blocks.outcomes([(outcome, _link(deps, outcome)) for outcome in done])
    return Reply(blocks=found, text=plain)


def _link(deps: Deps, outcome: service.Outcome) -> str | None:
    """The permalink of the check-in's parent once Slack has it (None: not posted yet)."""
    posted = outcome.posted
    if posted is None or posted.ts is None or posted.conversation is None:
        return None
    try:
        answer = deps.client.chat_getPermalink(channel=posted.conversation, message_ts=posted.ts)
    except SlackApiError:
        logger.warning("chat.getPermalink failed for %s %s", posted.conversation, posted.ts, exc_info=True)
        return None
    link = answer.get("permalink")
    return link if isinstance(link, str) else None
