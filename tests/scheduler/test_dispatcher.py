"""The dispatcher: one APScheduler job that runs every every-minute job with the injected clock."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient

from bot.jobs import JOBS, Job, JobContext, JobResult
from bot.scheduler import DISPATCH_SECONDS, DISPATCHER_ID, Scheduler, SoleLeadership
from tests.scheduler.helpers import lease


class Recorder:
    """Jobs that remember the `now` they were given."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, datetime]] = []

    def job(self, name: str, *, every_minute: bool = True, fails: bool = False) -> Job:
        def run(ctx: JobContext) -> JobResult:
            self.seen.append((name, ctx.now))
            if fails:
                raise RuntimeError(f"{name} broke")
            return JobResult(name, {"done": 1})

        return Job(name=name, help=f"{name} job", run=run, every_minute=every_minute)


def make_scheduler(db, config, clock, jobs) -> Scheduler:
    return Scheduler(
        db=db,
        config=config,
        client=WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/"),
        jobs={job.name: job for job in jobs},
        clock=clock,
        leadership=SoleLeadership(),
    )


def test_the_dispatcher_runs_every_every_minute_job_with_the_injected_now(db, config, clock):
    recorder = Recorder()
    scheduler = make_scheduler(
        db,
        config,
        clock,
        [recorder.job("first"), recorder.job("on-demand", every_minute=False), recorder.job("second")],
    )

    results = scheduler.dispatch()
    clock.advance(minutes=1)
    scheduler.dispatch()

    start = clock.now - timedelta(minutes=1)
    assert recorder.seen == [("first", start), ("second", start), ("first", clock.now), ("second", clock.now)]
    assert [r.summary() for r in results] == ["first: 1 done", "second: 1 done"]


def test_a_failing_job_is_logged_with_its_traceback_and_the_others_still_run(db, config, clock, caplog):
    recorder = Recorder()
    scheduler = make_scheduler(db, config, clock, [recorder.job("broken", fails=True), recorder.job("healthy")])

    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        results = scheduler.dispatch()

    assert [name for name, _ in recorder.seen] == ["broken", "healthy"]
    assert [r.job for r in results] == ["healthy"]
    [record] = caplog.records
    assert "job broken failed" in record.getMessage() and record.exc_info is not None
    assert "broken broke" in caplog.text


def test_the_scheduler_has_exactly_one_apscheduler_job_the_dispatcher_every_minute(db, config, clock):
    scheduler = make_scheduler(db, config, clock, [Recorder().job(f"job{i}") for i in range(5)])

    aps = scheduler.build()
    aps.start(paused=True)  # jobs reach the job store, nothing runs
    try:
        [job] = aps.get_jobs()
    finally:
        aps.shutdown(wait=False)

    assert job.id == DISPATCHER_ID and job.func == scheduler.tick
    assert job.coalesce is True and job.max_instances == 1
    fired = datetime(2026, 3, 8, 6, 59, tzinfo=UTC)  # the trigger counts seconds, so DST changes do not matter
    assert job.trigger.get_next_fire_time(fired, fired) == fired + timedelta(seconds=DISPATCH_SECONDS)


def test_a_process_that_does_not_lead_never_dispatches(db, config, clock):
    class Standby(SoleLeadership):
        def try_lead(self) -> bool:
            return False

    recorder = Recorder()
    scheduler = make_scheduler(db, config, clock, [recorder.job("reminders")])
    scheduler.leadership = Standby()

    assert scheduler.heartbeat() is False
    assert scheduler.tick() == []
    assert recorder.seen == []


def test_the_leader_dispatches_on_each_tick_and_records_its_lease(db, config, clock):
    recorder = Recorder()
    scheduler = make_scheduler(db, config, clock, [recorder.job("reminders")])

    assert scheduler.heartbeat() is True
    clock.advance(seconds=30)
    scheduler.tick()

    assert recorder.seen == [("reminders", clock.now)]
    row = lease(db)
    assert row is not None and row.holder == scheduler.holder and row.dispatched_at == clock.now
    assert row.leading_since == clock.now - timedelta(seconds=30)


def test_the_registry_lists_the_reminders_and_outbox_jobs():
    assert {"reminders", "outbox"} <= set(JOBS)
    assert JOBS["reminders"].every_minute is True
    assert JOBS["outbox"].every_minute is False
    assert all(name == job.name and job.help for name, job in JOBS.items())


def test_a_leader_that_loses_its_lock_stops_dispatching_at_once_and_stands_by(db, config, clock, caplog):
    class Flaky(SoleLeadership):
        """Holds the lock until the connection under it dies; then someone else has it."""

        def __init__(self) -> None:
            self.connected = True

        def still_leading(self) -> bool:
            return self.connected

        def try_lead(self) -> bool:
            return self.connected

    recorder = Recorder()
    scheduler = make_scheduler(db, config, clock, [recorder.job("reminders")])
    scheduler.leadership = lock = Flaky()
    assert scheduler.heartbeat() is True
    scheduler.tick()

    lock.connected = False
    missed = scheduler.tick()  # before the next heartbeat notices: the tick checks the lock itself
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        assert scheduler.heartbeat() is False
    standby_tick = scheduler.tick()

    assert missed == [] and standby_tick == [] and len(recorder.seen) == 1
    assert scheduler.leading is False and "lost the lead" in caplog.text
