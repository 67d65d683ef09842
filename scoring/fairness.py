"""The fairness report's figures (issue 11): how appeals went, per group, and how scores spread, per profile.

Everything is exact (Decimal; rates from integer counts) and pure: the caller passes "now", the time zone
and the working calendar.

- **Quartiles and median**: the "inclusive" method of `statistics.quantiles(..., method="inclusive")`
  (also Excel's QUARTILE.INC and numpy's default "linear"): sort the n values; the p-quantile sits at
  position p × (n − 1) (0-based) and is interpolated linearly between its two neighbours. Q1, the median
  and Q3 are p = 1/4, 1/2, 3/4; with one value all three are that value. The median of an even count
  is the mean of the middle two. Quarter positions keep the result an exact decimal.
- **Uphold rate**: (upheld + partly upheld) ÷ decided, in percent rounded half up to one decimal.
  Decided = upheld + partly upheld + rejected; withdrawn and open appeals are not in the rate (they are
  counted on their own). No decided appeal: no rate (None), never 0 %.
- **Time to decision**: in working days of the workspace calendar, counted in the workspace's time zone:
  the working days after the filing day up to and including the decision day (filed Friday, decided
  the next Monday: 1; decided the day it was filed: 0). The median over decided appeals.
- **Overdue**: "overdue now" = open at `now` and past its `due_at`; "decided late" = decided after its
  `due_at`. A withdrawn appeal is neither.
- **Score distribution** of a profile: count, min, Q1, median, Q3, max of the totals in force, and the
  share of evaluations in each rating band in band order (percent, one decimal, rounded half up — so the
  shares may add up to 99.9 or 100.1).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal, Inexact
from typing import Any
from zoneinfo import ZoneInfo

from scoring.exports import csv_cell, neutralise
from scoring.metrics import ratio
from scoring.periods import Calendar, working_days

OPEN, WITHDRAWN = "open", "withdrawn"
UPHELD, PARTLY_UPHELD, REJECTED = "upheld", "partly_upheld", "rejected"
DECIDED = (UPHELD, PARTLY_UPHELD, REJECTED)
STATUSES = (OPEN, UPHELD, PARTLY_UPHELD, REJECTED, WITHDRAWN)
PERCENT_PLACES = 1

_EXACT = Context(prec=400, traps=[Inexact])  # quartile arithmetic never rounds: it raises instead


# --- order statistics -----------------------------------------------------------------------------


def _plain(value: Decimal) -> Decimal:
    """`value` exactly, with a negative zero made 0."""
    return _EXACT.add(value, Decimal(0))


def _at(ordered: Sequence[Decimal], quarters: int) -> Decimal:
    """The (quarters/4)-quantile of sorted `ordered` by the inclusive method: position quarters × (n−1) / 4."""
    whole, part = divmod(quarters * (len(ordered) - 1), 4)
    low = ordered[whole]
    if part == 0:
        return _plain(low)
    high = ordered[whole + 1]
    return _EXACT.add(low, _EXACT.divide(_EXACT.multiply(_EXACT.subtract(high, low), Decimal(part)), Decimal(4)))


@dataclass(frozen=True)
class Quartiles:
    minimum: Decimal
    q1: Decimal
    median: Decimal
    q3: Decimal
    maximum: Decimal


def quartiles(values: Iterable[Decimal]) -> Quartiles | None:
    """Min, Q1, median, Q3 and max of `values` (inclusive method); None when there are none."""
    ordered = sorted(values)
    if not ordered:
        return None
    return Quartiles(
        minimum=_plain(ordered[0]),
        q1=_at(ordered, 1),
        median=_at(ordered, 2),
        q3=_at(ordered, 3),
        maximum=_plain(ordered[-1]),
    )


def median(values: Iterable[Decimal]) -> Decimal | None:
    """The middle value (the mean of the middle two for an even count); None for no values."""
    found = quartiles(values)
    return None if found is None else found.median


def percent(part: int, whole: int) -> Decimal:
    """part ÷ whole in percent, one decimal, rounded half up exactly (whole must be > 0)."""
    return ratio(100 * part, whole, places=PERCENT_PLACES)


# --- appeals ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealFacts:
    """What the report needs of one appeal."""

    status: str  # open | upheld | partly_upheld | rejected | withdrawn
    created_at: datetime
    due_at: datetime
    decided_at: datetime | None


def _local_day(at: datetime, tz: ZoneInfo) -> date:
    if at.tzinfo is None:
        raise ValueError("appeal times must be timezone-aware")
    return at.astimezone(tz).date()


def working_days_to_decide(filed: datetime, decided: datetime, tz: ZoneInfo, calendar: Calendar) -> int:
    """Working days after the filing day through the decision day, in `tz` (0 when decided the same day)."""
    return working_days(_local_day(filed, tz) + timedelta(days=1), _local_day(decided, tz), calendar)


@dataclass(frozen=True)
class AppealStats:
    """How a group's appeals went. `filed` = open + withdrawn + decided."""

    filed: int = 0
    open: int = 0
    withdrawn: int = 0
    upheld: int = 0
    partly_upheld: int = 0
    rejected: int = 0
    median_days_to_decision: Decimal | None = None  # working days; None when none was decided
    overdue_now: int = 0
    decided_late: int = 0

    @property
    def decided(self) -> int:
        return self.upheld + self.partly_upheld + self.rejected

    @property
    def uphold_rate(self) -> Decimal | None:
        """(upheld + partly upheld) ÷ decided in percent, one decimal; None when none was decided."""
        return percent(self.upheld + self.partly_upheld, self.decided) if self.decided else None


