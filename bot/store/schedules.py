"""Nudge schedules: each member's next nudge and digest instants (UTC), their local time and choices,
and the coaching prompts shown, read and written in bulk for the scheduled jobs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import and_, bindparam, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.store.common import insert_ignoring_conflict
from bot.store.tables import Activity, CoachingShown, CsatResult, Deal, Member, NudgeSchedule, OutboxMessage, Workspace

SCHEDULE = NudgeSchedule.__table__  # type: ignore[attr-defined]
MEMBER = Member.__table__  # type: ignore[attr-defined]
WORKSPACE = Workspace.__table__  # type: ignore[attr-defined]
DEAL = Deal.__table__  # type: ignore[attr-defined]
ACTIVITY = Activity.__table__  # type: ignore[attr-defined]
SHOWN = CoachingShown.__table__  # type: ignore[attr-defined]
OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
CSAT = CsatResult.__table__  # type: ignore[attr-defined]

Kind = Literal["nudge", "digest"]


@dataclass(frozen=True)
class Row:
    """A member's schedule with the member facts the jobs need."""

    schedule_id: int | None  # None: no schedule row yet
    workspace_id: int
    team_id: str
    member_id: int
    user_id: str
    name: str
    role: str
    profile: str | None
    manager_user_id: str | None
    member_tz: str | None
    tz: str | None  # the zone the times were computed in
    local_time: str
    enabled: bool
    snoozed_until: datetime | None
    next_nudge_at: datetime | None
    next_digest_at: datetime | None


_COLUMNS = (
    SCHEDULE.c.id,
    MEMBER.c.workspace_id,
    WORKSPACE.c.team_id,
    MEMBER.c.id,
    MEMBER.c.user_id,
    MEMBER.c.name,
    MEMBER.c.role,
    MEMBER.c.profile,
    MEMBER.c.manager_user_id,
    MEMBER.c.tz,
    SCHEDULE.c.tz,
    func.coalesce(SCHEDULE.c.local_time, "09:00"),
    func.coalesce(SCHEDULE.c.enabled, True),
    SCHEDULE.c.snoozed_until,
    SCHEDULE.c.next_nudge_at,
    SCHEDULE.c.next_digest_at,
)
ACTIVE = and_(MEMBER.c.deleted.is_(False), MEMBER.c.is_bot.is_(False))


def _rows(session: Session, query: object) -> list[Row]:
    return [Row(*row) for row in session.connection().execute(query)]  # type: ignore[call-overload]


def _joined() -> object:
    return MEMBER.join(WORKSPACE, WORKSPACE.c.id == MEMBER.c.workspace_id).outerjoin(
        SCHEDULE, SCHEDULE.c.member_id == MEMBER.c.id
    )


def managers(session: Session) -> set[tuple[int, str]]:
    """(workspace id, user id) of everyone some active member reports to."""
    rows = session.connection().execute(
        select(MEMBER.c.workspace_id, MEMBER.c.manager_user_id)
        .where(ACTIVE, MEMBER.c.manager_user_id.is_not(None))
        .distinct()
    )
    return {(workspace_id, user_id) for workspace_id, user_id in rows}


def needing_plan(session: Session, *, fallback_tz: str, manager_ids: Collection[str]) -> list[Row]:
    """Active members whose schedule is missing, was computed in another zone than their current one,
    or lacks a next time it should have (a rep's nudge, a manager's digest)."""
    zone_changed = SCHEDULE.c.tz != func.coalesce(MEMBER.c.tz, fallback_tz)
    nudge_missing = and_(SCHEDULE.c.enabled.is_(True), SCHEDULE.c.next_nudge_at.is_(None), MEMBER.c.role == "rep")
    digest_missing = (
        and_(SCHEDULE.c.next_digest_at.is_(None), MEMBER.c.user_id.in_(list(manager_ids)))
        if manager_ids
        else literal(False)
    )
    query = (
        select(*_COLUMNS)
        .select_from(_joined())  # type: ignore[arg-type]
        .where(ACTIVE, or_(SCHEDULE.c.id.is_(None), zone_changed, nudge_missing, digest_missing))
        .order_by(MEMBER.c.id)
    )
    return _rows(session, query)


