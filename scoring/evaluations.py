"""Evaluations: a rep's scorecard frozen at period close, and re-scored only under the rules it froze.

At the close of a period (monthly or quarterly, per the rep's profile) the figures `/progress` shows
for that period become a `Snapshot`: every scorecard line with its actual, target and where the
target came from (the rep's goal or the profile default), weight, cap, gate, attainment, capped
attainment, points, reason and the sources of its records; the total, the rating, the missing
targets; the payout estimate; the counting rule and rule-set version in force and the premium
product lines; the profile's scorecard as it stood (weights, default targets, caps, gates, bands)
and its cadence; the period; the currency.

Nothing in a snapshot refers to pacer.yml or the database: `scorecard_of` rebuilds the scorecard it
was scored with, so `rescore` (a correction, e.g. an upheld appeal) scores corrected actuals with
the frozen weights, caps, gates, bands and targets, even after pacer.yml changed. Every Decimal
keeps its exact digits through JSON (`as_json` / `from_json`): numbers are written as strings.

The check-in that follows a close moves through fixed steps — open → self-review in → feedback in →
acknowledged → closed. The step is never stored as a word: `progression` derives it from the times
each fact was recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, model_validator

from scoring.incentives import Payout, PayoutKind
from scoring.metrics import Unit, exact_sum, round_half_up
from scoring.periods import Cadence, Calendar, Period, period_of, previous
from scoring.profiles import Profile
from scoring.recognition import Counting, Rule
from scoring.rules import RuleSet
from scoring.schedule import at_local
from scoring.scorecard import POINTS_PLACES, Band, Explained, Score, Scorecard, ScoreLine, score

SCHEMA_VERSION = 1
"""The snapshot layout; a later layout reads older ones by this number."""

FROZEN_AT_CLOSE = "frozen at close"
"""Why version 1 of every evaluation exists."""

PAYOUT_AS_FROZEN = (
    "The payout estimate is the one frozen at close: a corrected score does not recompute it "
    "(payouts are settled separately)."
)
"""The note a re-scored snapshot's payout carries once any actual was corrected."""

RecordKind = Literal["deals", "activities", "surveys", "courses"]
SOURCE_KINDS: tuple[RecordKind, ...] = ("deals", "activities", "surveys", "courses")


def records_of(metric_name: str) -> RecordKind:
    """Which records a metric is made from, so its line can name their sources (as `/progress` does)."""
    if metric_name in ("csat", "premium_csat"):
        return "surveys"
    if metric_name == "training":
        return "courses"
    if metric_name in ("activities", "new_leads") or metric_name.startswith("activities:"):
        return "activities"
    return "deals"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FrozenMember(_Frozen):
    user_id: str
    name: str


class FrozenPeriod(_Frozen):
    key: str
    label: str
    start: date
    end: date
    cadence: Cadence
    fiscal_year_start_month: int = 1

    @classmethod
    def of(cls, period: Period) -> FrozenPeriod:
        return cls(
            key=period.key,
            label=period.label,
            start=period.start,
            end=period.end,
            cadence=period.cadence,
            fiscal_year_start_month=period.fiscal_year_start_month,
        )

    def as_period(self) -> Period:
        return Period(
            start=self.start,
            end=self.end,
            label=self.label,
            cadence=self.cadence,
            fiscal_year_start_month=self.fiscal_year_start_month,
        )


class FrozenLine(_Frozen):
    """A scorecard line as published when the period closed."""

    metric: str
    weight: Decimal
    target: Decimal | None  # the profile's default target (None: set per rep)
    cap: Decimal
    gate: Decimal | None


class FrozenBand(_Frozen):
    name: str
    minimum: Decimal


class FrozenScorecard(_Frozen):
    """The profile's scorecard and cadence as they stood at close."""

    profile: str
    cadence: Cadence
    lines: tuple[FrozenLine, ...]
    bands: tuple[FrozenBand, ...]

    @classmethod
    def of(cls, profile: Profile) -> FrozenScorecard:
        card = profile.scorecard
        return cls(
            profile=profile.name,
            cadence=profile.cadence,
            lines=tuple(
                FrozenLine(metric=line.metric, weight=line.weight, target=line.target, cap=line.cap, gate=line.gate)
                for line in card.lines
            ),
            bands=tuple(FrozenBand(name=band.name, minimum=band.minimum) for band in card.bands),
        )


class CountingChange(_Frozen):
    """From `signed_from` on, deals count by `rule` (see `scoring.recognition.Counting`)."""

    signed_from: date
    rule: Rule


