"""Daily nudges and weekly digests: whose are due, what they say, and the members' own choices.

The schedule lives in `nudge_schedule` (UTC instants computed with `scoring.schedule` from each
member's local time and zone). The jobs (`bot.jobs.nudges`, `bot.jobs.digest`) plan missing or stale
schedules, gather the facts for everyone due in a handful of batched queries per workspace and
period, and queue one outbox message per member and local date in the transaction that advances
the schedule — so neither a crash nor a double run sends two or loses one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import zone
from bot.config import PacerConfig
from bot.directory import Caller
from bot.services import plans
from bot.services.leaderboard import Standing, Subject, score_subjects
from bot.store import schedules
from bot.store.engine import Database
from bot.store.schedules import Row
from scoring import coaching
from scoring.periods import Calendar, Period, period_of
from scoring.schedule import DEFAULT_TIME, at_local, latest_due, next_digest, next_nudge

CENTS = Decimal(100)
COACHING_MEMORY_DAYS = 14  # comfortably more than 5 working days of prompts
IDLE_LOOKBACK_DAYS = 60
EARLIER = timedelta(microseconds=1)
SnoozeChoice = Literal["day", "week"]


# --- zones and next times ------------------------------------------------------------------------


def zone_of(row: Row, config: PacerConfig) -> ZoneInfo:
    """The member's Slack zone, else pacer.yml `timezone`."""
    return zone(row.member_tz, config.timezone)


def local_time_of(row: Row) -> time:
    try:
        return time.fromisoformat(row.local_time)
    except ValueError:
        return DEFAULT_TIME


def nudge_after(
    after: datetime, *, tz: ZoneInfo, at: time, calendar: Calendar, snoozed_until: datetime | None
) -> datetime:
    """The next nudge after `after`, not before the end of a snooze."""
    if snoozed_until is not None and snoozed_until - EARLIER > after:
        after = snoozed_until - EARLIER
    return next_nudge(after, tz, at, calendar)


def plan_schedules(db: Database, *, config: PacerConfig, now: datetime) -> int:
    """Create missing schedules for active members and recompute those whose zone changed or that lack
    a next time they should have. Returns how many were (re)planned.

    A due time survives a zone change: times are recomputed from just before the old one when it has
    already passed, so a nudge missed during downtime is still caught up once.
    """
    calendar = config.calendar.calendar()
    with db.reading() as session:
        bosses = schedules.managers(session)
        rows = schedules.needing_plan(
            session, fallback_tz=config.timezone, manager_ids={user_id for _, user_id in bosses}
        )
    plans = []
    for row in rows:
        tz = zone_of(row, config)
        at = local_time_of(row)
        changed = row.tz != tz.key
        is_rep = row.role == "rep"
        is_manager = (row.workspace_id, row.user_id) in bosses
        nudge_at, digest_at = row.next_nudge_at, row.next_digest_at
        if is_rep and row.enabled and (changed or nudge_at is None):
            after = min(now, nudge_at - EARLIER) if nudge_at is not None else now
            nudge_at = nudge_after(after, tz=tz, at=at, calendar=calendar, snoozed_until=row.snoozed_until)
        if is_manager and (changed or digest_at is None):
            after = min(now, digest_at - EARLIER) if digest_at is not None else now
            digest_at = next_digest(after, tz, at, calendar)
        if (
            row.schedule_id is not None
            and not changed
            and (nudge_at, digest_at) == (row.next_nudge_at, row.next_digest_at)
        ):
            continue  # e.g. an unknown Slack zone name: the fallback was already in use
        plans.append((row, tz.key, nudge_at, digest_at))
    for chunk in _chunks(plans, 2000):
        with db.transaction() as session:
            schedules.replan_many(
                session,
                plans=[(row.workspace_id, row.member_id, zone, n, d) for row, zone, n, d in chunk],
                create={row.member_id for row, _, _, _ in chunk if row.schedule_id is None},
                now=now,
            )
    return len(plans)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- what a nudge says ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecentWork:
    """Work logged on the days since the previous working day (yesterday, or Friday–Sunday on a Monday)."""

    start: date
    end: date
    deals: int = 0
    amount: Decimal = Decimal(0)
    activities: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.deals and not any(self.activities.values())