def due(session: Session, *, kind: Kind, now: datetime, limit: int | None = None) -> list[Row]:
    """Active members whose next nudge (reps, switched on) or digest is at or before `now`."""
    if kind == "nudge":
        condition = and_(SCHEDULE.c.next_nudge_at <= now, SCHEDULE.c.enabled.is_(True), MEMBER.c.role == "rep")
        order = SCHEDULE.c.next_nudge_at
    else:
        condition = SCHEDULE.c.next_digest_at <= now
        order = SCHEDULE.c.next_digest_at
    query = select(*_COLUMNS).select_from(_joined()).where(ACTIVE, condition).order_by(order, MEMBER.c.id)  # type: ignore[arg-type]
    if limit is not None:
        query = query.limit(limit)
    return _rows(session, query)


def of_member(session: Session, *, member_id: int) -> Row | None:
    rows = _rows(session, select(*_COLUMNS).select_from(_joined()).where(MEMBER.c.id == member_id))  # type: ignore[arg-type]
    return rows[0] if rows else None


def create(session: Session, *, workspace_id: int, member_id: int, tz: str, now: datetime) -> bool:
    """The member's schedule with the defaults (09:00, on), unless a concurrent run created it."""
    values = {
        "workspace_id": workspace_id,
        "member_id": member_id,
        "local_time": "09:00",
        "enabled": True,
        "snoozed_until": None,
        "tz": tz,
        "next_nudge_at": None,
        "next_digest_at": None,
        "updated_at": now,
    }
    return insert_ignoring_conflict(session, NudgeSchedule, values, ["member_id"])


_REPLAN = (
    update(SCHEDULE)
    .where(SCHEDULE.c.member_id == bindparam("m"))
    .values(
        tz=bindparam("zone"),
        next_nudge_at=bindparam("nudge_at"),
        next_digest_at=bindparam("digest_at"),
        updated_at=bindparam("at"),
    )
)


def replan_many(
    session: Session,
    *,
    plans: Sequence[tuple[int, int, str, datetime | None, datetime | None]],
    create: Collection[int],
    now: datetime,
) -> None:
    """Store (workspace id, member id, zone, next nudge, next digest) plans, creating the schedules of
    the members in `create` first (with the defaults: 09:00, on) unless a concurrent run did."""
    if not plans:
        return
    connection = session.connection()
    new = [
        {
            "workspace_id": workspace_id,
            "member_id": member_id,
            "local_time": "09:00",
            "enabled": True,
            "snoozed_until": None,
            "tz": zone,
            "next_nudge_at": None,
            "next_digest_at": None,
            "updated_at": now,
        }
        for workspace_id, member_id, zone, _, _ in plans
        if member_id in create
    ]
    if new:
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        connection.execute(insert(SCHEDULE).on_conflict_do_nothing(index_elements=["member_id"]), new)
    connection.execute(
        _REPLAN,
        [
            {"m": member_id, "zone": zone, "nudge_at": nudge_at, "digest_at": digest_at, "at": now}
            for _, member_id, zone, nudge_at, digest_at in plans
        ],
    )


def change(
    session: Session,
    *,
    member_id: int,
    now: datetime,
    local_time: str | None = None,
    enabled: bool | None = None,
    snoozed_until: datetime | None = None,
    next_nudge_at: datetime | None,
    next_digest_at: datetime | None,
    tz: str,
) -> None:
    """Apply a member's choice (time, on/off, snooze) with the next times it implies."""
    values: dict[str, object] = {
        "next_nudge_at": next_nudge_at,
        "next_digest_at": next_digest_at,
        "tz": tz,
        "updated_at": now,
    }
    if local_time is not None:
        values["local_time"] = local_time
    if enabled is not None:
        values["enabled"] = enabled
    if snoozed_until is not None:
        values["snoozed_until"] = snoozed_until
    session.connection().execute(update(SCHEDULE).where(SCHEDULE.c.member_id == member_id).values(values))