class FrozenProductLine(_Frozen):
    name: str
    premium: bool


class FrozenRules(_Frozen):
    """The published rules the period was scored under: the rule-set version in force on its first day,
    the counting rule of every deal that could count in it, and the premium product lines."""

    version: int
    effective_from: date | None  # None: version 0, pacer.yml's
    recognition: Rule  # the rule for deals signed in the period
    counting_base: Rule
    counting_changes: tuple[CountingChange, ...]
    product_lines: tuple[FrozenProductLine, ...]
    premium_lines: tuple[str, ...]

    @classmethod
    def of(cls, *, rules: RuleSet, counting: Counting, premium_lines: Collection[str]) -> FrozenRules:
        return cls(
            version=rules.version,
            effective_from=rules.effective_from,
            recognition=rules.recognition,
            counting_base=counting.base,
            counting_changes=tuple(CountingChange(signed_from=day, rule=rule) for day, rule in counting.changes),
            product_lines=tuple(
                FrozenProductLine(name=line.name, premium=line.premium) for line in rules.product_lines
            ),
            premium_lines=tuple(sorted(premium_lines)),
        )

    def counting(self) -> Counting:
        return Counting(base=self.counting_base, changes=tuple((c.signed_from, c.rule) for c in self.counting_changes))


class MetricResult(_Frozen):
    """One scorecard line of the evaluation, explained as `/progress` explained it at close.

    `has_data` is False when the metric had no actuals at all ("no data in the period"); `records`
    names the records behind it and `sources` how many of them came from each source.
    """

    metric: str
    label: str
    unit: Unit
    actual: Decimal
    has_data: bool
    target: Decimal | None
    target_from: Literal["goal", "profile"] | None
    weight: Decimal
    cap: Decimal
    gate: Decimal | None
    attainment: Decimal | None
    capped: Decimal
    points: Decimal
    reason: str | None
    records: RecordKind
    sources: dict[str, int]


class FrozenPayoutLine(_Frozen):
    kind: PayoutKind
    label: str
    base: Decimal
    rate: Decimal
    amount: Decimal
    deals: tuple[int, ...]


class FrozenPayout(_Frozen):
    lines: tuple[FrozenPayoutLine, ...]
    total: Decimal
    notes: tuple[str, ...]

    @classmethod
    def of(cls, payout: Payout) -> FrozenPayout:
        return cls(
            lines=tuple(
                FrozenPayoutLine(
                    kind=line.kind,
                    label=line.label,
                    base=line.base,
                    rate=line.rate,
                    amount=line.amount,
                    deals=line.deals,
                )
                for line in payout.lines
            ),
            total=payout.total,
            notes=payout.notes,
        )


class Correction(_Frozen):
    """An actual corrected after close: what was frozen, and what it was corrected to."""

    metric: str
    frozen: Decimal
    corrected: Decimal


