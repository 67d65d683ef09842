"""`/goal`: managers set their reports' targets per metric and period, or cascade a team goal.

Who may do what (PRODUCT §2): a member's manager and admins set targets; reps, managers of
their reports and admins list them. Every change writes a `goal.set` audit row; setting the
same value again changes nothing and writes nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlmodel import Session

from bot.config import PacerConfig, Team
from bot.directory import Caller
from bot.services import rules
from bot.services.progress import may_see_progress_of
from bot.store import audit, goals, members, metrics, receipts
from bot.store.tables import Member
from scoring.errors import InputError, NotAllowed, NotFound
from scoring.goal_values import ADDITIVE_UNITS, quantum, split, value_example
from scoring.metrics import METRICS, format_value, metric
from scoring.people import Person
from scoring.periods import Period, parse_period, period_of, previous
from scoring.profiles import Profile
from scoring.scorecard import check_target
from scoring.text import fold

EXAMPLE = "/goal @dana revenue 120k"
TEAM_EXAMPLE = "/goal team revenue 300k"

Origin = Literal["goal", "profile default", "not set"]


@dataclass(frozen=True)
class GoalChange:
    """One target as set: the value before (None: the profile default applied) and after."""

    person: Person
    profile: Profile
    metric: str
    period: Period
    value: Decimal
    previous: Decimal | None
    changed: bool

    @property
    def on_scorecard(self) -> bool:
        return self.profile.scorecard.line(self.metric) is not None


@dataclass(frozen=True)
class TargetLine:
    metric: str
    value: Decimal | None
    origin: Origin
    weight: Decimal | None  # None: not on the member's scorecard
    set_by: str | None


@dataclass(frozen=True)
class GoalList:
    person: Person
    profile: Profile
    period: Period
    lines: list[TargetLine]


@dataclass(frozen=True)
class TeamGoal:
    team: str
    metric: str
    period: Period
    total: Decimal
    weighted: bool
    basis: Period | None  # the period whose actuals weighted the split; None for an equal split
    changes: list[GoalChange]
    missing: list[str]  # user ids of team members Pacer has not met yet (left out)


def metric_named(text: str, *, example_member: str = "@dana") -> str:
    """The metric a person typed (any case), or an `InputError` listing the names with the closest one."""
    name = (text or "").strip().lower()
    if name in METRICS:
        return name
    close = difflib.get_close_matches(name, list(METRICS), n=1, cutoff=0.6)
    hint = f" Did you mean *{close[0]}*?" if close else ""
    shown = name if len(name) <= 30 else name[:29] + "…"
    raise InputError(
        f"There is no metric “{shown}”.{hint} Metrics: {', '.join(METRICS)}.",
        example=f"/goal {example_member} {close[0] if close else 'revenue'} "
        f"{value_example(metric(close[0]).unit) if close else '120k'}",
        field="metric",
    )


def may_set_goals_for(setter: Person, subject: Person) -> bool:
    """A member's manager and admins set their targets (PRODUCT §2)."""
    return setter.role == "admin" or (subject.manager_user_id is not None and subject.manager_user_id == setter.user_id)


def member_of(session: Session, caller: Caller, user_id: str) -> Member:
    member = members.get(session, workspace_id=caller.workspace_id, user_id=user_id)
    if member is None:
        raise NotFound(f"<@{user_id}> isn't a Pacer member, so they have no goals.", example=EXAMPLE, field="member")
    return member


def check_may_set(caller: Caller, member: Member) -> None:
    may_set(caller, members.as_person(member))


def may_set(caller: Caller, subject: Person) -> None:
    """`NotAllowed` unless the caller may set the subject's targets (also for someone Pacer hasn't met)."""
    if may_set_goals_for(caller.person, subject):
        return
    if subject.user_id == caller.user_id:
        raise NotAllowed(
            "Targets are set by your manager, not by yourself. See yours with `/goal list`.",
            example="/goal list",
            field="member",
        )
    raise NotAllowed(
        f"Only {subject.name}'s manager or an admin can set their targets. See your reports' goals with `/goal @name`.",
        example=EXAMPLE,
        field="member",
    )


def may_list(caller: Caller, subject: Person) -> None:
    """`NotAllowed` unless the caller may see the subject's targets: themself, their reports, or (admins) anyone."""
    if not may_see_progress_of(caller.person, subject):
        raise NotAllowed(
            f"You can see your own goals, and a manager their reports'. {subject.name} isn't one of yours.",
            example="/goal list",
        )


def goal_period(
    config: PacerConfig, caller: Caller, profile: Profile, text: str | None, *, command: str = EXAMPLE
) -> Period:
    """The member's current period per their profile's cadence, or the one `text` names (same cadence).

    `command` is the `/goal` command an error's example puts the period after."""
    calendar = config.calendar.calendar()
    if not text or not text.strip():
        return period_of(caller.today, profile.cadence, calendar)
    period = parse_period(text, today=caller.today, cadence=profile.cadence, calendar=calendar, command=command)
    if period.cadence != profile.cadence:
        current = period_of(caller.today, profile.cadence, calendar)
        kind = "monthly" if profile.cadence == "month" else "quarterly"
        raise InputError(
            f"{profile.name} targets are {kind}, so give a {profile.cadence} such as {current.key}, not {period.key}.",
            example=f"{command} {current.key}",
            field="period",
        )
    return period


