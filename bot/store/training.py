"""Training completions: one row per member and course; recording it again changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from bot.store.common import insert_returning_id
from bot.store.tables import TrainingCompletion


def values_for(
    *,
    workspace_id: int,
    member_id: int,
    course: str,
    completed_on: date,
    source: str,
    recorded_by: str,
    now: datetime,
) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "member_id": member_id,
        "course": course,
        "completed_on": completed_on,
        "source": source,
        "recorded_by": recorded_by,
        "created_at": now,
    }


def insert_once(session: Session, values: dict[str, Any]) -> int | None:
    """Insert unless the member already has this course; the new id, or None when it was there."""
    return insert_returning_id(session, TrainingCompletion, values, ["workspace_id", "member_id", "course"])


def find(session: Session, *, workspace_id: int, member_id: int, course: str) -> TrainingCompletion | None:
    return session.exec(
        select(TrainingCompletion).where(
            TrainingCompletion.workspace_id == workspace_id,
            TrainingCompletion.member_id == member_id,
            TrainingCompletion.course == course,
        )
    ).first()


def snapshot(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "member_id": values["member_id"],
        "course": values["course"],
        "completed_on": values["completed_on"].isoformat(),
        "source": values["source"],
    }
