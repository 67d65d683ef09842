"""Scheduled jobs: the registry the scheduler dispatches and `pacer jobs` lists and runs."""

from __future__ import annotations

from bot.jobs import digest, nudges
from bot.jobs.base import Job

JOBS: dict[str, Job] = {job.name: job for job in (nudges.JOB, digest.JOB)}
