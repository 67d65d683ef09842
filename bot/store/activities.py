"""Activities: calls, meetings, demos… logged with a count, voided with a reason, never deleted."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.store.tables import Activity, Customer, Member
from scoring.records import ActivityRecord, Source


def insert(
    session: Session,
    *,
    workspace_id: int,
    number: int,
    owner_id: int,
    kind: str,
    count: int,
    customer_id: int | None,
    occurred_on: date,
    note: str | None,
    source: Source,
    source_key: str,
    now: datetime,
) -> Activity:
    activity = Activity(
        workspace_id=workspace_id,
        number=number,
        owner_id=owner_id,
        kind=kind,
        count=count,
        customer_id=customer_id,
        occurred_on=occurred_on,
        note=note,
        source=source.value,
        source_key=source_key,
        created_at=now,
    )
    session.add(activity)
    session.flush()
    return activity


def _records_query() -> Any:
    return (
        select(Activity, Customer.name, Member.user_id)
        .join(Customer, col(Customer.id) == Activity.customer_id, isouter=True)
        .join(Member, col(Member.id) == Activity.owner_id)
    )


def _record(row: Any) -> ActivityRecord:
    activity, customer, owner = row
    return ActivityRecord(
        number=activity.number,
        owner_user_id=owner,
        kind=activity.kind,
        count=activity.count,
        customer=customer,
        occurred_on=activity.occurred_on,
        note=activity.note,
        source=Source(activity.source),
        created_at=activity.created_at,
        void_reason=activity.void_reason,
    )


def record_of(session: Session, activity: Activity) -> ActivityRecord:
    return _record(session.exec(_records_query().where(Activity.id == activity.id)).one())


def get(session: Session, *, workspace_id: int, number: int) -> Activity | None:
    return session.exec(
        select(Activity).where(Activity.workspace_id == workspace_id, Activity.number == number)
    ).first()


def by_source_key(session: Session, *, workspace_id: int, source_key: str) -> Activity | None:
    return session.exec(
        select(Activity).where(Activity.workspace_id == workspace_id, Activity.source_key == source_key)
    ).first()


def recent(session: Session, *, workspace_id: int, owner_id: int, limit: int = 10) -> list[ActivityRecord]:
    rows = session.exec(
        _records_query()
        .where(Activity.workspace_id == workspace_id, Activity.owner_id == owner_id)
        .order_by(col(Activity.number).desc())
        .limit(limit)
    )
    return [_record(row) for row in rows]


def snapshot(activity: Activity) -> dict[str, Any]:
    return {
        "number": activity.number,
        "kind": activity.kind,
        "count": activity.count,
        "customer_id": activity.customer_id,
        "occurred_on": activity.occurred_on.isoformat(),
        "note": activity.note,
        "source": activity.source,
        "void_reason": activity.void_reason,
    }