# --- what the messages say ---------------------------------------------------------------------


@dataclass(frozen=True)
class DayWork:
    deals: int = 0
    amount_minor: int = 0
    activities: dict[str, int] | None = None


def work_by_day(
    session: Session, *, workspace_id: int, member_ids: Sequence[int], start: date, end: date
) -> dict[tuple[int, date], DayWork]:
    """Live deals (by signing date) and activities (by date) per member and day, in [start, end]."""
    connection = session.connection()
    found: dict[tuple[int, date], dict[str, object]] = defaultdict(dict)
    if not member_ids:
        return {}
    deal_rows = connection.execute(
        select(DEAL.c.owner_id, DEAL.c.signed_on, func.count(), func.sum(DEAL.c.amount_minor))
        .where(
            DEAL.c.workspace_id == workspace_id,
            DEAL.c.owner_id.in_(list(member_ids)),
            DEAL.c.voided_at.is_(None),
            DEAL.c.signed_on >= start,
            DEAL.c.signed_on <= end,
        )
        .group_by(DEAL.c.owner_id, DEAL.c.signed_on)
    )
    for owner, on, count, amount in deal_rows:
        found[(owner, on)]["deals"] = int(count)
        found[(owner, on)]["amount_minor"] = int(amount or 0)
    activity_rows = connection.execute(
        select(ACTIVITY.c.owner_id, ACTIVITY.c.occurred_on, ACTIVITY.c.kind, func.sum(ACTIVITY.c.count))
        .where(
            ACTIVITY.c.workspace_id == workspace_id,
            ACTIVITY.c.owner_id.in_(list(member_ids)),
            ACTIVITY.c.voided_at.is_(None),
            ACTIVITY.c.occurred_on >= start,
            ACTIVITY.c.occurred_on <= end,
        )
        .group_by(ACTIVITY.c.owner_id, ACTIVITY.c.occurred_on, ACTIVITY.c.kind)
    )
    for owner, on, kind, total in activity_rows:
        kinds = found[(owner, on)].setdefault("activities", {})
        kinds[kind] = int(total or 0)  # type: ignore[index]
    return {key: DayWork(**values) for key, values in found.items()}  # type: ignore[arg-type]


def last_logged(
    session: Session, *, workspace_id: int, member_ids: Sequence[int], until: date
) -> tuple[dict[int, date], dict[int, date]]:
    """The latest day (on or before `until`) each member logged a live activity, and a live deal."""
    if not member_ids:
        return {}, {}
    connection = session.connection()
    found: list[dict[int, date]] = []
    for table, owner, on in (
        (ACTIVITY, ACTIVITY.c.owner_id, ACTIVITY.c.occurred_on),
        (DEAL, DEAL.c.owner_id, DEAL.c.signed_on),
    ):
        rows = connection.execute(
            select(owner, func.max(on))
            .where(
                table.c.workspace_id == workspace_id,
                owner.in_(list(member_ids)),
                table.c.voided_at.is_(None),
                on <= until,
            )
            .group_by(owner)
        )
        found.append({member_id: day for member_id, day in rows if day is not None})
    return found[0], found[1]


def surveys(
    session: Session, *, workspace_id: int, member_ids: Sequence[int], start: date, end: date
) -> dict[int, int]:
    """How many live CSAT surveys each member has in [start, end]."""
    if not member_ids:
        return {}
    rows = session.connection().execute(
        select(CSAT.c.member_id, func.count())
        .where(
            CSAT.c.workspace_id == workspace_id,
            CSAT.c.member_id.in_(list(member_ids)),
            CSAT.c.voided_at.is_(None),
            CSAT.c.surveyed_on >= start,
            CSAT.c.surveyed_on <= end,
        )
        .group_by(CSAT.c.member_id)
    )
    return {member_id: int(n) for member_id, n in rows}


