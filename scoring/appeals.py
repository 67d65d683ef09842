"""Appeals: who may decide one, and how one reviewer is chosen fairly (issue 11).

An appeal on an evaluation is decided by someone independent of it. From the configured pool
(`reviewers:` in pacer.yml, the rep's team's pool when there is one), `choose_reviewer`:

1. never picks the appellant or the evaluating manager;
2. avoids anyone in the rep's reporting line (their manager's managers, up the chain) when the pool
   has anyone else; only when it has no one else does a reporting-line reviewer get it — and the
   choice says so;
3. among those left, picks the least loaded (fewest undecided appeals), then the one who waited
   longest since their last assignment (never assigned first), then a stable draw: a hash of the
   appeal's own key and the reviewer's id, so ties fall to different people for different appeals
   and the same appeal always draws the same person (a retried assignment agrees with itself).

With nobody eligible it returns None; the caller sends the case to the admins and tells the
appellant so. The returned `Choice` carries the reason in words, for the audit log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from scoring.errors import FieldErrors, InputError
from scoring.goal_values import parse_actual_value, value_example
from scoring.metrics import Unit
from scoring.periods import Calendar
from scoring.requests import Problem, clean_text, no_mentions
from scoring.schedule import SEARCH_DAYS, after_working_days, at_local


@dataclass(frozen=True)
class Candidate:
    """A reviewer in the pool, with their load: undecided appeals now, and their last assignment."""

    user_id: str
    open_cases: int = 0
    last_assigned_at: datetime | None = None


@dataclass(frozen=True)
class Choice:
    user_id: str
    reason: str
    in_reporting_line: bool


def choose_reviewer(
    pool: Sequence[Candidate],
    *,
    appellant: str,
    manager: str | None,
    reporting_line: Collection[str] = (),
    draw: str,
) -> Choice | None:
    """The reviewer for an appeal keyed `draw` (e.g. "appeal:42"), or None when nobody may decide it."""
    barred = {appellant} | ({manager} if manager else set())
    eligible = _unique(c for c in pool if c.user_id not in barred)
    if not eligible:
        return None
    independent = [c for c in eligible if c.user_id not in reporting_line]
    field = independent or eligible
    chosen = min(field, key=lambda c: _rank(c, draw))
    tied = [c for c in field if c.open_cases == chosen.open_cases]
    reason = f"least loaded of {len(field)} eligible reviewer{'s' if len(field) != 1 else ''}"
    reason += f" ({chosen.open_cases} undecided appeal{'s' if chosen.open_cases != 1 else ''})"
    if len(tied) > 1:
        waited = [c for c in tied if c.last_assigned_at == chosen.last_assigned_at]
        reason += (
            "; tie broken by the longest wait since a last assignment"
            if len(waited) == 1
            else "; tie broken by a draw keyed on the appeal"
        )
    if not independent:
        reason += "; everyone else in the pool is the appellant, the manager or in the rep's reporting line"
    return Choice(user_id=chosen.user_id, reason=reason, in_reporting_line=not independent)


def _unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The pool without repeats (a reviewer listed twice is one reviewer, with their first load)."""
    seen: dict[str, Candidate] = {}
    for candidate in candidates:
        seen.setdefault(candidate.user_id, candidate)
    return list(seen.values())


def _rank(candidate: Candidate, draw: str) -> tuple[int, int, float, str]:
    last = candidate.last_assigned_at
    digest = hashlib.sha256(f"{draw}\x00{candidate.user_id}".encode()).hexdigest()
    return (candidate.open_cases, 0 if last is None else 1, 0.0 if last is None else last.timestamp(), digest)


# --- the appeal form's field rules ---------------------------------------------------------------------

REASON_MIN = 20
"""Characters a reason needs (after trimming): enough to say what is wrong and why."""
REASON_MAX = 3000
"""Reason and evidence: characters each (a Slack plain-text input takes at most 3,000)."""
EVIDENCE_MAX = 3000
REQUESTED_MAX = 40
"""A requested value's characters (a number in its metric's unit)."""
EVIDENCE_FIELD, REASON_FIELD, LINES_FIELD, EVALUATION_FIELD = "evidence", "reason", "lines", "evaluation"
END_OF_DAY = time(23, 59, 59)
"""A window or a deadline "on day D" runs to the end of that local day."""

_REASON_EXAMPLE = "Two Globex deals signed on 30 Oct are missing from revenue"
_EVIDENCE_EXAMPLE = "Contract signed 2026-10-30, CRM link https://crm.example.com/deal/42"


def requested_field(metric_name: str) -> str:
    """The block id of the requested value of one metric: `requested_revenue`."""
    return f"requested_{metric_name}"


@dataclass(frozen=True)
class AppealForm:
    """An appeal as submitted: the disputed metrics (scorecard order), why, the evidence, values asked for."""

    metrics: tuple[str, ...]
    reason: str
    evidence: str | None
    requested: dict[str, Decimal]


