"""Outbox delivery at fan-out scale: 10,000 queued DMs in three workspaces, to a fake Slack.

Each run starts from a fresh database (migrated with the real migrations) holding the queued
nudges — one outbox row per rep, keyed `nudge:<user>:<date>`, a text and three blocks — and one
`OutboxSender` (bot/outbox.py) delivers them to a `FakeSlack` (tests/fakes/slack_api.py) in this
process, through a real `slack_sdk.WebClient` over HTTP on 127.0.0.1.

* (a) unthrottled: the fake never answers 429 and the sender's per-workspace budget is raised out
  of the way; wall clock; messages per second (target at least 200/s). Best of `--runs`.
* (b) throttled: the fake enforces a per-workspace limit per minute with 429 + Retry-After, on a
  simulated clock shared with the sender (the clock moves one second whenever the sender has
  nothing it may send, so 20 minutes of pacing take seconds). The sender keeps its budget
  (default 180/min). Target: 0 lost, 0 duplicated, 429s at most 1% of calls. Run with Slack's
  limit above the budget (`--slack-limit`, default 300/min) and, as a stress case, below it
  (`--tight-limit`, default 150/min: Slack allows less than the sender was told).

Every phase prints sent against due, and duplicates counted from what the fake Slack recorded.

    .venv/bin/python benchmarks/outbox_delivery.py                      # SQLite in a temp dir
    .venv/bin/python benchmarks/outbox_delivery.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/outbox_delivery.py --messages 1000 --runs 1   # quick
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import col, func, select  # noqa: E402

from bot.clock import Clock, system_clock  # noqa: E402
from bot.outbox import OutboxSender  # noqa: E402
from bot.store.engine import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.outbox import DEFAULT_PER_MINUTE  # noqa: E402
from bot.store.tables import OutboxMessage, Workspace  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.support.clock import FakeClock  # noqa: E402

NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
TEAMS = ("TBENCH1", "TBENCH2", "TBENCH3")


@dataclass
class Outcome:
    label: str
    due: int
    sent: int
    duplicated: int
    lost: int
    calls: int
    throttled: int
    seconds: float
    simulated_minutes: float | None = None

    def line(self) -> str:
        rate = f"{self.sent / self.seconds:,.0f} messages/s" if self.seconds else "-"
        share = 100 * self.throttled / self.calls if self.calls else 0.0
        simulated = f", {self.simulated_minutes:.1f} simulated min" if self.simulated_minutes is not None else ""
        return (
            f"{self.label}: sent {self.sent:,} of {self.due:,} due, {self.lost} lost, {self.duplicated} duplicated;"
            f" {self.calls:,} Slack calls, {self.throttled} answered 429 ({share:.2f}%);"
            f" {self.seconds:.2f} s wall{simulated}, {rate}"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of (a); the best is reported")
    parser.add_argument("--budget", type=int, default=DEFAULT_PER_MINUTE, help="sender budget per workspace, /min")
    parser.add_argument("--slack-limit", type=int, default=300, help="fake Slack's limit per workspace in (b), /min")
    parser.add_argument("--tight-limit", type=int, default=150, help="a limit below the budget for (b'); 0 skips it")
    parser.add_argument("--batch", type=int, default=50)
    return parser.parse_args()


class Bench:
    """A fresh database with the queued messages, and a fake Slack that knows every rep."""

    def __init__(self, args: argparse.Namespace, clock: Clock) -> None:
        self.args = args
        self.folder: Path | None = None
        self.schema: str | None = None
        self.url = self._fresh_url(args.database_url)
        self.db = Database(self.url)
        upgrade(self.db.engine)
        self.users = self._queue(args.messages)
        self.fake = FakeSlack(clock=clock)
        for user, team in self.users:
            self.fake.add_user(user, team_id=team)
        self.fake.start()

    def _fresh_url(self, url: str | None) -> str:
        if url is None or url.startswith("sqlite"):
            self.folder = Path(tempfile.mkdtemp(prefix="pacer-outbox-"))
            return f"sqlite:///{self.folder / 'bench.db'}"
        base = make_url(url)
        if base.drivername == "postgresql":
            base = base.set(drivername="postgresql+psycopg")
        self.schema = "pacer_bench_outbox"
        admin = create_engine(base)
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {self.schema}"))
        admin.dispose()
        return base.update_query_dict({"options": f"-csearch_path={self.schema}"}).render_as_string(hide_password=False)

    def _queue(self, count: int) -> list[tuple[str, str]]:
        users = [(f"U{n:07d}", TEAMS[n % len(TEAMS)]) for n in range(count)]
        with self.db.transaction() as session:
            ids = {}
            for team in TEAMS:
                workspace = Workspace(team_id=team, created_at=NOW)
                session.add(workspace)
                session.flush()
                ids[team] = workspace.id
            rows = [
                {
                    "workspace_id": ids[team],
                    "key": f"nudge:{user}:2026-11-24",
                    "kind": "nudge",
                    "channel": user,
                    "payload": _nudge(user),
                    "status": "pending",
                    "attempts": 0,
                    "checks": 0,
                    "not_before": NOW,
                    "created_at": NOW,
                }
                for user, team in users
            ]
            for start in range(0, len(rows), 2_000):
                session.connection().execute(insert(OutboxMessage), rows[start : start + 2_000])
        return users

    def sender(self, clock: Clock, per_minute: int) -> OutboxSender:
        client = WebClient(token=self.fake.token, base_url=self.fake.url, timeout=10, retry_handlers=[])
        return OutboxSender(db=self.db, client=client, clock=clock, per_minute=per_minute, batch=self.args.batch)

    def in_flight(self) -> int:
        with self.db.reading() as session:
            final = ("sent", "failed", "unknown")
            return int(session.exec(select(func.count()).where(col(OutboxMessage.status).not_in(final))).one())

    def outcome(self, label: str, seconds: float, simulated_minutes: float | None = None) -> Outcome:
        keys = Counter(m["metadata"]["event_payload"]["key"] for m in self.fake.posted())
        due = {f"nudge:{user}:2026-11-24" for user, _ in self.users}
        with self.db.reading() as session:
            sent = int(session.exec(select(func.count()).where(col(OutboxMessage.status) == "sent")).one())
        calls = self.fake.calls()
        return Outcome(
            label=label,
            due=len(due),
            sent=sent,
            duplicated=sum(n - 1 for n in keys.values() if n > 1),
            lost=len(due - set(keys)),
            calls=len(calls),
            throttled=sum(c.outcome == "429" for c in calls),
            seconds=seconds,
            simulated_minutes=simulated_minutes,
        )

    def close(self) -> None:
        self.fake.stop()
        self.db.dispose()
        if self.schema is not None:
            admin = create_engine(make_url(self.url).set(query={}))
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {self.schema} CASCADE"))
            admin.dispose()
        if self.folder is not None:
            shutil.rmtree(self.folder)


def _nudge(user: str) -> dict[str, object]:
    return {
        "text": f"Good morning <@{user}>: revenue 62% of target at 57% of the month — ahead of pace.",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Good morning <@{user}>*"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Revenue* $62,000 of $100,000 (62%), pace 57%: ahead"},
            },
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Log a deal"}, "action_id": "log_deal"},
                    {"type": "button", "text": {"type": "plain_text", "text": "Log an activity"}, "action_id": "log"},
                ],
            },
        ],
        "unfurl_links": False,
    }


def unthrottled(args: argparse.Namespace) -> Outcome:
    bench = Bench(args, system_clock)
    try:
        sender = bench.sender(system_clock, per_minute=10**9)
        started = time.perf_counter()
        while bench.in_flight():
            sender.run_until_idle()
        return bench.outcome("(a) unthrottled", time.perf_counter() - started)
    finally:
        bench.close()


def throttled(args: argparse.Namespace, limit: int, label: str) -> Outcome:
    clock = FakeClock(NOW)
    bench = Bench(args, clock)
    try:
        bench.fake.rate_limit("chat.postMessage", per_minute=limit)
        sender = bench.sender(clock, per_minute=args.budget)
        started = time.perf_counter()
        while bench.in_flight():
            if not sender.run_until_idle().handled:
                clock.advance(seconds=1)
        simulated = (clock() - NOW) / timedelta(minutes=1)
        return bench.outcome(
            f"{label} Slack limit {limit}/min, budget {args.budget}/min", time.perf_counter() - started, simulated
        )
    finally:
        bench.close()


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.ERROR)  # the sender warns once per 429; not interesting here
    database = "PostgreSQL" if args.database_url and args.database_url.startswith("postgres") else "SQLite"
    print(f"outbox delivery: {args.messages:,} DMs in {len(TEAMS)} workspaces, {database}")
    runs = []
    for run in range(1, args.runs + 1):
        runs.append(unthrottled(args))
        print(f"  run {run}: {runs[-1].line()}")
    best = max(runs, key=lambda o: o.sent / o.seconds)
    print(f"best of {len(runs)}: {best.line()}")
    results = [best, throttled(args, args.slack_limit, "(b)")]
    print(results[-1].line())
    if args.tight_limit:
        results.append(throttled(args, args.tight_limit, "(b')"))
        print(results[-1].line())
    failed = [o.label for o in results if o.lost or o.duplicated or o.sent != o.due]
    if best.sent / best.seconds < 200:
        failed.append("(a) below 200 messages/s")
    if results[1].throttled > results[1].calls / 100:
        failed.append("(b) more than 1% of calls answered 429")
    print("all targets met" if not failed else f"missed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
