"""Leadership in one process: on PostgreSQL a second scheduler stands by and takes over when the
first lets go; on SQLite a second scheduler refuses to start. Only the leader dispatches.
(tests/cli/test_scheduler_processes.py does the same with real processes and SIGKILL.)"""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import make_url

from bot.jobs import Job, JobContext, JobResult
from bot.scheduler import AnotherSchedulerRuns, Scheduler, check_can_start, leadership_for
from tests.scheduler.helpers import lease


def scheduler_for(url, db, config, clock, holder, ran):
    def run(ctx: JobContext) -> JobResult:
        assert ctx.now == clock.now
        ran.append(holder)
        return JobResult("probe", {"ran": 1})

    return Scheduler(
        db=db,
        config=config,
        client=WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/"),
        jobs={"probe": Job(name="probe", help="records who ran it", run=run)},
        clock=clock,
        leadership=leadership_for(url),
        holder=holder,
    )


def test_only_one_scheduler_per_database_leads_and_another_takes_over_when_it_stops(database_url, db, config, clock):
    ran: list[str] = []
    first = scheduler_for(database_url, db, config, clock, "first", ran)
    second = scheduler_for(database_url, db, config, clock, "second", ran)
    first.leadership.claim()
    assert first.heartbeat() is True

    if db.is_sqlite:
        with pytest.raises(AnotherSchedulerRuns) as refused:
            second.leadership.claim()
        message = str(refused.value)
        assert make_url(database_url).database in message
        assert "--no-scheduler" in message and "PACER_SCHEDULER=off" in message and "PostgreSQL" in message
        with pytest.raises(AnotherSchedulerRuns):
            check_can_start(database_url)
    else:
        second.leadership.claim()  # PostgreSQL: a standby is allowed
        assert second.heartbeat() is False
    assert second.tick() == []
    first.tick()
    assert ran == ["first"]

    first.stop()
    second.leadership.claim()
    assert second.heartbeat() is True
    second.tick()
    current = lease(db)
    second.stop()

    assert ran == ["first", "second"]
    assert current is not None and current.holder == "second" and current.dispatched_at == clock.now


def test_the_leader_keeps_leading_across_heartbeats(database_url, db, config, clock):
    ran: list[str] = []
    leader = scheduler_for(database_url, db, config, clock, "leader", ran)
    leader.leadership.claim()
    try:
        beats = [leader.heartbeat() for _ in range(3)]
        clock.advance(seconds=15)
        leader.heartbeat()
        row = lease(db)
    finally:
        leader.stop()

    assert beats == [True, True, True]
    assert row is not None and row.heartbeat_at == clock.now and row.leading_since < clock.now