@dataclass(frozen=True)
class RepFacts:
    """Everything a nudge, a digest line and the coaching catalogue need to know about one rep."""

    standing: Standing
    today: date
    recent: RecentWork
    last_activity_on: date | None  # before today
    last_deal_on: date | None  # before today
    working_days_idle: int  # working days before today without a logged deal or activity (capped)
    csat_surveys: int  # surveys in the period
    training_required: int  # required courses (pacer.yml)
    currency: str
    plan: tuple[plans.OpenItem, ...] = ()  # open improvement-plan items on `today`, most urgent first

    @property
    def last_logged(self) -> date | None:
        """The latest day before today with a logged activity or deal."""
        days = [d for d in (self.last_activity_on, self.last_deal_on) if d is not None]
        return max(days) if days else None


@dataclass(frozen=True)
class CoachingPrompt:
    """One prompt of the coaching catalogue (`scoring.coaching`), as the messages show it."""

    rule: str
    headline: str
    evidence: str
    suggestion: str
    manager_suggestion: str


Coach = Callable[[RepFacts, Sequence[tuple[date, str]], Calendar], CoachingPrompt | None]
"""Chooses the one prompt for a rep from their facts, the (local date, rule) pairs shown lately and
the workspace calendar (no repeat within 5 working days); None when no rule fires."""


def catalogue_coach(facts: RepFacts, shown: Sequence[tuple[date, str]], calendar: Calendar) -> CoachingPrompt | None:
    """The coaching catalogue of `scoring.coaching`: `signals_from` the rep's facts, then `choose` with
    the date each rule was last shown to them (no repeat within 5 working days)."""
    last_shown: dict[str, date] = {}
    for on, rule in shown:
        last_shown[rule] = max(on, last_shown.get(rule, on))
    prompt = coaching.choose(signals_for(facts, calendar), shown=last_shown, calendar=calendar)
    return CoachingPrompt(
        rule=prompt.rule_id,
        headline=prompt.headline,
        evidence=prompt.evidence,
        suggestion=prompt.suggestion,
        manager_suggestion=prompt.manager_suggestion,
    )


def signals_for(facts: RepFacts, calendar: Calendar) -> coaching.Signals:
    """The catalogue's `Signals` for a rep, from what the nudge already computed."""
    standing = facts.standing
    return coaching.signals_from(
        name=standing.name,
        profile=standing.profile.name,
        score=standing.score,
        paces=standing.paces,
        actuals=standing.actuals,
        period=standing.period,
        today=facts.today,
        calendar=calendar,
        currency=facts.currency,
        csat_surveys=facts.csat_surveys,
        training_required=facts.training_required,
        last_activity_on=facts.last_activity_on,
        last_deal_on=facts.last_deal_on,
        plan=[item.tracked for item in facts.plan],
    )


def scorecards(
    session: Session,
    *,
    workspace_id: int,
    config: PacerConfig,
    reps: Sequence[Row],
    today_of: dict[int, date],
) -> dict[int, Standing]:
    """Each rep's scorecard in their current period as of their local `today` (batched per period)."""
    calendar = config.calendar.calendar()
    subjects = []
    for row in reps:
        profile = config.profile_for(row.user_id, row.profile)
        today = today_of[row.member_id]
        subjects.append(
            Subject(
                user_id=row.user_id,
                name=row.name,
                member_id=row.member_id,
                profile=profile,
                period=period_of(today, profile.cadence, calendar),
                today=today,
            )
        )
    found = score_subjects(
        session, workspace_id=workspace_id, config=config, subjects=subjects, repurchase_only_where_scored=True
    )
    return {standing.member_id: standing for standing in found if standing.member_id is not None}


def previous_working_day(day: date, calendar: Calendar) -> date:
    candidate = day - timedelta(days=1)
    for _ in range(366):
        if calendar.is_working_day(candidate):
            return candidate
        candidate -= timedelta(days=1)
    return day - timedelta(days=1)


def idle_working_days(last: date | None, today: date, calendar: Calendar) -> int:
    """Working days strictly between the last logged day and today (all of the look-back without any)."""
    start = (last + timedelta(days=1)) if last is not None else today - timedelta(days=IDLE_LOOKBACK_DAYS)
    return sum(1 for n in range((today - start).days) if calendar.is_working_day(start + timedelta(days=n)))


