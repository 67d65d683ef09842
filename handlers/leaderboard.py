"""`/leaderboard [metric|score] [period]`: the caller's team ranked (admins may add a team name).

The default period is the current one of the cadence most of the team's reps are evaluated on
(monthly for a team of hunters); `this-period`, `last-month`, `2026-Q4` and the like pick another.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.config import PacerConfig, Team
from bot.deps import Deps
from bot.directory import Caller
from bot.services import leaderboard as service
from handlers import ids
from handlers.blocks import leaderboard as blocks
from handlers.blocks.common import section
from handlers.envelope import MalformedRequest, button_value
from handlers.replies import Reply, answer_action, answer_command
from scoring.metrics import METRICS
from scoring.periods import parse_period
from scoring.text import drop_invisible

PERIOD_START = re.compile(r"^(\d|this|last|next|q\d|fy)", re.IGNORECASE)


def register(app: App, deps: Deps) -> None:
    app.command(ids.LEADERBOARD)(partial(command, deps=deps))
    app.action(ids.LEADERBOARD_MORE)(partial(more_clicked, deps=deps))


def split_team(text: str, teams: list[Team]) -> tuple[str, str | None]:
    """(the text without a trailing team name, that name) — `revenue last-month East Coast`."""
    folded = text.casefold()
    for team in sorted(teams, key=lambda t: -len(t.name)):
        name = team.name.casefold()
        if folded == name:
            return "", team.name
        if folded.endswith(" " + name):
            return text[: -len(name)].strip(), team.name
    return text, None


def parse(text: str, config: PacerConfig) -> tuple[str, str | None, str | None]:
    """(metric or "score", period text, team name) from the command text; a typed error for an unknown metric."""
    cleaned = " ".join(unicodedata.normalize("NFKC", drop_invisible(text or "")).split())
    rest, team = split_team(cleaned, config.teams)
    if not rest:
        return service.SCORE, None, team
    first, _, after = rest.partition(" ")
    metric = service.metric_name(first)
    if metric is not None:
        return metric, after.strip() or None, team
    if PERIOD_START.match(first):
        return service.SCORE, rest, team
    raise service.unknown_metric(first)


def command(ack: Ack, command: dict[str, Any], *, deps: Deps) -> None:
    config = deps.config

    def work(caller: Caller) -> Reply:
        text = command.get("text") or ""
        if text.strip().lower() in ("help", "?"):
            return Reply(blocks=[section(blocks.HELP)], text="How /leaderboard works")
        metric, period_text, team_name = parse(text, config)
        team = service.team_for(config, caller, team_name)
        if team is None:
            return Reply(blocks=[section(blocks.NO_TEAM)], text="You're not on a team yet.")
        period = None
        if period_text:
            period = parse_period(
                period_text,
                today=caller.today,
                cadence=service.team_cadence(config, team),
                calendar=config.calendar.calendar(),
                command="/leaderboard",
            )
        with deps.db.reading() as session:
            board = service.leaderboard(session, caller, config=config, team=team, metric=metric, period=period)
        return Reply(
            blocks=blocks.leaderboard_blocks(board, currency=config.currency, rule=board.recognition),
            text=blocks.plain_text(board, currency=config.currency),
        )

    answer_command(ack, command, deps, work)


@dataclass(frozen=True)
class _Page:
    metric: str
    period: str
    team: str
    start: int


def _page(value: str) -> _Page:
    """The Show more button's value (handlers/blocks/leaderboard.more_value); MalformedRequest otherwise."""
    try:
        data = json.loads(value)
        page = _Page(metric=data["metric"], period=data["period"], team=data["team"], start=data["from"])
    except (ValueError, TypeError, KeyError):
        raise MalformedRequest("the Show more button's value is not a leaderboard page") from None
    if not (
        (page.metric == service.SCORE or page.metric in METRICS)
        and all(isinstance(v, str) for v in (page.period, page.team))
        and isinstance(page.start, int)
        and 0 < page.start < 1_000_000
    ):
        raise MalformedRequest("the Show more button's value is not a leaderboard page")
    return page


def more_clicked(ack: Ack, body: dict[str, Any], respond: Respond, *, deps: Deps) -> None:
    """Show more: the next places of the same board, as a new message; permissions are checked again."""
    page = _page(button_value(body))
    config = deps.config

    def work(caller: Caller) -> Reply:
        team = service.team_for(config, caller, page.team)
        assert team is not None  # a named team is found or refused
        period = parse_period(
            page.period,
            today=caller.today,
            cadence=service.team_cadence(config, team),
            calendar=config.calendar.calendar(),
            command="/leaderboard",
        )
        with deps.db.reading() as session:
            board = service.leaderboard(session, caller, config=config, team=team, metric=page.metric, period=period)
        return Reply(
            blocks=blocks.leaderboard_blocks(board, currency=config.currency, rule=board.recognition, start=page.start),
            text=f"{board.team} leaderboard, {board.period.label}: places from {page.start + 1}",
        )

    answer_action(ack, body, respond, deps, work, view_title="Leaderboard", replace=False)
