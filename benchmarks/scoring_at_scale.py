"""Scoring at scale: every rep's scorecard for one period, and `/progress` for one rep.

Generates 10,000 reps, 1,000,000 deals and 2,000,000 activities over two years (deterministic
random data) into a Pacer database migrated with the real migrations, then measures:

* all reps: SQL aggregation of every metric (`bot.store.metrics.actuals`) plus scoring each rep
  with their profile's scorecard and targets (`scoring.scorecard.score`) — target under 1 s on
  SQLite on a 2-core machine;
* one rep: the `/progress` service (`bot.services.progress.progress`) for random reps — target
  p99 under 20 ms.

    .venv/bin/python benchmarks/scoring_at_scale.py                       # SQLite in a temp dir
    .venv/bin/python benchmarks/scoring_at_scale.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/scoring_at_scale.py --reps 1000 --deals 100000 --activities 200000   # quick

Against PostgreSQL the data goes into a schema of its own (`pacer_bench`), dropped at the end
unless --keep. Results are printed and written to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.config import PacerConfig, ProductLine, TrainingConfig  # noqa: E402
from bot.directory import Caller  # noqa: E402
from bot.services import rules  # noqa: E402
from bot.services.progress import progress  # noqa: E402
from bot.store import goals, metrics  # noqa: E402
from bot.store.engine import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.tables import (  # noqa: E402
    Activity,
    CsatResult,
    Customer,
    Deal,
    Member,
    TrainingCompletion,
    Workspace,
)
from scoring.people import Person  # noqa: E402
from scoring.periods import month_of  # noqa: E402
from scoring.scorecard import score  # noqa: E402

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 15, tzinfo=UTC)
START = TODAY - timedelta(days=730)
KINDS = ("call", "email", "meeting", "visit", "demo", "proposal", "lead", "followup")
CHUNK = 50_000
REQUIRED_COURSES = ("Negotiation", "Premium Selling")
CONCURRENT = os.environ.get("PACER_BENCH_SERIAL") is None  # PACER_BENCH_SERIAL=1: one query after another
APPLICATION = "pacer-scoring-bench"  # PostgreSQL application_name: finds the server processes whose CPU we count


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temp dir")
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=60_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=2_000_000)
    parser.add_argument("--surveys", type=int, default=240_000, help="CSAT survey results over the two years")
    parser.add_argument("--samples", type=int, default=300, help="/progress calls to time")
    parser.add_argument("--runs", type=int, default=5, help="all-reps runs (best and median are reported)")
    parser.add_argument("--keep", action="store_true", help="keep the database (and print where it is)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the data an earlier --keep run left (a SQLite --database-url, or the PostgreSQL schema)",
    )
    parser.add_argument("--schema", default="pacer_bench", help="PostgreSQL schema for the data")
    return parser.parse_args()


def setup(url: str | None, *, schema: str, reuse: bool) -> tuple[str, str | None, Path | None]:
    if url is not None and url.startswith("sqlite"):
        return url, None, None
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="pacer-scoring-"))
        return f"sqlite:///{folder / 'bench.db'}", None, folder
    base = make_url(url)
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    if not reuse:
        admin = create_engine(base)
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
    return (
        base.update_query_dict(
            {"options": f"-csearch_path={schema}", "application_name": APPLICATION}
        ).render_as_string(hide_password=False),
        schema,
        None,
    )


def generate(db: Database, args: argparse.Namespace) -> dict[str, float]:
    rng = random.Random(20261128)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with db.engine.begin() as c:
        c.execute(
            insert(Workspace.__table__),
            [{"id": 1, "team_id": "TBENCH", "created_at": NOW, "deal_seq": 0, "activity_seq": 0}],
        )
        c.execute(
            insert(Member.__table__),
            [
                {
                    "id": i,
                    "workspace_id": 1,
                    "user_id": f"UB{i:07d}",
                    "name": f"Rep {i}",
                    "role": "rep",
                    "profile": ("hunter", "farmer", "strategic")[i % 3],
                    "tz": "Asia/Shanghai",
                    "is_bot": False,
                    "deleted": False,
                    "created_at": NOW,
                    "refreshed_at": NOW,
                }
                for i in range(1, args.reps + 1)
            ],
        )
        for first in range(1, args.customers + 1, CHUNK):
            c.execute(
                insert(Customer.__table__),
                [
                    {
                        "id": k,
                        "workspace_id": 1,
                        "name": f"Customer {k}",
                        "name_key": f"customer{k}",
                        "source": "csv",
                        "created_by": "import",
                        "created_at": NOW,
                    }
                    for k in range(first, min(first + CHUNK, args.customers + 1))
                ],
            )
    # each rep works a book of customers, so repurchase and first-deal rules have something to find
    book = {rep: [rng.randrange(1, args.customers + 1) for _ in range(12)] for rep in range(1, args.reps + 1)}
    lines = (None, "Core", "Core", "Enterprise")
    number = 0
    for first in range(0, args.deals, CHUNK):
        rows = []
        for _ in range(min(CHUNK, args.deals - first)):
            number += 1
            rep = rng.randrange(1, args.reps + 1)
            signed = START + timedelta(days=rng.randrange(731))
            paid = signed + timedelta(days=rng.randrange(0, 45)) if rng.random() < 0.8 else None
            rows.append(
                {
                    "workspace_id": 1,
                    "number": number,
                    "owner_id": rep,
                    "customer_id": rng.choice(book[rep]),
                    "amount_minor": rng.randrange(50_000, 5_000_000),
                    "currency": "USD",
                    "product_line": rng.choice(lines),
                    "signed_on": signed,
                    "paid_on": paid if paid is None or paid <= TODAY else None,
                    "source": "csv",
                    "source_key": f"bench:{number}",
                    "created_at": NOW,
                    "voided_at": NOW if rng.random() < 0.02 else None,
                }
            )
        with db.engine.begin() as c:
            c.execute(insert(Deal.__table__), rows)
    timings["deals_inserted_s"] = time.perf_counter() - started
    number = 0
    for first in range(0, args.activities, CHUNK):
        rows = []
        for _ in range(min(CHUNK, args.activities - first)):
            number += 1
            rows.append(
                {
                    "workspace_id": 1,
                    "number": number,
                    "owner_id": rng.randrange(1, args.reps + 1),
                    "kind": rng.choice(KINDS),
                    "count": rng.randrange(1, 6),
                    "occurred_on": START + timedelta(days=rng.randrange(731)),
                    "source": "csv",
                    "source_key": f"bench-a:{number}",
                    "created_at": NOW,
                }
            )
        with db.engine.begin() as c:
            c.execute(insert(Activity.__table__), rows)
    # CSAT surveys of each rep's book customers, and the required courses half-way done
    for first in range(0, args.surveys, CHUNK):
        rows = []
        for i in range(first, min(first + CHUNK, args.surveys)):
            rep = rng.randrange(1, args.reps + 1)
            rows.append(
                {
                    "workspace_id": 1,
                    "member_id": rep,
                    "customer_id": rng.choice(book[rep]),
                    "score": rng.choice((1, 2, 3, 3, 4, 4, 4, 5, 5, 5)),
                    "surveyed_on": START + timedelta(days=rng.randrange(731)),
                    "source": "csv",
                    "source_key": f"bench-s:{i}",
                    "recorded_by": "import",
                    "created_at": NOW,
                }
            )
        with db.engine.begin() as c:
            c.execute(insert(CsatResult.__table__), rows)
    courses = [
        {
            "workspace_id": 1,
            "member_id": rep,
            "course": course,
            "completed_on": START + timedelta(days=rng.randrange(731)),
            "source": "csv",
            "recorded_by": "import",
            "created_at": NOW,
        }
        for rep in range(1, args.reps + 1)
        for course in REQUIRED_COURSES
        if rng.random() < 0.6
    ]
    with db.engine.begin() as c:
        if courses:
            c.execute(insert(TrainingCompletion.__table__), courses)
        c.execute(text(f"UPDATE workspace SET deal_seq = {args.deals}, activity_seq = {args.activities}"))
        if db.is_sqlite:
            c.execute(text("ANALYZE"))
    if not db.is_sqlite:  # as autovacuum would: statistics, and the visibility map index-only scans rely on
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM (ANALYZE)"))
    timings["generated_s"] = time.perf_counter() - started
    return timings


def server_cpu_s(db: Database) -> float:
    """CPU seconds used so far by the PostgreSQL server processes serving this benchmark (0 on SQLite, where
    the database works inside this process and `time.process_time` already counts it)."""
    if db.is_sqlite:
        return 0.0
    with db.engine.connect() as c:
        pids = c.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = :a"), {"a": APPLICATION})
        total = 0
        for (pid,) in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # another machine, or the backend has gone
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def all_reps(db: Database, config: PacerConfig, reps: int) -> dict[str, float]:
    """Every rep's actuals, targets and score for the month; wall time split into SQL and scoring, and CPU
    time (this process, and the PostgreSQL server processes) so a busy machine can be told from slow code."""
    period = month_of(TODAY)
    server0 = server_cpu_s(db)
    t0, cpu0 = time.perf_counter(), time.process_time()
    with db.reading() as session:
        profiles = dict(session.connection().execute(text("SELECT id, profile FROM member")).all())
        # repurchase_rate scans a year of deals: compute it only for reps whose scorecard has it
        wants_repurchase = {
            name: any(line.metric == "repurchase_rate" for line in profile.scorecard.lines)
            for name, profile in config.all_profiles.items()
        }
        default = wants_repurchase[config.default_profile]
        in_force = rules.period_rules(session, workspace_id=1, config=config, period=period)  # as the app reads them
        found = metrics.actuals(
            session,
            workspace_id=1,
            period=period,
            rule=in_force.counting,
            premium_lines=in_force.premium_lines,
            required_courses=set(config.training.required),
            repurchase_for=[rep for rep, name in profiles.items() if wants_repurchase.get(name, default)],
            concurrent=CONCURRENT,
        )
        targets = goals.targets(session, workspace_id=1, period=period)
    t1, cpu1 = time.perf_counter(), time.process_time()
    empty = metrics._empty(set(config.training.required))
    cards = {name: profile.scorecard for name, profile in config.all_profiles.items()}
    default_card = cards[config.default_profile]
    scored = [
        score(
            cards.get(profiles.get(rep) or "", default_card),
            actuals=found.get(rep, empty),
            targets=targets.get(rep, {}),
        )
        for rep in range(1, reps + 1)
    ]
    t2, cpu2 = time.perf_counter(), time.process_time()
    assert len(scored) == reps
    return {
        "sql_s": t1 - t0,
        "scoring_s": t2 - t1,
        "total_s": t2 - t0,
        "sql_cpu_s": cpu1 - cpu0,
        "scoring_cpu_s": cpu2 - cpu1,
        "server_cpu_s": server_cpu_s(db) - server0,
        "reps_with_records": len(found),
    }


def one_rep(db: Database, config: PacerConfig, reps: int, samples: int) -> dict[str, float]:
    rng = random.Random(7)
    tz = ZoneInfo("Asia/Shanghai")
    durations = []
    server0, cpu0 = server_cpu_s(db), time.process_time()
    for _ in range(samples):
        rep = rng.randrange(1, reps + 1)
        caller = Caller(
            workspace_id=1,
            team_id="TBENCH",
            member_id=rep,
            person=Person(user_id=f"UB{rep:07d}", name=f"Rep {rep}"),
            tz=tz,
            today=TODAY,
            stale=False,
        )
        started = time.perf_counter()
        with db.reading() as session:
            member = session.get(Member, rep)
            assert member is not None
            progress(session, caller, member, config=config)
        durations.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu0) / samples * 1000
    server = (server_cpu_s(db) - server0) / samples * 1000
    durations.sort()
    return {
        "cpu_ms": cpu,
        "server_cpu_ms": server,
        "p50_ms": statistics.median(durations),
        "p95_ms": durations[int(0.95 * (len(durations) - 1))],
        "p99_ms": durations[int(0.99 * (len(durations) - 1))],
        "max_ms": durations[-1],
        "samples": samples,
    }


def main() -> int:
    args = parse_args()
    url, schema, folder = setup(args.database_url, schema=args.schema, reuse=args.reuse)
    db = Database(url)
    upgrade(db.engine)
    config = PacerConfig(
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        training=TrainingConfig(required=list(REQUIRED_COURSES)),
    )
    if args.reuse:
        generation: dict[str, float] = {"reused": 1.0}
        print(f"measuring the existing data in {url}", flush=True)
    else:
        print(
            f"generating {args.reps:,} reps, {args.deals:,} deals, {args.activities:,} activities, "
            f"{args.surveys:,} surveys on "
            f"{db.engine.dialect.name} …",
            flush=True,
        )
        generation = generate(db, args)
        print(f"  generated in {generation['generated_s']:.1f} s", flush=True)
    runs = [all_reps(db, config, args.reps) for _ in range(args.runs)]
    best = min(runs, key=lambda r: r["total_s"])
    print(
        f"every rep's scorecard for {month_of(TODAY).label}: best of {args.runs} {best['total_s'] * 1000:.0f} ms "
        f"(SQL {best['sql_s'] * 1000:.0f} ms + scoring {best['scoring_s'] * 1000:.0f} ms; "
        f"{best['reps_with_records']:,} reps with records), median "
        f"{statistics.median(r['total_s'] for r in runs) * 1000:.0f} ms; all runs: "
        + ", ".join(f"{r['total_s'] * 1000:.0f}" for r in runs)
        + " ms"
    )
    print(
        "  CPU per run, least of all runs: this process "
        f"{min(r['sql_cpu_s'] + r['scoring_cpu_s'] for r in runs) * 1000:.0f} ms "
        f"(SQL part {min(r['sql_cpu_s'] for r in runs) * 1000:.0f} ms, scoring "
        f"{min(r['scoring_cpu_s'] for r in runs) * 1000:.0f} ms)"
        + ("" if db.is_sqlite else f", PostgreSQL server {min(r['server_cpu_s'] for r in runs) * 1000:.0f} ms")
    )
    single = one_rep(db, config, args.reps, args.samples)
    print(
        f"/progress for one rep ({single['samples']} random reps): p50 {single['p50_ms']:.1f} ms, "
        f"p95 {single['p95_ms']:.1f} ms, p99 {single['p99_ms']:.1f} ms, max {single['max_ms']:.1f} ms; "
        f"CPU per call {single['cpu_ms']:.1f} ms"
        + ("" if db.is_sqlite else f" + server {single['server_cpu_ms']:.1f} ms")
    )
    result = {
        "args": vars(args),
        "generation": generation,
        "all_reps_runs": runs,
        "one_rep": single,
    }
    finish("scoring", db, result, url=url, schema=schema, folder=folder, keep=args.keep)
    return 0


def finish(
    name: str, db: Database, result: dict[str, Any], *, url: str, schema: str | None, folder: Path | None, keep: bool
) -> None:
    """Write the figures, with the database and the machine they were measured on, to benchmarks/results/;
    then drop the data set unless it is to be kept."""
    machine = {"cpu_count": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    result = {"database": db.engine.dialect.name, "machine": machine, **result}
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}-{db.engine.dialect.name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"written: {path}")
    db.dispose()
    if keep:
        print(f"kept: {url}")
    elif schema is not None:
        admin = create_engine(make_url(url).set(query={}))
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    elif folder is not None:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()


if __name__ == "__main__":
    sys.exit(main())
