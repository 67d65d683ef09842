"""Block Kit for the Home tab: the rep's scorecard at a glance, quick-log buttons, recent deals, the team."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock, HeaderBlock
from slack_sdk.models.views import View

from bot.services.home import Dashboard, ReportStatus
from bot.services.plans import OpenItem
from handlers.blocks.common import VIEW_BLOCKS_MAX, context, day, listed, more_context, section
from handlers.blocks.deals import describe
from handlers.blocks.leaderboard import display_name
from handlers.blocks.plans import action_text, open_items_blocks, summary, when
from handlers.blocks.scoring import PACE_ICONS, metric_lines
from scoring.metrics import format_percent
from scoring.money import Money, format_amount

MAX_TEAM_LINES = 40
SCORECARD_ROOM = 5  # sections for the scorecard's metric lines
PLAN_ROOM = 3  # sections for the rep's open improvement-plan items
RECENT_ROOM = 3  # sections for the recent deals (five at most)


def _scorecard(dashboard: Dashboard, currency: str) -> list[Block]:
    report = dashboard.progress
    lines = metric_lines(report.score, report.paces, currency=currency)
    payout = format_amount(Money(report.payout.total, currency))
    first = next(iter(report.paces.values()), None)
    days = f" · working day {first.working_days_elapsed} of {first.working_days_total}" if first else ""
    return [
        HeaderBlock(text=f"Your scorecard — {report.period.label}"[:150]),
        context(f"Profile *{report.profile.name}* · as of {day(report.today)}{days}"),
        *listed(lines, room=SCORECARD_ROOM),
        section(f"*Score {report.score.total} pts — {report.score.rating}* · estimated payout *{payout}*"),
        context("Full explanation, line by line: `/progress` · the rules: `/scorecard` · your team: `/leaderboard`"),
    ]


def _buttons(*, deal_action: str, activity_action: str) -> ActionsBlock:
    return ActionsBlock(
        block_id="home_log",
        elements=[
            ButtonElement(text="Log a deal", action_id=deal_action, value="deal", style="primary"),
            ButtonElement(text="Log an activity", action_id=activity_action, value="activity"),
        ],
    )


def _recent(dashboard: Dashboard) -> list[Block]:
    if not dashboard.recent:
        return [section("*Recent deals*\nNone yet — log one with the button above or `/deal 12500 Acme Corp`.")]
    lines = []
    for record in dashboard.recent:
        line = f"`{record.ref}` {day(record.signed_on)} · {describe(record)} · {record.stage}"
        lines.append(f"~{line}~ (voided)" if record.voided else line)
    return [*listed(lines, room=RECENT_ROOM, heading="*Recent deals*"), context("All of them: `/deal list`")]


def reason(status: ReportStatus) -> str:
    """`Revenue at risk: 40 % of target, 81 % of the month gone`."""
    if status.line is None or status.pace is None:
        return "no targets set"
    pace_, line = status.pace, status.line
    if pace_.status == "not started":
        return f"{line.label}: the {status.standing.period.cadence} has not started"
    share = format_percent(pace_.actual_share or Decimal(0), places=0)
    gone = format_percent(pace_.expected_share, places=0)
    return f"{line.label} {pace_.status}: {share} of target, {gone} of the {status.standing.period.cadence} gone"


def _plan_flag(items: list[OpenItem] | None) -> str:
    """` · :rotating_light: 2 plan items (1 overdue)` for a report with open items."""
    if not items:
        return ""
    icon = ":rotating_light:" if any(i.state == "overdue" for i in items) else ":clipboard:"
    first = items[0]  # the most urgent
    return f" · {icon} {summary(items)} — next: _{action_text(first.action, 60)}_, {when(first)}"


def _team(statuses: list[ReportStatus], *, room: int, plans: dict[str, list[OpenItem]] | None = None) -> list[Block]:
    """The manager's reps, at-risk first, in at most `room` blocks (the Home tab holds 100)."""
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="Your team")]
    if not statuses:
        return [*blocks, section("No reps in your teams in `pacer.yml` yet.")]
    lines = [
        f"{PACE_ICONS.get(s.status, '')} *{display_name(s.standing)}* — {reason(s)}"
        f" · {s.standing.score.total} pts ({s.standing.score.rating})"
        f"{_plan_flag((plans or {}).get(s.standing.user_id))}"
        for s in statuses[:MAX_TEAM_LINES]
    ]
    if len(statuses) > MAX_TEAM_LINES:
        lines.append(f"… and {len(statuses) - MAX_TEAM_LINES} more — `/leaderboard` shows everyone")
    footer = context("At-risk reps first, then behind, on track and ahead, on each rep's first targeted metric.")
    listing = listed(
        lines, room=room - len(blocks) - 1, more=lambda _, hidden: more_context(hidden, "`/leaderboard` shows everyone")
    )
    return [*blocks, *listing, footer]


def home_view(dashboard: Dashboard, *, currency: str, deal_action: str, activity_action: str) -> View:
    blocks = _scorecard(dashboard, currency)
    blocks += open_items_blocks(
        dashboard.progress.plan, currency=currency, room=PLAN_ROOM, heading="*Your improvement plan*"
    )
    blocks.append(_buttons(deal_action=deal_action, activity_action=activity_action))
    blocks += _recent(dashboard)
    if dashboard.team is not None:
        blocks += _team(dashboard.team, room=VIEW_BLOCKS_MAX - len(blocks), plans=dashboard.team_plans)
    return View(type="home", blocks=blocks)


def unavailable_view() -> View:
    return View(type="home", blocks=[section("Your dashboard could not be loaded just now. Try `/progress`.")])
