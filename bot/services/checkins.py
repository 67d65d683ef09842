"""Check-ins: the private conversation in which a rep and their manager go through a frozen evaluation.

A check-in lives in the group DM of exactly the rep, their manager and Pacer (the outbox address
`outbox.group(rep, manager)`), as one parent message with a thread. Every message goes through the
outbox (kind "checkin"), keyed so a retry, a rerun or a double click never posts twice:

| key | what |
| --- | --- |
| `checkin:<id>` | the parent: rep, period, score, rating, status (`parent_key`) |
| `checkin:<id>:scorecard` | reply: the frozen scorecard explained line by line |
| `checkin:<id>:plan-review` | reply: the previous check-in's improvement plan with each item's outcome |
| `checkin:<id>:next` | reply: the next step, with the buttons (`ids.CHECKIN_*`) |
| `checkin:<id>:self-review@<v>` / `checkin:<id>:feedback@<v>` | reply: a submission (v > 1: edited) |
| `checkin:<id>:acknowledged` | reply: the rep has read it |
| `checkin:<id>:parent@<r>` / `checkin:<id>:next@<r>` | rewrites (`outbox.rewrite`) after change r |

`<id>` is the evaluation id. A change the parent shows (a step done) bumps the evaluation's
`revision` and queues both rewrites with it, in the transaction that records the change.

Rendering is the caller's: handlers and jobs pass a `Render` built from `handlers.blocks` (this
layer never imports handlers), and services call it inside the write transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal, Protocol

from sqlmodel import Session

from bot.clock import zone
from bot.config import PacerConfig
from bot.directory import Caller
from bot.services.evaluations import (
    CLOSE_SOURCE,
    SYSTEM,
    Announce,
    EvaluationView,
    Frozen,
    NotTheirCadence,
    PeriodNotEnded,
    evaluation_view,
    freeze_one,
)
from bot.store import audit, checkins, evaluations, members, outbox, reminders
from bot.store import checkins as checkins_store
from bot.store.engine import Database
from bot.store.tables import CheckinEntry, Evaluation, Member, PlanItem
from scoring.errors import InputError, NotAllowed, NotFound, PacerError
from scoring.evaluations import CheckinFacts, Snapshot, period_ended_by, progression
from scoring.people import Person
from scoring.periods import Cadence, Period, parse_period, period_of, previous
from scoring.profiles import Profile
from scoring.records import Source
from scoring.schedule import DEFAULT_TIME, after_working_days

KIND = "checkin"  # the outbox kind of every check-in message
EntryKind = Literal["self_review", "feedback"]


def parent_key(evaluation_id: int) -> str:
    return f"checkin:{evaluation_id}"


def reply_key(evaluation_id: int, what: str) -> str:
    """`checkin:<id>:<what>`: scorecard, plan-review, next, acknowledged, self-review@2, parent@3…"""
    return f"{parent_key(evaluation_id)}:{what}"


def group_of(rep_user_id: str, manager_user_id: str) -> str:
    """The outbox address of the check-in's group DM: the rep and the manager (Pacer is always in it)."""
    return outbox.group(rep_user_id, manager_user_id)


@dataclass(frozen=True)
class EntryView:
    """The latest version of a self-review or a feedback; `first_at` is when version 1 came in."""

    kind: EntryKind
    version: int
    author_user_id: str
    content: dict[str, Any]
    created_at: datetime
    first_at: datetime

    @property
    def edited(self) -> bool:
        return self.version > 1


@dataclass(frozen=True)
class PlanItemView:
    position: int
    action: str
    metric: str | None
    target: Decimal | None
    due: date
    outcome: str | None = None  # met, missed or reported: filled in at the next check-in
    outcome_actual: Decimal | None = None


@dataclass(frozen=True)
class CheckinView:
    """An evaluation with everything its check-in shows: who, the frozen figures, the steps done, the
    latest self-review and feedback, the improvement plan in force, and where the thread is."""

    evaluation: EvaluationView
    rep_user_id: str
    rep_name: str
    manager_user_id: str | None
    key: str | None  # the parent's outbox key; None until the check-in is opened
    channel: str | None  # the group DM's outbox address ("U1,U2")
    opened_at: datetime | None
    opened_by: str | None
    revision: int
    self_review: EntryView | None
    feedback: EntryView | None
    plan: tuple[PlanItemView, ...]

    @property
    def id(self) -> int:
        return self.evaluation.id

    @property
    def snapshot(self) -> Snapshot:
        return self.evaluation.snapshot

    @property
    def period_label(self) -> str:
        return self.evaluation.snapshot.period.label

    @property
    def acknowledged(self) -> bool:
        return self.evaluation.progression.status in ("acknowledged", "closed")

    def participants(self) -> frozenset[str]:
        return frozenset(u for u in (self.rep_user_id, self.manager_user_id) if u)


