"""Opening check-ins: at period close for each batch of frozen evaluations (`announcer`), and by a
manager or an admin with `/checkin @member|team [period]` (issue 10, items 2 and 6).

Opening one queues its parent and first replies through the outbox and schedules the two reminders,
in one transaction with the freeze or on its own; a check-in is opened once. The messages and their
keys are in `bot.services.checkins`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any, Literal

from sqlmodel import Session

from bot.clock import zone
from bot.config import PacerConfig
from bot.directory import Caller
from bot.services import plans
from bot.services.checkins import (
    FEEDBACK_REMINDER,
    KIND,
    SELF_REVIEW_REMINDER,
    CheckinView,
    PlanItemView,
    Render,
    checkin_of,
    group_of,
    parent_key,
    reminder_key,
    reply_key,
    view_of,
)
from bot.services.evaluations import (
    CLOSE_SOURCE,
    SYSTEM,
    Announce,
    EvaluationView,
    Frozen,
    NotTheirCadence,
    PeriodNotEnded,
    freeze_one,
)
from bot.store import audit, evaluations, members, outbox, reminders
from bot.store import checkins as checkins_store
from bot.store import plans as plans_store
from bot.store.engine import Database
from scoring.errors import InputError, NotAllowed, NotFound, PacerError
from scoring.evaluations import CheckinFacts, period_ended_by, progression
from scoring.people import Person
from scoring.periods import Cadence, Period, parse_period, period_of, previous
from scoring.profiles import Profile
from scoring.records import Source
from scoring.schedule import DEFAULT_TIME, after_working_days

# --- opening a check-in -----------------------------------------------------------------------------

EXAMPLE = "/checkin @dana last-month"
TEAM_EXAMPLE = "/checkin team"
MANAGER_EXAMPLE = "/pacer manager @dana @morgan"  # the admin command that gives a rep their manager
SELF_REVIEW_DAYS = 3  # working days after opening: the rep is reminded of a missing self-review
FEEDBACK_DAYS = 5  # … and the manager of missing feedback
OPENED = "checkin.opened"
ReminderStep = Literal["self_review", "feedback"]


@dataclass
class Tally:
    """What the openings of one close (or one request) did: check-ins opened, and the reps left with a
    frozen evaluation but no check-in because they have no manager."""

    opened: list[int] = field(default_factory=list)
    without_manager: list[str] = field(default_factory=list)


def announcer(
    *,
    workspace_id: int,
    config: PacerConfig,
    render: Render,
    now: datetime,
    opened_by: str = SYSTEM,
    source: str = CLOSE_SOURCE,
    tally: Tally | None = None,
) -> Announce:
    """The `announce` hook of `freeze_period` / `freeze_one`: opens the check-in of each evaluation a
    batch froze, in the batch's transaction (reps without a manager are counted in `tally`)."""

    def announce(session: Session, frozen: Sequence[Frozen]) -> None:
        fresh = [_fresh(item, now=now) for item in frozen if item.manager_user_id]
        opened = open_checkins(
            session,
            workspace_id=workspace_id,
            checkins=fresh,
            config=config,
            render=render,
            opened_by=opened_by,
            source=source,
            now=now,
        )
        if tally is not None:
            tally.opened.extend(opened)
            tally.without_manager.extend(item.user_id for item in frozen if not item.manager_user_id)

    return announce


def _fresh(item: Frozen, *, now: datetime) -> CheckinView:
    """The check-in of an evaluation frozen in this transaction: nothing done yet, nothing to read."""
    snapshot = item.snapshot
    view = EvaluationView(
        id=item.evaluation_id,
        member_id=item.member_id,
        period_key=snapshot.period.key,
        cadence=snapshot.period.cadence,
        profile=snapshot.scorecard.profile,
        manager_user_id=item.manager_user_id,
        version=1,
        snapshot=snapshot,
        progression=progression(CheckinFacts()),
        created_at=now,
    )
    return CheckinView(
        evaluation=view,
        rep_user_id=item.user_id,
        rep_name=snapshot.member.name,
        manager_user_id=item.manager_user_id,
        key=None,
        channel=None,
        opened_at=None,
        opened_by=None,
        revision=0,
        self_review=None,
        feedback=None,
        plan=(),
    )


