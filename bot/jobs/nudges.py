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
    with ctx.db.transaction() as session:
        for item, prompt, payload in planned:
            row = item.row
            assert row.next_nudge_at is not None
            if not schedules.advance(
                session,
                member_id=row.member_id,
                kind="nudge",
                expected=row.next_nudge_at,
                next_at=item.following,
                now=ctx.now,
            ):
                counts["already queued"] += 1  # another run advanced it (and queued the message)
                continue
            queued = outbox.enqueue(
                session,
                workspace_id=workspace_id,
                key=f"nudge:{row.user_id}:{item.local_date.isoformat()}",
                kind="nudge",
                channel=row.user_id,
                payload=payload,
                now=ctx.now,
            )
            counts["queued" if queued else "already queued"] += 1
            if queued and prompt is not None:
                schedules.record_shown(
                    session,
                    workspace_id=workspace_id,
                    member_id=row.member_id,
                    shown_on=item.local_date,
                    rule=prompt.rule,
                    now=ctx.now,
                )


JOB = Job(
    name=NAME,
    help="daily nudge to each rep at their local time on working days: progress, yesterday's work, one coaching prompt",
    run=run,
)
