"""Scheduled jobs: the registry the scheduler dispatches and `pacer jobs` lists and runs.

To add a job: a module exposing `JOB = Job(name=…, help=…, run=…, every_minute=…)`, one import
and one entry below. `every_minute` jobs are run by the scheduler's dispatcher once a minute (they
find what is due themselves, from `ctx.now`); the others only by `pacer jobs run <name>`. A job
whose run calls the Slack Web API itself says `calls_slack=True`, so `pacer jobs run` asks for
SLACK_BOT_TOKEN only for those.
"""

from __future__ import annotations

from bot.jobs import checkin_close, digest, nudges, outbox, period_close, reminders
from bot.jobs.base import Job, JobContext, JobResult

__all__ = ["CALLS_SLACK", "JOBS", "Job", "JobContext", "JobResult"]

JOBS: dict[str, Job] = {
    job.name: job for job in (nudges.JOB, digest.JOB, period_close.JOB, checkin_close.JOB, reminders.JOB, outbox.JOB)
}

CALLS_SLACK: frozenset[str] = frozenset(name for name, job in JOBS.items() if job.calls_slack)