def set_goal(
    session: Session,
    caller: Caller,
    member: Member,
    *,
    metric_name: str,
    value: Decimal,
    period: Period,
    config: PacerConfig,
    source: str,
    now: datetime,
) -> GoalChange:
    """Set one target; the caller must be the member's manager or an admin."""
    check_may_set(caller, member)
    problem = check_target(metric_name, value)
    if problem is not None:
        raise InputError(f"{metric_name} {problem}.", example=EXAMPLE, field="value")
    return _put(
        session,
        caller,
        member,
        metric_name=metric_name,
        value=value,
        period=period,
        config=config,
        source=source,
        now=now,
    )


def set_goal_once(
    session: Session,
    caller: Caller,
    *,
    key: str,
    answer: Callable[[GoalChange], dict[str, Any]],
    user_id: str,
    metric_name: str,
    value: Decimal,
    period_text: str | None,
    config: PacerConfig,
    source: str,
    now: datetime,
) -> dict[str, Any]:
    """`set_goal_for` once per request `key` (a form submission): a retry or a double submit gets
    the first `answer` back, stored with the change in the same transaction."""
    done = receipts.find(session, workspace_id=caller.workspace_id, key=key)
    if done is not None and done.response:
        return done.response
    change = set_goal_for(
        session,
        caller,
        user_id=user_id,
        metric_name=metric_name,
        value=value,
        period_text=period_text,
        config=config,
        source=source,
        now=now,
    )
    response = answer(change)
    receipts.save(session, workspace_id=caller.workspace_id, key=key, response=response, now=now)
    return response


def set_goal_for(
    session: Session,
    caller: Caller,
    *,
    user_id: str,
    metric_name: str,
    value: Decimal,
    period_text: str | None,
    config: PacerConfig,
    source: str,
    now: datetime,
) -> GoalChange:
    """Set a target for the member with this Slack id, in the period named (or their current one)."""
    member = member_of(session, caller, user_id)
    check_may_set(caller, member)
    period = goal_period(config, caller, config.profile_for(member.user_id, member.profile), period_text)
    return set_goal(
        session,
        caller,
        member,
        metric_name=metric_name,
        value=value,
        period=period,
        config=config,
        source=source,
        now=now,
    )


def _put(
    session: Session,
    caller: Caller,
    member: Member,
    *,
    metric_name: str,
    value: Decimal,
    period: Period,
    config: PacerConfig,
    source: str,
    now: datetime,
) -> GoalChange:
    assert member.id is not None
    person = members.as_person(member)
    profile = config.profile_for(member.user_id, member.profile)
    existing = goals.find(
        session, workspace_id=caller.workspace_id, member_id=member.id, metric=metric_name, period=period
    )
    before = existing.value if existing is not None else None
    if before is not None and before == value:
        return GoalChange(person, profile, metric_name, period, value, before, changed=False)
    goals.set_goal(
        session,
        workspace_id=caller.workspace_id,
        member_id=member.id,
        metric=metric_name,
        period=period,
        value=value,
        set_by=caller.user_id,
        source=source,
        now=now,
    )
    stored = goals.find(
        session, workspace_id=caller.workspace_id, member_id=member.id, metric=metric_name, period=period
    )
    assert stored is not None
    audit.record(
        session,
        workspace_id=caller.workspace_id,
        actor=caller.user_id,
        action="goal.set",
        entity="goal",
        entity_id=stored.id,
        source=source,
        at=now,
        before=None if before is None else {"metric": metric_name, "period": period.key, "value": _plain(before)},
        after={"metric": metric_name, "period": period.key, "value": _plain(value), "member": member.user_id},
    )
    return GoalChange(person, profile, metric_name, period, value, before, changed=True)


def _plain(value: Decimal) -> str:
    """`120000`, `0.6`, `33333.34`: the same number however it was typed, never an exponent."""
    return format(value.normalize(), "f")


def list_goals(session: Session, caller: Caller, member: Member, *, period: Period, config: PacerConfig) -> GoalList:
    """Every scorecard metric's target for the period (goal or profile default), then other goals set."""
    assert member.id is not None
    person = members.as_person(member)
    may_list(caller, person)
    profile = config.profile_for(member.user_id, member.profile)
    found = {
        g.metric: g
        for g in goals.goals_of(session, workspace_id=caller.workspace_id, member_id=member.id, period=period)
    }
    lines: list[TargetLine] = []
    for line in profile.scorecard.lines:
        goal = found.pop(line.metric, None)
        if goal is not None:
            lines.append(TargetLine(line.metric, goal.value, "goal", line.weight, goal.set_by))
        elif line.target is not None:
            lines.append(TargetLine(line.metric, line.target, "profile default", line.weight, None))
        else:
            lines.append(TargetLine(line.metric, None, "not set", line.weight, None))
    lines += [TargetLine(name, goal.value, "goal", None, goal.set_by) for name, goal in sorted(found.items())]
    return GoalList(person, profile, period, lines)


