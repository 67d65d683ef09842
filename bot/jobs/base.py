"""What a scheduled job is: a named function of a context whose `now` is the clock it sees.

The scheduler calls every registered job once a minute (the dispatcher); `pacer jobs run <job>
[--at <ISO time>]` calls one on demand. A job decides everything from `ctx.now` — what is due,
retry-not-before times, claim expiry — so a job run `--at` a past or future instant behaves as it
would have then. Jobs write outbox rows; the outbox sender delivers them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient

from bot.config import PacerConfig
from bot.store.engine import Database


@dataclass(frozen=True)
class JobContext:
    db: Database
    config: PacerConfig
    client: WebClient
    now: datetime  # timezone-aware; the only clock a job may read


@dataclass(frozen=True)
class JobResult:
    job: str
    counts: Mapping[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """`nudges: 120 queued, 3 skipped` — what `pacer jobs run` prints and the scheduler logs."""
        shown = ", ".join(f"{value} {name}" for name, value in self.counts.items()) or "nothing to do"
        return f"{self.job}: {shown}"


@dataclass(frozen=True)
class Job:
    name: str
    help: str  # one line, shown by `pacer jobs list`
    run: Callable[[JobContext], JobResult]
    every_minute: bool = True  # False: on demand only
    calls_slack: bool = False  # the job itself calls the Slack Web API (needs SLACK_BOT_TOKEN)
