"""Members: Slack users of a workspace, registered on first contact from `users.info`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlmodel import Session, col, select

from bot.store.common import insert_ignoring_conflict
from bot.store.tables import Member, Workspace
from scoring.people import Person, Role


@dataclass(frozen=True)
class SlackUser:
    """What `users.info` tells us about a person."""

    user_id: str
    name: str
    real_name: str | None = None
    tz: str | None = None
    locale: str | None = None
    is_bot: bool = False
    deleted: bool = False
    workspaces: frozenset[str] | None = None  # the workspaces Slack says they belong to; None: it didn't say
    stranger: bool = False  # Slack's `is_stranger`: someone from outside, met through a shared channel

    @classmethod
    def from_api(cls, user: dict[str, Any]) -> SlackUser:
        profile = user.get("profile") or {}
        display = profile.get("display_name") or user.get("real_name") or user.get("name") or user["id"]
        return cls(
            user_id=user["id"],
            name=str(display)[:200],
            real_name=(user.get("real_name") or profile.get("real_name") or None),
            tz=user.get("tz") or None,
            locale=user.get("locale") or None,
            is_bot=bool(user.get("is_bot") or user.get("is_workflow_bot")) or user["id"] == "USLACKBOT",
            deleted=bool(user.get("deleted")),
            workspaces=_workspaces(user),
            stranger=bool(user.get("is_stranger")),
        )

    def outside(self, team_id: str) -> bool:
        """Clearly a member of another workspace than `team_id` (when Slack doesn't say, they are not)."""
        if self.workspaces is not None and team_id in self.workspaces:
            return False
        return self.stranger or self.workspaces is not None

    def facts(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "real_name": self.real_name,
            "tz": self.tz,
            "locale": self.locale,
            "is_bot": self.is_bot,
            "deleted": self.deleted,
        }


def _workspaces(user: dict[str, Any]) -> frozenset[str] | None:
    """Every workspace a `users.info` user belongs to: their `team_id`, and on Enterprise Grid the
    `teams` of their `enterprise_user`. None when Slack doesn't say (a Grid user without that list)."""
    enterprise = user.get("enterprise_user")
    listed = [user.get("team_id"), *(user.get("teams") or ())]
    if isinstance(enterprise, dict):
        if not enterprise.get("teams"):
            return None
        listed += enterprise["teams"]
    found = frozenset(t for t in listed if isinstance(t, str) and t)
    return found or None


@dataclass(frozen=True)
class Placement:
    """Role, team and manager for a user, from pacer.yml."""

    role: Role
    team: str | None
    manager_user_id: str | None


def get(session: Session, *, workspace_id: int, user_id: str) -> Member | None:
    return session.exec(select(Member).where(Member.workspace_id == workspace_id, Member.user_id == user_id)).first()


def find(session: Session, *, team_id: str, user_id: str) -> tuple[Member, int] | None:
    """The member with their workspace id, in one query."""
    row = session.exec(
        select(Member, Workspace.id).join(Workspace).where(Workspace.team_id == team_id, Member.user_id == user_id)
    ).first()
    return None if row is None else (row[0], int(row[1]))  # type: ignore[arg-type]


def register(session: Session, *, workspace_id: int, user: SlackUser, placement: Placement, now: datetime) -> bool:
    """Insert the member unless a concurrent request already did; True when this call inserted it."""
    values = {
        "workspace_id": workspace_id,
        "user_id": user.user_id,
        **user.facts(),
        "role": placement.role,
        "team": placement.team,
        "manager_user_id": placement.manager_user_id,
        "refreshed_at": now,
        "created_at": now,
    }
    return insert_ignoring_conflict(session, Member, values, ["workspace_id", "user_id"])


def apply_refresh(member: Member, *, user: SlackUser, now: datetime) -> dict[str, Any]:
    """Copy fresh profile facts onto the member; returns the changed fields' old values."""
    before = {}
    for field, value in user.facts().items():
        if getattr(member, field) != value:
            before[field] = getattr(member, field)
            setattr(member, field, value)
    member.refreshed_at = now
    return before


def as_person(member: Member) -> Person:
    return Person(
        user_id=member.user_id,
        name=member.name,
        role=cast(Role, member.role),
        manager_user_id=member.manager_user_id,
        tz=member.tz,
    )


PLACEMENT_FIELDS = ("profile", "manager_user_id", "team", "role")


def in_workspace(session: Session, *, workspace_id: int) -> list[Member]:
    """Every member of the workspace, by name."""
    return list(
        session.exec(
            select(Member).where(Member.workspace_id == workspace_id).order_by(col(Member.name), col(Member.user_id))
        )
    )


def change_placement(member: Member, **changes: str | None) -> dict[str, Any]:
    """Set profile, manager, team or role on the member; returns the changed fields' old values."""
    before: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in PLACEMENT_FIELDS:
            raise ValueError(f"{field} is not a placement field")
        if getattr(member, field) != value:
            before[field] = getattr(member, field)
            setattr(member, field, value)
    return before


def register_unseen(session: Session, *, workspace_id: int, user_id: str, placement: Placement, now: datetime) -> bool:
    """Register a member known only by id (an import): named by their id, and stale, so their first
    request to Pacer fetches their Slack profile. True when this call inserted them."""
    values = {
        "workspace_id": workspace_id,
        "user_id": user_id,
        **SlackUser(user_id=user_id, name=user_id).facts(),
        "role": placement.role,
        "team": placement.team,
        "manager_user_id": placement.manager_user_id,
        "refreshed_at": None,
        "created_at": now,
    }
    return insert_ignoring_conflict(session, Member, values, ["workspace_id", "user_id"])


def mark_home_opened(session: Session, *, member_id: int, now: datetime) -> None:
    member = session.get(Member, member_id)
    if member is not None:
        member.home_opened_at = now
        session.add(member)