def shown_since(
    session: Session, *, workspace_id: int, member_ids: Sequence[int], since: date
) -> dict[int, list[tuple[date, str]]]:
    """(local date, rule id) of the coaching prompts each member was shown since `since`, oldest first."""
    found: dict[int, list[tuple[date, str]]] = defaultdict(list)
    if not member_ids:
        return {}
    rows = session.connection().execute(
        select(SHOWN.c.member_id, SHOWN.c.shown_on, SHOWN.c.rule)
        .where(SHOWN.c.workspace_id == workspace_id, SHOWN.c.member_id.in_(list(member_ids)), SHOWN.c.shown_on >= since)
        .order_by(SHOWN.c.shown_on)
    )
    for member_id, on, rule in rows:
        found[member_id].append((on, rule))
    return dict(found)


def reports(session: Session, *, workspace_id: int, manager_ids: Collection[str]) -> list[Row]:
    """Active members of the workspace who report to any of `manager_ids`, by name."""
    if not manager_ids:
        return []
    query = (
        select(*_COLUMNS)
        .select_from(_joined())  # type: ignore[arg-type]
        .where(ACTIVE, MEMBER.c.workspace_id == workspace_id, MEMBER.c.manager_user_id.in_(list(manager_ids)))
        .order_by(MEMBER.c.name, MEMBER.c.user_id)
    )
    return _rows(session, query)


def registered(session: Session, *, workspace_id: int, user_ids: Collection[str]) -> set[str]:
    """Which of `user_ids` Pacer knows in the workspace."""
    if not user_ids:
        return set()
    rows = session.connection().execute(
        select(MEMBER.c.user_id).where(MEMBER.c.workspace_id == workspace_id, MEMBER.c.user_id.in_(list(user_ids)))
    )
    return {user_id for (user_id,) in rows}


# --- the jobs' writes, a batch at a time -----------------------------------------------------------

_NEXT_COLUMN = {"nudge": SCHEDULE.c.next_nudge_at, "digest": SCHEDULE.c.next_digest_at}
_ADVANCE = {
    kind: update(SCHEDULE)
    .where(SCHEDULE.c.member_id == bindparam("m"), column == bindparam("expected"))
    .values({column: bindparam("following"), SCHEDULE.c.updated_at: bindparam("at")})
    for kind, column in _NEXT_COLUMN.items()
}


def advance_many(
    session: Session, *, kind: Kind, moves: Sequence[tuple[int, datetime, datetime | None]], now: datetime
) -> set[int]:
    """Move each (member id, expected, following) next time from `expected` to `following`, locking the
    rows first; returns the member ids moved. A row another run (or a settings change) moved already is
    left alone, and the caller queues nothing for it."""
    if not moves:
        return set()
    column = _NEXT_COLUMN[kind]
    connection = session.connection()
    locked = connection.execute(
        select(SCHEDULE.c.member_id, column)
        .where(SCHEDULE.c.member_id.in_([member_id for member_id, _, _ in moves]))
        .with_for_update()
    )
    current: dict[int, datetime | None] = {}
    for member_id, at in locked:
        current[member_id] = at
    ready = [move for move in moves if current.get(move[0]) == move[1]]
    if ready:
        connection.execute(
            _ADVANCE[kind],
            [{"m": member_id, "expected": old, "following": new, "at": now} for member_id, old, new in ready],
        )
    return {member_id for member_id, _, _ in ready}


def record_shown_many(
    session: Session, *, workspace_id: int, shown: Sequence[tuple[int, date, str]], now: datetime
) -> None:
    """Remember (member id, local date, rule) prompts shown; a date already recorded is kept."""
    if not shown:
        return
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(SHOWN).on_conflict_do_nothing(index_elements=["workspace_id", "member_id", "shown_on"])
    connection.execute(
        statement,
        [
            {"workspace_id": workspace_id, "member_id": m, "shown_on": on, "rule": rule, "created_at": now}
            for m, on, rule in shown
        ],
    )