def check_appeal(
    fields: Mapping[str, str | None],
    *,
    lines: Sequence[str],
    metrics: Mapping[str, Unit],
    currency: str,
) -> AppealForm:
    """The appeal in `fields` (`reason`, `evidence`, `requested_<metric>`) with the disputed `lines` chosen.

    `metrics`: the appealed evaluation's scorecard metrics and their units, in scorecard order; a requested
    value is read in its metric's unit as a target is, 0 allowed (`parse_actual_value`). Raises `FieldErrors` naming
    every wrong field: no line, a line not on this scorecard, a reason under 20 or over 3,000 characters,
    evidence over 3,000, mention or channel-alert markup, a requested value that is not a number for its
    metric, or a value for a metric that is not disputed.
    """
    errors: dict[str, str] = {}
    chosen = set(lines)
    unknown = sorted(chosen - set(metrics))
    names = ", ".join(metrics)
    first = next(iter(metrics), "revenue")
    if not chosen:
        errors[LINES_FIELD] = f"Choose at least one scorecard line you dispute (of {names}), e.g. {first}."
    elif unknown:
        errors[LINES_FIELD] = (
            f"{', '.join(unknown)} is not a line of this evaluation; choose among {names}, e.g. {first}."
        )
    reason = _free_text(fields, REASON_FIELD, "The reason", errors, limit=REASON_MAX, sample=_REASON_EXAMPLE)
    if reason is not None and REASON_FIELD not in errors and len(reason) < REASON_MIN:
        errors[REASON_FIELD] = (
            f"The reason is {len(reason)} characters; say what is wrong in at least {REASON_MIN}, "
            f"e.g. “{_REASON_EXAMPLE}”."
        )
    elif reason is None and REASON_FIELD not in errors:
        errors[REASON_FIELD] = f"The reason is required, e.g. “{_REASON_EXAMPLE}”."
    evidence = _free_text(fields, EVIDENCE_FIELD, "The evidence", errors, limit=EVIDENCE_MAX, sample=_EVIDENCE_EXAMPLE)
    requested: dict[str, Decimal] = {}
    for metric_name, unit in metrics.items():
        block = requested_field(metric_name)
        text = (fields.get(block) or "").strip()
        if not text:
            continue
        if metric_name not in chosen:
            errors[block] = f"{metric_name} is not among the disputed lines: choose it above, or leave its value empty."
        elif len(text) > REQUESTED_MAX:
            errors[block] = f"The value is too long: write a number such as {value_example(unit)}."
        else:
            try:
                requested[metric_name] = parse_actual_value(text, metric_name=metric_name, currency=currency)
            except InputError as error:
                errors[block] = f"{error.message} (e.g. {value_example(unit)})"
    if errors:
        raise FieldErrors(errors)
    ordered = tuple(m for m in metrics if m in chosen)
    return AppealForm(metrics=ordered, reason=reason or "", evidence=evidence, requested=requested)


def _free_text(
    fields: Mapping[str, str | None], block: str, what: str, errors: dict[str, str], *, limit: int, sample: str
) -> str | None:
    """Trimmed text of a free-text field (None when empty): control and direction characters and mention or
    channel-alert markup refused (it is escaped wherever it is shown too)."""
    raw = fields.get(block) or ""
    try:
        text = clean_text(raw, what=what, field=block, multiline=True, unescape=False)
        no_mentions(text, what=what, field=block)
    except Problem as problem:
        errors[block] = problem.message
        return None
    if not text:
        return None
    if len(text) > limit:
        errors[block] = f"{what} is {len(text):,} characters; keep it to {limit:,}, e.g. “{sample}”."
    return text


# --- the appeal window and the decision deadline -------------------------------------------------------


def working_days_end(start: datetime, days: int, *, tz: ZoneInfo, calendar: Calendar) -> datetime:
    """The end (23:59:59 local) of the `days`-th working day after the local date of `start`, in UTC.

    The appeal window: a check-in opened on Tuesday with a 10-working-day window closes at the end of the
    Tuesday two weeks later (weekends and the calendar's holidays not counted). The decision deadline:
    `decision_working_days` after filing, in the reviewer's zone, the same way."""
    return after_working_days(start, days, tz, END_OF_DAY, calendar)


def working_day_before(moment: datetime, *, tz: ZoneInfo, at: time, calendar: Calendar) -> datetime:
    """Local time `at` on the last working day before the local date of `moment` (the due-soon reminder:
    the reviewer's morning of the working day before the decision is due)."""
    day = moment.astimezone(tz).date()
    for _ in range(SEARCH_DAYS):
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            return at_local(day, at, tz)
    raise ValueError(f"no working day within {SEARCH_DAYS} days before {moment.isoformat()}")


def window_open(closes: datetime, now: datetime) -> bool:
    return now <= closes
