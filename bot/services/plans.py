"""Improvement plans, tracked between check-ins (issue 10, item 4).

The plan in force of an evaluation (its latest feedback version's items) stays *open* until the rep's
next check-in reviews it. Meanwhile each open item has a state on the rep's local day (open, due soon,
overdue: `scoring.plans.state`) and, when it names a metric and a target, its progress: the metric
computed exactly as `/progress` computes it (`bot.store.metrics.actuals`, under the published rules in
force), over the item's window — from the day the feedback set it (in pacer.yml's time zone) through
its due date, cut at today.

- `open_items` / `team_items`: a rep's, or many reps', open items with state and progress (`/progress`,
  the Home tab, the digest and the daily nudge's coaching prompt show them).
- `review_at_checkin`: called by the check-in's opening in its own transaction — records each open
  item of the rep's earlier evaluations' plans with its outcome, measured from the new evaluation's
  frozen snapshot (or, for a metric not on the new scorecard, from the records over the new period
  with the rules that snapshot froze). Each item is reviewed once; a second call changes nothing and
  returns the same items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.clock import zone
from bot.config import PacerConfig
from bot.services import rules
from bot.store import audit, metrics
from bot.store import plans as store
from bot.store.tables import PlanItem
from scoring import plans
from scoring.evaluations import Snapshot
from scoring.periods import Period
from scoring.plans import Progress, State, TrackedItem

if TYPE_CHECKING:
    from bot.services.checkins import PlanItemView

AUDIT_ENTITY = "plan_item"
REVIEWED = "plan_item.reviewed"


@dataclass(frozen=True)
class OpenItem:
    """An open item of a rep's improvement plan on `today`: what, by when, its state and progress."""

    id: int
    evaluation_id: int
    member_id: int
    position: int
    action: str
    metric: str | None
    target: Decimal | None
    due: date
    set_on: date
    today: date
    state: State
    progress: Progress | None

    @property
    def tracked(self) -> TrackedItem:
        return TrackedItem(
            action=self.action,
            metric=self.metric,
            target=self.target,
            due=self.due,
            state=self.state,
            progress=self.progress,
        )


def set_on(item: PlanItem, config: PacerConfig) -> date:
    """The day the feedback set the item, in pacer.yml's time zone."""
    created = item.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created.astimezone(zone(config.timezone, "UTC")).date()


def open_items(
    session: Session, *, workspace_id: int, member_id: int, today: date, config: PacerConfig
) -> list[OpenItem]:
    """The member's open plan items on their local `today`, most urgent first (overdue, due soon, open)."""
    return team_items(session, workspace_id=workspace_id, today_of={member_id: today}, config=config).get(member_id, [])


def team_items(
    session: Session, *, workspace_id: int, today_of: Mapping[int, date], config: PacerConfig
) -> dict[int, list[OpenItem]]:
    """Each member's open plan items on their own local day (`today_of`: member id → date), most urgent
    first; members without open items are left out. Progress is read in one batch of metric queries per
    distinct window."""
    rows = store.open_items(session, workspace_id=workspace_id, member_ids=list(today_of))
    if not rows:
        return {}
    calendar = config.calendar.calendar()
    windows: dict[int, Period | None] = {}
    for row in rows:
        assert row.id is not None
        windows[row.id] = (
            plans.window(set_on(row, config), row.due, today_of[row.member_id])
            if plans.measured(row.metric, row.target)
            else None
        )
    actual_of = _window_actuals(session, workspace_id=workspace_id, config=config, rows=rows, windows=windows)
    found: dict[int, list[OpenItem]] = defaultdict(list)
    for row in rows:
        assert row.id is not None
        today = today_of[row.member_id]
        found[row.member_id].append(
            OpenItem(
                id=row.id,
                evaluation_id=row.evaluation_id,
                member_id=row.member_id,
                position=row.position,
                action=row.action,
                metric=row.metric,
                target=row.target,
                due=row.due,
                set_on=set_on(row, config),
                today=today,
                state=plans.state(row.due, today, calendar),
                progress=plans.progress(row.metric, row.target, actual_of.get(row.id)),
            )
        )
    return {member_id: _urgent_first(items) for member_id, items in found.items()}


def _urgent_first(items: list[OpenItem]) -> list[OpenItem]:
    return sorted(items, key=lambda i: (plans.STATES.index(i.state), i.due, i.evaluation_id, i.position))


