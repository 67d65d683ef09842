"""Admin tasks (PRODUCT §2): place members (profile, manager, team, role), record CSAT surveys and
training completions, and show the effective settings. Admins only; every change is audited.

A member's role, team and manager are seeded from pacer.yml when Pacer first meets them; a change
made here is stored on the member and wins from then on (pacer.yml is not consulted again for them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.config import PacerConfig
from bot.directory import Caller, Directory
from bot.services import customer_index
from bot.services.members import ensure_all_registered, ensure_registered
from bot.store import audit, csat, customers, members, training
from bot.store.engine import Database
from bot.store.tables import Customer, Member
from scoring.errors import InputError, NotAllowed, NotFound
from scoring.people import Person
from scoring.records import Source
from scoring.text import fold

SOURCE = Source.ADMIN

FIELD_LABELS = {"profile": "profile", "manager_user_id": "manager", "team": "team", "role": "role"}
FIELD_EXAMPLES = {
    "profile": "/pacer profile @dana farmer",
    "manager_user_id": "/pacer manager @dana @morgan",
    "team": "/pacer team @dana East",
    "role": "/pacer role @dana manager",
}


def is_admin(config: PacerConfig, person: Person) -> bool:
    """Admins are listed in pacer.yml (`admins:`) or were given the admin role."""
    return person.user_id in config.admins or person.role == "admin"


def ensure_admin(config: PacerConfig, caller: Caller, *, what: str) -> None:
    if not is_admin(config, caller.person):
        raise NotAllowed(
            f"Only a Pacer admin can {what}. Ask an admin (listed under `admins:` in pacer.yml), "
            "or see what you can do with /pacer help.",
            example="/pacer help",
        )


@dataclass(frozen=True)
class MemberChanged:
    user_id: str
    name: str
    field: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def change_member(
    db: Database,
    directory: Directory,
    caller: Caller,
    *,
    config: PacerConfig,
    user_id: str,
    field: str,
    value: str | None,
    now: datetime,
) -> MemberChanged:
    """Set one placement field on a member, registering them (and a new manager) first if Pacer has
    never seen them — only people Slack knows in this workspace (`ensure_registered`).

    Call `directory.forget(team_id, user_id)` after this returns (the transaction has committed).
    """
    ensure_admin(config, caller, what=f"change a member's {FIELD_LABELS[field]}")
    if field == "profile" and value not in config.all_profiles:
        raise InputError(
            f"There is no profile “{value}”. Profiles: {', '.join(sorted(config.all_profiles))}.",
            example=f"/pacer profile @dana {sorted(config.all_profiles)[0]}",
        )
    if field == "manager_user_id" and value == user_id:
        raise InputError("A member can't be their own manager.", example="/pacer manager @dana @morgan")
    mentioned = [user_id, value] if field == "manager_user_id" and value is not None else [user_id]
    ensure_all_registered(db, directory, caller, user_ids=mentioned, now=now, example=FIELD_EXAMPLES[field])
    with db.transaction() as session:
        member = _member(session, caller, user_id)
        before = members.change_placement(member, **{field: value})
        if before:
            session.add(member)
            audit.record(
                session,
                workspace_id=caller.workspace_id,
                actor=caller.user_id,
                action=f"member.{FIELD_LABELS[field]}_changed",
                entity="member",
                entity_id=member.id,
                source=SOURCE.value,
                at=now,
                before=before,
                after={field: value},
            )
        return MemberChanged(
            user_id=user_id, name=member.name, field=field, before=before.get(field, value), after=value
        )


@dataclass(frozen=True)
class CsatRecorded:
    customer: str
    score: int
    surveyed_on: date
    owner_user_id: str
    owner_name: str
    replayed: bool = False


def record_csat(
    db: Database,
    caller: Caller,
    *,
    config: PacerConfig,
    customer: str,
    score: int,
    surveyed_on: date,
    source_key: str,
    now: datetime,
) -> CsatRecorded:
    """Record a survey score for a customer, attributed to the owner of their most recent live deal.

    Once per `source_key`: a retried command answers the same and records nothing new.
    """
    ensure_admin(config, caller, what="record CSAT results")
    workspace_id = caller.workspace_id
    with db.reading() as session:
        existing = csat.id_by_source_key(session, workspace_id=workspace_id, source_key=source_key)
        if existing is not None:
            return _csat_replay(session, existing)
        found = customers.find_ref(session, workspace_id=workspace_id, name=customer)
        if found is None:
            suggestions = customer_index.suggest(session, workspace_id=workspace_id, name=customer, now=now)
            hint = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
            raise NotFound(
                f"No customer called “{customer}” has a deal in Pacer.{hint}",
                example=f"/pacer csat {suggestions[0] if suggestions else 'Acme Corp'} 5",
            )
        owner_id = csat.owner_of_latest_deal(session, workspace_id=workspace_id, customer_id=found.id)
        if owner_id is None:
            raise NotFound(
                f"{found.name} has no live deal, so there is no rep to attribute the survey to. "
                "Log (or un-void) a deal with them first.",
                example=f"/deal 12500 {found.name}",
            )
        owner = session.get(Member, owner_id)
        assert owner is not None
    values = csat.values_for(
        workspace_id=workspace_id,
        member_id=owner_id,
        customer_id=found.id,
        score=score,
        surveyed_on=surveyed_on,
        source=SOURCE.value,
        source_key=source_key,
        recorded_by=caller.user_id,
        now=now,
    )
    with db.transaction() as session:
        new_id = csat.insert_once(session, values)
        if new_id is None:  # a concurrent copy of this request won the race
            existing = csat.id_by_source_key(session, workspace_id=workspace_id, source_key=source_key)
            assert existing is not None
            return _csat_replay(session, existing)
        audit.record(
            session,
            workspace_id=workspace_id,
            actor=caller.user_id,
            action="csat.recorded",
            entity="csat",
            entity_id=new_id,
            source=SOURCE.value,
            at=now,
            after=csat.snapshot(values),
        )
    return CsatRecorded(
        customer=found.name,
        score=score,
        surveyed_on=surveyed_on,
        owner_user_id=owner.user_id,
        owner_name=owner.name,
    )


def _csat_replay(session: Session, result_id: int) -> CsatRecorded:
    row = csat.get(session, result_id)
    assert row is not None
    owner = session.get(Member, row.member_id)
    customer = session.get(Customer, row.customer_id)
    assert owner is not None and customer is not None
    return CsatRecorded(
        customer=customer.name,
        score=row.score,
        surveyed_on=row.surveyed_on,
        owner_user_id=owner.user_id,
        owner_name=owner.name,
        replayed=True,
    )


@dataclass(frozen=True)
class TrainingRecorded:
    user_id: str
    name: str
    course: str
    completed_on: date
    required: bool
    already: bool


def required_spelling(config: PacerConfig, course: str) -> str:
    """The configured spelling of a required course (matched ignoring case, spacing and invisible
    characters), else as typed."""
    wanted = fold(course)
    return next((c for c in config.training.required if fold(c) == wanted), course)


def record_training(
    db: Database,
    directory: Directory,
    caller: Caller,
    *,
    config: PacerConfig,
    user_id: str,
    course: str,
    completed_on: date,
    now: datetime,
) -> TrainingRecorded:
    """Record that a member completed a course; once per member and course."""
    ensure_admin(config, caller, what="record training")
    course = required_spelling(config, course)
    ensure_registered(
        db, directory, caller, user_id=user_id, now=now, example="/pacer training @dana Premium Selling done"
    )
    with db.transaction() as session:
        member = _member(session, caller, user_id)
        assert member.id is not None
        values = training.values_for(
            workspace_id=caller.workspace_id,
            member_id=member.id,
            course=course,
            completed_on=completed_on,
            source=SOURCE.value,
            recorded_by=caller.user_id,
            now=now,
        )
        new_id = training.insert_once(session, values)
        if new_id is None:
            existing = training.find(session, workspace_id=caller.workspace_id, member_id=member.id, course=course)
            assert existing is not None
            completed_on = existing.completed_on
        else:
            audit.record(
                session,
                workspace_id=caller.workspace_id,
                actor=caller.user_id,
                action="training.recorded",
                entity="training",
                entity_id=new_id,
                source=SOURCE.value,
                at=now,
                after=training.snapshot(values),
            )
    return TrainingRecorded(
        user_id=user_id,
        name=member.name,
        course=course,
        completed_on=completed_on,
        required=course in config.training.required,
        already=new_id is None,
    )


@dataclass(frozen=True)
class MemberSettings:
    user_id: str
    name: str
    profile: str
    assigned_profile: bool
    team: str | None
    manager_user_id: str | None
    role: str


def member_settings(db: Database, caller: Caller, *, config: PacerConfig) -> list[MemberSettings]:
    """Each member's effective profile, team, manager and role (admins only)."""
    ensure_admin(config, caller, what="see the settings")
    with db.reading() as session:
        rows = members.in_workspace(session, workspace_id=caller.workspace_id)
    return [
        MemberSettings(
            user_id=m.user_id,
            name=m.name,
            profile=config.profile_for(m.user_id, m.profile).name,
            assigned_profile=bool(m.profile and m.profile in config.all_profiles),
            team=m.team,
            manager_user_id=m.manager_user_id,
            role=m.role,
        )
        for m in rows
        if not m.is_bot
    ]


def _member(session: Session, caller: Caller, user_id: str) -> Member:
    member = members.get(session, workspace_id=caller.workspace_id, user_id=user_id)
    if member is None:
        raise NotFound(f"<@{user_id}> could not be registered; try again in a moment.", example="/pacer settings")
    return member
