"""Scorecards: the published formula that turns a rep's actuals and targets into a score.

One scorecard per profile, the same for every member of it. Each line is a metric with a
weight (weights sum to exactly 100), a default target, a cap on attainment (default 150 %)
and an optional gate (attainment below it contributes nothing). The score is

    Σ over lines of  weight × capped attainment

and every line's contribution is rounded to 0.01 point before summing, so the explanation a
rep sees always adds up exactly to their score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import InitVar, dataclass
from decimal import Context, Decimal
from typing import Literal

from scoring.metrics import (
    METRICS,
    Unit,
    exact_sum,
    format_percent,
    format_value,
    metric,
    plain_number,
    ratio,
    round_half_up,
)

DEFAULT_CAP = Decimal("1.5")
"""Attainment above 150 % of target earns no more points."""

ATTAINMENT_PLACES = 4
POINTS_PLACES = 2
_ZERO = Decimal(0)


class ScorecardError(ValueError):
    """A published rule is invalid. `path` is the exact key in pacer.yml, e.g.
    `profiles.hunter.scorecard.metrics.2.weight` (list indices count from 0, like every other
    pacer.yml error); `str()` is `<path>: <problem>`."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class ScoreLine:
    """A metric on a scorecard.

    `target` is the profile's default target per period (None: each rep's target must be set
    with /goal); `cap` limits attainment (1.5 = 150 %); below `gate` (e.g. 0.5 = 50 %) the line
    contributes 0.
    """

    metric: str
    weight: Decimal
    target: Decimal | None
    cap: Decimal = DEFAULT_CAP
    gate: Decimal | None = None


@dataclass(frozen=True)
class Band:
    """A rating: scores at or above `minimum` points (and below the band above) get `name`."""

    name: str
    minimum: Decimal


DEFAULT_BANDS: tuple[Band, ...] = (
    Band("Exceeds", Decimal(110)),
    Band("Meets", Decimal(95)),
    Band("Partially meets", Decimal(75)),
    Band("Below", Decimal(0)),
)
"""110 points or more: Exceeds; 95 or more: Meets; 75 or more: Partially meets; else Below."""


def check_target(metric_name: str, value: Decimal) -> str | None:
    """Why `value` cannot be a target for the metric, or None when it can.

    A target must be more than 0; a percent target (a fraction) at most 1; a CSAT target at
    most 5. Raises `UnknownMetric` for an unknown metric. Use it to validate `/goal` input.
    """
    unit = metric(metric_name).unit
    if not _finite(value):
        return "must be a number"
    if value <= 0:
        return f"must be more than 0 (got {plain_number(value)})"
    if unit == "percent" and value > 1:
        return f"is a fraction of 1 (0.6 means 60 %), so at most 1 (got {plain_number(value)})"
    if unit == "score" and value > 5:
        return f"is a 1-5 score, so at most 5 (got {plain_number(value)})"
    return None


@dataclass(frozen=True)
class Scorecard:
    """A profile's published scorecard. Construction validates it and raises `ScorecardError`.

    `where` is the key path reported in errors; by default `profiles.<profile>.scorecard`.
    Rules: at least one line; known metric names only, each at most once; every weight > 0 and
    the weights sum to exactly 100; default targets valid for their metric (`check_target`);
    cap >= 1; 0 <= gate < cap; bands strictly descending by minimum, the last at 0, names
    unique and non-empty.
    """

    profile: str
    lines: tuple[ScoreLine, ...]
    bands: tuple[Band, ...] = DEFAULT_BANDS
    where: InitVar[str | None] = None

    def __post_init__(self, where: str | None) -> None:
        validate(self, where=where if where is not None else f"profiles.{self.profile}.scorecard")

    def line(self, metric_name: str) -> ScoreLine | None:
        return next((line for line in self.lines if line.metric == metric_name), None)