def appeal_stats(appeals: Iterable[AppealFacts], *, now: datetime, tz: ZoneInfo, calendar: Calendar) -> AppealStats:
    """The counts, uphold rate, median time to decision and overdue counts of `appeals` at `now`."""
    counts = dict.fromkeys(STATUSES, 0)
    days: list[Decimal] = []
    overdue_now = decided_late = 0
    for appeal in appeals:
        if appeal.status not in counts:
            raise ValueError(f"unknown appeal status {appeal.status!r}")
        counts[appeal.status] += 1
        if appeal.status == OPEN and now > appeal.due_at:
            overdue_now += 1
        if appeal.status in DECIDED:
            if appeal.decided_at is None:
                raise ValueError("a decided appeal has a decision time")
            days.append(Decimal(working_days_to_decide(appeal.created_at, appeal.decided_at, tz, calendar)))
            if appeal.decided_at > appeal.due_at:
                decided_late += 1
    return AppealStats(
        filed=sum(counts.values()),
        open=counts[OPEN],
        withdrawn=counts[WITHDRAWN],
        upheld=counts[UPHELD],
        partly_upheld=counts[PARTLY_UPHELD],
        rejected=counts[REJECTED],
        median_days_to_decision=median(days),
        overdue_now=overdue_now,
        decided_late=decided_late,
    )


@dataclass(frozen=True)
class Group:
    """One row of a per-team or per-manager table: `name` is the team's name or the manager's user id
    (None: appeals of reps with no team, or of evaluations with no manager)."""

    name: str | None
    stats: AppealStats


def grouped(
    appeals: Iterable[tuple[str | None, AppealFacts]], *, now: datetime, tz: ZoneInfo, calendar: Calendar
) -> list[Group]:
    """`appeal_stats` per group key, by name (the group without a name last)."""
    by_key: dict[str | None, list[AppealFacts]] = {}
    for name, facts in appeals:
        by_key.setdefault(name, []).append(facts)
    names = sorted(by_key, key=lambda name: (name is None, (name or "").casefold(), name or ""))
    return [Group(name, appeal_stats(by_key[name], now=now, tz=tz, calendar=calendar)) for name in names]


# --- scores -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandShare:
    band: str
    count: int
    percent: Decimal  # of the profile's evaluations, one decimal


@dataclass(frozen=True)
class Distribution:
    """How a profile's scores (the versions in force) spread over one period, in points."""

    profile: str
    count: int
    spread: Quartiles
    bands: tuple[BandShare, ...]  # every band of the profile, in band order, then any other rating met


def distribution(profile: str, scores: Sequence[tuple[Decimal, str]], *, bands: Sequence[str]) -> Distribution | None:
    """The distribution of `scores` (total, rating) of one profile; `bands` are its band names in order
    (highest first). A rating not among `bands` (the bands changed) is listed after them. None when empty."""
    spread = quartiles(total for total, _ in scores)
    if spread is None:
        return None
    names = list(dict.fromkeys(bands))
    names += [rating for rating in dict.fromkeys(rating for _, rating in scores) if rating not in names]
    counts = dict.fromkeys(names, 0)
    for _, rating in scores:
        counts[rating] += 1
    return Distribution(
        profile=profile,
        count=len(scores),
        spread=spread,
        bands=tuple(BandShare(name, counts[name], percent(counts[name], len(scores))) for name in names),
    )