def _before(day: date | None, today: date) -> date | None:
    return day if day is not None and day < today else None


def rep_facts(
    session: Session,
    *,
    workspace_id: int,
    config: PacerConfig,
    reps: Sequence[Row],
    today_of: dict[int, date],
) -> dict[int, RepFacts]:
    """Scorecard, recent work and idleness of many reps of one workspace, in batched queries."""
    if not reps:
        return {}
    calendar = config.calendar.calendar()
    standings = scorecards(session, workspace_id=workspace_id, config=config, reps=reps, today_of=today_of)
    ids = [row.member_id for row in reps]
    spans = {m: (previous_working_day(today_of[m], calendar), today_of[m] - timedelta(days=1)) for m in ids}
    work = schedules.work_by_day(
        session,
        workspace_id=workspace_id,
        member_ids=ids,
        start=min(start for start, _ in spans.values()),
        end=max(end for _, end in spans.values()),
    )
    last_activity, last_deal = schedules.last_logged(
        session, workspace_id=workspace_id, member_ids=ids, until=max(today_of.values()) - timedelta(days=1)
    )
    by_period: dict[Period, list[int]] = defaultdict(list)
    for member_id in ids:
        by_period[standings[member_id].period].append(member_id)
    survey_counts: dict[int, int] = {}
    for period, members_in in by_period.items():
        survey_counts.update(
            schedules.surveys(
                session, workspace_id=workspace_id, member_ids=members_in, start=period.start, end=period.end
            )
        )
    open_plans = plans.team_items(session, workspace_id=workspace_id, today_of=today_of, config=config)
    facts = {}
    for member_id in ids:
        start, end = spans[member_id]
        deals, amount = 0, 0
        kinds: dict[str, int] = defaultdict(int)
        for offset in range((end - start).days + 1):
            day_work = work.get((member_id, start + timedelta(days=offset)))
            if day_work is None:
                continue
            deals += day_work.deals
            amount += day_work.amount_minor
            for kind, count in (day_work.activities or {}).items():
                kinds[kind] += count
        today = today_of[member_id]
        # only days before today count (another rep's later "today" widened the query)
        activity_on = _before(last_activity.get(member_id), today)
        deal_on = _before(last_deal.get(member_id), today)
        last_day = max((d for d in (activity_on, deal_on) if d is not None), default=None)
        facts[member_id] = RepFacts(
            standing=standings[member_id],
            today=today,
            recent=RecentWork(
                start=start, end=end, deals=deals, amount=Decimal(amount) / CENTS, activities=dict(kinds)
            ),
            last_activity_on=activity_on,
            last_deal_on=deal_on,
            working_days_idle=idle_working_days(last_day, today, calendar),
            csat_surveys=survey_counts.get(member_id, 0),
            training_required=len(set(config.training.required)),
            currency=config.currency,
            plan=tuple(open_plans.get(member_id, ())),
        )
    return facts


# --- settings: /pacer nudges and the Snooze button ------------------------------------------------


@dataclass(frozen=True)
class Setting:
    user_id: str
    local_time: time
    enabled: bool
    tz: ZoneInfo
    snoozed_until: datetime | None
    next_nudge_at: datetime | None
    next_digest_at: datetime | None
    is_rep: bool


def _row_for(db: Database, caller: Caller, *, now: datetime) -> Row:
    with db.reading() as session:
        row = schedules.of_member(session, member_id=caller.member_id)
    if row is None or row.schedule_id is None:
        with db.transaction() as session:
            schedules.create(
                session, workspace_id=caller.workspace_id, member_id=caller.member_id, tz=caller.tz.key, now=now
            )
        with db.reading() as session:
            row = schedules.of_member(session, member_id=caller.member_id)
    assert row is not None
    return row


def _setting(row: Row, config: PacerConfig) -> Setting:
    return Setting(
        user_id=row.user_id,
        local_time=local_time_of(row),
        enabled=row.enabled,
        tz=zone_of(row, config),
        snoozed_until=row.snoozed_until,
        next_nudge_at=row.next_nudge_at,
        next_digest_at=row.next_digest_at,
        is_rep=row.role == "rep",
    )


