"""The period close: when a period ends, freeze every rep's evaluation for it and open its check-in.

Every minute, for each cadence in use (the profiles' cadences: month for hunter and strategic, quarter
for farmer, any pacer.yml profile's own) it finds the most recent period that has ended, and once
pacer.yml `evaluations.close_at` has come (in pacer.yml `timezone`) on the first day after that
period's last day, closes it in every workspace that has not finished closing it
(`bot.services.evaluations.close_period`): one `period_close` row per workspace, cadence and period,
started once and finished once. So a close missed during downtime happens, once, at the next run; a
close cut short by a crash is resumed and freezes only the reps still missing; a second run freezes
nothing. Each batch opens the check-ins of the evaluations it froze in its own transaction
(`bot.services.checkin_open.announcer`: the group DM messages and the reminders); a rep without a
manager keeps a frozen evaluation and no check-in (counted as `without_manager`, and logged) until
an admin sets one and `/checkin` opens it. Periods before the most recent one are never closed
here: a first installation does not freeze years of history.

`pacer jobs run period_close --at 2026-12-01T06:00:00Z` runs it as of that instant.
"""

from __future__ import annotations

import logging

from bot.clock import zone
from bot.jobs.base import Job, JobContext, JobResult
from bot.services import checkin_open
from bot.services import evaluations as service
from bot.store import evaluations, workspaces
from handlers.blocks.checkins import MESSAGES
from scoring.evaluations import period_to_close

NAME = "period_close"

logger = logging.getLogger(__name__)


def run(ctx: JobContext) -> JobResult:
    config, now = ctx.config, ctx.now
    calendar = config.calendar.calendar()
    tz = zone(config.timezone, "UTC")
    counts = {"closed": 0, "frozen": 0, "checkins": 0}
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
            tally = checkin_open.Tally()
            announce = checkin_open.announcer(
                workspace_id=workspace_id, config=config, render=MESSAGES, now=now, tally=tally
            )
            try:
                result = service.close_period(
                    ctx.db, config=config, workspace_id=workspace_id, period=period, now=now, announce=announce
                )
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
            counts["checkins"] += len(tally.opened)
            if tally.without_manager:
                counts["without_manager"] = counts.get("without_manager", 0) + len(tally.without_manager)
                logger.warning(
                    "period close: workspace %s %s %s — %s reps have no manager, so their check-ins wait: %s "
                    "(an admin sets one with `/pacer manager @rep @manager`, then `/checkin @rep %s` opens it)",
                    workspace_id,
                    period.cadence,
                    period.key,
                    len(tally.without_manager),
                    ", ".join(tally.without_manager[:20]),
                    period.key,
                )
    return JobResult(job=NAME, counts=counts)


JOB = Job(
    name=NAME,
    help="Freeze every rep's evaluation when their period ends (monthly or quarterly, at evaluations.close_at).",
    run=run,
)
