"""Database tables. Every row belongs to one workspace (`workspace_id`); nothing is ever deleted.

Money is stored as integer minor units (`amount_minor`, cents) so it is exact and sums exactly in
SQL on SQLite and PostgreSQL alike; `bot.store` converts to `Decimal` at the edge.
Times are timezone-aware and stored as UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Dialect, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal stored as text: exact on SQLite (which has no decimal type) and PostgreSQL alike.

    For values that are compared and shown, never summed in SQL (targets, rates). Money that SQL
    sums is stored as integer minor units instead.
    """

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:  # noqa: ARG002
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:  # noqa: ARG002
        return None if value is None else Decimal(value)


class Workspace(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, unique=True)
    name: str | None = Field(default=None, max_length=200)
    deal_seq: int = 0
    activity_seq: int = 0
    created_at: datetime


class Member(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    user_id: str = Field(max_length=32)
    name: str = Field(max_length=200)
    real_name: str | None = Field(default=None, max_length=200)
    tz: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=16)
    role: str = Field(default="rep", max_length=16)
    team: str | None = Field(default=None, max_length=80)
    manager_user_id: str | None = Field(default=None, max_length=32)
    profile: str | None = Field(default=None, max_length=40)
    is_bot: bool = False
    deleted: bool = False
    refreshed_at: datetime | None = None
    home_opened_at: datetime | None = Field(default=None, description="last visit to the Home tab")
    created_at: datetime


