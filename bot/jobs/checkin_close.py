"""The `checkin_close` job: close acknowledged check-ins whose appeal window has ended with no appeal open
(see bot.services.checkin_closing). Cheap when there is nothing to close; a rerun closes nothing twice."""

from __future__ import annotations

from bot.jobs.base import Job, JobContext, JobResult
from bot.services.checkin_closing import close_ended
from handlers.blocks.checkins import MESSAGES

NAME = "checkin_close"


def run(ctx: JobContext) -> JobResult:
    return JobResult(NAME, {"closed": close_ended(ctx.db, config=ctx.config, render=MESSAGES, now=ctx.now)})


JOB = Job(
    name=NAME,
    help="Close acknowledged check-ins once their appeal window has ended with no appeal open.",
    run=run,
    every_minute=True,
)
