"""Deciding an appeal, and an admin giving it to another reviewer (issue 11, items 3, 4, 6 and 7).

Who decides: the assigned reviewer, or an admin (when no reviewer is assigned, or as an override) —
never the appellant nor the evaluating manager, whatever their role: independence beats admin rights.

`decide` is one transaction on the locked appeal row (and the locked evaluation row): the appeal must be
open. Upheld or partly upheld re-scores the appealed version with its frozen rules
(`scoring.evaluations.rescore`) into the evaluation's next version, put in force (the old one stays,
superseded); rejected changes no figure. Then: the appeal closed with its decision, its reminders
cancelled, the outcome queued to the rep, the manager and the check-in thread, the check-in's parent and
every case message rewritten, the decision (and the new version) audited. A second click, a stale form
or a decision on a withdrawn appeal changes nothing and says what happened instead (`AppealClosed`).

`reassign` (admins): another eligible reviewer gets the case, the old case says so, the reviewer's
due-soon reminder moves to the new reviewer (`appeal:<id>:due-soon:<n>`); the due date stays.

Messages and keys are in `bot.services.appeals`; rendering is the caller's (`Render` below, and the
check-in's `bot.services.checkins.Render` for the parent's headline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlmodel import Session

from bot.config import PacerConfig
from bot.directory import Caller
from bot.services import checkins as checkin_service
from bot.services.admin import is_admin
from bot.services.appeal_filing import rewrite_next_step
from bot.services.appeals import KIND, AppealView, CaseContext, cancel_reminders, case_context, key, number, view
from bot.services.evaluations import VersionView, versions_of
from bot.store import appeal_decisions as store
from bot.store import audit, checkins, evaluations, members, outbox, receipts, reminders
from bot.store.tables import Appeal
from scoring.appeal_decisions import OUTCOME_LABELS, Decision, Disputed, consistent
from scoring.errors import InputError, NotAllowed, NotFound, PacerError
from scoring.evaluations import Snapshot, rescore

MODAL_SOURCE = "modal"
Recipient = Literal["rep", "manager", "thread"]


# --- errors -------------------------------------------------------------------------------------------


class NoSuchAppeal(NotFound):
    def __init__(self, appeal_id: int) -> None:
        super().__init__(f"There is no appeal {number(appeal_id)} here, so nothing was changed.")


class NotDecider(NotAllowed):
    """Someone who may not decide (or reassign) this appeal."""


class AppealClosed(PacerError):
    """The appeal is no longer open (decided or withdrawn): nothing changes."""


class EvaluationMoved(PacerError):
    """The evaluation's version in force is no longer the one appealed (a correction came in meanwhile)."""


class NotEligible(InputError):
    """The reviewer an admin named may not decide this appeal."""


# --- what the messages show ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An appeal with the version it disputes: what the decision form and the case messages show."""

    appeal: AppealView
    snapshot: Snapshot  # the appealed version

    @property
    def rep_name(self) -> str:
        return self.snapshot.member.name

    @property
    def period_label(self) -> str:
        return self.snapshot.period.label

    def disputed(self) -> tuple[Disputed, ...]:
        """The disputed lines as the decision form checks them (unit, actual frozen in the appealed version)."""
        lines = (self.snapshot.line(metric) for metric in self.appeal.metrics)
        return tuple(Disputed(metric=line.metric, unit=line.unit, frozen=line.actual) for line in lines if line)


@dataclass(frozen=True)
class Decided:
    """A decision just recorded: the appeal as closed, the score before and after, every version."""

    appeal: AppealView
    case: Case
    before: Snapshot
    after: Snapshot  # = before when rejected
    versions: tuple[VersionView, ...]
    decider_name: str

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.appeal.status]


@dataclass(frozen=True)
class AlreadyDecided:
    """The same form submitted again (a double click, a retry): the first submission stands."""

    appeal: AppealView


@dataclass(frozen=True)
class Reassigned:
    appeal: AppealView
    previous: str | None  # None: the admins had it
    reviewer: str
    reminder_moved: bool


class Render(Protocol):
    """The decision's messages as outbox payloads ({"text", "blocks"}); `handlers.blocks.appeal_decisions`
    implements it (to be folded into the shared appeal renderer)."""

    def decided(self, decided: Decided, to: Recipient) -> dict[str, Any]: ...

    def case_decided(self, decided: Decided) -> dict[str, Any]: ...

    def case(self, case: Case, context: CaseContext) -> dict[str, Any]: ...

    def case_reassigned(self, case: Case, *, reviewer: str) -> dict[str, Any]: ...

    def due_soon(self, case: Case, context: CaseContext) -> dict[str, Any]: ...


