"""The `outbox` job: deliver every outbox message due at `ctx.now`, then stop.

Every Pacer process already runs an outbox sender that polls every few seconds, so this job is on
demand (`pacer jobs run outbox [--at …]`): it drains the queue once, with the job's clock deciding
what is due, when a 429 may be retried and when an abandoned claim expires.
"""

from __future__ import annotations

from bot.jobs.base import Job
from bot.outbox import deliver_job

JOB = Job(
    name="outbox",
    help="Deliver the outbox messages that are due now (the senders in every process do this continuously).",
    run=deliver_job,
    every_minute=False,
    calls_slack=True,
)