def team_for(config: PacerConfig, caller: Caller, name: str | None) -> Team:
    """The team whose goal the caller cascades: theirs, or (admins) the one named."""
    if name is not None:
        team = next((t for t in config.teams if fold(t.name) == fold(name)), None)
        if team is None:
            raise NotFound(f"There is no team “{name}”.", example=TEAM_EXAMPLE)
        if caller.person.role != "admin" and team.manager != caller.user_id:
            raise NotAllowed(f"Only {team.name}'s manager or an admin can set its goals.", example=TEAM_EXAMPLE)
        return team
    managed = [t for t in config.teams if t.manager == caller.user_id]
    if not managed:
        if caller.person.role == "admin":
            names = ", ".join(t.name for t in config.teams) or "none configured"
            raise InputError(
                f"Name the team whose goal you set (teams: {names}).",
                example=f"/goal team {config.teams[0].name if config.teams else 'East'} revenue 300k",
            )
        raise NotAllowed("Team goals are set by the team's manager. You don't manage a team.", example="/goal list")
    if len(managed) > 1:
        raise InputError(
            f"You manage {len(managed)} teams: name one ({', '.join(t.name for t in managed)}).",
            example=f"/goal team {managed[0].name} revenue 300k",
        )
    return managed[0]


def cascade(
    session: Session,
    caller: Caller,
    team: Team,
    *,
    metric_name: str,
    total: Decimal,
    period_text: str | None,
    weighted: bool,
    config: PacerConfig,
    source: str,
    now: datetime,
) -> TeamGoal:
    """Split a team total over the team's members (equal, or weighted by last period's actuals)."""
    spec = metric(metric_name)
    if spec.unit not in ADDITIVE_UNITS:
        raise InputError(
            f"{metric_name} is a rate, not a total, so a team goal can't be split: set it per rep.",
            example=f"/goal @dana {metric_name} {value_example(spec.unit)}",
            field="metric",
        )
    everyone = goals.members_with_ids(session, workspace_id=caller.workspace_id, user_ids=team.members)
    known = {m.user_id for m in everyone}
    missing = [u for u in team.members if u not in known]
    found = [m for m in everyone if not m.deleted]
    if not found:
        raise NotFound(
            f"No one in {team.name} uses Pacer yet, so there is no one to give the goal to.", example=TEAM_EXAMPLE
        )
    profiles = {m.user_id: config.profile_for(m.user_id, m.profile) for m in found}
    cadences = {p.cadence for p in profiles.values()}
    if len(cadences) > 1:
        raise InputError(
            f"{team.name} mixes monthly and quarterly profiles, so one team goal has no single period. "
            "Set goals per rep.",
            example=EXAMPLE,
        )
    profile = profiles[found[0].user_id]
    period = goal_period(config, caller, profile, period_text, command=TEAM_EXAMPLE)
    step = quantum(spec.unit)
    if spec.unit == "count" and total < len(found):
        raise InputError(
            f"{format_value(spec.unit, total, currency=config.currency)} {metric_name} can't be split over "
            f"{len(found)} reps so each gets at least 1.",
            example=f"/goal team {metric_name} {len(found) * 10}",
            field="value",
        )
    names = [m.name.casefold() for m in found]
    basis: Period | None = None
    weights: list[Decimal] | None = None
    if weighted:
        assert all(m.id is not None for m in found)
        basis = previous(period, profile.cadence, config.calendar.calendar())
        basis_rules = rules.period_rules(session, workspace_id=caller.workspace_id, config=config, period=basis)
        actual = metrics.actuals(
            session,
            workspace_id=caller.workspace_id,
            period=basis,
            rule=basis_rules.counting,
            premium_lines=basis_rules.premium_lines,
            required_courses=set(config.training.required),
            member_ids=[m.id for m in found if m.id is not None],
        )
        weights = [actual.get(m.id or 0, {}).get(metric_name, Decimal(0)) for m in found]
        if not any(weights):
            weights = None  # nobody had any: an equal split
    parts = split(total, names=names, weights=weights, step=step)
    zero = [m.name for m, part in zip(found, parts, strict=True) if part <= 0]
    if zero:
        raise InputError(
            f"A weighted split would give {_some(zero)} a target of 0 (nothing in {basis.label if basis else ''}). "
            "Use an equal split, or set their goal separately.",
            example=f"/goal team {metric_name} {value_example(spec.unit)}",
            field="value",
        )
    changes = [
        _put(
            session,
            caller,
            m,
            metric_name=metric_name,
            value=part,
            period=period,
            config=config,
            source=source,
            now=now,
        )
        for m, part in zip(found, parts, strict=True)
    ]
    return TeamGoal(team.name, metric_name, period, total, weights is not None, basis, changes, missing)


def _some(names: list[str], *, shown: int = 5) -> str:
    """`Ann, Bo and 12 more`: an error about many reps stays within one Slack section."""
    some = ", ".join(name[:60] for name in names[:shown])
    return some + (f" and {len(names) - shown} more" if len(names) > shown else "")