# --- who may decide -----------------------------------------------------------------------------------


def may_decide(appeal: AppealView, caller: Caller, config: PacerConfig) -> None:
    """The assigned reviewer, or an admin — never the appellant nor the evaluating manager."""
    user, ap = caller.user_id, appeal.number
    if user == appeal.appellant_user_id:
        raise NotDecider(
            f"You filed {ap}, so someone independent decides it; you'll get a DM with the decision. "
            "Nothing was changed."
        )
    if user == appeal.manager_user_id:
        raise NotDecider(
            f"You evaluated the rep who filed {ap}, so an independent reviewer decides it — an admin role does not "
            "change that. Nothing was changed."
        )
    if user == appeal.reviewer_user_id or is_admin(config, caller.person):
        return
    raise NotDecider(f"Only the reviewer {ap} is assigned to (or a Pacer admin) can decide it; nothing was changed.")


def _closed(session: Session, appeal: AppealView) -> AppealClosed:
    if appeal.status == "withdrawn":
        on = appeal.withdrawn_at.date().isoformat() if appeal.withdrawn_at else "an earlier date"
        return AppealClosed(
            f"{appeal.number} was withdrawn on {on} by the rep, so it cannot be decided; nothing was changed."
        )
    on = appeal.decided_at.date().isoformat() if appeal.decided_at else "an earlier date"
    who = _name(session, appeal.workspace_id, appeal.decided_by)
    outcome = OUTCOME_LABELS.get(appeal.status, appeal.status).lower()
    return AppealClosed(f"{appeal.number} was already decided on {on} by {who}: {outcome}. Nothing was changed.")


def _name(session: Session, workspace_id: int, user_id: str | None) -> str:
    if not user_id:
        return "someone"
    member = members.get(session, workspace_id=workspace_id, user_id=user_id)
    return member.name if member is not None else user_id


def _case(session: Session, appeal: AppealView) -> Case:
    row = evaluations.version(session, evaluation_id=appeal.evaluation_id, number=appeal.evaluation_version)
    assert row is not None, f"appeal {appeal.id} names a missing version {appeal.evaluation_version}"
    return Case(appeal=appeal, snapshot=Snapshot.from_json(row.snapshot))


def _appeal(session: Session, caller: Caller, appeal_id: int, *, lock: bool) -> AppealView:
    if lock:
        row = store.locked(session, workspace_id=caller.workspace_id, appeal_id=appeal_id)
    else:
        found = session.get(Appeal, appeal_id)
        row = found if found is not None and found.workspace_id == caller.workspace_id else None
    if row is None:
        raise NoSuchAppeal(appeal_id)
    return view(row)


# --- the form -----------------------------------------------------------------------------------------


def decision_form(session: Session, caller: Caller, *, config: PacerConfig, appeal_id: int) -> Case:
    """May the caller decide this appeal now, and what the form shows: a read, for the Decide button and
    for checking a submission's fields."""
    appeal = _appeal(session, caller, appeal_id, lock=False)
    may_decide(appeal, caller, config)
    if not appeal.is_open:
        raise _closed(session, appeal)
    return _case(session, appeal)


def closed_for(session: Session, caller: Caller, *, appeal_id: int, receipt_key: str) -> AlreadyDecided:
    """A form submitted on an appeal no longer open: `AlreadyDecided` when this very form decided it (a
    double submit), else `AppealClosed` saying when, by whom and how (a stale form)."""
    appeal = _appeal(session, caller, appeal_id, lock=False)
    if receipts.find(session, workspace_id=caller.workspace_id, key=receipt_key) is not None:
        return AlreadyDecided(appeal=appeal)
    raise _closed(session, appeal)


# --- the decision -------------------------------------------------------------------------------------