def setting(db: Database, caller: Caller, *, config: PacerConfig, now: datetime) -> Setting:
    """The caller's nudge setting, planned if the job has not seen them yet."""
    row = _row_for(db, caller, now=now)
    if row.next_nudge_at is None and row.enabled and row.role == "rep":
        return _apply(db, row, config=config, now=now)
    return _setting(row, config)


def _apply(
    db: Database,
    row: Row,
    *,
    config: PacerConfig,
    now: datetime,
    local_time: time | None = None,
    enabled: bool | None = None,
    snoozed_until: datetime | None = None,
) -> Setting:
    """Store a choice and the next times it implies, computed from now."""
    calendar = config.calendar.calendar()
    tz = zone_of(row, config)
    at = local_time if local_time is not None else local_time_of(row)
    on = row.enabled if enabled is None else enabled
    snooze = snoozed_until if snoozed_until is not None else row.snoozed_until
    nudge_at = (
        nudge_after(now, tz=tz, at=at, calendar=calendar, snoozed_until=snooze) if on and row.role == "rep" else None
    )
    digest_at = next_digest(now, tz, at, calendar) if row.next_digest_at is not None else None
    with db.transaction() as session:
        schedules.change(
            session,
            member_id=row.member_id,
            now=now,
            local_time=at.strftime("%H:%M") if local_time is not None else None,
            enabled=enabled,
            snoozed_until=snoozed_until,
            next_nudge_at=nudge_at,
            next_digest_at=digest_at,
            tz=tz.key,
        )
    with db.reading() as session:
        fresh = schedules.of_member(session, member_id=row.member_id)
    assert fresh is not None
    return _setting(fresh, config)


def set_time(db: Database, caller: Caller, *, config: PacerConfig, at: time, now: datetime) -> Setting:
    """Nudge at `at` local time from now on (a nudge already sent today is not sent again)."""
    return _apply(db, _row_for(db, caller, now=now), config=config, now=now, local_time=at)


def switch(db: Database, caller: Caller, *, config: PacerConfig, on: bool, now: datetime) -> Setting:
    return _apply(db, _row_for(db, caller, now=now), config=config, now=now, enabled=on)


def snooze_until(nudge_day: date, choice: SnoozeChoice, calendar: Calendar) -> date:
    """The local date nudges resume: after skipping the next working day, or a week after `nudge_day`."""
    if choice == "week":
        return nudge_day + timedelta(days=7)
    skipped = nudge_day + timedelta(days=1)
    while not calendar.is_working_day(skipped):
        skipped += timedelta(days=1)
    return skipped + timedelta(days=1)


def snooze(
    db: Database, caller: Caller, *, config: PacerConfig, nudge_day: date, choice: SnoozeChoice, now: datetime
) -> tuple[date, Setting]:
    """Snooze from the nudge of `nudge_day`: the same click gives the same result however often it comes."""
    row = _row_for(db, caller, now=now)
    tz = zone_of(row, config)
    resume = snooze_until(nudge_day, choice, config.calendar.calendar())
    until = at_local(resume, time(0, 0), tz)
    return resume, _apply(db, row, config=config, now=now, snoozed_until=until)


# --- the jobs' shared loop -----------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """A due message: the member, the scheduled instant it is for (after catch-up) and its local date."""

    row: Row
    scheduled: datetime
    local_date: date
    following: datetime


def occurrences(rows: Sequence[Row], *, kind: schedules.Kind, config: PacerConfig, now: datetime) -> list[Occurrence]:
    """For each due row: the latest missed instant (one catch-up, however long the downtime) and the next."""
    calendar = config.calendar.calendar()
    found = []
    for row in rows:
        tz, at = zone_of(row, config), local_time_of(row)
        due_at = row.next_nudge_at if kind == "nudge" else row.next_digest_at
        assert due_at is not None

        def step(
            instant: datetime, tz: ZoneInfo = tz, at: time = at, snoozed: datetime | None = row.snoozed_until
        ) -> datetime:
            if kind == "nudge":
                return nudge_after(instant, tz=tz, at=at, calendar=calendar, snoozed_until=snoozed)
            return next_digest(instant, tz, at, calendar)

        scheduled = latest_due(due_at, now, step)
        found.append(
            Occurrence(row=row, scheduled=scheduled, local_date=scheduled.astimezone(tz).date(), following=step(now))
        )
    return found
