"""Appeals: a rep disputes lines of their evaluation; an independent reviewer decides, on a deadline.

Lifecycle (the `appeal` table): filed → open, assigned to a reviewer chosen by
`scoring.appeals.choose_reviewer` from pacer.yml's pool (the rep's team's `reviewers`, else the
workspace's), never the appellant or the evaluating manager; with nobody eligible the admins decide.
Open → upheld | partly_upheld | rejected (decided: final) or withdrawn (by the rep). An upheld or
partly upheld decision re-scores the evaluation with its frozen rules (`scoring.evaluations.rescore`)
into a new `evaluation_version`; the old version stays.

Every message goes through the outbox (kind "appeal"), keyed so a retry or a double click never
sends twice:

| key | to | what |
| --- | --- | --- |
| `appeal:<id>:case:<user>` | the reviewer (or each admin) | the case, with a Decide button |
| `appeal:<id>:filed:<user>` | the rep, the manager | filed, who decides, by when |
| `appeal:<id>:thread` | the check-in thread (reply_to `checkin:<evaluation>`) | an appeal was filed |
| `appeal:<id>:decided:<user>` | the rep, the manager | the outcome, score before → after, the rationale |
| `appeal:<id>:decided:thread` | the check-in thread | the same |
| `appeal:<id>:withdrawn:<user>` | the reviewer | the rep withdrew it |
| `appeal:<id>:case:<user>@<what>` | rewrites of a case message (decided, withdrawn, reassigned) |

The case holds the frozen explanation, the disputed lines, the reason, the evidence and the
check-in's comments. Reminders (bot.store.reminders): `appeal:<id>:due-soon` to the reviewer before the decision is due,
`appeal:<id>:overdue:<admin>` to each admin once it is overdue; cancelled when decided or withdrawn.

Rendering is the caller's (a `Render` from `handlers.blocks.appeals`), as for check-ins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from sqlmodel import Session

from bot.store import appeals as appeal_store
from bot.store import checkins, evaluations, reminders
from bot.store.tables import Appeal, Member
from scoring.evaluations import Snapshot

KIND = "appeal"  # the outbox kind of every appeal message
Status = Literal["open", "upheld", "partly_upheld", "rejected", "withdrawn"]
Decision = Literal["upheld", "partly_upheld", "rejected"]
DECISIONS: tuple[Decision, ...] = ("upheld", "partly_upheld", "rejected")
STATUS_LABELS: dict[str, str] = {
    "open": "Open",
    "upheld": "Upheld",
    "partly_upheld": "Partly upheld",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
}


def key(appeal_id: int, what: str) -> str:
    """`appeal:<id>:<what>`: case:U1, filed:U2, thread, decided:thread, due-soon…"""
    return f"appeal:{appeal_id}:{what}"


def number(appeal_id: int) -> str:
    """How people see an appeal's id: AP-7."""
    return f"AP-{appeal_id}"


@dataclass(frozen=True)
class AppealView:
    """An appeal as stored, with the names a message needs."""

    id: int
    workspace_id: int
    evaluation_id: int
    member_id: int
    appellant_user_id: str
    manager_user_id: str | None
    evaluation_version: int
    metrics: tuple[str, ...]
    requested: dict[str, Decimal]
    reason: str
    evidence: str | None
    status: Status
    reviewer_user_id: str | None  # None: the admins decide
    assigned_reason: str
    assigned_at: datetime
    due_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    rationale: str | None
    corrected: dict[str, Decimal]
    result_version: int | None
    withdrawn_at: datetime | None
    created_at: datetime

    @property
    def number(self) -> str:
        return number(self.id)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def view(row: Appeal) -> AppealView:
    assert row.id is not None
    status: Status = row.status  # type: ignore[assignment]
    return AppealView(
        id=row.id,
        workspace_id=row.workspace_id,
        evaluation_id=row.evaluation_id,
        member_id=row.member_id,
        appellant_user_id=row.appellant_user_id,
        manager_user_id=row.manager_user_id,
        evaluation_version=row.evaluation_version,
        metrics=tuple(row.metrics),
        requested={metric: Decimal(value) for metric, value in (row.requested or {}).items()},
        reason=row.reason,
        evidence=row.evidence,
        status=status,
        reviewer_user_id=row.reviewer_user_id,
        assigned_reason=row.assigned_reason,
        assigned_at=row.assigned_at,
        due_at=row.due_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        rationale=row.rationale,
        corrected={metric: Decimal(value) for metric, value in (row.corrected or {}).items()},
        result_version=row.result_version,
        withdrawn_at=row.withdrawn_at,
        created_at=row.created_at,
    )


