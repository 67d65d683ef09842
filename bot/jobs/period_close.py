"""The period close: when a period ends, freeze every rep's evaluation for it (issue 10, item 1).

Every minute, for each cadence in use (the profiles' cadences: month for hunter and strategic, quarter
for farmer, any pacer.yml profile's own) it finds the most recent period that has ended, and once
pacer.yml `evaluations.close_at` has come (in pacer.yml `timezone`) on the first day after that
period's last day, closes it in every workspace that has not finished closing it
(`bot.services.evaluations.close_period`): one `period_close` row per workspace, cadence and period,
started once and finished once. So a close missed during downtime happens, once, at the next run; a
close cut short by a crash is resumed and freezes only the reps still missing; a second run freezes
nothing. Periods before the most recent one are never closed here: a first installation does not
freeze years of history.

`pacer jobs run period_close --at 2026-12-01T06:00:00Z` runs it as of that instant.
"""

from __future__ import annotations

import logging

from bot.clock import zone
from bot.jobs.base import Job, JobContext, JobResult
from bot.services import evaluations as service
from bot.store import evaluations, workspaces
from scoring.evaluations import period_to_close

NAME = "period_close"

logger = logging.getLogger(__name__)


def run(ctx: JobContext) -> JobResult:
    config, now = ctx.config, ctx.now
    calendar = config.calendar.calendar()
    tz = zone(config.timezone, "UTC")
    counts = {"closed": 0, "frozen": 0}
    cadences = sorted({profile.cadence for profile in config.all_profiles.values()})
    due = [
        period
        for cadence in cadences
        if (period := period_to_close(now, cadence, calendar, at=config.evaluations.close_time, tz=tz)) is not None
    ]
    if not due:
        return JobResult(job=NAME, counts=counts)
    with ctx.db.reading() as session:
        everyone = workspaces.ids(session)
        finished = {
            period.key: evaluations.finished_closes(session, cadence=period.cadence, period_key=period.key)
            for period in due
        }
    for period in due:
        for workspace_id in everyone:
            if workspace_id in finished[period.key]:
                continue
            try:
                # Item 2 of issue 10 passes `announce` here: the check-in messages, queued with each batch.
                result = service.close_period(ctx.db, config=config, workspace_id=workspace_id, period=period, now=now)
            except Exception:
                # one workspace's failure must not hold back the others; the next run resumes this close
                logger.exception(
                    "period close: workspace %s %s %s failed; the next run resumes it",
                    workspace_id,
                    period.cadence,
                    period.key,
                )
                counts["failed"] = counts.get("failed", 0) + 1
                continue
            if result is not None:
                counts["closed"] += 1
                counts["frozen"] += result.frozen
    return JobResult(job=NAME, counts=counts)


JOB = Job(
    name=NAME,
    help="Freeze every rep's evaluation when their period ends (monthly or quarterly, at evaluations.close_at).",
    run=run,
)
