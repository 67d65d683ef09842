"""Members as Slack describes them: first contact (also of a mentioned person), profile refreshes,
and the Home tab flag.

Slack is asked through the `Directory` (a `users.info` lookup), always outside a transaction; what
it says is stored in a short transaction of its own and audited by the directory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.config import PacerConfig
from bot.directory import Caller, Directory, LookupFailed, placement_for
from bot.store import members, receipts, workspaces
from bot.store.engine import Database
from bot.store.members import SlackUser
from scoring.errors import InputError, NotFound
from scoring.people import Person
from scoring.profiles import Profile


def ensure_registered(
    db: Database,
    directory: Directory,
    caller: Caller,
    *,
    user_id: str,
    now: datetime,
    example: str,
    may: Callable[[Person], None] | None = None,
    field: str | None = None,
) -> None:
    """A mentioned person Pacer hasn't met yet is registered first — only a real person of the caller's
    workspace, and only once the caller may do what they ask.

    Slack is asked who they are (`users.info`, cached, outside any transaction); then, before anything
    is written, `may` (the request's permission check, raising `NotAllowed`) is run on the person as
    pacer.yml would place them, so a caller who may not act on them learns only that. An id Slack
    doesn't know, a deactivated account, an app, or someone from another workspace is refused
    (`NotFound`), and so is every mention while Slack can't be reached (`InputError`: try again) — a
    placeholder is never stored. `example` is the command that works.
    """
    ensure_all_registered(db, directory, caller, user_ids=[user_id], now=now, example=example, may=may, field=field)


def ensure_all_registered(
    db: Database,
    directory: Directory,
    caller: Caller,
    *,
    user_ids: Sequence[str],
    now: datetime,
    example: str,
    may: Callable[[Person], None] | None = None,
    field: str | None = None,
) -> None:
    """`ensure_registered` for several people mentioned in one request: all are checked before any is
    registered, so a refusal of one leaves the others as they were."""
    with db.reading() as session:
        unmet = [u for u in user_ids if members.get(session, workspace_id=caller.workspace_id, user_id=u) is None]
    found: list[SlackUser] = []
    for user_id in dict.fromkeys(unmet):
        answer = directory.resolve(team_id=caller.team_id, user_id=user_id)
        if may is not None:
            named = isinstance(answer, SlackUser) and not answer.outside(caller.team_id)
            placement = placement_for(directory.config, user_id)
            may(
                Person(
                    user_id=user_id,
                    name=answer.name if isinstance(answer, SlackUser) and named else "that person",
                    role=placement.role,
                    manager_user_id=placement.manager_user_id,
                )
            )
        found.append(_person(answer, caller, user_id, example, field))
    for user in found:
        directory.register_user(db, team_id=caller.team_id, user=user, now=now)


def register_listed(
    db: Database, directory: Directory, caller: Caller, *, user_ids: Sequence[str], now: datetime, example: str
) -> list[str]:
    """Register the people pacer.yml lists (a team's members) whom Pacer hasn't met; those Slack says
    can't be members (unknown, deactivated, apps, another workspace) are left out and returned.
    While Slack can't be reached nothing is registered (`InputError`: try again)."""
    with db.reading() as session:
        unmet = [u for u in user_ids if members.get(session, workspace_id=caller.workspace_id, user_id=u) is None]
    found: list[SlackUser] = []
    left_out: list[str] = []
    for user_id in unmet:
        try:
            found.append(_person(directory.resolve(team_id=caller.team_id, user_id=user_id), caller, user_id, example))
        except NotFound:
            left_out.append(user_id)
    for user in found:
        directory.register_user(db, team_id=caller.team_id, user=user, now=now)
    return left_out


def _person(
    answer: SlackUser | LookupFailed, caller: Caller, user_id: str, example: str, field: str | None = None
) -> SlackUser:
    """The Slack user behind a mention if they can be a member of the caller's workspace; else a refusal."""
    if isinstance(answer, LookupFailed):
        if answer.unknown_user:
            raise NotFound(
                f"Slack knows no one with the id {user_id} in this workspace, so nothing was changed. "
                "Pick the person from Slack's @-menu.",
                example=example,
                field=field,
            )
        raise InputError(
            f"Slack couldn't tell me who {user_id} is just now, so nothing was changed. Try again in a moment.",
            example=example,
            field=field,
        )
    if answer.outside(caller.team_id):
        raise NotFound(
            f"{answer.name} ({user_id}) is in another Slack workspace. Pacer keeps the people of this workspace "
            "only, so nothing was changed. Mention someone from this workspace.",
            example=example,
            field=field,
        )
    if answer.deleted:
        raise NotFound(
            f"{answer.name}'s Slack account ({user_id}) is deactivated, so nothing was changed. "
            "Mention someone who is still in the workspace.",
            example=example,
            field=field,
        )
    if answer.is_bot:
        raise NotFound(
            f"{answer.name} ({user_id}) is an app, not a person: only people have goals, teams and roles in Pacer. "
            "Nothing was changed.",
            example=example,
            field=field,
        )
    return answer


def refresh(db: Database, directory: Directory, *, team_id: str, user_id: str, now: datetime) -> None:
    """Ask Slack for the member's name, time zone and locale again, and store what changed."""
    user = directory.lookup(user_id)
    if not isinstance(user, SlackUser):
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
