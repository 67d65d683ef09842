"""The daily nudge: each rep, on their local working days at their local time, gets their period's
progress against pace, the work they logged since the previous working day, one coaching prompt,
and buttons to log a deal or an activity, or to snooze.

Every minute: plan missing or stale schedules, then for everyone due gather the facts in batched
queries per workspace and period, render, and — in one transaction per batch — advance each rep's
next time and queue the message under `nudge:<user id>:<local date>`. A second run (or a concurrent
one) finds the time already advanced or the key already queued, so it queues nothing; a crash before
the commit leaves the time due, so the next run queues it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from bot.jobs.base import Job, JobContext, JobResult
from bot.services import nudges as service
from bot.services.nudges import Coach, Occurrence, catalogue_coach
from bot.store import outbox, schedules
from bot.store.schedules import Row
from handlers.blocks.nudges import nudge_message
from scoring.periods import Calendar

NAME = "nudges"
BATCH = 2000


def run(ctx: JobContext, coach: Coach = catalogue_coach) -> JobResult:
    now, config = ctx.now, ctx.config
    counts = {"planned": service.plan_schedules(ctx.db, config=config, now=now), "queued": 0, "already queued": 0}
    with ctx.db.reading() as session:
        due = schedules.due(session, kind="nudge", now=now)
    by_workspace: dict[int, list[Row]] = defaultdict(list)
    for row in due:
        by_workspace[row.workspace_id].append(row)
    calendar = config.calendar.calendar()
    for workspace_id, rows in by_workspace.items():
        for start in range(0, len(rows), BATCH):
            batch = service.occurrences(rows[start : start + BATCH], kind="nudge", config=config, now=now)
            _send(ctx, workspace_id, batch, coach=coach, calendar=calendar, counts=counts)
    return JobResult(job=NAME, counts=counts)


def _send(
    ctx: JobContext,
    workspace_id: int,
    batch: Sequence[Occurrence],
    *,
    coach: Coach,
    calendar: Calendar,
    counts: dict[str, int],
) -> None:
    # planned before pacer.yml made that day a holiday (or a weekend day): move on without a message
    off_days = [item for item in batch if not calendar.is_working_day(item.local_date)]
    batch = [item for item in batch if calendar.is_working_day(item.local_date)]
    if off_days:
        with ctx.db.transaction() as session:
            schedules.advance_many(
                session,
                kind="nudge",
                moves=[(i.row.member_id, i.row.next_nudge_at, i.following) for i in off_days if i.row.next_nudge_at],
                now=ctx.now,
            )
        counts["skipped (not a working day)"] = counts.get("skipped (not a working day)", 0) + len(off_days)
    if not batch:
        return
    today_of = {item.row.member_id: item.local_date for item in batch}
    ids = list(today_of)
    with ctx.db.reading() as session:
        facts = service.rep_facts(
            session, workspace_id=workspace_id, config=ctx.config, reps=[item.row for item in batch], today_of=today_of
        )
        shown = schedules.shown_since(
            session,
            workspace_id=workspace_id,
            member_ids=ids,
            since=min(today_of.values()) - timedelta(days=service.COACHING_MEMORY_DAYS),
        )
    planned = []
    for item in batch:
        member_id = item.row.member_id
        prompt = coach(facts[member_id], shown.get(member_id, []), calendar)
        payload = nudge_message(facts[member_id], prompt, currency=ctx.config.currency)
        planned.append((item, prompt, payload))
    moves = []
    for item, _, _ in planned:
        assert item.row.next_nudge_at is not None
        moves.append((item.row.member_id, item.row.next_nudge_at, item.following))
    with ctx.db.transaction() as session:
        moved = schedules.advance_many(session, kind="nudge", moves=moves, now=ctx.now)
        messages = {
            f"nudge:{item.row.user_id}:{item.local_date.isoformat()}": (item, prompt, payload)
            for item, prompt, payload in planned
            if item.row.member_id in moved
        }
        queued = outbox.enqueue_many(
            session,
            workspace_id=workspace_id,
            kind="nudge",
            messages=[(key, item.row.user_id, payload) for key, (item, _, payload) in messages.items()],
            now=ctx.now,
        )
        schedules.record_shown_many(
            session,
            workspace_id=workspace_id,
            shown=[
                (item.row.member_id, item.local_date, prompt.rule)
                for key, (item, prompt, _) in messages.items()
                if key in queued and prompt is not None
            ],
            now=ctx.now,
        )
    counts["queued"] += len(queued)
    counts["already queued"] += len(planned) - len(queued)  # another run moved the time or queued the key


JOB = Job(
    name=NAME,
    help="Queue each rep's daily nudge at their local time on working days: progress, recent work, a coaching tip.",
    run=run,
)
