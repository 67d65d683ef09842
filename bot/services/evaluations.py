"""Evaluations frozen at period close: every rep's scorecard for a period, as `/progress` showed it.

`close_period` is what the period-close job runs for one workspace and cadence: it records that the
close started, freezes every rep whose profile has that cadence (`freeze_period`) and marks the close
finished. `freeze_period` works in batches: for each batch it reads the reps' figures with the very
function `/progress` uses (`bot.services.progress.figures`), then in one short write transaction
inserts each evaluation with its version 1 (insert-once on workspace, member and period: a rerun after
a crash freezes the rest and never a second one), one audit entry per evaluation, and the check-in
messages for the batch through the outbox (`announce`).

`freeze_one` freezes a single rep's ended period on demand (`/checkin` on a period with no evaluation
yet); `evaluation_of` and `versions_of` read them back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.clock import zone
from bot.config import PacerConfig
from bot.services import progress, rules
from bot.services.rules import PeriodRules
from bot.store import audit, evaluations, members
from bot.store.engine import Database
from bot.store.evaluations import NewEvaluation, Rep
from bot.store.tables import Evaluation, EvaluationVersion
from scoring.errors import InputError, NotFound
from scoring.evaluations import (
    FROZEN_AT_CLOSE,
    CheckinFacts,
    FrozenMember,
    Progression,
    Snapshot,
    freeze,
    period_ended_by,
    progression,
)
from scoring.periods import Period
from scoring.profiles import Profile
from scoring.records import Source

logger = logging.getLogger(__name__)

SYSTEM = "system"
CLOSE_SOURCE = "period_close"  # the audit's source for what the close job freezes


class PeriodNotEnded(InputError):
    """An evaluation of a period still running was asked for (`/checkin` gives the example)."""

    def __init__(self, period: Period, *, example: str | None = None) -> None:
        end = period.end
        super().__init__(
            f"{period.label} is still running: it ends on {end.day} {end:%B %Y}, and its evaluations are frozen "
            "when it closes.",
            example=example,
        )
        self.period = period


class NotTheirCadence(InputError):
    """A period of the other cadence than the member's profile (a month for a quarterly farmer)."""

    def __init__(self, name: str, profile: Profile, period: Period, *, example: str | None = None) -> None:
        every = "month" if profile.cadence == "month" else "quarter"
        super().__init__(
            f"{name} is evaluated every {every} (profile {profile.name}), so {period.label} is not one of "
            "their evaluation periods.",
            example=example,
        )
        self.profile = profile
        self.period = period


@dataclass(frozen=True)
class Frozen:
    """An evaluation this call froze, with what the check-in needs to open its conversation."""

    evaluation_id: int
    member_id: int
    user_id: str
    manager_user_id: str | None
    snapshot: Snapshot


Announce = Callable[[Session, Sequence[Frozen]], None]
"""Called in each batch's own write transaction with the evaluations it froze (never with none): what
it writes (the check-ins it opens, their messages and reminders: `bot.services.checkins.announcer`)
commits or rolls back with the freeze itself."""


@dataclass(frozen=True)
class PeriodFrozen:
    """What freezing a period did: `frozen` evaluations made now, `reps` who were still to freeze."""

    period: Period
    reps: int
    frozen: int


@dataclass(frozen=True)
class EvaluationView:
    """An evaluation as stored, with the snapshot of the version in force and the check-in's steps."""

    id: int
    member_id: int
    period_key: str
    cadence: str
    profile: str
    manager_user_id: str | None
    version: int
    snapshot: Snapshot
    progression: Progression
    created_at: datetime


@dataclass(frozen=True)
class VersionView:
    version: int
    snapshot: Snapshot
    reason: str
    created_by: str
    created_at: datetime
    superseded: bool = False  # a later version is in force (the row stays, never changed)


