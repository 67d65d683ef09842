"""Period close at scale: freeze every rep's evaluation for a month, as the `period_close` job does.

Generates the data set of `scoring_at_scale.py` with its own generator (10,000 reps, 60,000 customers,
1,000,000 deals, 2,000,000 activities and 240,000 surveys over two years, deterministic) into a database
migrated with the real migrations, then runs the `period_close` job as the scheduler would at 06:00 UTC on
1 December 2026, closing November 2026. pacer.yml here makes the farmer profile monthly too, so that one
close freezes all 10,000 reps (the worst case: every rep's period ending at once). Target: under 30 s.

Measured per run (`--runs`, default 3; the evaluations are deleted between runs): wall time; CPU time
of this process and, on PostgreSQL, of the server processes serving it; where the time went (the
figures `/progress` computes, the pure freeze, the writes); then a second run of the job at the same
instant, which must freeze nothing. Afterwards `--check` random reps' evaluations are compared with
`/progress` for November (the service the handler calls): every line, the total and the payout, exactly.

    .venv/bin/python benchmarks/period_close.py                                   # SQLite in a temp dir
    .venv/bin/python benchmarks/period_close.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/period_close.py --database-url sqlite:////tmp/bench.db --reuse   # data kept by
                                                                                  # scoring_at_scale.py --keep
    .venv/bin/python benchmarks/period_close.py --reps 1000 --deals 100000 --activities 200000 --surveys 24000

Results are printed and written to benchmarks/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

import bot.services.checkins as checkin_service  # noqa: E402
import bot.services.evaluations as evaluation_service  # noqa: E402
import bot.services.progress as progress_service  # noqa: E402
import bot.store.audit as audit_store  # noqa: E402
import bot.store.evaluations as evaluation_store  # noqa: E402
import bot.store.outbox as outbox_store  # noqa: E402
import bot.store.reminders as reminder_store  # noqa: E402
import handlers.blocks.checkins as blocks_checkins  # noqa: E402
from benchmarks.scoring_at_scale import REQUIRED_COURSES, finish, generate, server_cpu_s, setup  # noqa: E402
from bot.config import EvaluationsConfig, PacerConfig, ProductLine, TrainingConfig  # noqa: E402
from bot.directory import Caller  # noqa: E402
from bot.jobs import period_close  # noqa: E402
from bot.jobs.base import JobContext  # noqa: E402
from bot.store.engine import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.tables import Evaluation, EvaluationVersion, Member  # noqa: E402
from scoring.people import Person  # noqa: E402
from scoring.periods import month_of  # noqa: E402

CLOSE = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
NOVEMBER = month_of(CLOSE.date().replace(month=11))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temp dir")
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=60_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=2_000_000)
    parser.add_argument("--surveys", type=int, default=240_000)
    parser.add_argument("--runs", type=int, default=3, help="closes to time (the evaluations are deleted between)")
    parser.add_argument("--batch-size", type=int, default=EvaluationsConfig().batch_size, help="evaluations.batch_size")
    parser.add_argument("--check", type=int, default=50, help="random reps compared with /progress afterwards")
    parser.add_argument("--keep", action="store_true", help="keep the database (and print where it is)")
    parser.add_argument("--reuse", action="store_true", help="measure data an earlier --keep run left")
    parser.add_argument("--schema", default="pacer_bench", help="PostgreSQL schema for the data")
    return parser.parse_args()


class Stopwatch:
    """Wall time spent inside the wrapped functions, by name."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._undo: list[Callable[[], None]] = []

    def wrap(self, module: Any, name: str, label: str) -> None:
        original = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter() - started

        setattr(module, name, timed)
        self._undo.append(lambda: setattr(module, name, original))

    @contextmanager
    def watching(self) -> Iterator[None]:
        self.wrap(progress_service, "figures", "figures (as /progress)")
        self.wrap(evaluation_service, "freeze", "freeze (pure)")
        self.wrap(evaluation_store, "insert_frozen", "insert evaluations + versions")
        self.wrap(audit_store, "record_many", "audit")
        self.wrap(checkin_service, "open_checkins", "open check-ins (mark, queue, remind)")
        self.wrap(outbox_store, "enqueue_all", "queue check-in messages")
        self.wrap(reminder_store, "schedule_many", "schedule reminders")
        self.wrap(blocks_checkins.CheckinMessages, "scorecard", "render scorecards")
        try:
            yield
        finally:
            for undo in reversed(self._undo):
                undo()


