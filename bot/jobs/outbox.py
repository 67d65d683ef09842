"""The `outbox` job: deliver every outbox message due at `ctx.now`, then stop.

Every Pacer process already runs an outbox sender that polls every few seconds, so this job is on
demand (`pacer jobs run outbox [--at …]`): it drains the queue once, with the job's clock deciding
what is due, when a 429 may be retried and when an abandoned claim expires.
"""

from __future__ import annotations

from bot.deps import web_client
from bot.jobs.base import Job, JobContext, JobResult
from bot.outbox import OutboxSender


def run(ctx: JobContext) -> JobResult:
    # The outbox decides about retries itself: a client that silently retried a timeout could post twice.
    client = web_client(token=ctx.client.token or "", base_url=ctx.client.base_url, retries=False)
    sender = OutboxSender(db=ctx.db, client=client, clock=lambda: ctx.now)
    counts = {"sent": 0, "retry later": 0, "failed": 0, "unknown": 0}
    while True:
        report = sender.deliver_due()
        if not report.handled:
            return JobResult("outbox", counts)
        counts["sent"] += report.sent
        counts["retry later"] += report.retried
        counts["failed"] += report.failed
        counts["unknown"] += report.unknown


JOB = Job(
    name="outbox",
    help="Deliver the outbox messages that are due now (the senders in every process do this continuously).",
    run=run,
    every_minute=False,
)