class Render(Protocol):
    """Turns check-in views into outbox payloads ({"text": ..., "blocks": [...]}) — Block Kit lives in
    `handlers.blocks.checkins`, which implements this."""

    def headline(self, checkin: CheckinView) -> dict[str, Any]: ...

    def scorecard(self, checkin: CheckinView) -> dict[str, Any]: ...

    def next_step(self, checkin: CheckinView) -> dict[str, Any]: ...

    def entry(self, checkin: CheckinView, entry: EntryView) -> dict[str, Any]: ...

    def acknowledged(self, checkin: CheckinView) -> dict[str, Any]: ...

    def reminder(self, checkin: CheckinView, step: Literal["self_review", "feedback"]) -> dict[str, Any]:
        """The reminder DM of a step still missing (the rep's self-review, the manager's feedback), with
        the step's button so it can be done from the DM."""
        ...


# --- reads ------------------------------------------------------------------------------------------


def checkin_of(session: Session, *, workspace_id: int, evaluation_id: int) -> CheckinView | None:
    """The evaluation's check-in as it stands, or None when there is no such evaluation in the workspace."""
    row = checkins.evaluation(session, workspace_id=workspace_id, evaluation_id=evaluation_id)
    if row is None:
        return None
    return _checkin(session, row)


def _checkin(session: Session, row: Evaluation) -> CheckinView:
    assert row.id is not None
    current = evaluations.version(session, evaluation_id=row.id, number=row.version)
    assert current is not None, f"evaluation {row.id} has no version {row.version}"
    member = session.get(Member, row.member_id)
    assert member is not None
    latest: dict[str, list[CheckinEntry]] = {}
    for entry in checkins.entries(session, evaluation_id=row.id):
        latest.setdefault(entry.kind, []).append(entry)
    return CheckinView(
        evaluation=evaluation_view(row, Snapshot.from_json(current.snapshot)),
        rep_user_id=member.user_id,
        rep_name=member.name,
        manager_user_id=row.manager_user_id,
        key=row.checkin_key,
        channel=row.checkin_channel,
        opened_at=row.checkin_opened_at,
        opened_by=row.checkin_opened_by,
        revision=row.revision,
        self_review=_entry(latest.get("self_review")),
        feedback=_entry(latest.get("feedback")),
        plan=tuple(_item(item) for item in checkins.plan(session, evaluation_id=row.id)),
    )


def _entry(versions: list[CheckinEntry] | None) -> EntryView | None:
    if not versions:
        return None
    last = versions[-1]
    kind: EntryKind = "feedback" if last.kind == "feedback" else "self_review"
    return EntryView(
        kind=kind,
        version=last.version,
        author_user_id=last.author_user_id,
        content=dict(last.content),
        created_at=last.created_at,
        first_at=versions[0].created_at,
    )


def _item(item: PlanItem) -> PlanItemView:
    return PlanItemView(
        position=item.position,
        action=item.action,
        metric=item.metric,
        target=item.target,
        due=item.due,
        outcome=item.outcome,
        outcome_actual=item.outcome_actual,
    )


# --- opening a check-in -----------------------------------------------------------------------------

EXAMPLE = "/checkin @dana last-month"
TEAM_EXAMPLE = "/checkin team"
MANAGER_EXAMPLE = "/pacer manager @dana @morgan"  # the admin command that gives a rep their manager
SELF_REVIEW_DAYS = 3  # working days after opening: the rep is reminded of a missing self-review
FEEDBACK_DAYS = 5  # … and the manager of missing feedback
OPENED = "checkin.opened"
ReminderStep = Literal["self_review", "feedback"]


def self_review_reminder_key(evaluation_id: int) -> str:
    """The self-review reminder's key (`reminders.cancel(key=...)` once the self-review is in)."""
    return reply_key(evaluation_id, "self-review")


def feedback_reminder_key(evaluation_id: int) -> str:
    return reply_key(evaluation_id, "feedback")


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
    replies: list[outbox.Outgoing] = []
    for c in opened:
        replies.append((reply_key(c.id, "scorecard"), None, render.scorecard(c), c.key))
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
            ("self_review", self_review_reminder_key(c.id), c.rep_user_id, SELF_REVIEW_DAYS)
        ]
        if c.manager_user_id:
            steps.append(("feedback", feedback_reminder_key(c.id), c.manager_user_id, FEEDBACK_DAYS))
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
            view = None if found is None else _checkin(session, found)
            rows.append(TeamRow(person.user_id, person.name, period.label, view))
    return rows
