"""Block Kit for the published rules: what is in force, what is scheduled, and a change's announcement."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.services.rules import RulesChanged
from handlers.blocks.common import (
    MESSAGE_BLOCKS_MAX,
    as_dicts,
    context,
    escape,
    inline_list,
    listed,
    mention,
    more_context,
    section,
    slack_len,
)
from scoring.rules import RULE_WORDS, RuleBook, RuleSet, differences

INLINE_CHARS = 1500  # product lines shown inline (`Core, Enterprise (premium)`) up to this long
LINES_ROOM = 20  # sections for the product lines in force, one per row, when they don't fit inline
CHANGE_ROOM = 5  # sections for one scheduled change


def month(day: date) -> str:
    return f"{day:%B %Y}"


def lines_text(rules: RuleSet, *, limit: int = INLINE_CHARS) -> str:
    """`Core, Enterprise (premium)`; a long list ends `and 40 more — see /pacer rules`."""
    shown = [f"{escape(line.name)}{' (premium)' if line.premium else ''}" for line in rules.product_lines]
    return inline_list(
        shown, limit=limit, more=" — see `/pacer rules`", empty="none (deals are logged without a product line)"
    )


def since(rules: RuleSet) -> str:
    return f"since {month(rules.effective_from)}" if rules.effective_from else "as published in pacer.yml"


def rules_blocks(book: RuleBook, *, today: date) -> list[Block]:
    """The rules in force today and every announced change after today."""
    in_force = book.in_force(today)
    head = f"*Deals count* {RULE_WORDS[in_force.recognition]} ({since(in_force)}; version {in_force.version})"
    names = [f"{escape(line.name)}{' (premium)' if line.premium else ''}" for line in in_force.product_lines]
    blocks: list[Block] = [HeaderBlock(text="Published rules")]
    if slack_len(", ".join(names)) <= INLINE_CHARS:
        blocks.append(section(f"{head}\n*Product lines* {lines_text(in_force)}"))
    else:  # every line, one per row: this is where the shortened lists elsewhere point
        blocks += listed(
            [f"• {name}" for name in names],
            room=LINES_ROOM,
            heading=f"{head}\n*Product lines*",
            more=lambda _, hidden: more_context(hidden, "product lines, too many for one message"),
        )
    closing = context(
        "A deal counts by the rule in force on the day it was signed; premium lines are those in force on a "
        "period's first day. Admins change the rules with `/pacer counting` and `/pacer products`; a change "
        "takes effect from the next month unless they say `now`, and everyone gets a DM."
    )
    scheduled = book.scheduled(after=today)
    room = MESSAGE_BLOCKS_MAX - len(blocks) - 2  # the closing context, and a "more" line if needed
    for index, version in enumerate(scheduled):
        if room <= 0:
            left = len(scheduled) - index
            blocks.append(more_context(left, "scheduled changes, each announced by DM when it was published"))
            break
        assert version.effective_from is not None
        before = book.in_force(version.effective_from - timedelta(days=1))
        part = listed(
            [f"• {escape(line)}" for line in differences(before, version)],
            room=min(room, CHANGE_ROOM),
            heading=f"*From {month(version.effective_from)}* (version {version.version}):",
            more=lambda _, hidden: more_context(hidden, "each was announced by DM when it was published"),
        )
        blocks += part
        room -= len(part)
    blocks.append(closing)
    return blocks


def changed_blocks(changed: RulesChanged, *, effective_from: date) -> list[Block]:
    when = month(effective_from)
    if changed.unchanged:
        return [
            section(
                f"Nothing to change: from {when} the rules already say that "
                f"(deals count {RULE_WORDS[changed.after.recognition]}; product lines {lines_text(changed.after)})."
            ),
            context("See every scheduled change with `/pacer rules`."),
        ]
    return [
        *listed(
            [f"• {escape(line)}" for line in changed.differences],
            room=CHANGE_ROOM,
            heading=f":white_check_mark: *Rules version {changed.after.version} published, in force from {when}.*",
            more=lambda _, hidden: more_context(hidden, "`/pacer rules` lists every change"),
        ),
        context(
            f"{changed.announced} member(s) will get a DM listing the change. "
            "Scores of periods that started before then keep the rules they started with."
        ),
    ]


def changed_text(changed: RulesChanged, *, effective_from: date) -> str:
    if changed.unchanged:
        return f"Nothing to change from {month(effective_from)}"
    return f"Rules version {changed.after.version} published from {month(effective_from)}"


def announcement(changed: RulesChanged, *, by: str) -> dict[str, Any]:
    """The DM every member gets (the same for all: it lists what changes and from when)."""
    assert changed.after.effective_from is not None
    when = month(changed.after.effective_from)
    blocks: list[Block] = [
        section(
            f":scroll: *Pacer's published rules change from {when}* (set by {mention(by)}):\n"
            + "\n".join(f"• {escape(line)}" for line in changed.differences)
        ),
        context(
            "The same rules apply to everyone on your profile. See them any time with `/pacer rules` and "
            "`/scorecard`; your progress explains every number with `/progress`."
        ),
        DividerBlock(),
    ]
    return {"text": f"Pacer's rules change from {when}", "blocks": as_dicts(blocks), "unfurl_links": False}