def close_period(
    db: Database,
    *,
    config: PacerConfig,
    workspace_id: int,
    period: Period,
    now: datetime,
    announce: Announce | None = None,
) -> PeriodFrozen | None:
    """Close `period` (its cadence is `period.cadence`) in the workspace: record the start, freeze every
    rep, record the finish. None when it had already finished; a close that started and never finished
    is resumed."""
    with db.reading() as session:
        row = evaluations.close_of(session, workspace_id=workspace_id, cadence=period.cadence, period_key=period.key)
    if row is not None and row.finished_at is not None:
        return None
    if row is None:
        with db.transaction() as session:
            evaluations.start_close(session, workspace_id=workspace_id, period=period, now=now)
    result = freeze_period(db, config=config, workspace_id=workspace_id, period=period, now=now, announce=announce)
    with db.transaction() as session:
        evaluations.finish_close(session, workspace_id=workspace_id, period=period, now=now)
    logger.info(
        "period close: workspace %s %s %s — %s evaluations frozen",
        workspace_id,
        period.cadence,
        period.key,
        result.frozen,
    )
    return result


def freeze_period(
    db: Database,
    *,
    config: PacerConfig,
    workspace_id: int,
    period: Period,
    now: datetime,
    announce: Announce | None = None,
    batch: int | None = None,
    actor: str = SYSTEM,
    source: str = CLOSE_SOURCE,
) -> PeriodFrozen:
    """Freeze the evaluation of every rep of the workspace whose profile has the period's cadence, except bots,
    deactivated members and members registered after the period ended; reps already frozen are left
    as they are. Batches of `batch` reps (pacer.yml `evaluations.batch_size`), each committed on its own."""
    size = batch or config.evaluations.batch_size
    ended = period_ended_by(period, zone(config.timezone, "UTC"))
    with db.reading() as session:
        candidates = evaluations.unfrozen_reps(
            session, workspace_id=workspace_id, period_key=period.key, registered_before=ended
        )
        book = rules.book(session, workspace_id=workspace_id, config=config)
    due = [(rep, profile) for rep in candidates if (profile := _profile(config, rep)).cadence == period.cadence]
    in_force = rules.for_period(book, period)
    frozen = 0
    for start in range(0, len(due), size):
        frozen += len(
            _freeze_batch(
                db,
                config=config,
                workspace_id=workspace_id,
                period=period,
                in_force=in_force,
                reps=due[start : start + size],
                now=now,
                announce=announce,
                actor=actor,
                source=source,
            )
        )
    return PeriodFrozen(period=period, reps=len(due), frozen=frozen)


def freeze_one(
    db: Database,
    *,
    config: PacerConfig,
    workspace_id: int,
    user_id: str,
    period: Period,
    now: datetime,
    actor: str,
    source: str = Source.SLACK_COMMAND.value,
    announce: Announce | None = None,
) -> EvaluationView:
    """The member's evaluation for `period`, frozen now if it has none yet (it is then exactly what the
    period close would have frozen). The period must have ended and be of the member's cadence."""
    tz = zone(config.timezone, "UTC")
    with db.reading() as session:
        member = members.get(session, workspace_id=workspace_id, user_id=user_id)
        if member is None or member.id is None:
            raise NotFound(f"<@{user_id}> hasn't used Pacer yet, so there is nothing to evaluate.")
        profile = config.profile_for(member.user_id, member.profile)
        if period.cadence != profile.cadence:
            raise NotTheirCadence(member.name, profile, period)
        if now < period_ended_by(period, tz):
            raise PeriodNotEnded(period)
        found = _view(session, workspace_id=workspace_id, member_id=member.id, period_key=period.key)
        book = rules.book(session, workspace_id=workspace_id, config=config)
    if found is not None:
        return found
    rep = Rep(
        member_id=member.id,
        user_id=member.user_id,
        name=member.name,
        profile=member.profile,
        manager_user_id=member.manager_user_id,
    )
    _freeze_batch(
        db,
        config=config,
        workspace_id=workspace_id,
        period=period,
        in_force=rules.for_period(book, period),
        reps=[(rep, profile)],
        now=now,
        announce=announce,
        actor=actor,
        source=source,
    )
    with db.reading() as session:
        view = _view(session, workspace_id=workspace_id, member_id=member.id, period_key=period.key)
    assert view is not None
    return view


def _profile(config: PacerConfig, rep: Rep) -> Profile:
    return config.profile_for(rep.user_id, rep.profile)


