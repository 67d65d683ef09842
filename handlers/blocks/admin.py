"""Block Kit for `/pacer`: help, admin confirmations and the effective settings."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.config import PacerConfig
from bot.services.admin import CsatRecorded, MemberChanged, MemberSettings, TrainingRecorded
from handlers import ids
from handlers.blocks.common import (
    CONTEXT_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    context,
    day,
    escape,
    inline_list,
    listed,
    mention,
    more_button,
    section,
)
from handlers.blocks.rules import lines_text
from scoring.money import Money, format_amount
from scoring.rules import RULE_WORDS, RuleSet

LIST_CHARS = 600  # an inline list in the settings (holidays, courses, profiles, product lines)

COMMAND_HELP = (
    ("/deal", "/deal 12.5k Acme Corp product:Enterprise", "log a deal (`/deal help` for every option)"),
    ("/activity", "/activity call 3 Acme Corp", "log calls, emails, meetings, visits, demos, proposals, leads"),
    ("/progress", "/progress last-month", "your score line by line, pace and payout; managers add `@rep`"),
    ("/scorecard", "/scorecard farmer", "the published rules of a profile: metrics, weights, caps, bands"),
    ("/goal", "/goal @dana revenue 120k", "managers set a rep's target for a metric and period"),
    ("/leaderboard", "/leaderboard revenue this-month", "your team's standings"),
    ("/checkin", "/checkin @dana last-month", "managers open a rep's evaluation check-in; `/checkin team` for all"),
    ("/appeal", "/appeal", "appeal your own evaluation to an independent reviewer; `/appeal status` lists yours"),
    ("/pacer", "/pacer nudges 08:30", "your daily nudge: its local time, or `off` / `on` (Snooze sits on each nudge)"),
    ("/pacer", "/pacer rules", "the published counting rule and product lines, and changes scheduled"),
    ("/pacer", "/pacer help", "this help"),
)

ADMIN_HELP = (
    ("/pacer settings", "currency, counting rule, product lines, channels, profiles and every member's placement"),
    ("/pacer counting paid", "deals count when paid (or `signed`) from next month; `now` or `from 2027-01` to choose"),
    (
        "/pacer products add Cloud Suite premium",
        "add a product line; also `premium`, `standard`, `remove &lt;name&gt;`",
    ),
    ("/pacer profile @dana farmer", "assign a profile"),
    ("/pacer manager @dana @morgan", "set a member's manager (`none` to clear)"),
    ("/pacer team @dana East", "set a member's team (`none` to clear)"),
    (
        "/pacer role @dana manager",
        "`rep` (nudged and evaluated), `manager`, `admin`, or `reviewer`: not nudged or evaluated; decides the "
        "appeals given to them (pacer.yml `reviewers:`, or `/pacer appeal reassign`)",
    ),
    ("/pacer csat Acme Corp 5 2026-11-20", "record a survey score (1–5); it counts for the rep of the latest deal"),
    ("/pacer training @dana Premium Selling done 2026-11-20", "record a completed course"),
    ("/pacer appeal reassign AP-7 @lee", "give an open appeal to another independent reviewer (the due date stays)"),
    (
        "/pacer fairness last-month",
        "appeals per team and evaluating manager (uphold rate, time to decision, overdue) and the score "
        "spread per profile; without a period, the latest one evaluated",
    ),
)


def help_blocks(*, admin: bool) -> list[Block]:
    lines = [f"• `{example}` — {what}" for _, example, what in COMMAND_HELP]
    blocks: list[Block] = [
        HeaderBlock(text="Pacer commands"),
        section("\n".join(lines)),
        context("Every command answers only you. A command without text opens its form where there is one."),
    ]
    if admin:
        admin_lines = [f"• `{example}` — {what}" for example, what in ADMIN_HELP]
        blocks += [
            DividerBlock(),
            section("*Admin*\n" + "\n".join(admin_lines)),
            context(
                "Imports run on the server: `pacer import deals|csat|training FILE --team-id T… [--dry-run]`. "
                "Placement set here overrides pacer.yml for that member from then on."
            ),
        ]
    return blocks


def help_text(*, admin: bool) -> str:
    commands = ", ".join(dict.fromkeys(name for name, _, _ in COMMAND_HELP))
    return f"Pacer commands: {commands}" + (" — and admin subcommands of /pacer" if admin else "")


def _shown(field: str, value: str | None) -> str:
    if value is None or value == "":
        return "not set"
    if field == "manager_user_id":
        return mention(value)
    return f"*{escape(value)}*"


def member_changed_blocks(result: MemberChanged, *, label: str) -> list[Block]:
    who = f"{escape(result.name)} ({mention(result.user_id)})"
    if not result.changed:
        return [section(f"{who}: {label} is already {_shown(result.field, result.after)}; nothing changed.")]
    blocks: list[Block] = [
        section(
            f":white_check_mark: {who}: {label} is now {_shown(result.field, result.after)} "
            f"(was {_shown(result.field, result.before)})."
        )
    ]
    if result.field != "profile":
        blocks.append(context(f"This overrides pacer.yml's {label} for {escape(result.name)} from now on."))
    return blocks


def member_changed_text(result: MemberChanged, *, label: str) -> str:
    if not result.changed:
        return f"{result.name}'s {label} is already {result.after or 'not set'}; nothing changed."
    return f"{result.name}'s {label} is now {result.after or 'not set'} (was {result.before or 'not set'})."


def csat_blocks(result: CsatRecorded) -> list[Block]:
    return [
        section(
            f":white_check_mark: CSAT *{result.score}* of 5 for *{escape(result.customer)}* surveyed "
            f"{day(result.surveyed_on)} — counts for {escape(result.owner_name)} ({mention(result.owner_user_id)}), "
            "who owns the latest deal with them."
        ),
        context("Source: admin entry. It counts in the CSAT average of the period it was surveyed in."),
    ]


def training_blocks(result: TrainingRecorded, *, required: list[str]) -> list[Block]:
    who = f"{escape(result.name)} ({mention(result.user_id)})"
    if result.already:
        return [
            section(
                f"{who} already completed *{escape(result.course)}* on {day(result.completed_on)}; nothing changed."
            )
        ]
    blocks: list[Block] = [
        section(f":white_check_mark: {who} completed *{escape(result.course)}* on {day(result.completed_on)}.")
    ]
    if not result.required:
        courses = inline_list([escape(c) for c in required], limit=CONTEXT_TEXT_MAX // 2, empty="none are configured")
        blocks.append(
            context(
                f"It isn't a required course (pacer.yml `training.required`: {courses}), "
                "so it doesn't change the training score."
            )
        )
    return blocks


def settings_blocks(config: PacerConfig, rules: RuleSet, rows: list[MemberSettings]) -> list[Block]:
    wins = (
        f"<#{config.wins.channel}>, deals of {format_amount(Money(config.wins.threshold, config.currency))} or more"
        if config.wins
        else "not set"
    )
    calendar = config.calendar
    holidays = inline_list([h.isoformat() for h in calendar.holidays], limit=LIST_CHARS)
    courses = inline_list([escape(c) for c in config.training.required], limit=LIST_CHARS)
    profiles = inline_list(
        [
            f"{escape(name)}{' (default)' if name == config.default_profile else ''}"
            for name in sorted(config.all_profiles)
        ],
        limit=LIST_CHARS,
    )
    facts = [
        f"*Currency* {config.currency} · *deals count* {RULE_WORDS[rules.recognition]} · *time zone* {config.timezone}",
        f"*Product lines* {lines_text(rules, limit=LIST_CHARS)} (rules version {rules.version}; "
        "`/pacer rules` for changes)",
        f"*Wins channel* {wins}",
        f"*Calendar* fiscal year starts in month {calendar.fiscal_year_start_month}; "
        f"weekend {', '.join(calendar.weekend) or 'none'}; holidays {holidays}",
        f"*Required courses* {courses}",
        f"*Profiles* {profiles}",
    ]
    blocks: list[Block] = [
        HeaderBlock(text="Pacer settings"),
        *listed(facts, room=3),
        context(
            "The counting rule and product lines change with `/pacer counting` and `/pacer products`; "
            "everything else comes from pacer.yml (edit the file and restart)."
        ),
        DividerBlock(),
    ]
    footer = context(
        "A profile marked _assigned_ was set with /pacer profile; otherwise it is the team's or the default."
    )
    if not rows:
        return [*blocks, section("*Members* — nobody has used Pacer yet.")]
    room = MESSAGE_BLOCKS_MAX - len(blocks) - 1
    return [*blocks, *member_blocks(rows, start=0, room=room), footer]


def member_blocks(rows: list[MemberSettings], *, start: int, room: int = MESSAGE_BLOCKS_MAX) -> list[Block]:
    """Members from `start` on, as many as fit in `room` blocks; a Show more button for the rest."""
    page = rows[start:]
    if not page:
        return [section(f"*Members* — that was everyone ({len(rows)}).")]
    heading = f"*Members* ({len(rows)})" if start == 0 else f"*Members* from {start + 1} of {len(rows)}"

    def more(shown: int, hidden: int) -> Block:
        following = start + shown
        return more_button(
            f"…and {hidden} more (members {following + 1}–{len(rows)} of {len(rows)}).",
            action_id=ids.SETTINGS_MORE,
            value=str(following),
        )

    return listed([_member_line(row) for row in page], room=room, heading=heading, more=more)


def _member_line(row: MemberSettings) -> str:
    profile = f"{escape(row.profile)}{' _assigned_' if row.assigned_profile else ''}"
    team = escape(row.team) if row.team else "no team"
    manager = f"manager {mention(row.manager_user_id)}" if row.manager_user_id else "no manager"
    return f"• {escape(row.name)} ({mention(row.user_id)}) — {row.role} · {profile} · {team} · {manager}"