# --- the report, and how it is written out ------------------------------------------------------------


@dataclass(frozen=True)
class FairnessReport:
    """Appeals per team and per evaluating manager, and the score spread per profile, for one period.

    `period` is None only when the workspace has no evaluations yet (and none was asked for).
    `managers` maps a manager's user id to their name, for the reader."""

    period_key: str | None
    period_label: str | None
    generated_at: datetime
    overall: AppealStats
    by_team: tuple[Group, ...]
    by_manager: tuple[Group, ...]
    profiles: tuple[Distribution, ...]
    managers: dict[str, str]

    def manager_name(self, user_id: str | None) -> str:
        if user_id is None:
            return NO_MANAGER
        name = self.managers.get(user_id)
        return f"{name} ({user_id})" if name else user_id


NO_TEAM, NO_MANAGER, ALL = "(no team)", "(no manager)", "All appeals"

APPEAL_COLUMNS = (
    "filed",
    "open",
    "withdrawn",
    "decided",
    "upheld",
    "partly_upheld",
    "rejected",
    "uphold_rate_percent",
    "median_working_days_to_decision",
    "overdue_now",
    "decided_late",
)
SCORE_COLUMNS = ("evaluations", "min_points", "q1_points", "median_points", "q3_points", "max_points")


def number(value: Decimal) -> str:
    """An exact decimal as plain digits (never an exponent)."""
    return format(value, "f")


def _appeal_cells(stats: AppealStats) -> list[int | Decimal | None]:
    return [
        stats.filed,
        stats.open,
        stats.withdrawn,
        stats.decided,
        stats.upheld,
        stats.partly_upheld,
        stats.rejected,
        stats.uphold_rate,
        stats.median_days_to_decision,
        stats.overdue_now,
        stats.decided_late,
    ]


def band_names(report: FairnessReport) -> list[str]:
    """Every band of every profile, profile by profile, each name once."""
    return list(dict.fromkeys(share.band for profile in report.profiles for share in profile.bands))


def table(report: FairnessReport) -> tuple[list[str], list[list[str | int | Decimal | None]]]:
    """One wide table: a row per team (`team`), per manager (`manager`), all appeals (`all`), and per
    profile (`profile`) — appeal columns empty on profile rows, score columns empty on the others."""
    bands = band_names(report)
    header = [
        "period",
        "section",
        "group",
        *APPEAL_COLUMNS,
        *SCORE_COLUMNS,
        *(f"count:{band}" for band in bands),
        *(f"share_percent:{band}" for band in bands),
    ]
    blank_scores: list[str | int | Decimal | None] = [None] * (len(SCORE_COLUMNS) + 2 * len(bands))
    rows: list[list[str | int | Decimal | None]] = []
    key = report.period_key
    for group in report.by_team:
        rows.append([key, "team", group.name or NO_TEAM, *_appeal_cells(group.stats), *blank_scores])
    for group in report.by_manager:
        rows.append([key, "manager", group.name or NO_MANAGER, *_appeal_cells(group.stats), *blank_scores])
    rows.append([key, "all", ALL, *_appeal_cells(report.overall), *blank_scores])
    for profile in report.profiles:
        shares = {share.band: share for share in profile.bands}
        spread = profile.spread
        rows.append(
            [
                key,
                "profile",
                profile.profile,
                *([None] * len(APPEAL_COLUMNS)),
                profile.count,
                spread.minimum,
                spread.q1,
                spread.median,
                spread.q3,
                spread.maximum,
                *(shares[band].count if band in shares else None for band in bands),
                *(shares[band].percent if band in shares else None for band in bands),
            ]
        )
    return header, rows