def validate(scorecard: Scorecard, *, where: str) -> None:
    """Raise `ScorecardError` naming the first invalid key under `where` (see `Scorecard`)."""
    metrics_path = f"{where}.metrics"
    if not scorecard.lines:
        raise ScorecardError(metrics_path, "a scorecard needs at least one metric")
    seen: dict[str, int] = {}
    for i, line in enumerate(scorecard.lines):
        at = f"{metrics_path}.{i}"
        if not isinstance(line.metric, str) or line.metric not in METRICS:
            raise ScorecardError(f"{at}.metric", f"unknown metric {line.metric!r}; valid: {', '.join(METRICS)}")
        if line.metric in seen:
            raise ScorecardError(
                f"{at}.metric", f"{line.metric!r} is already on the scorecard at {metrics_path}.{seen[line.metric]}"
            )
        seen[line.metric] = i
        if not _finite(line.weight) or line.weight <= 0:
            raise ScorecardError(f"{at}.weight", f"must be a number more than 0 (got {_shown(line.weight)})")
        if line.target is not None:
            problem = check_target(line.metric, line.target)
            if problem is not None:
                raise ScorecardError(f"{at}.target", problem)
        if not _finite(line.cap) or line.cap < 1:
            raise ScorecardError(f"{at}.cap", f"must be at least 1 (1.5 means 150 %) (got {_shown(line.cap)})")
        if line.gate is not None and (not _finite(line.gate) or not 0 <= line.gate < line.cap):
            raise ScorecardError(
                f"{at}.gate",
                f"must be at least 0 and below the cap {format_percent(line.cap)} (0.5 means 50 %) "
                f"(got {_shown(line.gate)})",
            )
    total = exact_sum(line.weight for line in scorecard.lines)
    if total != 100:
        parts = " + ".join(plain_number(line.weight) for line in scorecard.lines)
        raise ScorecardError(f"{metrics_path}", f"weights must add up to 100, but {parts} = {plain_number(total)}")
    _validate_bands(scorecard.bands, where=f"{where}.bands")


def _validate_bands(bands: tuple[Band, ...], *, where: str) -> None:
    if not bands:
        raise ScorecardError(where, "at least one rating band is needed, the last with minimum 0")
    names: dict[str, int] = {}
    for i, band in enumerate(bands):
        at = f"{where}.{i}"
        if not isinstance(band.name, str) or not band.name.strip():
            raise ScorecardError(f"{at}.name", "a band needs a name")
        if band.name.casefold() in names:
            raise ScorecardError(
                f"{at}.name", f"{band.name!r} is already used by {where}.{names[band.name.casefold()]}"
            )
        names[band.name.casefold()] = i
        if not _finite(band.minimum):
            raise ScorecardError(f"{at}.minimum", f"must be a number (got {_shown(band.minimum)})")
        if i > 0 and band.minimum >= bands[i - 1].minimum:
            raise ScorecardError(
                f"{at}.minimum",
                f"bands go from the highest minimum down, so this must be below {plain_number(bands[i - 1].minimum)} "
                f"(got {plain_number(band.minimum)})",
            )
    last = bands[-1]
    if last.minimum != 0:
        raise ScorecardError(
            f"{where}.{len(bands) - 1}.minimum",
            f"the last band must start at 0 so every score gets a rating (got {plain_number(last.minimum)})",
        )


