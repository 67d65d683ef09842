"""Block Kit for `/pacer fairness`: the fairness report, readable in Slack and within its limits.

Per group one line (teams, then evaluating managers), the whole workspace's figures as fields, and per
profile a section whose fields give the score spread and the band shares. Units are spelled out:
"%", "working days", "points". Team and profile names are escaped; managers are mentions.
"""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from handlers.blocks.common import (
    CONTEXT_TEXT_MAX,
    HEADER_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    clip,
    context,
    escape,
    listed,
    mention,
    more_context,
    section,
)
from scoring.fairness import NO_MANAGER, NO_TEAM, AppealStats, Distribution, FairnessReport, number

FIELD_MAX = 2000  # one field's text
GROUP_ROOM = 10  # sections for each list of groups (teams, managers)
CLI_HINT = "see `pacer report fairness --format csv` on the server"


def _days(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return f"{number(value)} working day{'' if value == 1 else 's'}"


def _rate(value: Decimal | None) -> str:
    return "– (none decided)" if value is None else f"{number(value)} %"


def group_line(name: str, stats: AppealStats) -> str:
    """`*East* — 3 filed: 1 open, 0 withdrawn, 2 decided (1 upheld, 0 partly upheld, 1 rejected) · …`"""
    return (
        f"*{name}* — {stats.filed} filed: {stats.open} open, {stats.withdrawn} withdrawn, {stats.decided} decided "
        f"({stats.upheld} upheld, {stats.partly_upheld} partly upheld, {stats.rejected} rejected) · "
        f"uphold rate *{_rate(stats.uphold_rate)}* · median time to decision *{_days(stats.median_days_to_decision)}*"
        f" · {stats.overdue_now} overdue now · {stats.decided_late} decided late"
    )


def _field(label: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(f"*{label}*\n{value}", FIELD_MAX))


def overall_section(stats: AppealStats) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text="*All appeals on this period's evaluations*"),
        fields=[
            _field("Filed", str(stats.filed)),
            _field("Open · withdrawn", f"{stats.open} · {stats.withdrawn}"),
            _field(
                "Decided",
                f"{stats.decided} ({stats.upheld} upheld, {stats.partly_upheld} partly, {stats.rejected} rejected)",
            ),
            _field("Uphold rate", _rate(stats.uphold_rate)),
            _field("Median time to decision", _days(stats.median_days_to_decision)),
            _field("Overdue now · decided late", f"{stats.overdue_now} · {stats.decided_late}"),
        ],
    )


def profile_section(profile: Distribution) -> SectionBlock:
    spread = profile.spread
    bands = "\n".join(f"{escape(b.band)}: {number(b.percent)} % ({b.count})" for b in profile.bands)
    return SectionBlock(
        text=MarkdownTextObject(text=clip(f"*Scores of the {escape(profile.profile)} profile*", 3000)),
        fields=[
            _field("Evaluations", str(profile.count)),
            _field("Median", f"{number(spread.median)} points"),
            _field("Q1 – Q3", f"{number(spread.q1)} – {number(spread.q3)} points"),
            _field("Min – max", f"{number(spread.minimum)} – {number(spread.maximum)} points"),
            _field("Share in each band", bands or "–"),
        ],
    )


def fairness_blocks(report: FairnessReport) -> list[Block]:
    """The report as one message: at most MESSAGE_BLOCKS_MAX blocks, long lists cut with a truthful tail."""
    title = f"Fairness report — {report.period_label}" if report.period_label else "Fairness report"
    blocks: list[Block] = [HeaderBlock(text=clip(title, HEADER_TEXT_MAX))]
    if report.period_key is None:
        blocks.append(section("No evaluations yet: a period's evaluations are frozen when it closes."))
        return blocks
    blocks.append(
        context(
            clip(
                f"Appeals on the evaluations of {report.period_label} ({report.period_key}), as of "
                f"{report.generated_at:%d %b %Y %H:%M} UTC. Uphold rate = (upheld + partly upheld) ÷ decided; "
                "withdrawn and open appeals are counted apart. Time to decision in working days after the "
                "filing day. Overdue now = open past its due time.",
                CONTEXT_TEXT_MAX,
            )
        )
    )
    blocks.append(overall_section(report.overall))

    def more(shown: int, hidden: int) -> Block:  # noqa: ARG001
        return more_context(hidden, CLI_HINT)

    teams = [group_line(escape(g.name) if g.name else NO_TEAM, g.stats) for g in report.by_team]
    managers = [group_line(mention(g.name) if g.name else NO_MANAGER, g.stats) for g in report.by_manager]
    blocks.append(DividerBlock())
    blocks += listed(
        teams or ["No appeals."], room=GROUP_ROOM, heading="*Appeals per team* (the rep's team now)", more=more
    )
    blocks.append(DividerBlock())
    blocks += listed(
        managers or ["No appeals."], room=GROUP_ROOM, heading="*Appeals per evaluating manager*", more=more
    )
    blocks.append(DividerBlock())
    room = MESSAGE_BLOCKS_MAX - len(blocks)
    profiles = list(report.profiles)
    if not profiles:
        blocks.append(section("*Scores*: no evaluations in this period."))
    elif len(profiles) <= room:
        blocks += [profile_section(p) for p in profiles]
    else:
        blocks += [profile_section(p) for p in profiles[: room - 1]]
        blocks.append(more_context(len(profiles) - (room - 1), CLI_HINT))
    return blocks


def fairness_text(report: FairnessReport) -> str:
    """The fallback: the period and the headline figures."""
    if report.period_key is None:
        return "Fairness report: no evaluations yet"
    stats = report.overall
    return (
        f"Fairness report for {report.period_label}: {stats.filed} appeal{'s' if stats.filed != 1 else ''}, "
        f"uphold rate {_rate(stats.uphold_rate)}, median time to decision {_days(stats.median_days_to_decision)}, "
        f"{stats.overdue_now} overdue now"
    )