class Customer(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "name_key"),
        # the near-match index's refresh: "this workspace's customers added since id N" in one range read
        Index("ix_customer_workspace_id", "workspace_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    source: str = Field(max_length=16)
    created_by: str = Field(max_length=32)
    created_at: datetime


class Deal(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        UniqueConstraint("workspace_id", "source_key"),
        # covering: the /deal tally, per-rep repurchase scans and the first-deal rule read no table rows
        Index(
            "ix_deal_owner_signed", "workspace_id", "owner_id", "signed_on", "voided_at", "customer_id", "amount_minor"
        ),
        Index("ix_deal_customer_signed", "workspace_id", "customer_id", "signed_on", "number", "voided_at"),
        # premium_csat: "does this surveyed customer have a live premium-line deal in the window?" in one seek
        Index(
            "ix_deal_customer_line", "workspace_id", "customer_id", "product_line", "signed_on", "paid_on", "voided_at"
        ),
        Index("ix_deal_owner_paid", "workspace_id", "owner_id", "paid_on", "voided_at", "customer_id", "amount_minor"),
        # covering indexes for workspace-wide aggregation by period (metrics.actuals): no table reads
        Index(
            "ix_deal_signed",
            "workspace_id",
            "signed_on",
            "voided_at",
            "owner_id",
            "customer_id",
            "amount_minor",
            "number",
            "product_line",
        ),
        Index(
            "ix_deal_paid",
            "workspace_id",
            "paid_on",
            "voided_at",
            "owner_id",
            "customer_id",
            "amount_minor",
            "number",
            "product_line",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    number: int
    owner_id: int = Field(foreign_key="member.id")
    customer_id: int = Field(foreign_key="customer.id")
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    product_line: str | None = Field(default=None, max_length=60)
    signed_on: date
    paid_on: date | None = None
    note: str | None = Field(default=None, max_length=1000)
    source: str = Field(max_length=16)
    source_key: str = Field(max_length=200)
    created_at: datetime
    voided_at: datetime | None = None
    voided_by: str | None = Field(default=None, max_length=32)
    void_reason: str | None = Field(default=None, max_length=300)


class Activity(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        UniqueConstraint("workspace_id", "source_key"),
        Index("ix_activity_owner_on", "workspace_id", "owner_id", "occurred_on"),
        Index("ix_activity_on", "workspace_id", "occurred_on", "voided_at", "owner_id", "kind", "count"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    number: int
    owner_id: int = Field(foreign_key="member.id")
    kind: str = Field(max_length=16)
    count: int
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    occurred_on: date
    note: str | None = Field(default=None, max_length=1000)
    source: str = Field(max_length=16)
    source_key: str = Field(max_length=200)
    created_at: datetime
    voided_at: datetime | None = None
    voided_by: str | None = Field(default=None, max_length=32)
    void_reason: str | None = Field(default=None, max_length=300)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "workspace_id", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    actor: str = Field(max_length=32, description="Slack user id, or 'system'")
    action: str = Field(max_length=40)
    entity: str = Field(max_length=24)
    entity_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    source: str = Field(max_length=16)
    at: datetime


class RequestReceipt(SQLModel, table=True):
    """One row per Slack request that had an effect: its unique key makes retries harmless."""

    __tablename__ = "request_receipt"

    workspace_id: int = Field(foreign_key="workspace.id", primary_key=True)
    key: str = Field(max_length=200, primary_key=True)
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime


class PendingAction(SQLModel, table=True):
    """A question put to a user ("log it again?", "did you mean…?"), answered at most once."""

    __tablename__ = "pending_action"

    id: str = Field(primary_key=True, max_length=32)
    workspace_id: int = Field(foreign_key="workspace.id")
    user_id: str = Field(max_length=32)
    kind: str = Field(max_length=24)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime
    answered_at: datetime | None = None


class OutboxMessage(SQLModel, table=True):
    """A message Pacer owes Slack. Written in the same transaction as its cause; sent after.

    status: pending → sending → sent | failed | unknown, or back to pending (429, connection
    failed before Slack had the request), or reconcile (Slack may have posted it) → checking →
    sent (found in the DM's history) | pending (not found: safe to send) | unknown.

    `channel` is a channel id, a user id (the DM with them) or a group of people ("U1,U2": sorted,
    comma-separated, the bot besides) whose private group DM Slack opens. `reply_to` is the key of
    another message of the workspace: this one is posted in that message's thread.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_outbox_due", "status", "not_before"),
        Index("ix_outbox_workspace_due", "workspace_id", "status", "not_before"),
        Index("ix_outbox_workspace_attempted", "workspace_id", "attempted_at"),
        Index("ix_outbox_workspace_throttled", "workspace_id", "throttled_until"),
        Index("ix_outbox_workspace_channel", "workspace_id", "channel"),
        Index("ix_outbox_workspace_reply_to", "workspace_id", "reply_to", "id"),
        Index("ix_outbox_workspace_ts", "workspace_id", "ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    key: str = Field(max_length=200)
    kind: str = Field(max_length=24)
    channel: str = Field(max_length=100)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    not_before: datetime
    claimed_until: datetime | None = None
    ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=300)
    created_at: datetime
    sent_at: datetime | None = None
    attempted_at: datetime | None = Field(default=None, description="last claim to post: the pacing window")
    throttled_until: datetime | None = Field(default=None, description="a 429 here pauses the whole workspace")
    conversation: str | None = Field(default=None, max_length=32, description="the DM channel Slack posted to")
    checks: int = Field(default=0, description="history look-ups made to reconcile an ambiguous send")
    reply_to: str | None = Field(default=None, max_length=200, description="the parent's key: post in its thread")


class Goal(SQLModel, table=True):
    """A rep's target for one metric in one period. One current value; every change is audited."""

    __table_args__ = (UniqueConstraint("workspace_id", "member_id", "metric", "period_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    member_id: int = Field(foreign_key="member.id")
    metric: str = Field(max_length=40)
    period_key: str = Field(max_length=16, description="2026-11, 2026-Q4 or FY2026-Q1")
    period_start: date
    period_end: date
    value: Decimal = Field(sa_column=Column(ExactDecimal, nullable=False))
    set_by: str = Field(max_length=32)
    source: str = Field(max_length=16)
    updated_at: datetime


class CsatResult(SQLModel, table=True):
    """A customer-satisfaction survey score (1–5), attributed to the rep who owns the relationship."""

    __tablename__ = "csat_result"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source_key"),
        Index("ix_csat_member_on", "workspace_id", "member_id", "surveyed_on"),
        # covering, for workspace-wide csat / premium_csat by period (metrics.actuals): no table reads
        Index("ix_csat_on", "workspace_id", "surveyed_on", "voided_at", "member_id", "customer_id", "score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    member_id: int = Field(foreign_key="member.id")
    customer_id: int = Field(foreign_key="customer.id")
    score: int
    surveyed_on: date
    source: str = Field(max_length=16)
    source_key: str = Field(max_length=200)
    recorded_by: str = Field(max_length=32)
    created_at: datetime
    voided_at: datetime | None = None
    void_reason: str | None = Field(default=None, max_length=300)


class TrainingCompletion(SQLModel, table=True):
    """A course a member completed (required courses are listed in pacer.yml)."""

    __tablename__ = "training_completion"
    __table_args__ = (UniqueConstraint("workspace_id", "member_id", "course"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    member_id: int = Field(foreign_key="member.id")
    course: str = Field(max_length=120)
    completed_on: date
    source: str = Field(max_length=16)
    recorded_by: str = Field(max_length=32)
    created_at: datetime


class RuleVersion(SQLModel, table=True):
    """A published change of the workspace's rules (counting rule, product lines), from a period on.

    Version 0 is pacer.yml and has no row. Rows are never changed: a correction is a new version.
    """

    __tablename__ = "rule_version"
    __table_args__ = (UniqueConstraint("workspace_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    version: int
    effective_from: date = Field(description="first day of the period it takes effect in")
    recognition: str = Field(max_length=8)
    product_lines: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    set_by: str = Field(max_length=32)
    source: str = Field(max_length=16)
    created_at: datetime


class NudgeSchedule(SQLModel, table=True):
    """When a member's next daily nudge (and, for a manager, weekly digest) is due, and their choices.

    Created lazily by the nudge job for every active member; `next_nudge_at` and `next_digest_at` are UTC
    instants computed from `local_time` in the zone named by `tz` (the member's Slack `tz`, else the
    workspace's), so a changed zone is noticed and the times recomputed.
    """

    __tablename__ = "nudge_schedule"
    __table_args__ = (
        UniqueConstraint("member_id"),  # one schedule per member (a member belongs to one workspace)
        Index("ix_nudge_schedule_nudge_due", "next_nudge_at"),
        Index("ix_nudge_schedule_digest_due", "next_digest_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    member_id: int = Field(foreign_key="member.id")
    local_time: str = Field(default="09:00", max_length=5, description="HH:MM in the member's zone")
    enabled: bool = True
    snoozed_until: datetime | None = Field(default=None, description="no nudge before this instant")
    tz: str = Field(max_length=64, description="the zone the next times were computed in")
    next_nudge_at: datetime | None = None
    next_digest_at: datetime | None = None
    updated_at: datetime


class CoachingShown(SQLModel, table=True):
    """The coaching prompt a rep was shown on a local date, so it is not repeated within 5 working days."""

    __tablename__ = "coaching_shown"
    __table_args__ = (UniqueConstraint("workspace_id", "member_id", "shown_on"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    member_id: int = Field(foreign_key="member.id")
    shown_on: date
    rule: str = Field(max_length=40)
    created_at: datetime


class Reminder(SQLModel, table=True):
    """A message owed at a later time (a pending check-in step, an appeal deadline).

    Scheduled once per (workspace, key); the `reminders` job turns a due one into an outbox row
    (`reminder:<key>`) and marks it `queued` in the same transaction. `cancelled` ones never send.
    """

    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_reminder_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    key: str = Field(max_length=180)
    recipient: str = Field(max_length=32, description="user or channel id")
    kind: str = Field(max_length=24)
    due_at: datetime
    text: str = Field(max_length=3000)
    blocks: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    status: str = Field(default="pending", max_length=10)
    created_at: datetime
    done_at: datetime | None = Field(default=None, description="when it was queued or cancelled")


class SchedulerLease(SQLModel, table=True):
    """Which process leads the scheduler, and its last heartbeat — for operators to read.

    The lock itself is an advisory lock (PostgreSQL) or a lock file (SQLite); this row only shows it.
    """

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=200, description="host and pid of the leading process")
    leading_since: datetime
    heartbeat_at: datetime
    dispatched_at: datetime | None = None


class Evaluation(SQLModel, table=True):
    """A rep's evaluation for one period, frozen at its close: one per workspace, member and period.

    The figures are in `evaluation_version` rows, which are never changed; `version` names the one in
    force (1, the freeze, until a correction adds another). The check-in's steps are facts with their
    times; its status is derived from them (`scoring.evaluations.progression`), never stored as a word.
    """

    __table_args__ = (
        UniqueConstraint("workspace_id", "member_id", "period_key"),
        Index("ix_evaluation_period", "workspace_id", "period_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    member_id: int = Field(foreign_key="member.id")
    period_key: str = Field(max_length=16, description="2026-11, 2026-Q4 or FY2026-Q1")
    cadence: str = Field(max_length=8, description="month or quarter: the profile's evaluation cadence")
    period_start: date
    period_end: date
    profile: str = Field(max_length=40)
    manager_user_id: str | None = Field(default=None, max_length=32, description="the evaluating manager at close")
    version: int = Field(default=1, description="the version in force")
    self_review_at: datetime | None = None
    feedback_at: datetime | None = None
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    created_at: datetime
    checkin_key: str | None = Field(
        default=None, max_length=200, description="outbox key of the check-in's parent message (checkin:<id>)"
    )
    checkin_channel: str | None = Field(
        default=None, max_length=100, description="the outbox address of its group DM: rep and manager ('U1,U2')"
    )
    checkin_opened_at: datetime | None = None
    checkin_opened_by: str | None = Field(default=None, max_length=32, description="Slack user id, or 'system'")
    revision: int = Field(default=0, description="bumped by every change the parent message shows (its update keys)")


class EvaluationVersion(SQLModel, table=True):
    """One version of an evaluation's figures: version 1 is the freeze at close, a later one a correction
    (an upheld appeal) scored with the same frozen rules. Rows are only ever inserted."""

    __tablename__ = "evaluation_version"
    __table_args__ = (UniqueConstraint("evaluation_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    evaluation_id: int = Field(foreign_key="evaluation.id")
    version: int
    snapshot: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    total: Decimal = Field(sa_column=Column(ExactDecimal, nullable=False))
    rating: str = Field(max_length=200)
    reason: str = Field(max_length=300, description="why this version exists: 'frozen at close', an appeal…")
    created_by: str = Field(max_length=32, description="Slack user id, or 'system'")
    created_at: datetime


class PeriodClose(SQLModel, table=True):
    """The close of one period for one cadence in a workspace: started once, finished once.

    A close that started and never finished (a crash) is resumed by the next run of the job.
    """

    __tablename__ = "period_close"
    __table_args__ = (UniqueConstraint("workspace_id", "cadence", "period_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    cadence: str = Field(max_length=8)
    period_key: str = Field(max_length=16)
    period_start: date
    period_end: date
    started_at: datetime
    finished_at: datetime | None = None
    frozen: int = Field(default=0, description="the period's evaluations when the close finished")


class CheckinEntry(SQLModel, table=True):
    """A self-review or a manager's feedback on an evaluation, one row per version (only inserted).

    Version 1 is the first submission; an edit (allowed until the rep acknowledges) adds the next
    version, so the thread can say it was edited and nothing is lost. `content` is the form's fields
    as plain JSON (numbers as strings); a feedback's improvement plan is in `plan_item`.
    """

    __tablename__ = "checkin_entry"
    __table_args__ = (UniqueConstraint("evaluation_id", "kind", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    evaluation_id: int = Field(foreign_key="evaluation.id")
    kind: str = Field(max_length=16, description="self_review or feedback")
    version: int
    author_user_id: str = Field(max_length=32)
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    source: str = Field(max_length=16, description="modal, console…")
    created_at: datetime


class PlanItem(SQLModel, table=True):
    """One item of an improvement plan: an action, optionally a metric with a target, and a due date.

    Items belong to the feedback version that set them (`feedback_version`); the plan in force is the
    latest version's. At the rep's next check-in each item gets its outcome (`reviewed_in`, `outcome`,
    `outcome_actual`), measured from the data where it names a metric.
    """

    __tablename__ = "plan_item"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "feedback_version", "position"),
        Index("ix_plan_item_member_due", "workspace_id", "member_id", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    evaluation_id: int = Field(foreign_key="evaluation.id")
    member_id: int = Field(foreign_key="member.id")
    feedback_version: int
    position: int = Field(description="1, 2, … in the order the manager gave them")
    action: str = Field(max_length=500)
    metric: str | None = Field(default=None, max_length=40)
    target: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal, nullable=True))
    due: date
    created_at: datetime
    reviewed_in: int | None = Field(default=None, description="the evaluation whose check-in reported the outcome")
    outcome: str | None = Field(default=None, max_length=12, description="met, missed or reported (no metric)")
    outcome_actual: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal, nullable=True))


class CheckinComment(SQLModel, table=True):
    """A plain reply in a check-in thread by the rep or the manager, recorded on the evaluation.

    One per Slack message (workspace, conversation, ts): a retried event is recorded once."""

    __tablename__ = "checkin_comment"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel", "ts"),
        Index("ix_checkin_comment_evaluation", "evaluation_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    evaluation_id: int = Field(foreign_key="evaluation.id")
    user_id: str = Field(max_length=32)
    channel: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime


class Appeal(SQLModel, table=True):
    """A rep's appeal against one version of their evaluation, decided by an independent reviewer.

    status: open → upheld | partly_upheld | rejected (decided, final) or withdrawn (by the rep).
    `open_evaluation_id` is the evaluation's id while the appeal is open and NULL after: its unique
    index makes "one open appeal per evaluation" hold under concurrent submits on both databases.
    `reviewer_user_id` NULL means no eligible reviewer: the admins decide. `result_version` is the
    evaluation version an upheld decision created.
    """

    __table_args__ = (
        UniqueConstraint("open_evaluation_id"),
        Index("ix_appeal_evaluation", "workspace_id", "evaluation_id"),
        Index("ix_appeal_member", "workspace_id", "member_id", "id"),
        Index("ix_appeal_reviewer_status", "workspace_id", "reviewer_user_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    evaluation_id: int = Field(foreign_key="evaluation.id")
    open_evaluation_id: int | None = Field(default=None, description="= evaluation_id while open, else NULL")
    member_id: int = Field(foreign_key="member.id")
    appellant_user_id: str = Field(max_length=32)
    manager_user_id: str | None = Field(default=None, max_length=32, description="the evaluating manager")
    evaluation_version: int = Field(description="the version appealed")
    metrics: list[str] = Field(sa_column=Column(JSON, nullable=False), description="the disputed metrics")
    requested: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False), description="metric → value asked for"
    )
    reason: str = Field(sa_column=Column(Text, nullable=False))
    evidence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="open", max_length=16)
    reviewer_user_id: str | None = Field(default=None, max_length=32)
    assigned_reason: str = Field(default="", max_length=300)
    assigned_at: datetime
    due_at: datetime = Field(description="when the decision is due (the reviewer's working days)")
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = None
    rationale: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    corrected: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False), description="metric → corrected actual"
    )
    result_version: int | None = None
    withdrawn_at: datetime | None = None
    source: str = Field(max_length=16)
    created_at: datetime