def decide(
    session: Session,
    caller: Caller,
    *,
    config: PacerConfig,
    appeal_id: int,
    decision: Decision,
    receipt_key: str,
    render: Render,
    checkin_render: checkin_service.Render,
    now: datetime,
    source: str = MODAL_SOURCE,
) -> Decided | AlreadyDecided:
    """Record the decision once per form submission `receipt_key` (see the module's docstring)."""
    workspace_id = caller.workspace_id
    appeal = _appeal(session, caller, appeal_id, lock=True)
    may_decide(appeal, caller, config)
    if receipts.find(session, workspace_id=workspace_id, key=receipt_key) is not None:
        return AlreadyDecided(appeal=appeal)
    if not appeal.is_open:
        raise _closed(session, appeal)
    problem = consistent(decision, disputed=appeal.metrics)
    if problem is not None:
        raise InputError(f"That decision cannot be recorded: {problem}. Nothing was changed.", field="form")
    row = checkins.locked(session, workspace_id=workspace_id, evaluation_id=appeal.evaluation_id)
    assert row is not None and row.id is not None, f"appeal {appeal.id} names a missing evaluation"
    if row.version != appeal.evaluation_version:
        raise EvaluationMoved(
            f"The evaluation was corrected (now version {row.version}) after {appeal.number} was filed on version "
            f"{appeal.evaluation_version}; nothing was changed. Ask an admin to look at it."
        )
    case = _case(session, appeal)
    before = case.snapshot
    after, result_version = before, None
    if decision.rescores:
        after = rescore(before, decision.corrected)
        result_version = evaluations.add_version(
            session,
            workspace_id=workspace_id,
            evaluation_id=row.id,
            snapshot=after,
            reason=f"appeal {appeal.number} {decision.label.lower()}",
            created_by=caller.user_id,
            now=now,
        )
    if not store.record_decision(
        session,
        appeal_id=appeal.id,
        status=decision.outcome,
        decided_by=caller.user_id,
        decided_at=now,
        rationale=decision.rationale,
        corrected=decision.corrected,
        result_version=result_version,
    ):  # pragma: no cover - the row is locked and was open
        raise _closed(session, appeal)
    closed = _appeal(session, caller, appeal_id, lock=True)
    cancel_reminders(session, workspace_id=workspace_id, appeal_id=appeal.id, now=now)
    done = Decided(
        appeal=closed,
        case=case,
        before=before,
        after=after,
        versions=tuple(versions_of(session, evaluation_id=row.id)),
        decider_name=_name(session, workspace_id, caller.user_id),
    )
    outbox.enqueue_many(
        session,
        workspace_id=workspace_id,
        kind=KIND,
        messages=_decided_messages(session, done, row.checkin_key is not None, render),
        now=now,
    )
    if result_version is not None and row.checkin_key is not None:
        revision = checkins.bump_revision(session, evaluation_id=row.id)
        fresh = checkins.locked(session, workspace_id=workspace_id, evaluation_id=row.id)  # re-read: version, revision
        assert fresh is not None
        checkin = checkin_service.view_of(session, fresh)
        outbox.enqueue_many(
            session,
            workspace_id=workspace_id,
            kind=checkin_service.KIND,
            messages=[
                (
                    checkin_service.reply_key(row.id, f"parent@{revision}"),
                    None,
                    outbox.rewrite(checkin_render.headline(checkin)),
                    checkin_service.parent_key(row.id),
                )
            ],
            now=now,
        )
    rewrite_next_step(session, workspace_id, row.id, checkin_render, now=now)  # the thread: "AP-n: upheld"
    _audit_decision(session, caller, done, decision, source=source, now=now)
    receipts.save(session, workspace_id=workspace_id, key=receipt_key, response={"appeal": appeal.id}, now=now)
    return done


def _decided_messages(session: Session, done: Decided, in_thread: bool, render: Render) -> list[outbox.Outgoing]:
    appeal = done.appeal
    messages: list[outbox.Outgoing] = [
        (key(appeal.id, f"decided:{appeal.appellant_user_id}"), appeal.appellant_user_id, render.decided(done, "rep"))
    ]
    if appeal.manager_user_id:
        messages.append(
            (
                key(appeal.id, f"decided:{appeal.manager_user_id}"),
                appeal.manager_user_id,
                render.decided(done, "manager"),
            )
        )
    if in_thread:
        messages.append(
            (
                key(appeal.id, "decided:thread"),
                None,
                render.decided(done, "thread"),
                checkin_service.parent_key(appeal.evaluation_id),
            )
        )
    case_payload = outbox.rewrite(render.case_decided(done))
    for case_key, _ in store.case_keys(session, workspace_id=appeal.workspace_id, appeal_id=appeal.id):
        messages.append((f"{case_key}@decided", None, case_payload, case_key))
    return messages


