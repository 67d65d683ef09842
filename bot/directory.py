"""Who is asking: the workspace and member behind a Slack request, registered on first contact.

A member unknown to Pacer is looked up with `users.info` (name, time zone, locale) before the
request is answered, so that "today" is the member's today from their very first command. Known
members are refreshed in the background once a day, and at once on a `user_change` event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import Session

from bot.clock import local_today, zone
from bot.config import PacerConfig
from bot.store import audit, members, workspaces
from bot.store.engine import Database
from bot.store.members import Placement, SlackUser
from bot.store.tables import Member, Workspace
from scoring.people import Person, Role

logger = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Caller:
    """The person behind a request, with their workspace and local calendar."""

    workspace_id: int
    team_id: str
    member_id: int
    person: Person
    tz: ZoneInfo
    today: date
    stale: bool
    uses_home: bool = False  # has opened the Home tab, so logging work should refresh it

    @property
    def user_id(self) -> str:
        return self.person.user_id


def placement_for(config: PacerConfig, user_id: str) -> Placement:
    team = config.team_of(user_id)
    role: Role = config.role_of(user_id)  # type: ignore[assignment]
    return Placement(role=role, team=team.name if team else None, manager_user_id=team.manager if team else None)


@dataclass(frozen=True)
class _Known:
    """What the directory caches about a member for a minute: everything a Caller needs but "today"."""

    workspace_id: int
    team_id: str
    member_id: int
    person: Person
    refreshed_at: datetime | None
    uses_home: bool


class Directory:
    """Identifies callers; known members are cached per process for `ttl` seconds.

    The cache saves two queries on every request. A change made in this process (a `user_change`
    event, a daily refresh) is seen at once; one made by another process within `ttl`.
    """

    def __init__(
        self,
        *,
        config: PacerConfig,
        lookup: Callable[[str], SlackUser | None],
        ttl: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.lookup = lookup
        self.ttl = ttl
        self.monotonic = monotonic
        self._cache: dict[tuple[str, str], tuple[float, _Known]] = {}
        self._lock = threading.Lock()

    def identify(self, db: Database, *, team_id: str, user_id: str, now: datetime) -> Caller:
        """The caller, registering them first if Pacer has never seen them."""
        known = self._cached(team_id, user_id)
        if known is None:
            with db.reading() as session:
                known = self._load(session, team_id, user_id)
            if known is None:
                self.register(db, team_id=team_id, user_id=user_id, now=now)
                with db.reading() as session:
                    known = self._load(session, team_id, user_id)
                if known is None:
                    raise RuntimeError(f"could not register {user_id} in {team_id}")
            with self._lock:
                self._cache[(team_id, user_id)] = (self.monotonic() + self.ttl, known)
        return self._caller(known, now)

    def forget(self, team_id: str, user_id: str) -> None:
        with self._lock:
            self._cache.pop((team_id, user_id), None)

    def _cached(self, team_id: str, user_id: str) -> _Known | None:
        with self._lock:
            entry = self._cache.get((team_id, user_id))
        if entry is None or entry[0] < self.monotonic():
            return None
        return entry[1]

    @staticmethod
    def _load(session: Session, team_id: str, user_id: str) -> _Known | None:
        found = members.find(session, team_id=team_id, user_id=user_id)
        if found is None:
            return None
        member, workspace_id = found
        assert member.id is not None
        return _Known(
            workspace_id=workspace_id,
            team_id=team_id,
            member_id=member.id,
            person=members.as_person(member),
            refreshed_at=member.refreshed_at,
            uses_home=member.home_opened_at is not None,
        )

    def _caller(self, known: _Known, now: datetime) -> Caller:
        tz = zone(known.person.tz, self.config.timezone)
        stale = known.refreshed_at is None or now - known.refreshed_at > REFRESH_AFTER
        return Caller(
            workspace_id=known.workspace_id,
            team_id=known.team_id,
            member_id=known.member_id,
            person=known.person,
            tz=tz,
            today=local_today(now, tz),
            stale=stale,
            uses_home=known.uses_home,
        )

    def register(self, db: Database, *, team_id: str, user_id: str, now: datetime) -> None:
        """First contact: ask Slack who this is (outside any transaction), then store the member."""
        user = self.lookup(user_id) or SlackUser(user_id=user_id, name=user_id)
        with db.transaction() as session:
            workspace = workspaces.ensure_workspace(session, team_id=team_id, now=now)
            self._register(session, workspace, user, now)

    def _register(self, session: Session, workspace: Workspace, user: SlackUser, now: datetime) -> Member:
        assert workspace.id is not None
        user_id = user.user_id
        placement = placement_for(self.config, user_id)
        inserted = members.register(session, workspace_id=workspace.id, user=user, placement=placement, now=now)
        member = members.get(session, workspace_id=workspace.id, user_id=user_id)
        assert member is not None
        if inserted:
            logger.info("registered member team=%s user=%s tz=%s", workspace.team_id, user_id, user.tz)
            audit.record(
                session,
                workspace_id=workspace.id,
                actor="system",
                action="member.registered",
                entity="member",
                entity_id=member.id,
                source="slack",
                after={
                    "user_id": user_id,
                    **user.facts(),
                    "role": placement.role,
                    "team": placement.team,
                    "manager_user_id": placement.manager_user_id,
                },
                at=now,
            )
        return member

    def refresh(self, session: Session, *, team_id: str, user: SlackUser, now: datetime) -> bool:
        """Apply fresh profile facts to a known member; True when something changed.

        Call `forget(team_id, user_id)` once the transaction has committed.
        """
        workspace = workspaces.ensure_workspace(session, team_id=team_id, now=now)
        assert workspace.id is not None
        member = members.get(session, workspace_id=workspace.id, user_id=user.user_id)
        if member is None:
            return False
        before = members.apply_refresh(member, user=user, now=now)
        session.add(member)
        if before:
            audit.record(
                session,
                workspace_id=workspace.id,
                actor="system",
                action="member.refreshed",
                entity="member",
                entity_id=member.id,
                source="slack",
                before=before,
                after={k: getattr(member, k) for k in before},
                at=now,
            )
        return bool(before)


def users_info_lookup(client: WebClient) -> Callable[[str], SlackUser | None]:
    """Look a user up with `users.info`; None (and a log line) if Slack cannot say right now."""

    def lookup(user_id: str) -> SlackUser | None:
        try:
            response = client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            logger.warning("users.info failed user=%s error=%s", user_id, exc.response.get("error"))
            return None
        except (SlackClientError, OSError) as exc:
            logger.warning("users.info unreachable user=%s: %s", user_id, exc)
            return None
        return SlackUser.from_api(response["user"])

    return lookup
