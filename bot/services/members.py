"""Members as Slack describes them: first contact, profile refreshes, and the Home tab flag.

Slack is asked through the `Directory` (a `users.info` lookup), always outside a transaction; what
it says is stored in a short transaction of its own and audited by the directory.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config import PacerConfig
from bot.directory import Caller, Directory
from bot.store import members, receipts, workspaces
from bot.store.engine import Database
from bot.store.members import SlackUser
from scoring.profiles import Profile


def ensure_registered(db: Database, directory: Directory, caller: Caller, *, user_id: str, now: datetime) -> None:
    """A mentioned member Pacer hasn't met yet is registered first (a Slack lookup, outside any transaction)."""
    with db.reading() as session:
        known = members.get(session, workspace_id=caller.workspace_id, user_id=user_id)
    if known is None:
        directory.register(db, team_id=caller.team_id, user_id=user_id, now=now)


def refresh(db: Database, directory: Directory, *, team_id: str, user_id: str, now: datetime) -> None:
    """Ask Slack for the member's name, time zone and locale again, and store what changed."""
    user = directory.lookup(user_id)
    if user is None:
        return
    with db.transaction() as session:
        directory.refresh(session, team_id=team_id, user=user, now=now)
    directory.forget(team_id, user_id)


def apply_user_change(
    db: Database, directory: Directory, *, team_id: str, event_id: str, user: dict[str, Any], now: datetime
) -> bool:
    """A `user_change` event: store the new profile facts once per event (Slack retries it); True if applied."""
    with db.transaction() as session:
        workspace = workspaces.ensure_workspace(session, team_id=team_id, now=now)
        assert workspace.id is not None
        key = f"event:{event_id}"
        if receipts.find(session, workspace_id=workspace.id, key=key) is not None:
            return False
        receipts.save(session, workspace_id=workspace.id, key=key, response=None, now=now)
        directory.refresh(session, team_id=team_id, user=SlackUser.from_api(user), now=now)
    directory.forget(team_id, user["id"])
    return True


def mark_home_opened(db: Database, directory: Directory, caller: Caller, *, now: datetime) -> None:
    """Remember that the caller uses the Home tab, so the work they log refreshes it."""
    if caller.uses_home:
        return
    with db.transaction() as session:
        members.mark_home_opened(session, member_id=caller.member_id, now=now)
    directory.forget(caller.team_id, caller.user_id)  # this process's next deal refreshes the tab


def profile_of(db: Database, caller: Caller, *, user_id: str, config: PacerConfig) -> Profile:
    """The profile whose scorecard applies to `user_id`: assigned by an admin, else from pacer.yml."""
    with db.reading() as session:
        member = members.get(session, workspace_id=caller.workspace_id, user_id=user_id)
    return config.profile_for(user_id, member.profile if member else None)
