"""Block Kit for `/leaderboard`: one line per rep — place, bar, name, value with its unit."""

from __future__ import annotations

import json
from decimal import Decimal

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.services.leaderboard import SCORE, Board, Entry, Standing
from handlers import ids
from handlers.blocks.common import (
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    clip,
    context,
    day,
    escape,
    listed,
    mention,
    more_button,
    section,
)
from handlers.blocks.scoring import bar
from scoring.metrics import METRICS, format_percent, format_value

MAX_LINES = 50  # places per message; Show more gives the next ones
BUTTON_VALUE_MAX = 2000
NAME_CHARS = 40
MEDALS = {1: ":first_place_medal:", 2: ":second_place_medal:", 3: ":third_place_medal:"}

HELP = (
    "*Team leaderboard* — `/leaderboard` ranks your team by score this period; "
    "`/leaderboard revenue`, `/leaderboard deals last-month`, `/leaderboard score 2026-Q4` rank by one metric "
    "or another period. Admins add a team name: `/leaderboard score this-month East`.\n"
    f"Metrics: {', '.join(METRICS)}."
)

NO_TEAM = (
    "You're not on a team yet, so there is no team leaderboard to show you. Teams are set in `pacer.yml` "
    "under `teams:` — each has a `name`, a `manager` and its `members` (Slack user ids). "
    "Ask a Pacer admin to add you; meanwhile `/progress` shows your own standing."
)


def display_name(standing: Standing) -> str:
    """The stored name; a mention (Slack shows the name) for a member who has not used Pacer yet."""
    if standing.member_id is None:
        return mention(standing.user_id)
    return escape(standing.name[:NAME_CHARS])


def _value(board: Board, entry: Entry, currency: str) -> str:
    if board.metric == SCORE:
        return f"*{entry.value} pts* · {entry.standing.score.rating}"
    text = f"*{format_value(board.unit, entry.value, currency=currency)}*"
    if entry.target is not None and entry.attainment is not None:
        target = format_value(board.unit, entry.target, currency=currency)
        text += f" · {format_percent(entry.attainment, places=0)} of {target}"
    return text


def _line(board: Board, entry: Entry, leader: Decimal, currency: str) -> str:
    name = display_name(entry.standing)
    fraction = entry.value / leader if leader > 0 else Decimal(0)
    medal = f"{MEDALS[entry.rank]} " if entry.rank in MEDALS and entry.value > 0 else ""
    text = f"`{entry.rank_label:>3}` `{bar(fraction)}` {medal}{name} — {_value(board, entry, currency)}"
    if entry.standing.user_id == board.viewer:
        text += "  :point_left: *you*"
    return text


def more_value(board: Board, start: int) -> str:
    """What the Show more button carries: the board's metric, period and team, and the next place."""
    return json.dumps({"metric": board.metric, "period": board.period.key, "team": board.team, "from": start})


def leaderboard_blocks(board: Board, *, currency: str, rule: str, start: int = 0) -> list[Block]:
    """The board from place `start + 1`, `MAX_LINES` at a time; a Show more button for the rest."""
    what = "score" if board.by_score else METRICS[board.metric].label
    blocks: list[Block] = [HeaderBlock(text=f"{board.team[:80]} leaderboard — {board.period.label}"[:150])]
    explain = (
        "Each rep is scored on their own profile's scorecard against their own targets."
        if board.by_score
        else f"{escape(METRICS[board.metric].description)}"
    )
    total = len(board.entries)
    places = f" · places {start + 1}–{min(start + MAX_LINES, total)} of {total}" if 0 < start < total else ""
    blocks.append(
        context(f"Ranked by *{what}* · as of {day(board.today)} · deals count when {rule}{places}. {explain}")
    )
    if not board.entries:
        blocks.append(section(f"{escape(board.team)} has no members in `pacer.yml` yet."))
        return blocks
    if start >= total:  # a Show more from before the team got smaller
        blocks.append(section(f"That was everyone: {total} place{'s' if total != 1 else ''}."))
        return blocks
    leader = max((entry.value for entry in board.entries), default=Decimal(0))
    shown = board.entries[start : start + MAX_LINES]
    hidden = board.entries[start + MAX_LINES :]
    on_page = {entry.standing.user_id for entry in shown}
    mine = (
        None
        if board.viewer in on_page
        else next((e for e in board.entries if e.standing.user_id == board.viewer), None)
    )
    footer = context(
        "Ties share a place. Bars compare with the leader. "
        "`/leaderboard &lt;metric&gt; [period]` ranks by one metric; `/leaderboard help` lists them."
    )
    room = MESSAGE_BLOCKS_MAX - len(blocks) - 3  # Show more, the caller's own line, the footer
    blocks += listed([_line(board, entry, leader, currency) for entry in shown], room=room)
    if hidden:
        value = more_value(board, start + MAX_LINES)
        more = f"… and {len(hidden)} more"
        fits = len(value) <= BUTTON_VALUE_MAX
        blocks.append(more_button(more, action_id=ids.LEADERBOARD_MORE, value=value) if fits else section(more))
    if mine is not None:
        blocks.append(section(clip(_line(board, mine, leader, currency), SECTION_TEXT_MAX)))
    blocks.append(footer)
    return blocks


def plain_text(board: Board, *, currency: str) -> str:
    """The notification fallback: the top three."""
    top = ", ".join(
        f"{entry.rank_label} {entry.standing.name[:NAME_CHARS]}"
        + (f" {entry.value} pts" if board.by_score else f" {format_value(board.unit, entry.value, currency=currency)}")
        for entry in board.entries[:3]
    )
    return f"{board.team} leaderboard, {board.period.label}: {top or 'no members'}"