def _finite(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def _shown(value: object) -> str:
    return plain_number(value) if isinstance(value, Decimal) and value.is_finite() else repr(value)


# --- scoring ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Explained:
    """One scorecard line, explained.

    `attainment` = actual / target, 4 dp half up (None without a target); `capped` is the
    attainment after the gate and cap (0 below the gate, never above the cap, never below 0);
    `contribution` = weight × capped, 2 dp half up. `reason` says why `capped` differs from
    `attainment` or why the line scores nothing: "no target set", "no data in the period",
    "below the 50 % gate", "capped at 150 %". `target_from` is "goal" when the rep's own target
    was used, "profile" for the profile default.
    """

    metric: str
    label: str
    unit: Unit
    actual: Decimal
    target: Decimal | None
    attainment: Decimal | None
    capped: Decimal
    weight: Decimal
    contribution: Decimal
    reason: str | None
    target_from: Literal["goal", "profile"] | None


@dataclass(frozen=True)
class Score:
    """A rep's score: its lines sum exactly to `total` (points, 2 dp); `rating` is the band name."""

    lines: tuple[Explained, ...]
    total: Decimal
    rating: str
    missing_targets: tuple[str, ...]


_WIDE = Context(prec=60)  # wide enough for any weight × attainment


def _exact_product(a: Decimal, b: Decimal) -> Decimal:
    """a × b with no rounding."""
    return _WIDE.multiply(a, b)


def score(scorecard: Scorecard, *, actuals: Mapping[str, Decimal], targets: Mapping[str, Decimal]) -> Score:
    """Score a rep: `targets` (the rep's own, from /goal) override the lines' default targets.

    Per line: without a target the line contributes 0 and its metric is listed in
    `missing_targets`. Otherwise attainment = actual / target rounded half up to 4 dp; a
    negative attainment counts as 0; attainment below the gate counts as 0; above the cap it
    counts as the cap (gate and cap compare the rounded attainment). contribution = weight ×
    capped, rounded half up to 0.01; total = Σ contributions (exact); rating = the first band
    whose minimum <= total. A metric missing from `actuals` counts as 0 and is explained as "no
    data in the period". A target that is not > 0 raises ValueError (validate with `check_target`).
    """
    explained: list[Explained] = []
    missing: list[str] = []
    for line in scorecard.lines:
        spec = METRICS[line.metric]
        has_data = line.metric in actuals
        actual = actuals.get(line.metric, _ZERO)
        goal = targets.get(line.metric)
        target = goal if goal is not None else line.target
        if target is None:
            missing.append(line.metric)
            explained.append(
                Explained(
                    metric=line.metric,
                    label=spec.label,
                    unit=spec.unit,
                    actual=actual,
                    target=None,
                    attainment=None,
                    capped=_ZERO,
                    weight=line.weight,
                    contribution=round_half_up(0, POINTS_PLACES),
                    reason="no target set",
                    target_from=None,
                )
            )
            continue
        if not _finite(target) or target <= 0:
            raise ValueError(f"the target for {line.metric} must be more than 0, not {target}")
        attainment = ratio(actual, target, places=ATTAINMENT_PLACES)
        capped = max(attainment, _ZERO)
        reason: str | None = None
        if not has_data:
            reason = "no data in the period"
        if line.gate is not None and attainment < line.gate:
            capped = _ZERO
            reason = reason or f"below the {format_percent(line.gate)} gate"
        elif capped > line.cap:
            capped = line.cap
            reason = f"capped at {format_percent(line.cap)}"
        explained.append(
            Explained(
                metric=line.metric,
                label=spec.label,
                unit=spec.unit,
                actual=actual,
                target=target,
                attainment=attainment,
                capped=capped,
                weight=line.weight,
                contribution=round_half_up(_exact_product(line.weight, capped), POINTS_PLACES),
                reason=reason,
                target_from="goal" if goal is not None else "profile",
            )
        )
    total = round_half_up(exact_sum(e.contribution for e in explained), POINTS_PLACES)
    return Score(lines=tuple(explained), total=total, rating=rating(scorecard, total), missing_targets=tuple(missing))


def rating(scorecard: Scorecard, total: Decimal) -> str:
    """The name of the first band whose minimum <= total (the last band, at 0, for anything lower)."""
    return next((band.name for band in scorecard.bands if band.minimum <= total), scorecard.bands[-1].name)


def explain_text(score: Score, *, currency: str) -> list[str]:
    """Plain-text lines, one per scorecard line, then the total, e.g.

    `Revenue: $60,000 of $100,000 = 60.0 % × weight 40 = 24.00 pts`
    `Revenue: $200,000 of $100,000 = 200.0 % → 150.0 % (capped at 150 %) × weight 40 = 60.00 pts`
    `New leads: 12, no target set = 0.00 pts`
    `Score: 84.50 pts — Partially meets`
    Money is shown in the workspace `currency`.
    """
    out: list[str] = []
    for e in score.lines:
        actual = format_value(e.unit, e.actual, currency=currency)
        if e.target is None or e.attainment is None:
            out.append(f"{e.label}: {actual}, {e.reason or 'no target set'} = {e.contribution} pts")
            continue
        target = format_value(e.unit, e.target, currency=currency)
        attained = format_percent(e.attainment, places=1)
        if e.capped != e.attainment:
            attained += f" → {format_percent(e.capped, places=1)}"
        if e.reason is not None:
            attained += f" ({e.reason})"
        out.append(
            f"{e.label}: {actual} of {target} = {attained} × weight {plain_number(e.weight)} = {e.contribution} pts"
        )
    out.append(f"Score: {score.total} pts — {score.rating}")
    return out
