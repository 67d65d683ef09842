"""Check-ins: the private conversation in which a rep and their manager go through a frozen evaluation.

A check-in lives in the group DM of exactly the rep, their manager and Pacer (the outbox address
`outbox.group(rep, manager)`), as one parent message with a thread. Every message goes through the
outbox (kind "checkin"), keyed so a retry, a rerun or a double click never posts twice:

| key | what |
| --- | --- |
| `checkin:<id>` | the parent: rep, period, score, rating, status (`parent_key`) |
| `checkin:<id>:scorecard` | reply: the frozen scorecard explained line by line |
| `checkin:<id>:plan-review` | reply: the previous check-in's improvement plan with each item's outcome |
| `checkin:<id>:next` | reply: the next step, with the buttons (`ids.CHECKIN_*`) |
| `checkin:<id>:self-review@<v>` / `checkin:<id>:feedback@<v>` | reply: a submission (v > 1: edited) |
| `checkin:<id>:acknowledged` | reply: the rep has read it |
| `checkin:<id>:parent@<r>` / `checkin:<id>:next@<r>` | rewrites (`outbox.rewrite`) after change r |

`<id>` is the evaluation id. A change the parent shows (a step done) bumps the evaluation's
`revision` and queues both rewrites with it, in the transaction that records the change.

Rendering is the caller's: handlers and jobs pass a `Render` built from `handlers.blocks` (this
layer never imports handlers), and services call it inside the write transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from sqlmodel import Session

from bot.services.evaluations import (
    EvaluationView,
    evaluation_view,
)
from bot.store import appeals as appeal_store
from bot.store import checkins, evaluations, outbox
from bot.store.tables import CheckinEntry, Evaluation, Member, PlanItem
from scoring.evaluations import Snapshot

KIND = "checkin"  # the outbox kind of every check-in message
EntryKind = Literal["self_review", "feedback"]


def parent_key(evaluation_id: int) -> str:
    return f"checkin:{evaluation_id}"


def reply_key(evaluation_id: int, what: str) -> str:
    """`checkin:<id>:<what>`: scorecard, plan-review, next, acknowledged, self-review@2, parent@3…"""
    return f"{parent_key(evaluation_id)}:{what}"


def group_of(rep_user_id: str, manager_user_id: str) -> str:
    """The outbox address of the check-in's group DM: the rep and the manager (Pacer is always in it)."""
    return outbox.group(rep_user_id, manager_user_id)


@dataclass(frozen=True)
class EntryView:
    """The latest version of a self-review or a feedback; `first_at` is when version 1 came in."""

    kind: EntryKind
    version: int
    author_user_id: str
    content: dict[str, Any]
    created_at: datetime
    first_at: datetime

    @property
    def edited(self) -> bool:
        return self.version > 1


@dataclass(frozen=True)
class PlanItemView:
    position: int
    action: str
    metric: str | None
    target: Decimal | None
    due: date
    outcome: str | None = None  # met, missed or reported: filled in at the next check-in
    outcome_actual: Decimal | None = None


@dataclass(frozen=True)
class CheckinView:
    """An evaluation with everything its check-in shows: who, the frozen figures, the steps done, the
    latest self-review and feedback, the improvement plan in force, and where the thread is."""

    evaluation: EvaluationView
    rep_user_id: str
    rep_name: str
    manager_user_id: str | None
    key: str | None  # the parent's outbox key; None until the check-in is opened
    channel: str | None  # the group DM's outbox address ("U1,U2")
    opened_at: datetime | None
    opened_by: str | None
    revision: int
    self_review: EntryView | None
    feedback: EntryView | None
    plan: tuple[PlanItemView, ...]
    # The rep's appeal of this evaluation that stands (open or decided; a withdrawn one does not): its
    # number (AP-7) and whether it is still open. None: the rep may appeal (within the window).
    appeal_number: str | None = None
    appeal_open: bool = False

    @property
    def id(self) -> int:
        return self.evaluation.id

    @property
    def snapshot(self) -> Snapshot:
        return self.evaluation.snapshot

    @property
    def period_label(self) -> str:
        return self.evaluation.snapshot.period.label

    @property
    def acknowledged(self) -> bool:
        return self.evaluation.progression.status in ("acknowledged", "closed")

    def participants(self) -> frozenset[str]:
        return frozenset(u for u in (self.rep_user_id, self.manager_user_id) if u)