def open_checkins(
    session: Session,
    *,
    workspace_id: int,
    checkins: Sequence[CheckinView],
    config: PacerConfig,
    render: Render,
    opened_by: str,
    source: str,
    now: datetime,
) -> list[int]:
    """Open each check-in not opened yet (each has a manager), in the caller's transaction: mark it
    opened, queue its parent and thread replies, schedule its reminders, audit it. Returns the ids
    opened now; one already opened is left alone (nothing queued twice)."""
    wanted = [c for c in checkins if c.manager_user_id is not None and c.key is None]
    opening = [(c.id, parent_key(c.id), group_of(c.rep_user_id, c.manager_user_id or "")) for c in wanted]
    done = checkins_store.mark_opened_many(session, opening=opening, opened_by=opened_by, now=now)
    if not done:
        return []
    opened = [
        replace(
            c,
            key=parent_key(c.id),
            channel=group_of(c.rep_user_id, c.manager_user_id or ""),
            opened_at=now,
            opened_by=opened_by,
        )
        for c in wanted
        if c.id in done
    ]
    parents: list[outbox.Outgoing] = [(c.key, c.channel, render.headline(c)) for c in opened if c.key]
    reviews = _review_plans(session, workspace_id=workspace_id, checkins=opened, config=config, now=now)
    replies: list[outbox.Outgoing] = []
    for c in opened:
        replies.append((reply_key(c.id, "scorecard"), None, render.scorecard(c), c.key))
        if reviews.get(c.id):
            replies.append((reply_key(c.id, "plan-review"), None, render.plan_review(c, reviews[c.id]), c.key))
        replies.append((reply_key(c.id, "next"), None, render.next_step(c), c.key))
    outbox.enqueue_all(session, workspace_id=workspace_id, kind=KIND, messages=parents, now=now)
    outbox.enqueue_all(session, workspace_id=workspace_id, kind=KIND, messages=replies, now=now)
    _schedule_reminders(session, workspace_id=workspace_id, checkins=opened, config=config, render=render, now=now)
    audit.record_many(
        session,
        [
            {
                "workspace_id": workspace_id,
                "actor": opened_by,
                "action": OPENED,
                "entity": "evaluation",
                "entity_id": c.id,
                "source": source,
                "at": now,
                "after": {
                    "member": c.rep_user_id,
                    "manager": c.manager_user_id,
                    "period": c.evaluation.period_key,
                    "key": c.key,
                    "channel": c.channel,
                },
            }
            for c in opened
        ],
    )
    return [c.id for c in opened]


def _review_plans(
    session: Session, *, workspace_id: int, checkins: Sequence[CheckinView], config: PacerConfig, now: datetime
) -> dict[int, list[PlanItemView]]:
    """The outcome of each rep's earlier improvement plan, measured now that the next evaluation is frozen
    (`bot.services.plans.review_at_checkin`); only reps with an item to review are looked at."""
    with_plans = plans_store.members_with_items_to_review(
        session, workspace_id=workspace_id, member_ids={c.evaluation.member_id for c in checkins}
    )
    return {
        c.id: plans.review_at_checkin(
            session,
            workspace_id=workspace_id,
            member_id=c.evaluation.member_id,
            evaluation_id=c.id,
            snapshot=c.snapshot,
            now=now,
            required_courses=config.training.required,
            actor=c.opened_by or SYSTEM,
        )
        for c in checkins
        if c.evaluation.member_id in with_plans
    }


def reminder_due(opened_at: datetime, *, days: int, tz: str | None, local_time: str, config: PacerConfig) -> datetime:
    """`days` working days (workspace calendar) after the opening, at the person's nudge time in
    their Slack zone (pacer.yml `timezone` when Slack gave none)."""
    try:
        at = time.fromisoformat(local_time)
    except ValueError:
        at = DEFAULT_TIME
    return after_working_days(opened_at, days, zone(tz, config.timezone), at, config.calendar.calendar())


def _schedule_reminders(
    session: Session,
    *,
    workspace_id: int,
    checkins: Sequence[CheckinView],
    config: PacerConfig,
    render: Render,
    now: datetime,
) -> None:
    people = {c.rep_user_id for c in checkins} | {c.manager_user_id for c in checkins if c.manager_user_id}
    local = checkins_store.local_times(session, workspace_id=workspace_id, user_ids=people)
    due: list[dict[str, Any]] = []
    when: dict[tuple[datetime, int, str | None, str], datetime] = {}  # a batch shares a few zones and times
    for c in checkins:
        steps: list[tuple[ReminderStep, str, str, int]] = [
            ("self_review", reminder_key(c.id, SELF_REVIEW_REMINDER), c.rep_user_id, SELF_REVIEW_DAYS)
        ]
        if c.manager_user_id:
            steps.append(("feedback", reminder_key(c.id, FEEDBACK_REMINDER), c.manager_user_id, FEEDBACK_DAYS))
        for step, key, person, days in steps:
            where = local.get(person, checkins_store.LocalTime(None, "09:00"))
            payload = render.reminder(c, step)
            known = (c.opened_at or now, days, where.tz, where.local_time)
            if known not in when:
                when[known] = reminder_due(known[0], days=days, tz=where.tz, local_time=where.local_time, config=config)
            due.append(
                {
                    "key": key,
                    "recipient": person,
                    "kind": KIND,
                    "due_at": when[known],
                    "text": payload["text"][:3000],
                    "blocks": payload.get("blocks"),
                }
            )
    reminders.schedule_many(session, workspace_id=workspace_id, reminders=due, now=now)


