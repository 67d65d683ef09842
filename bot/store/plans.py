"""Improvement-plan items as they are tracked: the items of the plans in force not yet reviewed, and
their outcome recorded once at the rep's next check-in (see bot.services.plans).

The plan in force of an evaluation is its latest feedback version's items (`bot.store.checkins.plan`);
earlier versions' items are history and never tracked.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, update
from sqlmodel import Session, col, select

from bot.store.tables import Evaluation, PlanItem


def _in_force() -> object:
    """(evaluation_id, latest feedback_version) of every evaluation with a plan."""
    return (
        select(PlanItem.evaluation_id, func.max(PlanItem.feedback_version).label("latest"))
        .group_by(col(PlanItem.evaluation_id))
        .subquery("in_force")
    )


def open_items(session: Session, *, workspace_id: int, member_ids: Collection[int]) -> list[PlanItem]:
    """The items of the members' plans in force that no check-in has reviewed yet, by member, due date and
    position."""
    if not member_ids:
        return []
    latest = _in_force()
    statement = (
        select(PlanItem)
        .join(
            latest,  # type: ignore[arg-type]
            and_(
                col(PlanItem.evaluation_id) == latest.c.evaluation_id,  # type: ignore[attr-defined]
                col(PlanItem.feedback_version) == latest.c.latest,  # type: ignore[attr-defined]
            ),
        )
        .where(
            col(PlanItem.workspace_id) == workspace_id,
            col(PlanItem.member_id).in_(sorted(member_ids)),
            col(PlanItem.reviewed_in).is_(None),
        )
        .order_by(col(PlanItem.member_id), col(PlanItem.due), col(PlanItem.evaluation_id), col(PlanItem.position))
    )
    return list(session.exec(statement))


def to_review(session: Session, *, workspace_id: int, member_id: int, before: date) -> list[PlanItem]:
    """The items of the plans in force of the member's evaluations of periods that ended before `before`
    (the start of the period now evaluated), not reviewed yet, oldest evaluation first."""
    latest = _in_force()
    statement = (
        select(PlanItem)
        .join(
            latest,  # type: ignore[arg-type]
            and_(
                col(PlanItem.evaluation_id) == latest.c.evaluation_id,  # type: ignore[attr-defined]
                col(PlanItem.feedback_version) == latest.c.latest,  # type: ignore[attr-defined]
            ),
        )
        .join(Evaluation, col(Evaluation.id) == col(PlanItem.evaluation_id))
        .where(
            col(PlanItem.workspace_id) == workspace_id,
            col(PlanItem.member_id) == member_id,
            col(PlanItem.reviewed_in).is_(None),
            col(Evaluation.period_end) < before,
        )
        .order_by(col(Evaluation.period_end), col(PlanItem.position))
    )
    return list(session.exec(statement))


def members_with_items_to_review(session: Session, *, workspace_id: int, member_ids: Collection[int]) -> set[int]:
    """Which of `member_ids` have any plan item not reviewed yet (one query for a whole close batch, so the
    check-ins of reps without a plan skip the review entirely)."""
    if not member_ids:
        return set()
    rows = session.exec(
        select(PlanItem.member_id)
        .where(
            col(PlanItem.workspace_id) == workspace_id,
            col(PlanItem.member_id).in_(sorted(member_ids)),
            col(PlanItem.reviewed_in).is_(None),
        )
        .distinct()
    )
    return set(rows)


def reviewed_in(session: Session, *, evaluation_id: int) -> list[PlanItem]:
    """The items whose outcome the evaluation's check-in reported, oldest plan first."""
    statement = (
        select(PlanItem)
        .join(Evaluation, col(Evaluation.id) == col(PlanItem.evaluation_id))
        .where(col(PlanItem.reviewed_in) == evaluation_id)
        .order_by(col(Evaluation.period_end), col(PlanItem.position))
        .execution_options(populate_existing=True)
    )
    return list(session.exec(statement))


def mark_reviewed(session: Session, *, item_id: int, evaluation_id: int, outcome: str, actual: Decimal | None) -> bool:
    """Record an item's outcome once; False when a check-in had already reviewed it."""
    result = session.exec(
        update(PlanItem)
        .where(col(PlanItem.id) == item_id, col(PlanItem.reviewed_in).is_(None))
        .values(reviewed_in=evaluation_id, outcome=outcome, outcome_actual=actual)
    )
    return int(result.rowcount) == 1