def forget_evaluations(db: Database) -> None:
    with db.engine.begin() as c:
        c.execute(text("DELETE FROM evaluation_version"))
        c.execute(text("DELETE FROM evaluation"))
        c.execute(text("DELETE FROM period_close"))
        c.execute(text("DELETE FROM audit_log WHERE action IN ('evaluation.frozen', 'checkin.opened')"))
        c.execute(text("DELETE FROM outbox WHERE kind = 'checkin'"))
        c.execute(text("DELETE FROM reminder WHERE key LIKE 'checkin:%'"))


def give_managers(db: Database) -> None:
    """Every rep reports to one of 100 managers, so each close opens (and queues) every check-in."""
    with db.engine.begin() as c:
        c.execute(text("UPDATE member SET manager_user_id = 'UMGR' || CAST(id % 100 AS VARCHAR(8)) WHERE role = 'rep'"))


def one_close(db: Database, config: PacerConfig) -> dict[str, Any]:
    forget_evaluations(db)
    context = JobContext(db=db, config=config, client=WebClient(), now=CLOSE)
    watch = Stopwatch()
    load_before = os.getloadavg()
    server0, cpu0, t0 = server_cpu_s(db), time.process_time(), time.perf_counter()
    with watch.watching():
        result = period_close.run(context)
    wall, cpu, server = time.perf_counter() - t0, time.process_time() - cpu0, server_cpu_s(db) - server0
    t1 = time.perf_counter()
    again = period_close.run(context)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "server_cpu_s": server,
        "counts": dict(result.counts),
        "parts_s": dict(watch.spent),
        "second_run_s": time.perf_counter() - t1,
        "second_run_counts": dict(again.counts),
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }


def stored(db: Database) -> dict[str, int]:
    with db.engine.connect() as c:
        evaluations = c.execute(select(func.count()).select_from(Evaluation.__table__)).scalar_one()
        members = c.execute(select(func.count(func.distinct(Evaluation.__table__.c.member_id)))).scalar_one()
        versions = c.execute(select(func.count()).select_from(EvaluationVersion.__table__)).scalar_one()
        audited = c.execute(text("SELECT count(*) FROM audit_log WHERE action = 'evaluation.frozen'")).scalar_one()
        parents = c.execute(
            text("SELECT count(*) FROM outbox WHERE kind = 'checkin' AND reply_to IS NULL")
        ).scalar_one()
        replies = c.execute(
            text("SELECT count(*) FROM outbox WHERE kind = 'checkin' AND reply_to IS NOT NULL")
        ).scalar_one()
        reminders = c.execute(text("SELECT count(*) FROM reminder WHERE key LIKE 'checkin:%'")).scalar_one()
    return {
        "evaluations": evaluations,
        "reps": members,
        "versions": versions,
        "audited": audited,
        "checkin_parents": parents,
        "checkin_replies": replies,
        "reminders": reminders,
    }