class Render(Protocol):
    """Turns check-in views into outbox payloads ({"text": ..., "blocks": [...]}) — Block Kit lives in
    `handlers.blocks.checkins`, which implements this."""

    def headline(self, checkin: CheckinView) -> dict[str, Any]: ...

    def scorecard(self, checkin: CheckinView) -> dict[str, Any]: ...

    def next_step(self, checkin: CheckinView) -> dict[str, Any]: ...

    def entry(self, checkin: CheckinView, entry: EntryView) -> dict[str, Any]: ...

    def acknowledged(self, checkin: CheckinView) -> dict[str, Any]: ...

    def plan_review(self, checkin: CheckinView, items: Sequence[PlanItemView]) -> dict[str, Any]:
        """The previous improvement plan with each item's outcome, measured at this check-in."""
        ...

    def reminder(self, checkin: CheckinView, step: Literal["self_review", "feedback"]) -> dict[str, Any]:
        """The reminder DM of a step still missing (the rep's self-review, the manager's feedback), with
        the step's button so it can be done from the DM."""
        ...


SELF_REVIEW_REMINDER = "self-review"  # the reminder keys of the two pending steps (`reminder_key`)
FEEDBACK_REMINDER = "feedback"


def reminder_key(evaluation_id: int, step: str) -> str:
    """The reminder of a pending step: `checkin:<id>:self-review` or `checkin:<id>:feedback`."""
    return reply_key(evaluation_id, step)


# --- reads ------------------------------------------------------------------------------------------


def checkin_of(session: Session, *, workspace_id: int, evaluation_id: int) -> CheckinView | None:
    """The evaluation's check-in as it stands, or None when there is no such evaluation in the workspace."""
    row = checkins.evaluation(session, workspace_id=workspace_id, evaluation_id=evaluation_id)
    if row is None:
        return None
    return view_of(session, row)


def view_of(session: Session, row: Evaluation) -> CheckinView:
    """The check-in of an evaluation row read in this session."""
    assert row.id is not None
    current = evaluations.version(session, evaluation_id=row.id, number=row.version)
    assert current is not None, f"evaluation {row.id} has no version {row.version}"
    member = session.get(Member, row.member_id)
    assert member is not None
    latest: dict[str, list[CheckinEntry]] = {}
    for entry in checkins.entries(session, evaluation_id=row.id):
        latest.setdefault(entry.kind, []).append(entry)
    appeal = appeal_store.latest_standing(session, evaluation_ids=[row.id]).get(row.id)
    return CheckinView(
        evaluation=evaluation_view(row, Snapshot.from_json(current.snapshot)),
        rep_user_id=member.user_id,
        rep_name=member.name,
        manager_user_id=row.manager_user_id,
        key=row.checkin_key,
        channel=row.checkin_channel,
        opened_at=row.checkin_opened_at,
        opened_by=row.checkin_opened_by,
        revision=row.revision,
        self_review=_entry(latest.get("self_review")),
        feedback=_entry(latest.get("feedback")),
        plan=tuple(_item(item) for item in checkins.plan(session, evaluation_id=row.id)),
        appeal_number=None if appeal is None or appeal.id is None else f"AP-{appeal.id}",
        appeal_open=appeal is not None and appeal.status == "open",
    )


def _entry(versions: list[CheckinEntry] | None) -> EntryView | None:
    if not versions:
        return None
    last = versions[-1]
    kind: EntryKind = "feedback" if last.kind == "feedback" else "self_review"
    return EntryView(
        kind=kind,
        version=last.version,
        author_user_id=last.author_user_id,
        content=dict(last.content),
        created_at=last.created_at,
        first_at=versions[0].created_at,
    )


def _item(item: PlanItem) -> PlanItemView:
    return PlanItemView(
        position=item.position,
        action=item.action,
        metric=item.metric,
        target=item.target,
        due=item.due,
        outcome=item.outcome,
        outcome_actual=item.outcome_actual,
    )