def _freeze_batch(
    db: Database,
    *,
    config: PacerConfig,
    workspace_id: int,
    period: Period,
    in_force: PeriodRules,
    reps: Sequence[tuple[Rep, Profile]],
    now: datetime,
    announce: Announce | None,
    actor: str,
    source: str,
) -> list[Frozen]:
    """Read the batch's figures as `/progress` does, then store what is not stored yet in one transaction."""
    with db.reading() as session:
        found = progress.figures(
            session,
            workspace_id=workspace_id,
            config=config,
            period=period,
            in_force=in_force,
            reps=[(rep.member_id, profile) for rep, profile in reps],
        )
    snapshots = {
        rep.member_id: freeze(
            member=FrozenMember(user_id=rep.user_id, name=rep.name),
            profile=profile,
            period=period,
            actuals=found[rep.member_id].actuals,
            scored=found[rep.member_id].score,
            payout=found[rep.member_id].payout,
            sources=found[rep.member_id].sources,
            rules=in_force.rules,
            counting=in_force.counting,
            premium_lines=in_force.premium_lines,
            currency=config.currency,
        )
        for rep, profile in reps
    }
    with db.transaction() as session:
        inserted = evaluations.insert_frozen(
            session,
            workspace_id=workspace_id,
            period=period,
            evaluations=[
                NewEvaluation(
                    member_id=rep.member_id,
                    profile=profile.name,
                    manager_user_id=rep.manager_user_id,
                    snapshot=snapshots[rep.member_id],
                )
                for rep, profile in reps
            ],
            reason=FROZEN_AT_CLOSE,
            created_by=actor,
            now=now,
        )
        done = [
            Frozen(
                evaluation_id=inserted[rep.member_id],
                member_id=rep.member_id,
                user_id=rep.user_id,
                manager_user_id=rep.manager_user_id,
                snapshot=snapshots[rep.member_id],
            )
            for rep, _ in reps
            if rep.member_id in inserted
        ]
        audit.record_many(
            session,
            [
                {
                    "workspace_id": workspace_id,
                    "actor": actor,
                    "action": "evaluation.frozen",
                    "entity": "evaluation",
                    "entity_id": item.evaluation_id,
                    "source": source,
                    "at": now,
                    "after": {
                        "member": item.user_id,
                        "period": period.key,
                        "version": 1,
                        "total": str(item.snapshot.total),
                        "rating": item.snapshot.rating,
                        "manager": item.manager_user_id,
                    },
                }
                for item in done
            ],
        )
        if announce is not None and done:
            announce(session, done)
    return done


# --- reads ------------------------------------------------------------------------------------------


def evaluation_of(session: Session, *, workspace_id: int, member_id: int, period_key: str) -> EvaluationView | None:
    """The member's evaluation for the period, with the version in force, or None."""
    return _view(session, workspace_id=workspace_id, member_id=member_id, period_key=period_key)


def versions_of(session: Session, *, evaluation_id: int) -> list[VersionView]:
    """Every version of the evaluation, oldest first: version 1 is the freeze at close; every version but the
    one in force is `superseded`."""
    in_force = evaluations.in_force(session, evaluation_id=evaluation_id)
    return [
        _version(version, superseded=in_force is not None and version.version != in_force)
        for version in evaluations.versions_of(session, evaluation_id=evaluation_id)
    ]


def _view(session: Session, *, workspace_id: int, member_id: int, period_key: str) -> EvaluationView | None:
    row = evaluations.evaluation_of(session, workspace_id=workspace_id, member_id=member_id, period_key=period_key)
    if row is None or row.id is None:
        return None
    current = evaluations.version(session, evaluation_id=row.id, number=row.version)
    assert current is not None, f"evaluation {row.id} has no version {row.version}"
    return evaluation_view(row, Snapshot.from_json(current.snapshot))


def evaluation_view(row: Evaluation, snapshot: Snapshot) -> EvaluationView:
    assert row.id is not None
    facts = CheckinFacts(
        self_review_at=row.self_review_at,
        feedback_at=row.feedback_at,
        acknowledged_at=row.acknowledged_at,
        closed_at=row.closed_at,
    )
    return EvaluationView(
        id=row.id,
        member_id=row.member_id,
        period_key=row.period_key,
        cadence=row.cadence,
        profile=row.profile,
        manager_user_id=row.manager_user_id,
        version=row.version,
        snapshot=snapshot,
        progression=progression(facts),
        created_at=row.created_at,
    )


def _version(row: EvaluationVersion, *, superseded: bool = False) -> VersionView:
    return VersionView(
        version=row.version,
        snapshot=Snapshot.from_json(row.snapshot),
        reason=row.reason,
        created_by=row.created_by,
        created_at=row.created_at,
        superseded=superseded,
    )
