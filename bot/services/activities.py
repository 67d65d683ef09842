"""Activity use cases: log, list, void — one transaction each, all audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.directory import Caller
from bot.store import activities, audit, customers, members, workspaces
from bot.store.tables import Activity, Member
from handlers.parse import ActivityRequest
from scoring.errors import NotAllowed, NotFound
from scoring.people import may_change_records_of
from scoring.records import ActivityRecord, Source


@dataclass(frozen=True)
class ActivityLogged:
    record: ActivityRecord
    new_customer: bool
    replayed: bool = False


def log_activity(
    session: Session, caller: Caller, request: ActivityRequest, *, source: Source, source_key: str, now: datetime
) -> ActivityLogged:
    existing = activities.by_source_key(session, workspace_id=caller.workspace_id, source_key=source_key)
    if existing is not None:
        return ActivityLogged(record=activities.record_of(session, existing), new_customer=False, replayed=True)
    customer_id, created = None, False
    if request.customer:
        customer, created = customers.ensure(
            session,
            workspace_id=caller.workspace_id,
            name=request.customer,
            source=source.value,
            actor=caller.user_id,
            now=now,
        )
        customer_id = customer.id
        if created:
            audit.record(
                session,
                workspace_id=caller.workspace_id,
                actor=caller.user_id,
                action="customer.created",
                entity="customer",
                entity_id=customer.id,
                source=source.value,
                at=now,
                after={"name": customer.name},
            )
    activity = activities.insert(
        session,
        workspace_id=caller.workspace_id,
        number=workspaces.next_number(session, workspace_id=caller.workspace_id, kind="activity"),
        owner_id=caller.member_id,
        kind=request.kind,
        count=request.count,
        customer_id=customer_id,
        occurred_on=request.on or caller.today,
        note=request.note,
        source=source,
        source_key=source_key,
        now=now,
    )
    audit.record(
        session,
        workspace_id=caller.workspace_id,
        actor=caller.user_id,
        action="activity.logged",
        entity="activity",
        entity_id=activity.id,
        source=source.value,
        at=now,
        after=activities.snapshot(activity),
    )
    return ActivityLogged(record=activities.record_of(session, activity), new_customer=created)


def recent_activities(session: Session, caller: Caller, *, limit: int = 10) -> list[ActivityRecord]:
    return activities.recent(session, workspace_id=caller.workspace_id, owner_id=caller.member_id, limit=limit)


def void_activity(
    session: Session, caller: Caller, *, number: int, reason: str, source: Source, now: datetime
) -> tuple[ActivityRecord, bool]:
    activity = _changeable(session, caller, number)
    if activity.voided_at is not None:
        return activities.record_of(session, activity), False
    before = activities.snapshot(activity)
    activity.voided_at, activity.voided_by, activity.void_reason = now, caller.user_id, reason
    session.add(activity)
    audit.record(
        session,
        workspace_id=caller.workspace_id,
        actor=caller.user_id,
        action="activity.voided",
        entity="activity",
        entity_id=activity.id,
        source=source.value,
        at=now,
        before=before,
        after=activities.snapshot(activity),
    )
    return activities.record_of(session, activity), True


def _changeable(session: Session, caller: Caller, number: int) -> Activity:
    activity = activities.get(session, workspace_id=caller.workspace_id, number=number)
    if activity is None:
        raise NotFound(f"There is no activity A-{number} in this workspace.", example="/activity list")
    owner = session.get(Member, activity.owner_id)
    assert owner is not None
    if not may_change_records_of(caller.person, members.as_person(owner)):
        raise NotAllowed(
            f"A-{number} belongs to {owner.name}; only they, their manager or an admin can change it.",
            example="/activity list",
        )
    return activity
