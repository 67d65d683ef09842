"""`/pacer rules`, `/pacer counting`, `/pacer products`: the published rules, and admins changing them.

    /pacer rules                                   (anyone: what is in force, what is scheduled)
    /pacer counting signed|paid [now|from <period>]
    /pacer products                                (anyone: the product lines)
    /pacer products add <name> [premium|standard] [now|from <period>]
    /pacer products premium|standard <name> [now|from <period>]
    /pacer products remove <name> [now|from <period>]

A change takes effect from the next month; `now` makes it count from this month's first day, and
`from 2027-01` (or `from 2027-Q1`) from a later period's.
"""

from __future__ import annotations

from datetime import date

from bot.deps import Deps
from bot.directory import Caller
from bot.services import admin
from bot.services import rules as service
from handlers.blocks import rules as blocks
from handlers.replies import Reply
from handlers.text import plain
from scoring.errors import InputError
from scoring.periods import parse_period
from scoring.rules import next_month_start

SUBCOMMANDS = ("rules", "counting", "products")
EXAMPLES = {
    "rules": "/pacer rules",
    "counting": "/pacer counting paid",
    "products": "/pacer products add Cloud Suite premium",
}
PRODUCT_ACTIONS = ("add", "premium", "standard", "remove")
PRODUCT_MAX = 60


def subcommand(deps: Deps, caller: Caller, sub: str, rest: str) -> Reply:
    if sub == "rules" or (sub == "products" and not rest):
        _, _, book = service.overview(deps.db, caller, config=deps.config)
        return Reply(blocks=blocks.rules_blocks(book, today=caller.today), text="Pacer's published rules")
    admin.ensure_admin(deps.config, caller, what="change the published rules")
    words, effective_from = _when(rest.split(), today=caller.today, example=EXAMPLES[sub], deps=deps)
    change = _counting(words) if sub == "counting" else _product(words)
    changed = service.change(
        deps.db,
        caller,
        config=deps.config,
        change=change,
        effective_from=effective_from,
        now=deps.clock(),
        announcement=lambda changed: blocks.announcement(changed, by=caller.user_id),
    )
    return Reply(
        blocks=blocks.changed_blocks(changed, effective_from=effective_from),
        text=blocks.changed_text(changed, effective_from=effective_from),
        queued=changed.announced > 0,
    )


def _when(words: list[str], *, today: date, example: str, deps: Deps) -> tuple[list[str], date]:
    """Strip a trailing `now` or `from <period>`; the first day the change takes effect."""
    if words and words[-1].lower() == "now":
        return words[:-1], today.replace(day=1)
    if len(words) >= 2 and words[-2].lower() == "from":
        period = parse_period(
            words[-1], today=today, cadence="month", calendar=deps.config.calendar.calendar(), command=example + " from"
        )
        return words[:-2], period.start
    return words, next_month_start(today)


def _counting(words: list[str]) -> service.Change:
    example = EXAMPLES["counting"]
    if len(words) != 1 or words[0].lower() not in ("signed", "paid"):
        raise InputError(
            "Say when a deal counts: `signed` (when the contract is signed) or `paid` (when payment is received), "
            "then optionally `now` or `from <month>`.",
            example=example,
        )
    return service.Change(kind="counting", recognition="paid" if words[0].lower() == "paid" else "signed")


def _product(words: list[str]) -> service.Change:
    example = EXAMPLES["products"]
    action = words[0].lower() if words else ""
    if action not in PRODUCT_ACTIONS:
        raise InputError(
            f"/pacer products takes: {', '.join(PRODUCT_ACTIONS)} — then the product line's name.",
            example=example,
        )
    names = words[1:]
    premium = False
    if action == "add" and names and names[-1].lower() in ("premium", "standard"):
        names, premium = names[:-1], names[-1].lower() == "premium"
    name = plain(" ".join(names), what="product line name", limit=PRODUCT_MAX, example=example)
    return service.Change(kind=action, line=name, premium=premium)  # type: ignore[arg-type]