def _window_actuals(
    session: Session,
    *,
    workspace_id: int,
    config: PacerConfig,
    rows: Sequence[PlanItem],
    windows: Mapping[int, Period | None],
) -> dict[int, Decimal]:
    """Each measured item's metric actual over its window: one `metrics.actuals` batch per distinct window."""
    by_window: dict[Period, list[PlanItem]] = defaultdict(list)
    for row in rows:
        assert row.id is not None
        window = windows[row.id]
        if window is not None:
            by_window[window].append(row)
    if not by_window:
        return {}
    book = rules.book(session, workspace_id=workspace_id, config=config)
    found: dict[int, Decimal] = {}
    for window, items in by_window.items():
        in_force = rules.for_period(book, window)
        members = sorted({row.member_id for row in items})
        actuals = metrics.actuals(
            session,
            workspace_id=workspace_id,
            period=window,
            rule=in_force.counting,
            premium_lines=in_force.premium_lines,
            required_courses=set(config.training.required),
            member_ids=members,
            repurchase_for=sorted({row.member_id for row in items if row.metric == "repurchase_rate"}),
        )
        for row in items:
            assert row.id is not None and row.metric is not None
            found[row.id] = actuals[row.member_id].get(row.metric, Decimal(0))
    return found


# --- at the next check-in ---------------------------------------------------------------------------


def review_at_checkin(
    session: Session,
    *,
    workspace_id: int,
    member_id: int,
    evaluation_id: int,
    snapshot: Snapshot,
    now: datetime,
    required_courses: Collection[str] = (),
    actor: str = "system",
) -> list[PlanItemView]:
    """Review the rep's earlier plans at the check-in of `evaluation_id` (whose frozen `snapshot` is given):
    every item in force of an evaluation of an earlier period, not reviewed yet, gets its outcome —
    `met` / `missed` against the snapshot's actual of its metric (measured from the records over the
    snapshot's period, with the rules it froze, when the metric is not on the new scorecard; pass
    `required_courses` = pacer.yml `training.required` for a training item), `reported` without a
    metric or target — audited, once. Returns every item this check-in reviewed (on a second call the
    same items, unchanged), oldest plan first. Runs in the caller's transaction."""
    pending = store.to_review(session, workspace_id=workspace_id, member_id=member_id, before=snapshot.period.start)
    off_card = sorted(
        {
            row.metric
            for row in pending
            if row.metric is not None and row.target is not None and snapshot.line(row.metric) is None
        }
    )
    from_records: Mapping[str, Decimal] = {}
    if off_card:
        from_records = metrics.actuals(
            session,
            workspace_id=workspace_id,
            period=snapshot.period.as_period(),
            rule=snapshot.rules.counting(),
            premium_lines=snapshot.rules.premium_lines,
            required_courses=set(required_courses),
            member_ids=[member_id],
            repurchase_for=[member_id] if "repurchase_rate" in off_card else [],
        )[member_id]
    entries = []
    for row in pending:
        assert row.id is not None
        actual: Decimal | None = None
        if row.metric is not None:
            line = snapshot.line(row.metric)
            actual = line.actual if line is not None else from_records.get(row.metric)
        outcome, kept = plans.outcome(row.metric, row.target, actual)
        if store.mark_reviewed(session, item_id=row.id, evaluation_id=evaluation_id, outcome=outcome, actual=kept):
            entries.append(
                {
                    "workspace_id": workspace_id,
                    "actor": actor,
                    "action": REVIEWED,
                    "entity": AUDIT_ENTITY,
                    "entity_id": row.id,
                    "source": "checkin",
                    "at": now,
                    "after": {
                        "reviewed_in": evaluation_id,
                        "outcome": outcome,
                        "outcome_actual": None if kept is None else str(kept),
                    },
                }
            )
    audit.record_many(session, entries)
    return [_view(row) for row in store.reviewed_in(session, evaluation_id=evaluation_id)]


def _view(row: PlanItem) -> PlanItemView:
    # imported here: checkins → evaluations → progress → plans would otherwise go round in a circle
    from bot.services.checkins import PlanItemView

    return PlanItemView(
        position=row.position,
        action=row.action,
        metric=row.metric,
        target=row.target,
        due=row.due,
        outcome=row.outcome,
        outcome_actual=row.outcome_actual,
    )
