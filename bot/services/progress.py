"""`/progress`: a rep's scorecard for a period — actuals, targets, score, pace, payout — explained."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from bot.config import PacerConfig
from bot.directory import Caller
from bot.services import plans, rules
from bot.services.rules import PeriodRules
from bot.store import goals, members, metrics
from bot.store.tables import Member
from scoring.errors import NotAllowed, NotFound
from scoring.incentives import PayDeal, Payout, payout
from scoring.pace import Pace, pace
from scoring.people import Person
from scoring.periods import Period, period_of
from scoring.profiles import Profile
from scoring.scorecard import Score, score


@dataclass(frozen=True)
class Progress:
    person: Person
    profile: Profile
    period: Period
    today: date
    score: Score
    paces: dict[str, Pace]
    payout: Payout
    sources: dict[str, dict[str, int]]
    rules: PeriodRules
    plan: tuple[plans.OpenItem, ...] = ()  # the rep's open improvement-plan items today, most urgent first


def may_see_progress_of(viewer: Person, subject: Person) -> bool:
    """Reps see themselves; managers their reports; admins anyone (PRODUCT §2)."""
    return viewer.user_id == subject.user_id or subject.manager_user_id == viewer.user_id or viewer.role == "admin"


def subject_of(session: Session, caller: Caller, user_id: str | None) -> Member:
    """The member whose progress is asked for, if the caller may see it."""
    target = members.get(session, workspace_id=caller.workspace_id, user_id=user_id or caller.user_id)
    if target is None:
        raise NotFound(
            f"<@{user_id}> hasn't used Pacer yet, so there is no progress to show.", example="/progress @dana"
        )
    if not may_see_progress_of(caller.person, members.as_person(target)):
        raise NotAllowed(
            f"You can see your own progress, and a manager can see their reports'. {target.name} isn't one of yours.",
            example="/progress",
        )
    return target


@dataclass(frozen=True)
class Figures:
    """A rep's scorecard for a period: what `/progress` shows, and what an evaluation freezes at close."""

    member_id: int
    profile: Profile
    actuals: dict[str, Decimal]
    targets: dict[str, Decimal]  # the rep's own goals (profile defaults apply to the other lines)
    score: Score
    payout: Payout
    sources: dict[str, dict[str, int]]


def figures(
    session: Session,
    *,
    workspace_id: int,
    config: PacerConfig,
    period: Period,
    in_force: PeriodRules,
    reps: Sequence[tuple[int, Profile]],
) -> dict[int, Figures]:
    """Each rep's figures for `period` under the rules in force, from one query per kind of fact for all
    of them: actuals, goals, the deals the incentive plan pays on, and the sources of the records.

    `reps` are (member id, profile). The year-long repurchase scan runs only for reps whose scorecard
    has `repurchase_rate`.
    """
    ids = [member_id for member_id, _ in reps]
    actuals = metrics.actuals(
        session,
        workspace_id=workspace_id,
        period=period,
        rule=in_force.counting,
        premium_lines=in_force.premium_lines,
        required_courses=set(config.training.required),
        member_ids=ids,
        repurchase_for=[member_id for member_id, profile in reps if profile.scorecard.line("repurchase_rate")],
    )
    own_targets = goals.targets(session, workspace_id=workspace_id, period=period, member_ids=ids)
    paid = metrics.paid_deals(
        session,
        workspace_id=workspace_id,
        member_ids=ids,
        period=period,
        rule=in_force.counting,
        premium_lines=in_force.premium_lines,
    )
    sources = metrics.sources(session, workspace_id=workspace_id, member_ids=ids, period=period, rule=in_force.counting)
    found: dict[int, Figures] = {}
    for member_id, profile in reps:
        targets = own_targets.get(member_id, {})
        deals = [
            PayDeal(number=n, amount=a, product_line=p, premium=prem, new_customer=new)
            for n, a, p, prem, new in paid.get(member_id, ())
        ]
        revenue_target = targets.get("revenue") or next(
            (line.target for line in profile.scorecard.lines if line.metric == "revenue"), None
        )
        found[member_id] = Figures(
            member_id=member_id,
            profile=profile,
            actuals=actuals[member_id],
            targets=targets,
            score=score(profile.scorecard, actuals=actuals[member_id], targets=targets),
            payout=payout(profile.plan, deals=deals, revenue_target=revenue_target, currency=config.currency),
            sources=sources[member_id],
        )
    return found


def progress(
    session: Session, caller: Caller, member: Member, *, config: PacerConfig, period: Period | None = None
) -> Progress:
    assert member.id is not None
    profile = config.profile_for(member.user_id, member.profile)
    calendar = config.calendar.calendar()
    today = caller.today
    period = period or period_of(today, profile.cadence, calendar)
    in_force = rules.period_rules(session, workspace_id=caller.workspace_id, config=config, period=period)
    found = figures(
        session,
        workspace_id=caller.workspace_id,
        config=config,
        period=period,
        in_force=in_force,
        reps=[(member.id, profile)],
    )[member.id]
    paces = {
        line.metric: pace(actual=line.actual, target=line.target, period=period, today=today, calendar=calendar)
        for line in found.score.lines
    }
    return Progress(
        person=members.as_person(member),
        profile=profile,
        period=period,
        today=today,
        score=found.score,
        paces=paces,
        payout=found.payout,
        sources=found.sources,
        rules=in_force,
        plan=tuple(
            plans.open_items(session, workspace_id=caller.workspace_id, member_id=member.id, today=today, config=config)
        ),
    )