def appeal_of(session: Session, *, workspace_id: int, appeal_id: int) -> AppealView | None:
    row = session.get(Appeal, appeal_id)
    return view(row) if row is not None and row.workspace_id == workspace_id else None


@dataclass(frozen=True)
class CommentView:
    """A plain reply in the check-in thread, as the case shows it."""

    user_id: str
    text: str
    at: datetime


@dataclass(frozen=True)
class CaseContext:
    """What an appeal's messages show besides the appeal: whose and which evaluation, the frozen figures of
    the version appealed, the check-in's comments, and who decides when no reviewer was eligible."""

    rep_name: str
    period_label: str
    snapshot: Snapshot  # of `appeal.evaluation_version`, never a later one
    comments: tuple[CommentView, ...]
    admins: tuple[str, ...]
    thread: bool  # the check-in was opened: its thread can be told

    def deciders(self, appeal: AppealView) -> tuple[str, ...]:
        """Who gets the case: the reviewer, or each admin when nobody was eligible."""
        return (appeal.reviewer_user_id,) if appeal.reviewer_user_id else self.admins


def case_context(session: Session, appeal: AppealView, *, admins: Sequence[str]) -> CaseContext:
    """The context of an appeal's messages, read in this session (the decision re-renders the case with it)."""
    version = evaluations.version(session, evaluation_id=appeal.evaluation_id, number=appeal.evaluation_version)
    assert version is not None, f"appeal {appeal.id}: no version {appeal.evaluation_version}"
    snapshot = Snapshot.from_json(version.snapshot)
    member = session.get(Member, appeal.member_id)
    row = checkins.evaluation(session, workspace_id=appeal.workspace_id, evaluation_id=appeal.evaluation_id)
    comments = tuple(
        CommentView(user_id=c.user_id, text=c.text, at=c.created_at)
        for c in checkins.comments(session, evaluation_id=appeal.evaluation_id)
    )
    return CaseContext(
        rep_name=member.name if member is not None else snapshot.member.name,
        period_label=snapshot.period.label,
        snapshot=snapshot,
        comments=comments,
        admins=tuple(admins),
        thread=row is not None and row.checkin_key is not None,
    )


# --- reminders ------------------------------------------------------------------------------------------

DUE_SOON = "due-soon"  # `appeal:<id>:due-soon` to the reviewer; `appeal:<id>:due-soon:<admin>` without one
OVERDUE = "overdue"  # `appeal:<id>:overdue:<admin>` to each admin, at the due time


def cancel_reminders(session: Session, *, workspace_id: int, appeal_id: int, now: datetime) -> int:
    """Cancel every pending reminder of the appeal (due-soon and overdue, whoever they go to): when it is
    decided, withdrawn or reassigned. How many were cancelled."""
    return reminders.cancel_prefix(session, workspace_id=workspace_id, prefix=key(appeal_id, ""), now=now)


def appeals_of_member(session: Session, *, workspace_id: int, member_id: int) -> list[AppealView]:
    """A rep's appeals, newest first."""
    return [view(row) for row in appeal_store.of_member(session, workspace_id=workspace_id, member_id=member_id)]


class Render(Protocol):
    """Appeal messages as outbox payloads ({"text", "blocks"}); `handlers.blocks.appeals` implements it.
    Each method gets what it shows; add methods as messages are built (the filing and the decision)."""

    def case(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        """The reviewer's (or each admin's) private case: the frozen lines disputed, the reason, the
        evidence, the check-in's comments, and a Decide button (ids.APPEAL_DECIDE, value = appeal id)."""
        ...

    # the filing (bot.services.appeal_filing)

    def filed(self, appeal: AppealView, context: CaseContext, to: str) -> dict[str, Any]:
        """To the rep and to the manager: the appeal is filed, its number, who decides and by when."""
        ...

    def thread_filed(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        """The reply in the check-in thread: an appeal was filed (no reason or evidence: those are private)."""
        ...

    def withdrawn(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        """To whoever had the case: the rep withdrew it, nothing to decide."""
        ...

    def withdrawal_notice(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        """To the evaluating manager and in the check-in thread: the rep withdrew their appeal, and the
        evaluation stands as it was frozen."""
        ...

    def case_closed(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        """The case rewritten once it can no longer be decided (withdrawn): the same facts, no Decide button."""
        ...

    def due_soon(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        """The reminder to the decider the working day before the decision is due, with the Decide button."""
        ...

    def overdue(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        """The escalation to each admin once the decision is overdue."""
        ...
