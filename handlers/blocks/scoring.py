"""Block Kit for `/progress` and `/scorecard`: every number with its unit, period and explanation."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.services.progress import Progress
from handlers.blocks.common import (
    CONTEXT_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    clip,
    context,
    day,
    escape,
    inline_list,
    listed,
    section,
)
from handlers.blocks.plans import PLAN_ROOM, open_items_blocks
from scoring.metrics import METRICS, format_percent, format_value, plain_number
from scoring.money import Money, format_amount
from scoring.pace import Pace
from scoring.profiles import Profile
from scoring.records import Source
from scoring.scorecard import Score

BAR_CELLS = 10
SCORECARD_ROOM = 10  # sections for a scorecard's metric lines
PACE_ICONS = {
    "ahead": ":rocket:",
    "on track": ":white_check_mark:",
    "behind": ":warning:",
    "at risk": ":rotating_light:",
    "no target": ":grey_question:",
    "not started": ":hourglass_flowing_sand:",
}


def bar(fraction: Decimal | None) -> str:
    """`▓▓▓▓▓▓░░░░` for 60 %; full at 100 % and beyond."""
    if fraction is None:
        return "░" * BAR_CELLS
    filled = max(0, min(BAR_CELLS, int(fraction * BAR_CELLS)))
    return "▓" * filled + "░" * (BAR_CELLS - filled)


def _cadence(profile: Profile) -> str:
    return "monthly" if profile.cadence == "month" else "quarterly"


def progress_blocks(report: Progress, *, currency: str, rule: str) -> list[Block]:
    score, period, first_pace = report.score, report.period, next(iter(report.paces.values()), None)
    days = f" · working day {first_pace.working_days_elapsed} of {first_pace.working_days_total}" if first_pace else ""
    blocks: list[Block] = [
        HeaderBlock(text=f"{report.person.name[:60]} — {period.label}"[:150]),
        context(
            f"Profile *{report.profile.name}* ({_cadence(report.profile)}) · as of {day(report.today)}{days}"
            f" · deals count when {rule}"
        ),
    ]
    for line in score.lines:
        pace_ = report.paces[line.metric]
        actual = format_value(line.unit, line.actual, currency=currency)
        if line.target is None:
            head = f"*{line.label}* `{bar(None)}` {actual} · no target set"
        else:
            target = format_value(line.unit, line.target, currency=currency)
            source = "your goal" if line.target_from == "goal" else "profile default"
            head = (
                f"*{line.label}* `{bar(line.attainment)}` {format_percent(line.attainment or Decimal(0), places=0)}"
                f" — {actual} of {target} ({source})"
            )
        detail = f"weight {plain_number(line.weight)} → *{line.contribution} pts*"
        if line.reason:
            detail += f" ({line.reason})"
        if pace_.status not in ("no target",):
            detail += f" · {PACE_ICONS[pace_.status]} {pace_.status}"
            if pace_.status != "not started" and line.unit in ("money", "count"):
                detail += f", forecast {format_value(line.unit, pace_.forecast, currency=currency)}"
        blocks.append(section(f"{head}\n{detail}"))
    sums = " + ".join(str(line.contribution) for line in score.lines)
    blocks += [
        DividerBlock(),
        section(f"*Score {score.total} pts — {score.rating}*"),
        context(
            f"{sums} = {score.total} pts. Bands: "
            + ", ".join(f"{band.name} ≥ {plain_number(band.minimum)}" for band in report.profile.scorecard.bands)
        ),
    ]
    if score.missing_targets:
        labels = ", ".join(METRICS[m].label for m in score.missing_targets)
        blocks.append(
            context(
                f":grey_question: No target for {labels}: they score 0 until a manager sets one "
                f"(`/goal @{escape(report.person.name)} {score.missing_targets[0]} &lt;value&gt;`)."
            )
        )
    blocks += open_items_blocks(report.plan, currency=currency, room=PLAN_ROOM)
    room = MESSAGE_BLOCKS_MAX - len(blocks) - 1  # and the sources
    blocks += listed(_payout_lines(report, currency=currency), room=room)  # one line per product line: bounded
    blocks.append(context(clip(sources_text(report.sources), CONTEXT_TEXT_MAX)))
    return blocks


def _payout_lines(report: Progress, *, currency: str) -> list[str]:
    payout = report.payout
    lines = [f"*Estimated payout for {report.period.label}: {format_amount(Money(payout.total, currency))}*"]
    lines += [f"• {escape(line.label)}: {format_amount(Money(line.amount, currency))}" for line in payout.lines]
    if payout.notes:
        lines.append("_" + " ".join(escape(note) for note in payout.notes) + "_")
    return lines


def sources_text(sources: dict[str, dict[str, int]]) -> str:
    parts = []
    for kind in ("deals", "activities", "surveys", "courses"):
        counts = sources.get(kind) or {}
        if counts:
            detail = ", ".join(f"{n} {Source(source).label}" for source, n in sorted(counts.items()))
            parts.append(f"{kind.capitalize()}: {detail}")
    return "Where the numbers come from — " + ("; ".join(parts) if parts else "nothing recorded in this period yet")


def scorecard_blocks(
    profile: Profile, *, currency: str, rule: str, profiles: list[str], upcoming: str | None = None
) -> list[Block]:
    card, plan = profile.scorecard, profile.plan
    blocks: list[Block] = [
        HeaderBlock(text=f"Scorecard: {profile.name} ({_cadence(profile)})"[:150]),
    ]
    if profile.description:
        blocks.append(section(clip(escape(profile.description), SECTION_TEXT_MAX)))
    lines = []
    for line in card.lines:
        spec = METRICS[line.metric]
        target = (
            "set per rep"
            if line.target is None
            else f"target {format_value(spec.unit, line.target, currency=currency)} per {profile.cadence}"
        )
        extras = [f"cap {format_percent(line.cap)}"]
        if line.gate is not None:
            extras.append(f"counts from {format_percent(line.gate)} of target")
        lines.append(
            f"*{spec.label}* — weight {plain_number(line.weight)} · {target} · {', '.join(extras)}\n"
            f"_{escape(spec.description)}_"
        )
    blocks += listed(lines, room=SCORECARD_ROOM)  # one line per metric: bounded
    blocks.append(
        context(
            clip(
                "Score = Σ weight × attainment (actual ÷ target, capped). Bands: "
                + ", ".join(f"{band.name} ≥ {plain_number(band.minimum)} pts" for band in card.bands)
                + f". A deal counts when it is {rule}."
                + (f" {upcoming}" if upcoming else ""),
                CONTEXT_TEXT_MAX,
            )
        )
    )
    plan_lines = [f"Commission {format_percent(plan.base_rate)} of revenue"]
    for line_name, rate in plan.product_rates.items():
        plan_lines.append(f"{format_percent(rate)} on {escape(line_name)}")
    if plan.premium_rate is not None:
        plan_lines.append(f"{format_percent(plan.premium_rate)} on premium product lines")
    if plan.new_customer_rate is not None:
        plan_lines.append(f"{format_percent(plan.new_customer_rate)} on first deals with a customer")
    if plan.existing_customer_rate is not None:
        plan_lines.append(f"{format_percent(plan.existing_customer_rate)} on repeat deals")
    if plan.new_customer_bonus:
        plan_lines.append(f"{format_amount(Money(plan.new_customer_bonus, currency))} bonus per new customer")
    if plan.repeat_profit_share:
        plan_lines.append(f"{format_percent(plan.repeat_profit_share)} profit share on repeat revenue")
    for accelerator in plan.accelerators:
        plan_lines.append(
            f"×{plain_number(accelerator.multiplier)} commission beyond "
            f"{format_percent(accelerator.above)} of the revenue target"
        )
    room = MESSAGE_BLOCKS_MAX - len(blocks) - 1  # and the profiles
    blocks += listed([f"• {text}" for text in plan_lines], room=room, heading="*Incentive plan*")
    names = inline_list([escape(name) for name in profiles], limit=CONTEXT_TEXT_MAX - 200)
    blocks.append(
        context(
            f"The same rules apply to everyone on the {escape(profile.name)} profile. "
            f"Profiles: {names} — `/scorecard &lt;profile&gt;`."
        )
    )
    return blocks


def metric_lines(score: Score, paces: Mapping[str, Pace], *, currency: str) -> list[str]:
    """One line per scorecard metric: label, bar, attainment, actual of target, pace — for the Home
    tab and the daily nudge."""
    lines = []
    for line in score.lines:
        status = paces[line.metric].status
        actual = format_value(line.unit, line.actual, currency=currency)
        if line.target is None:
            lines.append(f"*{line.label}* `{bar(None)}` {actual} · no target set")
            continue
        target = format_value(line.unit, line.target, currency=currency)
        text = (
            f"*{line.label}* `{bar(line.attainment)}` {format_percent(line.attainment or Decimal(0), places=0)}"
            f" — {actual} of {target}"
        )
        if status != "no target":
            text += f" · {PACE_ICONS[status]} {status}"
        lines.append(text)
    return lines