def check_against_progress(db: Database, config: PacerConfig, reps: int, samples: int) -> int:
    """Compare `samples` random reps' evaluations with `/progress` for November; the number checked."""
    rng = random.Random(11)
    tz = ZoneInfo("UTC")
    for rep in rng.sample(range(1, reps + 1), min(samples, reps)):
        with db.reading() as session:
            member = session.get(Member, rep)
            assert member is not None and member.id is not None
            caller = Caller(
                workspace_id=1,
                team_id="TBENCH",
                member_id=rep,
                person=Person(user_id=member.user_id, name=member.name),
                tz=tz,
                today=CLOSE.date(),
                stale=False,
            )
            report = progress_service.progress(session, caller, member, config=config, period=NOVEMBER)
            found = evaluation_service.evaluation_of(session, workspace_id=1, member_id=rep, period_key=NOVEMBER.key)
        assert found is not None, f"rep {rep} has no evaluation"
        frozen = found.snapshot
        shown = [
            (line.metric, line.actual, line.target, line.attainment, line.contribution) for line in report.score.lines
        ]
        kept = [(line.metric, line.actual, line.target, line.attainment, line.points) for line in frozen.lines]
        assert shown == kept, f"rep {rep}: {shown} != {kept}"
        assert (report.score.total, report.score.rating) == (frozen.total, frozen.rating)
        assert [line.amount for line in report.payout.lines] == [line.amount for line in frozen.payout.lines]
        assert report.payout.total == frozen.payout.total
    return min(samples, reps)


def main() -> int:
    args = parse_args()
    url, schema, folder = setup(args.database_url, schema=args.schema, reuse=args.reuse)
    db = Database(url)
    upgrade(db.engine)
    config = PacerConfig(
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        training=TrainingConfig(required=list(REQUIRED_COURSES)),
        profiles={"farmer": {"cadence": "month"}},  # every rep closes at once
        evaluations=EvaluationsConfig(batch_size=args.batch_size),
    )
    if args.reuse:
        generation: dict[str, float] = {"reused": 1.0}
        print(f"measuring the existing data in {url}", flush=True)
    else:
        print(
            f"generating {args.reps:,} reps, {args.deals:,} deals, {args.activities:,} activities, "
            f"{args.surveys:,} surveys on {db.engine.dialect.name} …",
            flush=True,
        )
        generation = generate(db, args)
        print(f"  generated in {generation['generated_s']:.1f} s", flush=True)
    give_managers(db)
    runs = []
    for number in range(1, args.runs + 1):
        run = one_close(db, config)
        runs.append(run)
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in run["parts_s"].items())
        print(
            f"run {number}: closed {NOVEMBER.label} for {run['counts']['frozen']:,} reps, "
            f"{run['counts']['checkins']:,} check-ins queued, in {run['wall_s']:.1f} s "
            f"(CPU {run['cpu_s']:.1f} s here"
            + ("" if db.is_sqlite else f" + {run['server_cpu_s']:.1f} s server")
            + f"; {parts}); a second run {run['second_run_s'] * 1000:.0f} ms, "
            f"{run['second_run_counts']['frozen']} frozen; load average {run['load_before'][0]:.2f} → "
            f"{run['load_after'][0]:.2f}",
            flush=True,
        )
    counts = stored(db)
    assert counts == {
        "evaluations": args.reps,
        "reps": args.reps,
        "versions": args.reps,
        "audited": args.reps,
        "checkin_parents": args.reps,
        "checkin_replies": 2 * args.reps,
        "reminders": 2 * args.reps,
    }, counts
    checked = check_against_progress(db, config, args.reps, args.check)
    best = min(runs, key=lambda r: r["wall_s"])
    print(
        f"period close of {args.reps:,} reps: best {best['wall_s']:.1f} s, median "
        f"{statistics.median(r['wall_s'] for r in runs):.1f} s of {len(runs)} "
        f"({args.reps / best['wall_s']:,.0f} reps/s; batches of {args.batch_size}); stored {counts}; "
        f"{checked} random reps equal /progress exactly"
    )
    result = {
        "args": vars(args),
        "generation": generation,
        "runs": runs,
        "stored": counts,
    }
    finish("period_close", db, result, url=url, schema=schema, folder=folder, keep=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
