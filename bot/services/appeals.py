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

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from sqlmodel import Session

from bot.store.tables import Appeal

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


class Render(Protocol):
    """Appeal messages as outbox payloads ({"text", "blocks"}); `handlers.blocks.appeals` implements it.
    Each method gets what it shows; add methods as messages are built (the filing and the decision)."""

    def case(self, appeal: AppealView, context: Any) -> dict[str, Any]: ...
