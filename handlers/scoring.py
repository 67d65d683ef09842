"""`/progress [@member] [period]` and `/scorecard [@member|profile]`."""

from __future__ import annotations

import re
import unicodedata
from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.deps import Deps
from bot.directory import Caller
from bot.services import members, rules
from bot.services import progress as service
from handlers import ids
from handlers.blocks.common import section
from handlers.blocks.scoring import progress_blocks, scorecard_blocks
from handlers.replies import Reply, answer_command
from scoring.errors import InputError
from scoring.periods import parse_period

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
PROGRESS_EXAMPLE = "/progress @dana last-month"
PROGRESS_HELP = (
    "*Your progress* — `/progress` (this period), `/progress last-month`, `/progress 2026-Q4`; managers: "
    "`/progress @rep`. Every line shows actual, target, attainment, weight and points; the points add up to "
    "the score. Pace compares you with the share of working days gone."
)
SCORECARD_HELP = (
    "*Published rules* — `/scorecard` (yours), `/scorecard @member`, `/scorecard hunter`. "
    "The same metrics, weights, caps and bands apply to everyone on a profile."
)


def register(app: App, deps: Deps) -> None:
    app.command(ids.PROGRESS)(partial(progress_command, deps=deps))
    app.command(ids.SCORECARD)(partial(scorecard_command, deps=deps))


def split_mention(text: str) -> tuple[str | None, str]:
    """(user id of a leading `<@U…>` mention, the rest of the text)."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    head, _, rest = cleaned.partition(" ")
    found = MENTION.match(head)
    if found:
        return found.group(1), rest.strip()
    if head.startswith("@"):
        raise InputError(
            f"Pick the person from Slack's @-menu so the mention becomes a link; “{head}” is plain text.",
            example=PROGRESS_EXAMPLE,
        )
    return None, cleaned


def progress_command(ack: Ack, command: dict[str, Any], *, deps: Deps) -> None:
    config = deps.config

    def work(caller: Caller) -> Reply:
        user_id, rest = split_mention(command.get("text") or "")
        if user_id is None and rest.lower() in ("help", "?"):
            return Reply(blocks=[section(PROGRESS_HELP)], text="How /progress works")
        with deps.db.reading() as session:
            member = service.subject_of(session, caller, user_id)
            profile = config.profile_for(member.user_id, member.profile)
            period = None
            if rest:
                period = parse_period(
                    rest,
                    today=caller.today,
                    cadence=profile.cadence,
                    calendar=config.calendar.calendar(),
                    command="/progress",
                )
            report = service.progress(session, caller, member, config=config, period=period)
        return Reply(
            blocks=progress_blocks(report, currency=config.currency, rule=report.rules.recognition),
            text=f"{report.person.name}: {report.score.total} pts ({report.score.rating}) in {report.period.label}",
        )

    answer_command(ack, command, deps, work)


def scorecard_command(ack: Ack, command: dict[str, Any], *, deps: Deps) -> None:
    config = deps.config
    names = sorted(config.all_profiles)

    def work(caller: Caller) -> Reply:
        user_id, rest = split_mention(command.get("text") or "")
        if user_id is None and rest.lower() in ("help", "?"):
            return Reply(blocks=[section(SCORECARD_HELP)], text="How /scorecard works")
        if rest and user_id is None:
            name = rest.lower()
            if name not in config.all_profiles:
                raise InputError(
                    f"There is no profile “{rest[:40]}”. Profiles: {', '.join(names)}.",
                    example=f"/scorecard {names[0]}",
                )
            profile = config.all_profiles[name]
        else:
            profile = members.profile_of(deps.db, caller, user_id=user_id or caller.user_id, config=config)
        in_force, scheduled, _ = rules.overview(deps.db, caller, config=config)
        upcoming = (
            f"Published rules change from {scheduled[0].effective_from:%B %Y}: see `/pacer rules`."
            if scheduled
            else None
        )
        return Reply(
            blocks=scorecard_blocks(
                profile, currency=config.currency, rule=in_force.recognition, profiles=names, upcoming=upcoming
            ),
            text=f"The {profile.name} scorecard",
        )

    answer_command(ack, command, deps, work)
