"""Coaching prompts: one concrete thing for a rep to do today, and what their manager could coach.

A rep's situation is summed up in `Signals` (plain values the caller reads from the database and
from `scorecard.score` / `pace.pace`; `signals_from` builds them). Each `Rule` in `RULES` has a
stable id, a priority, the profiles it applies to, a trigger, and wording that cites the evidence
with numbers, units and the period ("2 working days without a logged activity", "8 meetings and
demos, 0 closes this month (November 2026)"), a suggestion for the rep and a matching one for the
manager.

- `firing(signals)`: every rule that fires, most important first (ties by id).
- `choose(signals, shown=...)`: the one prompt for today's nudge: the most important firing rule
  not shown to this rep in the last `REPEAT_WINDOW_WORKING_DAYS` working days. The fallback rule
  (`FALLBACK_ID`) always fires and is never suppressed, so there is always exactly one prompt.
- `manager_suggestions(team)`: for the weekly digest, each rep's top firing rule, at-risk reps first.

Profile-specific rules apply to reps of that profile, and to reps of a custom profile (one not in
`DEFAULT_PROFILES`) whose scorecard carries the rule's metric. When such a rule covers the rep's
lead metric (e.g. repeat revenue for a farmer), it speaks for it and the generic lead-pace rules
stay quiet, so one shortfall is not nagged about twice in two wordings.

Two rules follow the rep's improvement plan (`Signals.plan`, from the last check-in's feedback):
`plan-item-overdue` (88) and `plan-item-due-soon` (84) fire for an item past its due date, or due within
3 working days, that has not reached its target (an item without a metric always counts). They rank
just below the two alarms that make any plan moot (nothing logged, the lead metric at risk) and above
every other shortfall: the item is a dated commitment the rep and the manager agreed on. The evidence
quotes the item's wording made plain (markup characters dropped, at most 60 characters).

The text is plain: no Slack markup and none of `<`, `>`, `&`, `*`, `_`, `~` or backticks. The rep's
name appears only in manager suggestions, exactly as given (the caller escapes it or passes a
mention it built).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from scoring.metrics import ACTIVITY_KINDS, METRICS, format_percent, format_value, plain_number
from scoring.pace import Pace, Status, needed_per_working_day
from scoring.periods import Calendar, Period, month_of, working_days, working_days_elapsed
from scoring.plans import TrackedItem, most_urgent_first
from scoring.profiles import DEFAULT_PROFILES
from scoring.scorecard import Score

# --- thresholds -------------------------------------------------------------------------------------

REPEAT_WINDOW_WORKING_DAYS = 5
"""A rule shown to a rep is not shown again until 5 working days have passed (a working week), so the
daily nudge does not repeat itself; the fallback is exempt."""

NO_ACTIVITY_DAYS = 2
# Two full working days with nothing logged: one quiet day happens (training, admin, a long deal
# review); a second in a row means outreach has stopped or logging has, and both need a nudge.

DEAL_DROUGHT_DAYS = 10
# Ten working days (two working weeks) without a deal: monthly targets need a steady closing rhythm,
# and two weeks without a close is the point where a month is usually lost.

PACE_JUDGED_FROM = Decimal("0.2")
# Pace-based rules wait until 20 % of the period's working days have gone (4 days of a month,
# 13 of a quarter): before that a single deal swings the straight-line pace index wildly.

MIN_MEETINGS = 6
# Meetings and demos together before the close ratio is judged: fewer is too small a sample.
MEETINGS_PER_CLOSE = 5
# More than 5 meetings and demos per close (a conversion below 20 %) means conversations are not
# moving to a decision; B2B teams usually convert one meeting in three to five.

MIN_PROPOSALS_WITHOUT_CLOSE = 3
# Three proposals out and nothing closed in the period: one or two may simply be early, three
# waiting means follow-up is missing.

PREMIUM_LOW_ATTAINMENT = Decimal("0.9")
# Premium share below 90 % of its target (45 % against 50 %). A share moves with every deal, so
# within 10 % of target one premium deal restores it: not worth a prompt.

CSAT_FLOOR = Decimal("4.0")
# Without a CSAT target on the scorecard, an average below 4.0 of 5 counts as low: below "satisfied".

NO_SURVEYS_AFTER_DAYS = 5
# No CSAT survey after a working week of the period: surveys are how satisfaction is measured at
# all, and asking late leaves too few answers to average.

FIRST_DEAL_FRESH_DAYS = 2
# The first deal of the period is celebrated while it is fresh: within 2 full working days.

FALLBACK_ID = "keep-going"
"""The rule that always fires, so a nudge always has exactly one prompt."""

Tone = Literal["warning", "positive", "neutral"]

_STANDING_ORDER: dict[Status, int] = {
    "at risk": 0,
    "behind": 1,
    "not started": 2,
    "no target": 3,
    "on track": 4,
    "ahead": 5,
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_LAGGING: frozenset[Status] = frozenset({"behind", "at risk"})


# --- signals ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricSignal:
    """A scorecard line as the rules see it: actual, target (None when unset), attainment, pace."""

    metric: str
    weight: Decimal
    actual: Decimal
    target: Decimal | None
    attainment: Decimal | None
    pace: Pace

    @property
    def status(self) -> Status:
        return self.pace.status

    @property
    def pace_index(self) -> Decimal | None:
        return self.pace.pace_index


@dataclass(frozen=True)
class Signals:
    """Everything the coaching rules look at for one rep, as of their local `today`.

    - `name`: how manager suggestions name the rep (plain text, already escaped by the caller, or a
      mention the caller built); rep-facing text never contains it.
    - `profile`: hunter, farmer, strategic or a custom profile name; `lines`: the rep's scorecard
      metrics in scorecard order.
    - `activities`: this period's logged activities by kind (`ACTIVITY_KINDS`; missing kinds are 0).
    - `deals`, `new_customers`, `revenue`, `repeat_revenue`, `repurchase_rate`, `premium_share`:
      this period's actuals (`metrics.compute_actuals` definitions; rates are fractions of 1).
    - `csat`: average survey score this period, None without surveys; `csat_surveys`: their number.
    - `training_required` / `training_done`: required courses, and how many are completed.
    - `last_activity_on` / `last_deal_on`: local dates of the rep's latest live activity and deal
      (any period; None = never).
    - `plan`: the rep's open improvement-plan items (`scoring.plans.track`), with state and progress.
    """

    name: str
    profile: str
    today: date
    period: Period
    calendar: Calendar
    currency: str
    lines: tuple[MetricSignal, ...]
    activities: Mapping[str, int] = field(default_factory=dict, hash=False)
    deals: int = 0
    new_customers: int = 0
    revenue: Decimal = Decimal(0)
    repeat_revenue: Decimal = Decimal(0)
    repurchase_rate: Decimal = Decimal(0)
    premium_share: Decimal = Decimal(0)
    csat: Decimal | None = None
    csat_surveys: int = 0
    training_required: int = 0
    training_done: int = 0
    last_activity_on: date | None = None
    last_deal_on: date | None = None
    plan: tuple[TrackedItem, ...] = ()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.activities) - set(ACTIVITY_KINDS))
        if unknown:
            raise ValueError(f"unknown activity kinds {', '.join(unknown)}; valid: {', '.join(ACTIVITY_KINDS)}")
        if not self.lines:
            raise ValueError("signals need at least one scorecard line")

    def activity(self, kind: str) -> int:
        """This period's count of activities of `kind` (0 when none were logged)."""
        return self.activities.get(kind, 0)

    @property
    def total_activities(self) -> int:
        return sum(self.activities.values())

    @property
    def new_leads(self) -> int:
        return self.activity("lead")

    @property
    def metric_keys(self) -> tuple[str, ...]:
        return tuple(line.metric for line in self.lines)

    def line(self, metric_name: str) -> MetricSignal | None:
        return next((line for line in self.lines if line.metric == metric_name), None)

    @property
    def lead(self) -> MetricSignal:
        """The lead metric: the heaviest line on the scorecard, the first of equals."""
        return max(self.lines, key=lambda line: line.weight)  # max keeps the first of equal weights

    @property
    def working_days_since_activity(self) -> int | None:
        """Full working days between the last logged activity and today (neither counted); None = never."""
        return working_days_since(self.last_activity_on, self.today, self.calendar)

    @property
    def working_days_since_deal(self) -> int | None:
        """Full working days between the last deal and today (neither counted); None = never."""
        return working_days_since(self.last_deal_on, self.today, self.calendar)

    @property
    def working_days_elapsed(self) -> int:
        return working_days_elapsed(self.period, self.today, self.calendar)

    @property
    def working_days_total(self) -> int:
        return working_days(self.period.start, self.period.end, self.calendar)


