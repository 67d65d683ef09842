"""The `reminders` job: due reminders become outbox messages (see bot.store.reminders)."""

from __future__ import annotations

from bot.jobs.base import Job, JobContext, JobResult
from bot.store import reminders

BATCH = 500


def run(ctx: JobContext) -> JobResult:
    """Queue every reminder due at `ctx.now`, one short transaction per batch."""
    queued = 0
    while True:
        with ctx.db.transaction() as session:
            batch = reminders.queue_due(session, now=ctx.now, limit=BATCH)
        queued += batch
        if batch < BATCH:
            return JobResult("reminders", {"queued": queued})


JOB = Job(
    name="reminders",
    help="Queue due reminders (check-in steps, appeal deadlines) as outbox messages.",
    run=run,
    every_minute=True,
)