def _audit_decision(
    session: Session, caller: Caller, done: Decided, decision: Decision, *, source: str, now: datetime
) -> None:
    appeal, before, after = done.appeal, done.before, done.after
    entries: list[dict[str, Any]] = [
        {
            "action": "appeal.decided",
            "entity": "appeal",
            "entity_id": appeal.id,
            "before": {
                "status": "open",
                "version": appeal.evaluation_version,
                "total": str(before.total),
                "rating": before.rating,
            },
            "after": {
                "status": appeal.status,
                "decision": decision.outcome,
                "rationale": decision.rationale,
                "corrected": {metric: str(value) for metric, value in decision.corrected.items()},
                "version": appeal.result_version or appeal.evaluation_version,
                "result_version": appeal.result_version,
                "total": str(after.total),
                "rating": after.rating,
                "reviewer": appeal.reviewer_user_id,
            },
        }
    ]
    if appeal.result_version is not None:
        entries.append(
            {
                "action": "evaluation.version",
                "entity": "evaluation",
                "entity_id": appeal.evaluation_id,
                "before": {"version": appeal.evaluation_version, "total": str(before.total), "rating": before.rating},
                "after": {
                    "version": appeal.result_version,
                    "total": str(after.total),
                    "rating": after.rating,
                    "reason": f"appeal {appeal.number} {decision.label.lower()}",
                    "corrections": [c.model_dump(mode="json") for c in after.corrections],
                },
            }
        )
    for entry in entries:
        audit.record(session, workspace_id=caller.workspace_id, actor=caller.user_id, source=source, at=now, **entry)


# --- reassignment -------------------------------------------------------------------------------------


def reassign(
    session: Session,
    caller: Caller,
    *,
    config: PacerConfig,
    appeal_id: int,
    reviewer_user_id: str,
    render: Render,
    now: datetime,
    source: str = "command",
) -> Reassigned:
    """Give an open appeal to another reviewer (admins only; the due date stays)."""
    workspace_id = caller.workspace_id
    if not is_admin(config, caller.person):
        raise NotDecider(f"Only a Pacer admin can reassign {number(appeal_id)}; nothing was changed.")
    appeal = _appeal(session, caller, appeal_id, lock=True)
    if caller.user_id in (appeal.appellant_user_id, appeal.manager_user_id):
        raise NotDecider(
            f"You are the {'appellant' if caller.user_id == appeal.appellant_user_id else 'evaluating manager'} of "
            f"{appeal.number}, so another admin reassigns it; nothing was changed."
        )
    if not appeal.is_open:
        raise _closed(session, appeal)
    new = reviewer_user_id
    if new == appeal.appellant_user_id:
        raise NotEligible(f"The rep who filed {appeal.number} cannot review it; name someone independent.")
    if new == appeal.manager_user_id:
        raise NotEligible(f"The evaluating manager cannot review {appeal.number}; name someone independent.")
    if new == appeal.reviewer_user_id:
        raise NotEligible(f"{appeal.number} is already assigned to that reviewer; nothing was changed.")
    count = store.reassignments(session, workspace_id=workspace_id, appeal_id=appeal.id) + 1
    previous = appeal.reviewer_user_id
    reason = f"reassigned by an admin ({caller.user_id})"
    assert store.reassign(session, appeal_id=appeal.id, reviewer_user_id=new, reason=reason, now=now)
    after = _appeal(session, caller, appeal_id, lock=True)
    case = _case(session, after)
    context = case_context(session, after, admins=config.admins)
    existing = store.case_keys(session, workspace_id=workspace_id, appeal_id=appeal.id)
    messages: list[outbox.Outgoing] = []
    for case_key, recipient in existing:
        if recipient != new:
            payload = outbox.rewrite(render.case_reassigned(case, reviewer=new))
            messages.append((f"{case_key}@reassigned-{count}", None, payload, case_key))
    new_key = key(appeal.id, f"case:{new}")
    if any(case_key == new_key for case_key, _ in existing):  # back to someone who had it before
        messages.append((f"{new_key}@assigned-{count}", None, outbox.rewrite(render.case(case, context)), new_key))
    else:
        messages.insert(0, (new_key, new, render.case(case, context)))
    outbox.enqueue_many(session, workspace_id=workspace_id, kind=KIND, messages=messages, now=now)
    moved = False
    for pending in store.pending_reminders(session, workspace_id=workspace_id, prefix=key(appeal.id, "due-soon")):
        reminders.cancel(session, workspace_id=workspace_id, key=pending.key, now=now)
        payload = render.due_soon(case, context)
        moved = reminders.schedule(
            session,
            workspace_id=workspace_id,
            key=key(appeal.id, f"due-soon:{count}"),
            recipient=new,
            kind=KIND,
            due_at=pending.due_at,
            text=payload["text"],
            blocks=payload.get("blocks"),
            now=now,
        )
    audit.record(
        session,
        workspace_id=workspace_id,
        actor=caller.user_id,
        action="appeal.reassigned",
        entity="appeal",
        entity_id=appeal.id,
        source=source,
        at=now,
        before={"reviewer": previous},
        after={"reviewer": new, "due_at": appeal.due_at.isoformat(), "due_at_changed": False, "reminder_moved": moved},
    )
    return Reassigned(appeal=after, previous=previous, reviewer=new, reminder_moved=moved)