def working_days_since(last: date | None, today: date, calendar: Calendar) -> int | None:
    """Working days strictly between `last` and `today`: the whole working days that went by without one.

    Last on Tuesday, today Friday (Mon–Fri week): 2 (Wednesday and Thursday). None when `last` is None.
    """
    if last is None:
        return None
    return working_days(last + timedelta(days=1), today - timedelta(days=1), calendar)


def signals_from(
    *,
    name: str,
    profile: str,
    score: Score,
    paces: Mapping[str, Pace],
    actuals: Mapping[str, Decimal],
    period: Period,
    today: date,
    calendar: Calendar,
    currency: str,
    csat_surveys: int,
    training_required: int,
    last_activity_on: date | None,
    last_deal_on: date | None,
    plan: Iterable[TrackedItem] = (),
) -> Signals:
    """Signals from what `/progress` already computes: the `Score`, a `Pace` per line, and the actuals
    dict of `bot.store.metrics.actuals` / `metrics.compute_actuals` (every metric; missing ones are 0).

    `csat_surveys` is the number of surveys in the period (the actuals hold only their average, 0 when
    there are none); `training_required` the number of required courses (completed ones are derived
    from the `training` ratio, exactly, for fewer than 5,000 courses).
    """

    def actual(metric_name: str) -> Decimal:
        return actuals.get(metric_name, Decimal(0))

    lines = tuple(
        MetricSignal(
            metric=e.metric,
            weight=e.weight,
            actual=e.actual,
            target=e.target,
            attainment=e.attainment,
            pace=paces[e.metric],
        )
        for e in score.lines
    )
    return Signals(
        name=name,
        profile=profile,
        today=today,
        period=period,
        calendar=calendar,
        currency=currency,
        lines=lines,
        activities={kind: int(actual(f"activities:{kind}")) for kind in ACTIVITY_KINDS},
        deals=int(actual("deals")),
        new_customers=int(actual("new_customers")),
        revenue=actual("revenue"),
        repeat_revenue=actual("repeat_revenue"),
        repurchase_rate=actual("repurchase_rate"),
        premium_share=actual("premium_share"),
        csat=actual("csat") if csat_surveys > 0 else None,
        csat_surveys=csat_surveys,
        training_required=training_required,
        training_done=int((actual("training") * training_required).to_integral_value()) if training_required else 0,
        last_activity_on=last_activity_on,
        last_deal_on=last_deal_on,
        plan=tuple(plan),
    )


