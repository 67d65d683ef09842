"""Closing check-ins: the last step, once nothing more can happen in one (issue 10's "closed").

A check-in closes when the rep has acknowledged it, its appeal window has ended (the end of the
`appeals.window_working_days`-th working day after the opening, in the rep's zone) and no appeal is open
on it. Closing records `closed_at`, rewrites the headline (status *Closed*) and the next step (no
Appeal button any more) and is audited (`checkin.closed`). An appeal decided or withdrawn after the window
ended lets the check-in close at the next run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import zone
from bot.config import PacerConfig
from bot.services.checkin_thread import rewrites
from bot.services.checkins import KIND, Render, view_of
from bot.store import audit, checkins, outbox
from bot.store.engine import Database
from scoring.appeals import working_days_end

CLOSED = "checkin.closed"


def close_ended(db: Database, *, config: PacerConfig, render: Render, now: datetime) -> int:
    """Close every acknowledged check-in whose appeal window has ended with no appeal open; how many."""
    days = config.appeals.window_working_days
    calendar = config.calendar.calendar()
    with db.reading() as session:
        # a window of N working days lasts at least N calendar days: older openings only
        candidates = checkins.closable(session, opened_before=now - timedelta(days=days))
    due = [
        (row.id, row.workspace_id)
        for row, tz in candidates
        if row.id is not None
        and row.checkin_opened_at is not None
        and now > working_days_end(row.checkin_opened_at, days, tz=zone(tz, config.timezone), calendar=calendar)
    ]
    closed = 0
    for evaluation_id, workspace_id in due:
        with db.transaction() as session:
            if not checkins.mark_closed(session, evaluation_id=evaluation_id, now=now):
                continue
            revision = checkins.bump_revision(session, evaluation_id=evaluation_id)
            row = checkins.locked(session, workspace_id=workspace_id, evaluation_id=evaluation_id)
            assert row is not None
            checkin = view_of(session, row)
            outbox.enqueue_many(
                session, workspace_id=row.workspace_id, kind=KIND, messages=rewrites(checkin, revision, render), now=now
            )
            audit.record(
                session,
                workspace_id=row.workspace_id,
                actor="system",
                action=CLOSED,
                entity="evaluation",
                entity_id=evaluation_id,
                source="checkin_close",
                at=now,
                after={"member": checkin.rep_user_id, "period": checkin.evaluation.period_key},
            )
            closed += 1
    return closed