# --- /checkin -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A check-in `/checkin` asks for: the rep, their manager and the ended period of their cadence."""

    user_id: str
    name: str
    manager_user_id: str
    period: Period


Result = Literal["opened", "open", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """What `/checkin` did for one rep: `opened` now, already `open` (the link is in `posted`), or
    `skipped` with the `reason`."""

    user_id: str
    name: str
    period_label: str
    result: Result
    checkin: CheckinView | None = None
    posted: checkins_store.Posted | None = None
    reason: str | None = None


def may_open(caller: Caller, subject: Person) -> None:
    """Only the member's own manager or an admin opens their check-in."""
    if caller.person.role == "admin" or (subject.manager_user_id and subject.manager_user_id == caller.user_id):
        return
    raise NotAllowed(
        f"Only {subject.name}'s manager or an admin can open their check-in; {subject.name} isn't in your team. "
        "`/checkin team` opens your own reports' check-ins.",
        example=TEAM_EXAMPLE,
    )


def latest_ended(config: PacerConfig, cadence: Cadence, now: datetime) -> Period:
    """The most recent period of `cadence` that has ended (pacer.yml `timezone`'s calendar days)."""
    calendar = config.calendar.calendar()
    today = now.astimezone(zone(config.timezone, "UTC")).date()
    return previous(period_of(today, cadence, calendar), cadence, calendar)


def target(
    db: Database, caller: Caller, *, config: PacerConfig, user_id: str, period_text: str, now: datetime
) -> Target:
    """Check a `/checkin @member [period]` before anything happens: the member exists and is the
    caller's to open (manager or admin), has a manager, and the period has ended and is theirs."""
    with db.reading() as session:
        member = members.get(session, workspace_id=caller.workspace_id, user_id=user_id)
    if member is None or member.deleted or member.is_bot:
        raise NotFound(
            f"<@{user_id}> isn't a Pacer member, so there is no evaluation to talk through.", example=TEAM_EXAMPLE
        )
    may_open(caller, members.as_person(member))
    profile = config.profile_for(member.user_id, member.profile)
    latest = latest_ended(config, profile.cadence, now)
    mention = f"/checkin @{_slug(member.name)}"
    period = _period(config, caller, profile, period_text, latest=latest, command=mention)
    if period.cadence != profile.cadence:
        raise NotTheirCadence(member.name, profile, period, example=f"{mention} {latest.key}")
    if now < period_ended_by(period, zone(config.timezone, "UTC")):
        raise PeriodNotEnded(period, example=f"{mention} {latest.key}")
    if not member.manager_user_id:
        raise InputError(
            f"{member.name} has no manager in Pacer, so there is no one to hold the check-in with: the evaluation "
            f"is frozen and waits. An admin gives them one with `/pacer manager @{_slug(member.name)} @their-manager`, "
            "then `/checkin` opens it.",
            example=MANAGER_EXAMPLE,
        )
    return Target(user_id=member.user_id, name=member.name, manager_user_id=member.manager_user_id, period=period)


def _slug(name: str) -> str:
    """A name as an @-placeholder in an example (`@dana`)."""
    word = "".join(ch for ch in name.split(" ")[0].lower() if ch.isalnum())
    return word or "dana"


def _period(
    config: PacerConfig, caller: Caller, profile: Profile, text: str, *, latest: Period, command: str
) -> Period:
    if not text.strip():
        return latest
    problem = None
    try:
        return parse_period(
            text, today=caller.today, cadence=profile.cadence, calendar=config.calendar.calendar(), command=command
        )
    except InputError as error:
        problem = error.message
    raise InputError(
        f"{problem} Check-ins are for ended periods, like {latest.key}.", example=f"{command} {latest.key}"
    )


def open_for(
    db: Database, caller: Caller, chosen: Target, *, config: PacerConfig, render: Render, now: datetime
) -> Outcome:
    """Open the check-in of `chosen` (freezing its evaluation first when the period has none yet), or
    say where the one already opened is. Runs after the request is acknowledged."""
    tally = Tally()
    announce = announcer(
        workspace_id=caller.workspace_id,
        config=config,
        render=render,
        now=now,
        opened_by=caller.user_id,
        source=Source.SLACK_COMMAND.value,
        tally=tally,
    )
    evaluation = freeze_one(
        db,
        config=config,
        workspace_id=caller.workspace_id,
        user_id=chosen.user_id,
        period=chosen.period,
        now=now,
        actor=caller.user_id,
        announce=announce,
    )
    opened = evaluation.id in tally.opened
    if not opened:
        with db.transaction() as session:
            found = checkin_of(session, workspace_id=caller.workspace_id, evaluation_id=evaluation.id)
            assert found is not None
            if found.key is None and found.manager_user_id is None:
                # frozen at close while they had no manager: the check-in is held with the manager they have now
                checkins_store.set_manager(session, evaluation_id=found.id, manager_user_id=chosen.manager_user_id)
                found = replace(found, manager_user_id=chosen.manager_user_id)
            opened = bool(
                open_checkins(
                    session,
                    workspace_id=caller.workspace_id,
                    checkins=[found],
                    config=config,
                    render=render,
                    opened_by=caller.user_id,
                    source=Source.SLACK_COMMAND.value,
                    now=now,
                )
            )
    with db.reading() as session:
        view = checkin_of(session, workspace_id=caller.workspace_id, evaluation_id=evaluation.id)
        assert view is not None and view.key is not None
        posted = checkins_store.posted(session, workspace_id=caller.workspace_id, key=view.key)
    return Outcome(
        user_id=chosen.user_id,
        name=chosen.name,
        period_label=chosen.period.label,
        result="opened" if opened else "open",
        checkin=view,
        posted=posted,
    )


@dataclass(frozen=True)
class TeamPlan:
    """`/checkin team [period]`: the reps whose check-ins can be opened, and those skipped with why."""

    targets: tuple[Target, ...]
    skipped: tuple[Outcome, ...]
    period_text: str


def reports_of(db: Database, caller: Caller) -> list[Person]:
    """The caller's direct reports (active reps whose manager they are), by name."""
    with db.reading() as session:
        everyone = members.in_workspace(session, workspace_id=caller.workspace_id)
    return [
        members.as_person(m)
        for m in everyone
        if m.manager_user_id == caller.user_id and m.role == "rep" and not m.deleted and not m.is_bot
    ]


def team_plan(db: Database, caller: Caller, *, config: PacerConfig, period_text: str, now: datetime) -> TeamPlan:
    """Check every direct report for `/checkin team [period]`; a rep it does not fit (the wrong cadence,
    a period not ended) is skipped with the reason rather than failing the whole team."""
    targets: list[Target] = []
    skipped: list[Outcome] = []
    for person in reports_of(db, caller):
        try:
            targets.append(target(db, caller, config=config, user_id=person.user_id, period_text=period_text, now=now))
        except PacerError as error:
            skipped.append(
                Outcome(
                    person.user_id, person.name, period_text or "their latest period", "skipped", reason=error.message
                )
            )
    return TeamPlan(targets=tuple(targets), skipped=tuple(skipped), period_text=period_text)


def open_team(
    db: Database, caller: Caller, plan: TeamPlan, *, config: PacerConfig, render: Render, now: datetime
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for chosen in plan.targets:
        try:
            outcomes.append(open_for(db, caller, chosen, config=config, render=render, now=now))
        except PacerError as error:
            outcomes.append(Outcome(chosen.user_id, chosen.name, chosen.period.label, "skipped", reason=error.message))
    return [*outcomes, *plan.skipped]


@dataclass(frozen=True)
class TeamRow:
    """One direct report in `/checkin help`: their latest ended period and its check-in, if any."""

    user_id: str
    name: str
    period_label: str
    checkin: CheckinView | None


def team_overview(db: Database, caller: Caller, *, config: PacerConfig, now: datetime) -> list[TeamRow]:
    """The caller's direct reports with the check-in of their latest ended period (None: not opened)."""
    reports = reports_of(db, caller)
    rows: list[TeamRow] = []
    with db.reading() as session:
        for person in reports:
            member = members.get(session, workspace_id=caller.workspace_id, user_id=person.user_id)
            assert member is not None and member.id is not None
            period = latest_ended(config, config.profile_for(member.user_id, member.profile).cadence, now)
            found = evaluations.evaluation_of(
                session, workspace_id=caller.workspace_id, member_id=member.id, period_key=period.key
            )
            view = None if found is None else view_of(session, found)
            rows.append(TeamRow(person.user_id, person.name, period.label, view))
    return rows
