"""Block Kit for `/goal`: a target set, a member's targets listed, a team goal split, the form."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.services.goals import GoalChange, GoalList, TeamGoal
from handlers.blocks.common import (
    CONTEXT_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    AnyBlock,
    clip,
    context,
    escape,
    inline_list,
    listed,
    more_context,
    section,
)
from scoring.metrics import METRICS, format_value, plain_number
from scoring.profiles import Profile

HELP = (
    "*Targets* — managers set their reports' targets; admins anyone's.\n"
    "• `/goal @dana revenue 120k` — this period (Dana's profile cadence)\n"
    "• `/goal @dana new_customers 6 2026-12` · `/goal @dana repurchase_rate 60%` · `/goal @dana csat 4.5`\n"
    "• `/goal @dana` — Dana's targets this period (`/goal @dana last-month` for another); `/goal list` — yours\n"
    "• `/goal team revenue 300k` — split over your reports equally; add `weighted` to split by last period's "
    "actuals; admins name the team: `/goal team East revenue 300k`\n"
    "• `/goal` — the form\n"
    "Values: money `120k`, `$120,000`; counts a whole number; percents `60%` or `0.6`; CSAT 1–5. "
    "Periods: `2026-11`, `2026-Q4`, `this-month`, `next-quarter`. Metrics: " + ", ".join(METRICS) + "."
)


def _value(metric: str, value: Decimal, currency: str) -> str:
    return format_value(METRICS[metric].unit, value, currency=currency)


def scorecard_hint(change: GoalChange) -> str:
    line = change.profile.scorecard.line(change.metric)
    name = change.profile.name
    if line is not None:
        return f"{change.metric} is on the {name} scorecard (weight {plain_number(line.weight)}), so it counts."
    return f"{change.metric} is not on the {name} scorecard, so it won't change the score."


def _was(change: GoalChange, currency: str) -> str:
    if change.previous is not None:
        return f"was {_value(change.metric, change.previous, currency)}"
    line = change.profile.scorecard.line(change.metric)
    if line is not None and line.target is not None:
        return f"was the {change.profile.name} default, {_value(change.metric, line.target, currency)}"
    return "no target before"


def goal_set_text(change: GoalChange, *, currency: str, fallback: bool = False) -> str:
    """The sentence in mrkdwn; as a message's plain-text `fallback` (escaped where it is sent) when asked."""
    who, label = change.person.name if fallback else escape(change.person.name), METRICS[change.metric].label
    value = _value(change.metric, change.value, currency)
    if not change.changed:
        return f"{who}'s {label} target for {change.period.label} is already *{value}*: nothing changed."
    return f":dart: {who}'s {label} target for {change.period.label} is now *{value}* ({_was(change, currency)})."


def goal_set(change: GoalChange, *, currency: str) -> list[Block]:
    return [section(goal_set_text(change, currency=currency)), context(scorecard_hint(change))]


def goal_list(listing: GoalList, *, currency: str) -> list[Block]:
    who = escape(listing.person.name)
    rows = []
    for line in listing.lines:
        label = METRICS[line.metric].label
        value = "—" if line.value is None else _value(line.metric, line.value, currency)
        if line.origin == "goal":
            origin = "goal" + (f" set by <@{line.set_by}>" if line.set_by else "")
        elif line.origin == "profile default":
            origin = "profile default"
        else:
            origin = "no target: scores 0 until one is set"
        weight = f"weight {plain_number(line.weight)}" if line.weight is not None else "not on the scorecard"
        rows.append(f"• *{label}* (`{line.metric}`) {value} — {origin} · {weight}")
    heading = f"*{who}'s targets for {listing.period.label}* ({_profile(listing.profile)})"
    return [
        *listed(rows, room=MESSAGE_BLOCKS_MAX - 2, heading=heading),  # one row per metric: bounded
        context(clip(f"Managers change one with `/goal @{who} &lt;metric&gt; &lt;value&gt;`.", CONTEXT_TEXT_MAX)),
    ]


def _profile(profile: Profile) -> str:
    return f"{profile.name}, {'monthly' if profile.cadence == 'month' else 'quarterly'}"


def team_goal(result: TeamGoal, *, currency: str) -> list[Block]:
    label = METRICS[result.metric].label
    total = _value(result.metric, result.total, currency)
    if result.weighted and result.basis is not None:
        how = f"weighted by each rep's {result.metric} in {result.basis.label}"
    elif result.basis is not None:
        how = f"split equally: no one had any {result.metric} in {result.basis.label} to weight by"
    else:
        how = "split equally"
    rows = []
    for change in result.changes:
        note = "" if change.changed else " (unchanged)"
        was = f", {_was(change, currency)}" if change.changed else ""
        rows.append(f"• {escape(change.person.name)}: *{_value(change.metric, change.value, currency)}*{note}{was}")
    heading = f":dart: *{escape(result.team)}* {label} goal for {result.period.label}: *{total}*, {how}."
    blocks = listed(
        rows,
        room=MESSAGE_BLOCKS_MAX - 1,  # and the notes
        heading=heading,
        more=lambda _, hidden: more_context(hidden, "each rep's new target: `/goal @rep`"),
    )
    notes = []
    if result.changes:
        notes.append(scorecard_hint(result.changes[0]))
    if result.missing:
        mentions = inline_list([f"<@{u}>" for u in result.missing], limit=CONTEXT_TEXT_MAX - 60)
        notes.append(f"Not included (they haven't used Pacer yet): {mentions}.")
    if notes:
        blocks.append(context(*notes))
    return blocks


def help_blocks() -> list[Block]:
    return [section(HELP)]


def modal(*, callback_id: str, period_hint: str) -> View:
    options = [Option(text=f"{spec.label} ({name})"[:75], value=name) for name, spec in METRICS.items()]
    return View(
        type="modal",
        callback_id=callback_id,
        title="Set a goal",
        submit="Set goal",
        close="Cancel",
        blocks=[
            InputBlock(block_id="member", label="Rep", element=UserSelectElement(action_id="value")),
            InputBlock(
                block_id="metric",
                label="Metric",
                element=StaticSelectElement(action_id="value", placeholder="Choose a metric", options=options[:100]),
            ),
            InputBlock(
                block_id="value",
                label="Target",
                hint="Money 120k or $120,000 · counts 12 · percents 60% · CSAT 4.5",
                element=PlainTextInputElement(action_id="value", placeholder="120k", max_length=40),
            ),
            InputBlock(
                block_id="period",
                label="Period",
                optional=True,
                hint=f"Empty: the rep's current period. Or {period_hint}",
                element=PlainTextInputElement(action_id="value", placeholder="this-month", max_length=40),
            ),
        ],
    )


def done_view(blocks: Sequence[AnyBlock], *, callback_id: str) -> View:
    return View(type="modal", callback_id=callback_id, title="Goal", close="Done", blocks=blocks)
