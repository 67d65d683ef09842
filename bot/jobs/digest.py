"""The weekly manager digest: on the first working day of each week, at the manager's local time,
their team's standings with at-risk reps first and the reason, the reps who logged nothing in the
past week, and the coaching conversations the catalogue suggests.

Queued under `digest:<manager user id>:<local date>` in the transaction that advances the manager's
next digest time, exactly like the daily nudge.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from bot.jobs.base import Job, JobContext, JobResult
from bot.services import nudges as service
from bot.services.home import reports_of
from bot.services.nudges import Coach, catalogue_coach
from bot.store import outbox, schedules
from bot.store.schedules import Row
from handlers.blocks.nudges import Digest, digest_message

NAME = "digest"
IDLE_SPAN_DAYS = 7


def run(ctx: JobContext, coach: Coach = catalogue_coach) -> JobResult:
    now, config = ctx.now, ctx.config
    calendar = config.calendar.calendar()
    counts = {"planned": service.plan_schedules(ctx.db, config=config, now=now), "queued": 0, "already queued": 0}
    with ctx.db.reading() as session:
        due = schedules.due(session, kind="digest", now=now)
    by_workspace: dict[int, list[Row]] = defaultdict(list)
    for row in due:
        by_workspace[row.workspace_id].append(row)
    for workspace_id, managers in by_workspace.items():
        items = service.occurrences(managers, kind="digest", config=config, now=now)
        with ctx.db.reading() as session:
            team = schedules.reports(session, workspace_id=workspace_id, manager_ids=[m.user_id for m in managers])
            today_of: dict[int, date] = {}
            for item in items:
                for rep in team:
                    if rep.manager_user_id == item.row.user_id:
                        today_of.setdefault(rep.member_id, item.local_date)
            named = {user_id for item in items for user_id in reports_of(config, item.row.user_id)}
            known = schedules.registered(session, workspace_id=workspace_id, user_ids=named)
            facts = service.rep_facts(
                session,
                workspace_id=workspace_id,
                config=config,
                reps=[rep for rep in team if rep.member_id in today_of],
                today_of=today_of,
            )
        digests: list[tuple[service.Occurrence, dict[str, Any] | None]] = []
        for item in items:
            manager = item.row
            own = [facts[rep.member_id] for rep in team if rep.manager_user_id == manager.user_id]
            never_used = [user_id for user_id in reports_of(config, manager.user_id) if user_id not in known]
            if not own and not never_used:
                digests.append((item, None))  # no longer manages anyone: no digest until they do again
                continue
            digest = Digest(
                manager_user_id=manager.user_id,
                day=item.local_date,
                idle_since=item.local_date - timedelta(days=IDLE_SPAN_DAYS),
                reps=own,
                prompts={f.standing.user_id: coach(f, [], calendar) for f in own},
                never_used=never_used,
            )
            digests.append((item, digest_message(digest, currency=config.currency)))
        moves: list[tuple[int, datetime, datetime | None]] = []
        for item, payload in digests:
            assert item.row.next_digest_at is not None
            moves.append((item.row.member_id, item.row.next_digest_at, item.following if payload else None))
        with ctx.db.transaction() as session:
            moved = schedules.advance_many(session, kind="digest", moves=moves, now=now)
            queued = outbox.enqueue_many(
                session,
                workspace_id=workspace_id,
                kind="digest",
                messages=[
                    (f"digest:{item.row.user_id}:{item.local_date.isoformat()}", item.row.user_id, payload)
                    for item, payload in digests
                    if item.row.member_id in moved and payload is not None
                ],
                now=now,
            )
        counts["queued"] += len(queued)
        counts["already queued"] += sum(1 for _, payload in digests if payload is not None) - len(queued)
    return JobResult(job=NAME, counts=counts)


JOB = Job(
    name=NAME,
    help="Queue each manager's weekly digest (first working day, local time): standings, at-risk and idle reps.",
    run=run,
)