def as_json(report: FairnessReport, *, workspace: str) -> dict[str, Any]:
    """Plain JSON data; every decimal an exact string, a missing rate or median null."""

    def exact(value: Decimal | None) -> str | None:
        return None if value is None else number(value)

    def appeals(stats: AppealStats) -> dict[str, Any]:
        cells = dict(zip(APPEAL_COLUMNS, _appeal_cells(stats), strict=True))
        return {name: exact(v) if isinstance(v, Decimal) or v is None else v for name, v in cells.items()}

    return {
        "workspace": workspace,
        "period": report.period_key,
        "period_label": report.period_label,
        "generated_at": report.generated_at.astimezone(UTC).isoformat(timespec="seconds"),
        "appeals": appeals(report.overall),
        "by_team": [{"team": g.name, **appeals(g.stats)} for g in report.by_team],
        "by_manager": [
            {"manager_user_id": g.name, "manager_name": report.managers.get(g.name or ""), **appeals(g.stats)}
            for g in report.by_manager
        ],
        "profiles": [
            {
                "profile": p.profile,
                "evaluations": p.count,
                "min_points": number(p.spread.minimum),
                "q1_points": number(p.spread.q1),
                "median_points": number(p.spread.median),
                "q3_points": number(p.spread.q3),
                "max_points": number(p.spread.maximum),
                "bands": [{"band": s.band, "count": s.count, "share_percent": number(s.percent)} for s in p.bands],
            }
            for p in report.profiles
        ],
    }


def to_json(report: FairnessReport, *, workspace: str) -> str:
    return json.dumps(as_json(report, workspace=workspace), ensure_ascii=False, indent=2) + "\n"


def to_csv(report: FairnessReport, *, workspace: str) -> str:
    """UTF-8 CSV (RFC 4180 line ends): `workspace` then `table`'s columns; text cells neutralised for
    spreadsheets (`scoring.exports.csv_cell`), numbers plain."""
    header, rows = table(report)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(neutralise(name) for name in ["workspace", *header])
    writer.writerows([csv_cell(workspace), *(csv_cell(cell) for cell in row)] for row in rows)
    return out.getvalue()


def _shown(value: Decimal | None, unit: str = "") -> str:
    return "–" if value is None else number(value) + unit


def _appeal_line(name: str, stats: AppealStats, width: int) -> str:
    return (
        f"{name:<{width}}  {stats.filed:>5}  {stats.open:>4}  {stats.withdrawn:>9}  {stats.decided:>7}  "
        f"{stats.upheld:>6}  {stats.partly_upheld:>6}  {stats.rejected:>8}  {_shown(stats.uphold_rate, ' %'):>11}  "
        f"{_shown(stats.median_days_to_decision):>11}  {stats.overdue_now:>11}  {stats.decided_late:>12}"
    )


def _appeal_table(title: str, first: str, rows: list[tuple[str, AppealStats]]) -> list[str]:
    width = max([len(first), *(len(name) for name, _ in rows)])
    head = (
        f"{first:<{width}}  filed  open  withdrawn  decided  upheld  partly  rejected  uphold rate  "
        "median days  overdue now  decided late"
    )
    lines = [title, head]
    lines += [_appeal_line(name, stats, width) for name, stats in rows] if rows else ["(no appeals)"]
    return lines


def to_text(report: FairnessReport, *, workspace: str) -> str:
    """A readable report: two appeal tables and the score spread of each profile."""
    at = report.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if report.period_key is None:
        return f"Fairness report for {workspace} at {at}: no evaluations yet, so nothing to report.\n"
    lines = [
        f"Fairness report: {report.period_label} ({report.period_key}), workspace {workspace}, at {at}",
        "Appeals on this period's evaluations. Uphold rate = (upheld + partly upheld) / decided.",
        "Median days = working days from filing to decision. Overdue now = open past its due time;",
        "decided late = decided after it.",
        "",
    ]
    teams = [(g.name or NO_TEAM, g.stats) for g in report.by_team]
    lines += _appeal_table("Appeals per team (the rep's team now)", "team", [*teams, (ALL, report.overall)])
    lines.append("")
    managers = [(report.manager_name(g.name), g.stats) for g in report.by_manager]
    lines += _appeal_table("Appeals per evaluating manager", "manager", managers)
    lines += ["", "Scores per profile (points, the versions in force)"]
    if not report.profiles:
        lines.append("(no evaluations)")
    for p in report.profiles:
        s = p.spread
        lines.append(
            f"{p.profile}: {p.count} evaluation{'s' if p.count != 1 else ''}; min {number(s.minimum)}, "
            f"Q1 {number(s.q1)}, median {number(s.median)}, Q3 {number(s.q3)}, max {number(s.maximum)}"
        )
        lines.append("  " + " · ".join(f"{b.band} {b.count} ({number(b.percent)} %)" for b in p.bands))
    return "\n".join(lines) + "\n"