# --- prompts and rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    """One coaching prompt: what fired (`rule_id`, `priority`), why (`evidence`), what to do about it."""

    rule_id: str
    priority: int
    tone: Tone
    headline: str
    evidence: str
    suggestion: str
    manager_suggestion: str


@dataclass(frozen=True)
class Wording:
    headline: str
    evidence: str
    suggestion: str
    manager_suggestion: str


@dataclass(frozen=True)
class Rule:
    """A coaching rule. `profiles` empty = every profile; `metric` is the scorecard metric it is about."""

    id: str
    priority: int
    tone: Tone
    trigger: Callable[[Signals], bool]
    wording: Callable[[Signals], Wording]
    profiles: frozenset[str] = frozenset()
    metric: str | None = None

    def applies_to(self, signals: Signals) -> bool:
        if not self.profiles or signals.profile in self.profiles:
            return True
        custom = signals.profile not in DEFAULT_PROFILES
        return custom and self.metric is not None and self.metric in signals.metric_keys

    def fires(self, signals: Signals) -> bool:
        return self.applies_to(signals) and self.trigger(signals)

    def prompt(self, signals: Signals) -> Prompt:
        words = self.wording(signals)
        return Prompt(
            rule_id=self.id,
            priority=self.priority,
            tone=self.tone,
            headline=words.headline,
            evidence=words.evidence,
            suggestion=words.suggestion,
            manager_suggestion=words.manager_suggestion,
        )


# --- wording helpers --------------------------------------------------------------------------------


def _plural(count: int | Decimal, one: str, many: str | None = None) -> str:
    word = one if count == 1 else (many or one + "s")
    return f"{plain_number(Decimal(count))} {word}"


def _this_period(s: Signals) -> str:
    """`this month (November 2026)`, `this quarter, Q4 2026 (Oct–Dec)`, or `in November 2026` once it is over."""
    if s.today not in s.period:
        return f"in {s.period.label}"
    if s.period.cadence == "month":
        return f"this month ({s.period.label})"
    return f"this quarter, {s.period.label}"


