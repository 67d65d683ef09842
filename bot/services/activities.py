"""Activity use cases: log, list, void — one transaction each, all audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.directory import Caller
from bot.services import changes
from bot.store import activities, audit, workspaces
from bot.store.tables import Activity
from scoring.errors import NotFound
from scoring.records import ActivityRecord, Source
from scoring.requests import ActivityRequest


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
        customer, created = changes.ensure_customer(session, caller, request.customer, source=source, now=now)
        customer_id = customer.id
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
    changed = changes.void(
        session, caller, activity, reason=reason, snapshot=activities.snapshot, source=source, now=now
    )
    return activities.record_of(session, activity), changed


def _changeable(session: Session, caller: Caller, number: int) -> Activity:
    activity = activities.get(session, workspace_id=caller.workspace_id, number=number)
    if activity is None:
        raise NotFound(f"There is no activity A-{number} in this workspace.", example="/activity list")
    changes.ensure_may_change(session, caller, activity, ref=f"A-{number}", example="/activity list")
    return activity