class Snapshot(_Frozen):
    """A rep's evaluation for one period, as frozen (or as corrected by a later version).

    Always consistent: its lines are the frozen scorecard's lines in order, and their points add up
    exactly to `total` (construction refuses anything else, so a damaged row cannot be read as valid).
    """

    schema_version: int = SCHEMA_VERSION
    member: FrozenMember
    period: FrozenPeriod
    currency: str
    scorecard: FrozenScorecard
    rules: FrozenRules
    lines: tuple[MetricResult, ...]
    total: Decimal
    rating: str
    missing_targets: tuple[str, ...]
    payout: FrozenPayout
    sources: dict[str, dict[str, int]]
    corrections: tuple[Correction, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Snapshot:
        if [line.metric for line in self.lines] != [line.metric for line in self.scorecard.lines]:
            raise ValueError("the snapshot's lines are not its scorecard's lines")
        if round_half_up(exact_sum(line.points for line in self.lines), POINTS_PLACES) != self.total:
            raise ValueError("the snapshot's points do not add up to its total")
        if exact_sum(line.amount for line in self.payout.lines) != self.payout.total:
            raise ValueError("the snapshot's payout lines do not add up to its total")
        return self

    def line(self, metric_name: str) -> MetricResult | None:
        return next((line for line in self.lines if line.metric == metric_name), None)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON data (numbers as strings, dates as ISO text) for a JSON column."""
        return self.model_dump(mode="json")

    def dumps(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> Snapshot:
        """The snapshot `as_json` or `dumps` wrote, digit for digit."""
        if isinstance(data, str):
            data = json.loads(data)
        return cls.model_validate(data)


def freeze(
    *,
    member: FrozenMember,
    profile: Profile,
    period: Period,
    actuals: Mapping[str, Decimal],
    scored: Score,
    payout: Payout,
    sources: Mapping[str, Mapping[str, int]],
    rules: RuleSet,
    counting: Counting,
    premium_lines: Collection[str],
    currency: str,
) -> Snapshot:
    """The snapshot of what `/progress` shows for `period`: its `scored` scorecard (from `actuals` and the
    rep's goals on `profile`'s scorecard), its payout estimate and the sources of its figures (per kind
    of record, then per source: `{"deals": {"command": 3}}`), under `rules` (in force on the period's first
    day), `counting` and the `premium_lines`.

    Raises ValueError when `scored` is not a score of this profile's scorecard from these actuals.
    """
    card = profile.scorecard
    if [line.metric for line in scored.lines] != [line.metric for line in card.lines]:
        raise ValueError(f"the score is not one of the {profile.name} scorecard")
    for line in scored.lines:
        if line.actual != actuals.get(line.metric, Decimal(0)):
            raise ValueError(f"the score's {line.metric} is not the actual given")
    frozen_card = FrozenScorecard.of(profile)
    counted: dict[str, dict[str, int]] = {kind: dict(sources.get(kind) or {}) for kind in SOURCE_KINDS}
    return Snapshot(
        member=member,
        period=FrozenPeriod.of(period),
        currency=currency,
        scorecard=frozen_card,
        rules=FrozenRules.of(rules=rules, counting=counting, premium_lines=premium_lines),
        lines=_results(scored, frozen_card, has_data=lambda m: m in actuals, sources=counted),
        total=scored.total,
        rating=scored.rating,
        missing_targets=scored.missing_targets,
        payout=FrozenPayout.of(payout),
        sources={kind: counts for kind, counts in counted.items() if counts},
    )


def _results(
    scored: Score,
    card: FrozenScorecard,
    *,
    has_data: Callable[[str], bool],
    sources: Mapping[str, Mapping[str, int]],
) -> tuple[MetricResult, ...]:
    return tuple(
        _result(line, frozen, has_data=has_data(line.metric), sources=sources)
        for line, frozen in zip(scored.lines, card.lines, strict=True)
    )


def _result(
    line: Explained, frozen: FrozenLine, *, has_data: bool, sources: Mapping[str, Mapping[str, int]]
) -> MetricResult:
    kind = records_of(line.metric)
    return MetricResult(
        metric=line.metric,
        label=line.label,
        unit=line.unit,
        actual=line.actual,
        has_data=has_data,
        target=line.target,
        target_from=line.target_from,
        weight=line.weight,
        cap=frozen.cap,
        gate=frozen.gate,
        attainment=line.attainment,
        capped=line.capped,
        points=line.contribution,
        reason=line.reason,
        records=kind,
        sources=dict(sources.get(kind) or {}),
    )


def scorecard_of(snapshot: Snapshot) -> Scorecard:
    """The scorecard the snapshot was scored with, rebuilt from the snapshot alone."""
    card = snapshot.scorecard
    return Scorecard(
        profile=card.profile,
        lines=tuple(
            ScoreLine(metric=line.metric, weight=line.weight, target=line.target, cap=line.cap, gate=line.gate)
            for line in card.lines
        ),
        bands=tuple(Band(name=band.name, minimum=band.minimum) for band in card.bands),
    )


def rescore(snapshot: Snapshot, corrected_actuals: Mapping[str, Decimal]) -> Snapshot:
    """A new snapshot with some actuals corrected, scored with the frozen scorecard and frozen targets.

    `corrected_actuals` names only the metrics that change (each must be on the scorecard; a value equal
    to the snapshot's changes nothing). Targets stay as frozen — the rep's goals and the profile defaults
    of the day. The payout estimate stays as frozen, with the note `PAYOUT_AS_FROZEN` once any actual
    differs from the one frozen at close; `corrections` lists each such metric with its value at close
    and its corrected value. Re-scoring with nothing changed gives the same snapshot.
    """
    known = {line.metric: line for line in snapshot.lines}
    unknown = sorted(set(corrected_actuals) - set(known))
    if unknown:
        raise ValueError(f"not on the {snapshot.scorecard.profile} scorecard: {', '.join(unknown)}")
    changed = {m: v for m, v in corrected_actuals.items() if v != known[m].actual}
    if not changed:
        return snapshot
    actuals = {line.metric: line.actual for line in snapshot.lines if line.has_data}
    actuals.update(changed)
    targets = {
        line.metric: line.target for line in snapshot.lines if line.target_from == "goal" and line.target is not None
    }
    scored = score(scorecard_of(snapshot), actuals=actuals, targets=targets)
    corrections = {c.metric: c for c in snapshot.corrections}
    for metric_name, value in changed.items():
        at_close = corrections[metric_name].frozen if metric_name in corrections else known[metric_name].actual
        if value == at_close:
            corrections.pop(metric_name, None)
        else:
            corrections[metric_name] = Correction(metric=metric_name, frozen=at_close, corrected=value)
    notes = tuple(note for note in snapshot.payout.notes if note != PAYOUT_AS_FROZEN)
    if corrections:
        notes += (PAYOUT_AS_FROZEN,)
    sources = snapshot.sources
    return snapshot.model_copy(
        update={
            "lines": tuple(
                _result(line, frozen, has_data=line.metric in actuals, sources=sources)
                for line, frozen in zip(scored.lines, snapshot.scorecard.lines, strict=True)
            ),
            "total": scored.total,
            "rating": scored.rating,
            "missing_targets": scored.missing_targets,
            "payout": snapshot.payout.model_copy(update={"notes": notes}),
            "corrections": tuple(corrections[line.metric] for line in snapshot.lines if line.metric in corrections),
        }
    )


# --- when a period closes ---------------------------------------------------------------------------


def period_ended_by(period: Period, tz: ZoneInfo) -> datetime:
    """The first instant after the period's last day on the clocks of `tz` (UTC)."""
    return at_local(period.end + timedelta(days=1), time(0, 0), tz)


def close_due_at(period: Period, *, at: time, tz: ZoneInfo) -> datetime:
    """When the period closes: `at` on the clocks of `tz` on the first day after its last day (UTC)."""
    return at_local(period.end + timedelta(days=1), at, tz)


def period_to_close(now: datetime, cadence: Cadence, calendar: Calendar, *, at: time, tz: ZoneInfo) -> Period | None:
    """The most recent period of `cadence` that has ended, if its close is due at `now`; else None.

    Only that period: one that ended before it (downtime longer than a whole period, or a first
    installation) is never closed here.
    """
    local_today = now.astimezone(tz).date()
    latest = previous(period_of(local_today, cadence, calendar), cadence, calendar)
    return latest if now >= close_due_at(latest, at=at, tz=tz) else None


# --- the check-in's steps ---------------------------------------------------------------------------

Status = Literal["open", "self_review_in", "feedback_in", "acknowledged", "closed"]
STATUSES: tuple[Status, ...] = ("open", "self_review_in", "feedback_in", "acknowledged", "closed")
STATUS_LABELS: dict[Status, str] = {
    "open": "Open",
    "self_review_in": "Self-review in",
    "feedback_in": "Feedback in",
    "acknowledged": "Acknowledged",
    "closed": "Closed",
}


@dataclass(frozen=True)
class CheckinFacts:
    """When each step of a check-in happened (None: not yet). An evaluation is open from its freeze."""

    self_review_at: datetime | None = None
    feedback_at: datetime | None = None
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None

    def at(self, status: Status) -> datetime | None:
        return {
            "open": None,
            "self_review_in": self.self_review_at,
            "feedback_in": self.feedback_at,
            "acknowledged": self.acknowledged_at,
            "closed": self.closed_at,
        }[status]


@dataclass(frozen=True)
class Step:
    status: Status
    label: str
    done: bool
    at: datetime | None


@dataclass(frozen=True)
class Progression:
    """Where a check-in stands: `status` is the furthest step recorded; `steps` lists every step in
    order with whether and when it was done; `waiting_for` the earlier steps still missing (a manager
    may give feedback before the self-review is in: the status is then "Feedback in", and the
    self-review is still awaited)."""

    status: Status
    steps: tuple[Step, ...]

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def waiting_for(self) -> tuple[Status, ...]:
        reached = STATUSES.index(self.status)
        return tuple(step.status for step in self.steps[1:reached] if not step.done)

    @property
    def next_step(self) -> Status | None:
        """The first step not done yet, or None once closed."""
        return next((step.status for step in self.steps if not step.done), None)


def progression(facts: CheckinFacts) -> Progression:
    """The check-in's status, derived from the recorded facts only."""
    steps = tuple(
        Step(
            status=status,
            label=STATUS_LABELS[status],
            done=status == "open" or facts.at(status) is not None,
            at=facts.at(status),
        )
        for status in STATUSES
    )
    status = next(step.status for step in reversed(steps) if step.done)
    return Progression(status=status, steps=steps)


def status_of(facts: CheckinFacts) -> Status:
    return progression(facts).status