def _day(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {month_of(day).label.split()[0]}"


def _value(s: Signals, metric_name: str, value: Decimal) -> str:
    return format_value(METRICS[metric_name].unit, value, currency=s.currency)


def _label(metric_name: str) -> str:
    return METRICS[metric_name].label


def _days_gone(s: Signals) -> str:
    return f"{s.working_days_elapsed} of {_plural(s.working_days_total, 'working day')} of {s.period.label} gone"


def _standing(s: Signals, line: MetricSignal) -> str:
    """`Revenue $40,000 of $100,000 (40.0 %), with 17 of 21 working days of November 2026 gone`;
    a rate or score reads `Repurchase rate 20 % against a 60 % target, with …`."""
    label, actual = _label(line.metric), _value(s, line.metric, line.actual)
    if line.target is None or line.attainment is None:
        return f"{label} {actual} {_this_period(s)}, no target set"
    target = _value(s, line.metric, line.target)
    if METRICS[line.metric].unit in ("percent", "score"):
        return f"{label} {actual} against a {target} target, with {_days_gone(s)}"
    return f"{label} {actual} of {target} ({format_percent(line.attainment, places=1)}), with {_days_gone(s)}"


def _count_noun(metric_name: str, count: Decimal) -> str:
    """`3 new customers`, `1 new lead`, `12 calls`: a count of a count metric in words."""
    one, many = _COUNT_NOUNS.get(metric_name, (None, None))
    if one is None or many is None:
        many = METRICS[metric_name].label.lower()
        one = many[:-1] if many.endswith("s") else many
    return _plural(count, one, many)


_COUNT_NOUNS: dict[str, tuple[str, str]] = {
    "activities": ("activity", "activities"),
    "activities:followup": ("follow-up", "follow-ups"),
}


def _gap(s: Signals, line: MetricSignal) -> str:
    """What reaching target takes: `$60,000 more in the 4 working days left ($15,000 per working day)`,
    `3 more new customers in the 4 working days left`."""
    assert line.target is not None
    gap = line.target - line.actual
    left = line.pace.working_days_left
    count = METRICS[line.metric].unit == "count"
    amount = (
        f"{_count_noun(line.metric, gap).replace(' ', ' more ', 1)}" if count else f"{_value(s, line.metric, gap)} more"
    )
    if left <= 0:
        return f"{amount} before {s.period.label} ends"
    within = f"{amount} in the {_plural(left, 'working day')} left"
    needed = needed_per_working_day(line.actual, line.target, line.pace)
    if count or needed is None or left == 1:
        return within
    return f"{within} ({_value(s, line.metric, needed)} per working day)"


def _judged(s: Signals, line: MetricSignal | None) -> bool:
    """A line whose pace can be judged: it has a target and enough of the period has gone."""
    if line is None or line.target is None or s.working_days_total == 0:
        return False
    return Decimal(s.working_days_elapsed) >= PACE_JUDGED_FROM * s.working_days_total


def _lagging(s: Signals, metric_name: str) -> bool:
    line = s.line(metric_name)
    return line is not None and _judged(s, line) and line.status in _LAGGING


def _covered(s: Signals, metric_name: str) -> bool:
    """A profile-specific rule about this metric applies to the rep, so it speaks for the metric."""
    return any(rule.profiles and rule.metric == metric_name and rule.applies_to(s) for rule in RULES)


def _meetings(s: Signals) -> int:
    return s.activity("meeting") + s.activity("demo")


# --- the rules --------------------------------------------------------------------------------------


def _no_activity(s: Signals) -> bool:
    days = s.working_days_since_activity
    return days is None or days >= NO_ACTIVITY_DAYS


def _no_activity_words(s: Signals) -> Wording:
    days, last = s.working_days_since_activity, s.last_activity_on
    if days is None or last is None:
        gap = f"No activity logged yet, {s.working_days_elapsed} working days into {s.period.label}"
        headline = "No activity logged yet"
        evidence = gap
    else:
        gap = f"{_plural(days, 'working day')} without a logged activity (the last was on {_day(last)})"
        headline = f"No activity for {_plural(days, 'working day')}"
        evidence = f"{gap}; {_plural(s.total_activities, 'activity', 'activities')} {_this_period(s)}"
    return Wording(
        headline=headline,
        evidence=evidence,
        suggestion=(
            "Block the first hour today for 10 calls to customers and prospects, and log them with /activity call 10."
        ),
        manager_suggestion=(
            f"Check in with {s.name}: {gap[0].lower()}{gap[1:]}. Ask what is blocking outreach and agree a call "
            "block for today."
        ),
    )


def _lead_status(status: Status) -> Callable[[Signals], bool]:
    def trigger(s: Signals) -> bool:
        lead = s.lead
        return _judged(s, lead) and lead.status == status and not _covered(s, lead.metric)

    return trigger


def _lead_words(s: Signals) -> Wording:
    lead = s.lead
    label = _label(lead.metric)
    return Wording(
        headline=f"{label} is {lead.status}",
        evidence=f"{_standing(s, lead)}: {lead.status}",
        suggestion=(
            f"To reach target you need {_gap(s, lead)}. Pick the two deals nearest to signing and ask each "
            "for a decision date this week."
        ),
        manager_suggestion=(
            f"Coach {s.name} on the {label.lower()} gap: {_standing(s, lead)}. Review their pipeline together for "
            f"deals that can close {_this_period(s)}."
        ),
    )


def _meetings_no_closes(s: Signals) -> bool:
    meetings = _meetings(s)
    return meetings >= MIN_MEETINGS and meetings > MEETINGS_PER_CLOSE * s.deals


def _meetings_words(s: Signals) -> Wording:
    meetings, demos = s.activity("meeting"), s.activity("demo")
    held = _plural(meetings, "meeting") + (f" and {_plural(demos, 'demo')}" if demos else "")
    closes = f"{_plural(s.deals, 'close')} {_this_period(s)}"
    return Wording(
        headline="Meetings are not turning into deals",
        evidence=f"{held}, {closes}",
        suggestion=(
            "End every meeting with a dated next step (a proposal, a trial or a decision date), and send a "
            "proposal to your two most advanced conversations this week."
        ),
        manager_suggestion=f"Coach {s.name} on turning meetings into proposals: {held}, {closes}.",
    )


def _proposals_no_close(s: Signals) -> bool:
    return s.activity("proposal") >= MIN_PROPOSALS_WITHOUT_CLOSE and s.deals == 0


def _proposals_words(s: Signals) -> Wording:
    out = _plural(s.activity("proposal"), "proposal")
    return Wording(
        headline="Proposals are waiting for a decision",
        evidence=f"{out} sent, 0 closes {_this_period(s)}",
        suggestion=(
            "Follow up every open proposal today: ask for a decision date and for the one thing that still "
            "stands in the way."
        ),
        manager_suggestion=(
            f"Review {s.name}'s open proposals together ({out} sent, 0 closes {_this_period(s)}): what is each "
            "one waiting for?"
        ),
    )


def _deal_drought(s: Signals) -> bool:
    days = s.working_days_since_deal
    if days is None:
        return s.working_days_elapsed >= DEAL_DROUGHT_DAYS
    return days >= DEAL_DROUGHT_DAYS


def _deal_drought_words(s: Signals) -> Wording:
    days, last = s.working_days_since_deal, s.last_deal_on
    if days is None or last is None:
        gap = f"No deal yet, {s.working_days_elapsed} working days into {s.period.label}"
    else:
        gap = f"{_plural(days, 'working day')} since the last deal (on {_day(last)})"
    evidence = f"{gap}; {_plural(s.deals, 'deal')} {_this_period(s)}"
    return Wording(
        headline="Time for a close",
        evidence=evidence,
        suggestion=(
            "List your three most advanced opportunities and book a closing conversation with each "
            "in the next five working days."
        ),
        manager_suggestion=(
            f"Coach {s.name} on closing: {gap[0].lower()}{gap[1:]}. Go through their three most advanced "
            "opportunities and agree the next step for each."
        ),
    )


def _metric_words(s: Signals, metric_name: str, *, headline: str, suggestion: str, manager_topic: str) -> Wording:
    line = s.line(metric_name)
    assert line is not None
    standing = _standing(s, line)
    return Wording(
        headline=headline,
        evidence=f"{standing}: {line.status}",
        suggestion=suggestion,
        manager_suggestion=f"Coach {s.name} on {manager_topic}: {standing}.",
    )


def _new_customers_words(s: Signals) -> Wording:
    line = s.line("new_customers")
    assert line is not None
    return _metric_words(
        s,
        "new_customers",
        headline="New customers are lagging",
        suggestion=(
            f"To reach target you need {_gap(s, line)}. Pick your most advanced first-time prospects and "
            "book a closing conversation with each this week."
        ),
        manager_topic="winning first deals with new customers",
    )


def _new_leads_words(s: Signals) -> Wording:
    line = s.line("new_leads")
    assert line is not None
    return _metric_words(
        s,
        "new_leads",
        headline="New leads are lagging",
        suggestion=(
            f"To reach target you need {_gap(s, line)}. Ask this period's customers for referrals and log "
            "each new lead with /activity lead."
        ),
        manager_topic="prospecting",
    )


def _repeat_revenue_words(s: Signals) -> Wording:
    line = s.line("repeat_revenue")
    assert line is not None
    return _metric_words(
        s,
        "repeat_revenue",
        headline="Repeat revenue is behind",
        suggestion=(
            f"To reach target you need {_gap(s, line)} from existing customers. Start with the accounts "
            "whose usual reorder date has passed."
        ),
        manager_topic="growing existing accounts",
    )


def _repurchase_words(s: Signals) -> Wording:
    return _metric_words(
        s,
        "repurchase_rate",
        headline="Past customers are not buying again",
        suggestion=(
            "Call the customers who bought in the last 12 months but not yet this period, largest first, and "
            "offer each a reorder review."
        ),
        manager_topic="bringing past customers back",
    )


def _csat_target(s: Signals) -> Decimal:
    line = s.line("csat")
    return line.target if line is not None and line.target is not None else CSAT_FLOOR


def _csat_low(s: Signals) -> bool:
    return s.csat is not None and s.csat_surveys > 0 and s.csat < _csat_target(s)


def _csat_low_words(s: Signals) -> Wording:
    assert s.csat is not None
    measured = (
        f"CSAT {plain_number(s.csat)} of 5 from {_plural(s.csat_surveys, 'survey')} {_this_period(s)}, "
        f"below the {plain_number(_csat_target(s))} target"
    )
    return Wording(
        headline="Customer satisfaction is low",
        evidence=measured,
        suggestion=(
            "Call back the customers behind this period's lowest scores, ask what went wrong, and agree one fix "
            "with each."
        ),
        manager_suggestion=f"Coach {s.name} on customer care: {measured}. Listen to one of their customer calls.",
    )


def _no_surveys(s: Signals) -> bool:
    return s.csat_surveys == 0 and s.working_days_elapsed >= NO_SURVEYS_AFTER_DAYS


def _no_surveys_words(s: Signals) -> Wording:
    line = s.line("csat")
    stake = f" CSAT is {plain_number(line.weight)} of your 100 points." if line is not None else ""
    measured = f"0 CSAT surveys {_this_period(s)}, {s.working_days_elapsed} working days in"
    return Wording(
        headline="No customer feedback yet",
        evidence=measured,
        suggestion=f"Ask your three most recent customers to answer the satisfaction survey.{stake}",
        manager_suggestion=f"Remind {s.name} to ask customers for surveys: {measured}.",
    )


def _premium_low(s: Signals) -> bool:
    line = s.line("premium_share")
    if line is None or line.target is None or line.attainment is None or s.revenue <= 0:
        return False
    return line.attainment < PREMIUM_LOW_ATTAINMENT


def _premium_words(s: Signals) -> Wording:
    line = s.line("premium_share")
    assert line is not None and line.target is not None
    measured = (
        f"Premium share {format_percent(line.actual, places=1)} of {_value(s, 'revenue', s.revenue)} revenue "
        f"{_this_period(s)}, against a {format_percent(line.target)} target"
    )
    return Wording(
        headline="Premium share is low",
        evidence=measured,
        suggestion=(
            "Lead with the premium line in your next three customer conversations, and show each customer the "
            "case for upgrading."
        ),
        manager_suggestion=f"Coach {s.name} on positioning premium products: {measured}.",
    )


def _training_incomplete(s: Signals) -> bool:
    return s.training_done < s.training_required


def _training_words(s: Signals) -> Wording:
    left = s.training_required - s.training_done
    measured = (
        f"{s.training_done} of {_plural(s.training_required, 'required training course')} completed, "
        f"{_plural(working_days(s.today, s.period.end, s.calendar), 'working day')} left in {s.period.label}"
    )
    return Wording(
        headline="Training is incomplete",
        evidence=measured,
        suggestion=(
            f"Book time in your calendar for the {_plural(left, 'course')} still to do, before {_day(s.period.end)}."
        ),
        manager_suggestion=f"Make room in {s.name}'s week for training: {measured}.",
    )


def _first_deal(s: Signals) -> bool:
    days = s.working_days_since_deal
    return s.deals == 1 and days is not None and days <= FIRST_DEAL_FRESH_DAYS


def _first_deal_words(s: Signals) -> Wording:
    assert s.last_deal_on is not None
    measured = f"First deal of {s.period.label}, closed on {_day(s.last_deal_on)}"
    return Wording(
        headline="First deal of the period is in",
        evidence=measured,
        suggestion=("Ask this customer for a referral while the deal is fresh, and log it with /activity lead."),
        manager_suggestion=f"Congratulate {s.name}: {measured[0].lower()}{measured[1:]}.",
    )


def _ahead(s: Signals) -> bool:
    lead = s.lead
    return _judged(s, lead) and lead.status == "ahead"


def _ahead_words(s: Signals) -> Wording:
    lead = s.lead
    return Wording(
        headline=f"Ahead on {_label(lead.metric).lower()}",
        evidence=f"{_standing(s, lead)}: ahead of pace",
        suggestion=(
            "Protect the lead: book 3 discovery meetings this week so the pipeline is full when the next period starts."
        ),
        manager_suggestion=(
            f"Recognise {s.name}'s lead ({_standing(s, lead)}) and ask what is working, so the team can copy it."
        ),
    )


PLAN_ACTION_CHARS = 60
_MARKUP = str.maketrans(dict.fromkeys("<>&*_~`", " "))


def _plan_items(s: Signals, state: str) -> list[TrackedItem]:
    """The rep's plan items in `state` that still need attention (a reached target does not), earliest first."""
    return [item for item in most_urgent_first(s.plan) if item.state == state and item.needs_attention]


def _plan_overdue(s: Signals) -> bool:
    return bool(_plan_items(s, "overdue"))


def _plan_due_soon(s: Signals) -> bool:
    return bool(_plan_items(s, "due soon"))


def _quoted(action: str) -> str:
    """The manager's wording of the item, made plain (no markup characters) and kept short."""
    text = " ".join(action.translate(_MARKUP).split()) or "(no wording)"
    if len(text) > PLAN_ACTION_CHARS:
        text = text[: PLAN_ACTION_CHARS - 1].rstrip() + "…"
    return f"'{text}'"


def _plan_label(metric_name: str) -> str:
    spec = METRICS.get(metric_name)
    return spec.label if spec is not None else metric_name


def _plan_progress(s: Signals, item: TrackedItem) -> str:
    """`4 of 10 demos so far`, `$4,000 of $10,000 revenue so far`, `CSAT 4.2 against a 4.5 target`;
    for an item without a metric, that there is nothing to measure."""
    if item.metric is None or item.target is None:
        return "nothing to measure, so bring how it went to your manager"
    progress = item.progress
    actual = progress.actual if progress is not None else Decimal(0)
    spec = METRICS.get(item.metric)
    by = "by the due date" if item.state == "overdue" else "so far"
    if spec is None:
        return f"{item.metric} {plain_number(actual)} of {plain_number(item.target)} {by}"
    if spec.unit == "count":
        return f"{plain_number(actual)} of {_count_noun(item.metric, item.target)} {by}"
    if spec.unit == "money":
        shown, wanted = _value(s, item.metric, actual), _value(s, item.metric, item.target)
        return f"{shown} of {wanted} {_label(item.metric).lower()} {by}"
    return f"{spec.label} {_value(s, item.metric, actual)} against a {_value(s, item.metric, item.target)} target {by}"


def _plan_words(s: Signals, state: str) -> Wording:
    items = _plan_items(s, state)
    item = items[0]
    quoted = _quoted(item.action)
    if state == "overdue":
        late = working_days(item.due + timedelta(days=1), s.today - timedelta(days=1), s.calendar)
        when = f"was due {_day(item.due)}" + (f", {_plural(late, 'working day')} ago" if late else "")
        headline = "An improvement-plan item is overdue"
    else:
        when = "is due today" if item.due == s.today else f"is due {_day(item.due)}"
        headline = "An improvement-plan item is due soon"
    evidence = f"Plan item {quoted} {when}: {_plan_progress(s, item)}"
    if len(items) > 1:
        evidence += f" (and {_plural(len(items) - 1, 'more item')} {state})"
    if item.metric is not None and item.target is not None:
        what = f"{_plan_label(item.metric).lower()} to {_value_or_plain(s, item.metric, item.target)}"
        suggestion = (
            f"Put today's first hour into {quoted}: list what it takes to bring {what}, and book the first step now."
        )
    else:
        suggestion = f"Finish {quoted} today, or tell your manager what stands in the way and agree a new date."
    if state == "overdue":
        manager = f"Follow up {s.name}'s improvement plan: {evidence[0].lower()}{evidence[1:]}. Agree what happens now."
    else:
        manager = f"Check on {s.name}'s improvement plan before the date: {evidence[0].lower()}{evidence[1:]}."
    return Wording(headline=headline, evidence=evidence, suggestion=suggestion, manager_suggestion=manager)


def _value_or_plain(s: Signals, metric_name: str, value: Decimal) -> str:
    return _value(s, metric_name, value) if metric_name in METRICS else plain_number(value)


def _always(_: Signals) -> bool:
    return True


def _fallback_words(s: Signals) -> Wording:
    lead = s.lead
    logged = f"{_plural(s.total_activities, 'activity', 'activities')} logged {_this_period(s)}"
    return Wording(
        headline="Plan today's most valuable conversations",
        evidence=f"{_standing(s, lead)}; {logged}",
        suggestion=(
            "Before your first call, list the three conversations most likely to move a deal forward today, "
            "and log each one with /activity when it is done."
        ),
        manager_suggestion=f"Ask {s.name} which deal they most want help with this week ({_standing(s, lead)}).",
    )


HUNTER = frozenset({"hunter"})
FARMER = frozenset({"farmer"})
STRATEGIC = frozenset({"strategic"})

RULES: tuple[Rule, ...] = (
    Rule("no-activity", 100, "warning", _no_activity, _no_activity_words),
    Rule("lead-at-risk", 90, "warning", _lead_status("at risk"), _lead_words),
    Rule("plan-item-overdue", 88, "warning", _plan_overdue, lambda s: _plan_words(s, "overdue")),
    Rule(
        "farmer-repeat-revenue",
        85,
        "warning",
        lambda s: _lagging(s, "repeat_revenue"),
        _repeat_revenue_words,
        FARMER,
        "repeat_revenue",
    ),
    Rule("plan-item-due-soon", 84, "warning", _plan_due_soon, lambda s: _plan_words(s, "due soon")),
    Rule("meetings-no-closes", 80, "warning", _meetings_no_closes, _meetings_words),
    Rule("proposals-no-close", 78, "warning", _proposals_no_close, _proposals_words),
    Rule("deal-drought", 75, "warning", _deal_drought, _deal_drought_words),
    Rule("lead-behind", 70, "warning", _lead_status("behind"), _lead_words),
    Rule(
        "hunter-new-customers",
        66,
        "warning",
        lambda s: _lagging(s, "new_customers"),
        _new_customers_words,
        HUNTER,
        "new_customers",
    ),
    Rule("hunter-new-leads", 64, "warning", lambda s: _lagging(s, "new_leads"), _new_leads_words, HUNTER, "new_leads"),
    Rule(
        "farmer-repurchase",
        62,
        "warning",
        lambda s: _lagging(s, "repurchase_rate"),
        _repurchase_words,
        FARMER,
        "repurchase_rate",
    ),
    Rule("strategic-premium-share", 61, "warning", _premium_low, _premium_words, STRATEGIC, "premium_share"),
    Rule("csat-low", 60, "warning", _csat_low, _csat_low_words, FARMER | STRATEGIC, "csat"),
    Rule("strategic-training", 45, "neutral", _training_incomplete, _training_words, STRATEGIC, "training"),
    Rule("csat-no-surveys", 42, "neutral", _no_surveys, _no_surveys_words, FARMER | STRATEGIC, "csat"),
    Rule("first-deal", 35, "positive", _first_deal, _first_deal_words),
    Rule("ahead-of-pace", 30, "positive", _ahead, _ahead_words),
    Rule(FALLBACK_ID, 0, "neutral", _always, _fallback_words),
)
"""Every rule, most important first. Ids are stable: they are stored to avoid repeating a prompt."""

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


# --- choosing ---------------------------------------------------------------------------------------


def firing(signals: Signals) -> list[Prompt]:
    """Every rule that fires for `signals`, most important first (equal priorities by id). Never empty."""
    rules = sorted((rule for rule in RULES if rule.fires(signals)), key=lambda rule: (-rule.priority, rule.id))
    return [rule.prompt(signals) for rule in rules]


def shown_recently(last_shown: date, today: date, calendar: Calendar) -> bool:
    """Whether a prompt last shown on `last_shown` is still inside the no-repeat window on `today`.

    It may come back once `REPEAT_WINDOW_WORKING_DAYS` working days after `last_shown` (through today)
    have gone by: shown on a Friday, it may return the next Friday, not the Thursday (Mon–Fri week).
    """
    return working_days(last_shown + timedelta(days=1), today, calendar) < REPEAT_WINDOW_WORKING_DAYS


def choose(signals: Signals, *, shown: Mapping[str, date], calendar: Calendar | None = None) -> Prompt:
    """Today's prompt: the most important firing rule not shown in the last 5 working days.

    `shown` maps rule id to the rep's local date it was last shown; `calendar` defaults to the
    signals' calendar. The fallback is never suppressed, so there is always a prompt.
    """
    working = calendar or signals.calendar
    for prompt in firing(signals):
        last = shown.get(prompt.rule_id)
        if prompt.rule_id == FALLBACK_ID or last is None or not shown_recently(last, signals.today, working):
            return prompt
    raise AssertionError("the fallback rule always fires")  # pragma: no cover


K = TypeVar("K")


@dataclass(frozen=True)
class Conversation(Generic[K]):
    """A suggested coaching conversation for the manager's digest.

    `rep` is the caller's own key (a member id, say); `standing` the rep's lead-metric pace status;
    `prompt.evidence` is the reason and `prompt.manager_suggestion` the conversation to have.
    """

    rep: K
    name: str
    standing: Status
    prompt: Prompt


def manager_suggestions(team: Iterable[tuple[K, Signals]]) -> list[Conversation[K]]:
    """Each rep's top firing rule, for the weekly digest: at-risk reps first, then behind, not started,
    no target, on track, ahead; within a standing the more important prompt first, then by name.
    """
    conversations = [
        (index, Conversation(rep=key, name=signals.name, standing=signals.lead.status, prompt=firing(signals)[0]))
        for index, (key, signals) in enumerate(team)
    ]
    conversations.sort(
        key=lambda item: (_STANDING_ORDER[item[1].standing], -item[1].prompt.priority, item[1].name, item[0])
    )
    return [conversation for _, conversation in conversations]
