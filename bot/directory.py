"""Who is asking: the workspace and member behind a Slack request, registered on first contact.

A member unknown to Pacer is looked up with `users.info` (name, time zone, locale) before the
request is answered, so that "today" is the member's today from their very first command. Known
members are refreshed in the background once a day, and at once on a `user_change` event.

A person someone *mentions* is resolved with `resolve` (Slack's answer remembered for `ttl`), so that
an id Slack doesn't know, a bot, or someone from another workspace is refused, never registered.
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


#: `users.info` errors that mean "there is no such person for this workspace" (anything else: try again).
UNKNOWN_USER_ERRORS = frozenset({"user_not_found", "user_not_visible", "users_not_found"})


@dataclass(frozen=True)
class LookupFailed:
    """`users.info` described no one: Slack's error code, or "unreachable" when Slack couldn't be asked."""

    error: str

    @property
    def unknown_user(self) -> bool:
        """Slack answered that it knows no such user (as opposed to: it couldn't answer now)."""
        return self.error in UNKNOWN_USER_ERRORS


Lookup = Callable[[str], SlackUser | LookupFailed]


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
    event, a daily refresh) is seen at once; one made by another process within `ttl`. Slack's
    answers about mentioned people (`resolve`) are kept as long, so a repeated mention of an
    unknown id asks Slack once.
    """

    def __init__(
        self,
        *,
        config: PacerConfig,
        lookup: Lookup,
        ttl: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.lookup = lookup
        self.ttl = ttl
        self.monotonic = monotonic
        self._cache: dict[tuple[str, str], tuple[float, _Known]] = {}
        self._answers: dict[tuple[str, str], tuple[float, SlackUser | LookupFailed]] = {}
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

    def resolve(self, *, team_id: str, user_id: str) -> SlackUser | LookupFailed:
        """What `users.info` says about a mentioned person, asked at most once per `ttl` (outside any
        transaction). A failure to ask (Slack unreachable, rate limited) is not remembered."""
        key = (team_id, user_id)
        with self._lock:
            entry = self._answers.get(key)
        if entry is not None and entry[0] >= self.monotonic():
            return entry[1]
        answer = self.lookup(user_id)
        if isinstance(answer, SlackUser) or answer.unknown_user:
            with self._lock:
                self._answers[key] = (self.monotonic() + self.ttl, answer)
        return answer

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
        """First contact with a caller: ask Slack who this is (outside any transaction), then store the
        member — named by their id if Slack can't say (the request itself shows they exist)."""
        found = self.lookup(user_id)
        user = found if isinstance(found, SlackUser) else SlackUser(user_id=user_id, name=user_id)
        self.register_user(db, team_id=team_id, user=user, now=now)

    def register_user(self, db: Database, *, team_id: str, user: SlackUser, now: datetime) -> None:
        """Store a member as Slack described them (placed per pacer.yml), unless already stored."""
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


def users_info_lookup(client: WebClient) -> Lookup:
    """Look a user up with `users.info`; `LookupFailed` (and a log line) if Slack describes no one."""

    def lookup(user_id: str) -> SlackUser | LookupFailed:
        try:
            response = client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "unknown_error")
            logger.warning("users.info failed user=%s error=%s", user_id, error)
            return LookupFailed(error)
        except (SlackClientError, OSError) as exc:
            logger.warning("users.info unreachable user=%s: %s", user_id, exc)
            return LookupFailed("unreachable")
        user = response.get("user")
        if not isinstance(user, dict) or not user.get("id"):
            logger.warning("users.info answered without a user user=%s", user_id)
            return LookupFailed("no_user_in_answer")
        return SlackUser.from_api(user)

    return lookup
