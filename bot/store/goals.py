"""Goals: one current target per rep, metric and period; every change is audited by the caller."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from bot.store.tables import Goal, Member
from scoring.periods import Period


def set_goal(
    session: Session,
    *,
    workspace_id: int,
    member_id: int,
    metric: str,
    period: Period,
    value: Decimal,
    set_by: str,
    source: str,
    now: datetime,
) -> Decimal | None:
    """Create or change the target; returns the previous value (None when there was none)."""
    goal = session.exec(
        select(Goal).where(
            Goal.workspace_id == workspace_id,
            Goal.member_id == member_id,
            Goal.metric == metric,
            Goal.period_key == period.key,
        )
    ).first()
    if goal is None:
        session.add(
            Goal(
                workspace_id=workspace_id,
                member_id=member_id,
                metric=metric,
                period_key=period.key,
                period_start=period.start,
                period_end=period.end,
                value=value,
                set_by=set_by,
                source=source,
                updated_at=now,
            )
        )
        session.flush()
        return None
    previous = goal.value
    goal.value, goal.set_by, goal.source, goal.updated_at = value, set_by, source, now
    session.add(goal)
    return previous


def targets(
    session: Session, *, workspace_id: int, period: Period, member_ids: Sequence[int] | None = None
) -> dict[int, dict[str, Decimal]]:
    """Explicit targets per member for the period (profile defaults apply to the rest)."""
    query = select(Goal.member_id, Goal.metric, col(Goal.value)).where(
        Goal.workspace_id == workspace_id, Goal.period_key == period.key
    )
    if member_ids is not None:
        query = query.where(col(Goal.member_id).in_(member_ids))
    found: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for member_id, metric, value in session.exec(query):
        found[member_id][metric] = value
    return dict(found)


def find(session: Session, *, workspace_id: int, member_id: int, metric: str, period: Period) -> Goal | None:
    """The member's goal for the metric and period, if one was set."""
    return session.exec(
        select(Goal).where(
            Goal.workspace_id == workspace_id,
            Goal.member_id == member_id,
            Goal.metric == metric,
            Goal.period_key == period.key,
        )
    ).first()


def goals_of(session: Session, *, workspace_id: int, member_id: int, period: Period) -> list[Goal]:
    """Every goal set for the member in the period, by metric name."""
    return list(
        session.exec(
            select(Goal)
            .where(Goal.workspace_id == workspace_id, Goal.member_id == member_id, Goal.period_key == period.key)
            .order_by(col(Goal.metric))
        )
    )


def members_with_ids(session: Session, *, workspace_id: int, user_ids: Sequence[str]) -> list[Member]:
    """The members among `user_ids` that Pacer knows, by name (for cascading a team goal)."""
    if not user_ids:
        return []
    return list(
        session.exec(
            select(Member)
            .where(Member.workspace_id == workspace_id, col(Member.user_id).in_(list(user_ids)))
            .order_by(col(Member.name), col(Member.user_id))
        )
    )
