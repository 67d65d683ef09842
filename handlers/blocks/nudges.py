"""Block Kit for the daily nudge, the weekly manager digest and `/pacer nudges`.

The nudge and the digest are rendered by the scheduled jobs into outbox payloads (`text` + `blocks`
as plain dicts, ready for `chat.postMessage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock

from bot.services.home import STATUS_ORDER, ReportStatus, headline
from bot.services.nudges import CoachingPrompt, RepFacts, Setting
from handlers import ids
from handlers.blocks.activities import plural
from handlers.blocks.common import as_dicts, context, day, escape, listed, mention, more_context, section
from handlers.blocks.home import reason
from handlers.blocks.plans import STATE_ICONS, action_text, progress_text, summary, when
from handlers.blocks.scoring import PACE_ICONS, metric_lines
from scoring.money import Money, format_amount

SECTION_CHARS = 2900
MAX_DIGEST_LINES = 40
DIGEST_PART_ROOM = 15  # sections per part (standings, idle reps, coaching): 3 + 3 × 15 ≤ 50 blocks
EXAMPLE_TIME = "/pacer nudges 08:30"
PLAN_ITEMS_SHOWN = 3  # plan items per rep in the digest (the rest counted)
PLAN_ITEM_CHARS = 80


def short_day(value: date) -> str:
    return value.strftime("%a %d %b")


def span(start: date, end: date) -> str:
    return short_day(end) if start == end else f"{short_day(start)} – {short_day(end)}"


def local_clock(instant: datetime, tz: Any) -> str:
    local = instant.astimezone(tz)
    return f"{local.strftime('%a %d %b, %H:%M')} ({tz.key})"


def recent_text(facts: RepFacts, currency: str) -> str:
    recent = facts.recent
    when = "yesterday" if recent.start == recent.end else f"since {short_day(recent.start)}"
    label = f"*Logged {when}* ({span(recent.start, recent.end)})"
    if recent.empty:
        return f"{label}: nothing. Log what you did with the buttons below."
    parts = []
    if recent.deals:
        amount = format_amount(Money(recent.amount, currency))
        parts.append(f"{recent.deals} deal{'s' if recent.deals != 1 else ''} ({amount})")
    for kind, count in sorted(recent.activities.items(), key=lambda kv: (-kv[1], kv[0])):
        if count:
            parts.append(f"{count} {kind if count == 1 else plural(kind)}")
    return f"{label}: {', '.join(parts)}."


def prompt_text(prompt: CoachingPrompt) -> str:
    return f":bulb: *{escape(prompt.headline)}*\n{escape(prompt.evidence)}\n→ {escape(prompt.suggestion)}"


class _Shapes:
    """Block Kit shapes built once with `slack_sdk.models` and filled per message.

    The daily nudge is rendered for every rep at once (10,000 at 09:00 in a big workspace), where
    building and validating slack_sdk objects per message would dominate the job. These are the same
    dicts `as_dicts` makes, with only text and button values swapped in.
    """

    def __init__(self) -> None:
        self.header = HeaderBlock(text="-").to_dict()
        self.section = section("-").to_dict()
        self.context = context("-").to_dict()
        self.actions = ActionsBlock(
            block_id="nudge_actions",
            elements=[
                ButtonElement(text="Log a deal", action_id=ids.HOME_LOG_DEAL, value="deal", style="primary"),
                ButtonElement(text="Log an activity", action_id=ids.HOME_LOG_ACTIVITY, value="activity"),
                ButtonElement(text="Snooze tomorrow", action_id=ids.NUDGE_SNOOZE_DAY, value="-"),
                ButtonElement(text="Snooze a week", action_id=ids.NUDGE_SNOOZE_WEEK, value="-"),
            ],
        ).to_dict()
        self.footer = context(f"Change the time or pause: `{EXAMPLE_TIME}`, `/pacer nudges off`").to_dict()

    def text_block(self, shape: dict[str, Any], text: str, limit: int = SECTION_CHARS) -> dict[str, Any]:
        return {**shape, "text": {**shape["text"], "text": text[:limit]}}

    def context_block(self, text: str) -> dict[str, Any]:
        return {**self.context, "elements": [{**self.context["elements"][0], "text": text[:SECTION_CHARS]}]}

    def buttons(self, nudge_day: date) -> dict[str, Any]:
        snoozes = {ids.NUDGE_SNOOZE_DAY, ids.NUDGE_SNOOZE_WEEK}
        elements = [
            {**element, "value": nudge_day.isoformat()} if element["action_id"] in snoozes else element
            for element in self.actions["elements"]
        ]
        return {**self.actions, "elements": elements}


_shapes: _Shapes | None = None


def _shape() -> _Shapes:
    global _shapes
    if _shapes is None:
        _shapes = _Shapes()
    return _shapes


def nudge_message(facts: RepFacts, prompt: CoachingPrompt | None, *, currency: str) -> dict[str, Any]:
    """The daily nudge as a `chat.postMessage` payload: progress, recent work, one prompt, the buttons."""
    shapes = _shape()
    standing = facts.standing
    first = next(iter(standing.paces.values()), None)
    days = f" · working day {first.working_days_elapsed} of {first.working_days_total}" if first else ""
    blocks = [
        shapes.text_block(shapes.header, f"Your {standing.period.label} so far", limit=150),
        shapes.context_block(
            f"{day(facts.today)}{days} · score *{standing.score.total} pts* ({standing.score.rating})"
        ),
        shapes.text_block(
            shapes.section,
            "\n".join(metric_lines(facts.standing.score, facts.standing.paces, currency=currency))
            or "Your scorecard has no metrics.",
        ),
        shapes.text_block(shapes.section, recent_text(facts, currency)),
    ]
    if prompt is not None:
        blocks.append(shapes.text_block(shapes.section, prompt_text(prompt)))
    blocks += [shapes.buttons(facts.today), shapes.footer]
    summary = f"Your {standing.period.label} so far: {standing.score.total} pts ({standing.score.rating})"
    if prompt is not None:
        summary += f" · {prompt.headline}"
    return {"text": summary, "blocks": blocks}


# --- the weekly digest ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    manager_user_id: str
    day: date
    idle_since: date  # the span "no activity" is judged over: idle_since … day - 1
    reps: list[RepFacts]
    prompts: dict[str, CoachingPrompt | None]
    never_used: list[str]  # pacer.yml reports who have never used Pacer


def _part(lines: list[str], *, more: str, heading: str = "") -> list[Block]:
    """One part of the digest (standings, idle reps, coaching): at most MAX_DIGEST_LINES lines in at
    most DIGEST_PART_ROOM sections, so that the three parts always fit one message."""
    if len(lines) > MAX_DIGEST_LINES:
        lines = [*lines[:MAX_DIGEST_LINES], f"… and {len(lines) - MAX_DIGEST_LINES} more — {more}"]
    return listed(lines, room=DIGEST_PART_ROOM, heading=heading, more=lambda _, hidden: more_context(hidden, more))


def digest_message(digest: Digest, *, currency: str) -> dict[str, Any]:  # noqa: ARG001 (money shown via reason)
    """The weekly digest as a `chat.postMessage` payload."""
    statuses: list[tuple[ReportStatus, RepFacts]] = sorted(
        ((headline(f.standing), f) for f in digest.reps),
        key=lambda pair: (STATUS_ORDER[pair[0].status], pair[0].standing.name.casefold(), pair[0].standing.user_id),
    )
    blocks: list[Block] = [HeaderBlock(text=f"Your team — week of {short_day(digest.day)}")]
    if not statuses and not digest.never_used:
        blocks.append(section("No one reports to you in Pacer yet. An admin sets it: `/pacer manager @dana @you`."))
        return {"text": "Your weekly team digest", "blocks": as_dicts(blocks)}
    standings = [
        f"{PACE_ICONS.get(status.status, '')} *{escape(status.standing.name[:60])}* — {reason(status)}"
        f" · {status.standing.score.total} pts ({status.standing.score.rating})"
        for status, _ in statuses
    ]
    blocks.append(section("*Standings* (at risk first)"))
    blocks += _part(standings, more="`/leaderboard` shows everyone")

    last_day = digest.day.toordinal() - 1
    idle_span = span(digest.idle_since, date.fromordinal(last_day))
    idle = []
    for status, facts in statuses:
        if facts.last_logged is None or facts.last_logged < digest.idle_since:
            since = f"last on {short_day(facts.last_logged)}" if facts.last_logged else "nothing logged ever"
            idle.append(f"• *{escape(status.standing.name[:60])}* ({since})")
    idle += [f"• {mention(user_id)} (has not used Pacer yet)" for user_id in digest.never_used]
    heading = f"*No deal or activity logged* ({idle_span})"
    blocks += (
        _part(idle, more="ask them to log their work", heading=heading)
        if idle
        else [section(f"{heading}: everyone logged something.")]
    )

    talks = []
    for _, facts in statuses:
        prompt = digest.prompts.get(facts.standing.user_id)
        plan = plan_text(facts)
        if prompt is not None:
            talks.append(f"• {escape(prompt.manager_suggestion)}{plan}")  # names the rep and cites the evidence
        elif plan:
            talks.append(f"• *{escape(facts.standing.name[:60])}*{plan}")
    if talks:
        blocks.append(section("*Coaching conversations to have this week*"))
        blocks += _part(talks, more="see each rep's `/progress`")
    at_risk = sum(1 for status, _ in statuses if status.status == "at risk")
    text = (
        f"Your team this week: {len(statuses)} reps, {at_risk} at risk, {len(idle)} with nothing logged ({idle_span})"
    )
    overdue = sum(1 for f in digest.reps for item in f.plan if item.state == "overdue")
    if overdue:
        text += f", {overdue} overdue improvement-plan item{'s' if overdue != 1 else ''}"
    return {"text": text, "blocks": as_dicts(blocks)}  # 3 + 3 × DIGEST_PART_ROOM blocks at most


def plan_text(facts: RepFacts) -> str:
    """The rep's open improvement-plan items for the digest's coaching line, overdue ones flagged:
    `\n    :clipboard: Plan: 3 items (1 overdue) — :rotating_light: Log 18 activities, overdue since …`."""
    items = facts.plan
    if not items:
        return ""
    shown = "; ".join(
        f"{STATE_ICONS[item.state]} {action_text(item.action, PLAN_ITEM_CHARS)}, {when(item)}"
        + (f" ({measured})" if (measured := progress_text(item, currency=facts.currency)) else "")
        for item in items[:PLAN_ITEMS_SHOWN]
    )
    more = f"; and {len(items) - PLAN_ITEMS_SHOWN} more" if len(items) > PLAN_ITEMS_SHOWN else ""
    return f"\n    :clipboard: Improvement plan, {summary(items)}: {shown}{more}"


# --- /pacer nudges ---------------------------------------------------------------------------------


def setting_blocks(setting: Setting, *, changed: str | None = None) -> list[Block]:
    tz = setting.tz
    lines = []
    if changed:
        lines.append(f":white_check_mark: {changed}")
    if not setting.is_rep:
        lines.append("Daily nudges go to reps.")
    elif not setting.enabled:
        lines.append(f"Your daily nudge is *off* (it was set for {setting.local_time.strftime('%H:%M')} {tz.key}).")
    else:
        lines.append(f"Your daily nudge comes at *{setting.local_time.strftime('%H:%M')}* ({tz.key}) on working days.")
        if setting.next_nudge_at is not None:
            lines.append(f"Next one: {local_clock(setting.next_nudge_at, tz)}.")
    if setting.next_digest_at is not None:
        lines.append(f"Your weekly team digest: {local_clock(setting.next_digest_at, tz)}.")
    return [
        section("\n".join(lines)),
        context(f"Change it: `{EXAMPLE_TIME}` (or `8:30am`) · pause: `/pacer nudges off` · resume: `/pacer nudges on`"),
    ]


def snoozed_blocks(resume: date, setting: Setting) -> list[Block]:
    text = f":zzz: Snoozed — no nudge until {short_day(resume)}."
    if setting.next_nudge_at is not None:
        text += f" The next one: {local_clock(setting.next_nudge_at, setting.tz)}."
    return [section(text)]
