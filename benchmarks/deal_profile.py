"""Where one `/deal` spends its time, in-process: statements, sessions and milliseconds per stage.

Builds the app exactly as `pacer run` does (`create_app` + `WsgiApp`, a FakeSlack for `users.info`),
on a fresh migrated SQLite file (or `--database-url`), and calls the WSGI app directly with signed
`/deal <amount> <customer>` slash commands, one at a time, so nothing but the app is measured (no
HTTP server, no generator). Every rep logs one deal first (members registered, customers known).
Then, per request of the measured kind:

* SQL statements, counted with SQLAlchemy's `before_cursor_execute` on every engine (BEGIN
  included; COMMIT is the driver's `commit()`, counted as a commit), and read / write sessions
  (`Database.reading()` / `Database.transaction()`);
* wall and CPU time of the whole WSGI call, and inclusive wall time of each stage below (a
  stage's time includes the stages it calls; "Bolt" is the WSGI call minus the listener).

Kinds: `known` (a known customer, a new deal: the hot path), `new` (a new customer: includes the
near-match search), `replay` (the same trigger id again: answered from what is stored).

`--floor` measures the floor app (benchmarks/floor_app.py) the same way, for comparison.

Run: `.venv/bin/python benchmarks/deal_profile.py [--deals 400] [--kind known|new|replay] [--floor]`.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402
from sqlalchemy import event  # noqa: E402

from benchmarks.ack_latency import make_customers  # noqa: E402
from bot.config import PacerConfig, ProductLine, Team, Wins  # noqa: E402
from bot.store.engine import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.support import payloads  # noqa: E402

TEAM_ID = "TPROFILE1"
SECRET = "profile-signing-secret-0123456789"

# (module, attribute, stage name): wrapped before the app is built, if present.
STAGES = (
    ("bot.directory", "Directory.identify", "caller (directory.identify)"),
    ("bot.services.rules", "product_names", "rules.product_names"),
    ("handlers.deals", "parse_deal_command", "parse"),
    ("handlers.deals", "answer_command", "listener (answer_command)"),
    ("bot.services.deals", "log_deal", "service.log_deal"),
    ("bot.services.rules", "book", "rules.book (RuleBook built)"),
    ("bot.services.deals", "_tally", "tally"),
    ("handlers.blocks.deals", "logged", "reply blocks (blocks.logged)"),
    ("handlers.replies", "ephemeral", "reply body (ephemeral: to dicts)"),
)


class Meter:
    """Statements, sessions and stage times of the request in flight."""

    def __init__(self) -> None:
        self.on = False
        self.statements: list[str] = []
        self.commits = 0
        self.sessions: Counter[str] = Counter()
        self.stages: dict[str, float] = defaultdict(float)

    def reset(self) -> None:
        self.statements, self.commits, self.sessions, self.stages = [], 0, Counter(), defaultdict(float)

    def timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if self.on:
                    self.stages[name] += time.perf_counter() - started

        return wrapper

    def session(self, kind: str, cm: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(cm)
        @contextlib.contextmanager
        def wrapper(db: Database) -> Iterator[Any]:
            started = time.perf_counter()
            with cm(db) as session:
                yield session
            if self.on:
                self.sessions[kind] += 1
                self.stages[f"{kind} sessions (open → close)"] += time.perf_counter() - started

        return wrapper

    def trace(self, _transaction: object, sql: str) -> None:
        """`Database.tracers`: the statements of Direct transactions (bot.store.direct)."""
        if not self.on:
            return
        if sql == "COMMIT":
            self.commits += 1
        elif sql != "ROLLBACK":
            self.statements.append(" ".join(sql.split())[:110])

    def watch(self, engine: Any) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def _statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if self.on:
                self.statements.append(" ".join(statement.split())[:110])

        @event.listens_for(engine, "commit")
        def _commit(_conn: Any) -> None:
            if self.on:
                self.commits += 1


def instrument(meter: Meter) -> None:
    import importlib

    for module_name, attribute, stage in STAGES:
        module = importlib.import_module(module_name)
        owner: Any = module
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        if owner is None or not hasattr(owner, name):
            continue
        setattr(owner, name, meter.timed(stage, getattr(owner, name)))
    Database.reading = meter.session("read", Database.reading)  # type: ignore[method-assign]
    Database.transaction = meter.session("write", Database.transaction)  # type: ignore[method-assign]
    Database.direct_reading = meter.session("read", Database.direct_reading)  # type: ignore[method-assign]
    Database.direct_transaction = meter.session("write", Database.direct_transaction)  # type: ignore[method-assign]


def make_config(reps: list[str]) -> PacerConfig:
    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        wins=Wins(channel="CPROFWINS", threshold=Decimal("50000")),
        teams=[Team(name="Bench", manager="UPROFMGR", members=reps)],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=400, help="measured requests (default 400)")
    parser.add_argument("--kind", choices=("known", "new", "replay"), default="known")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--statements", action="store_true", help="print the statements of one request")
    parser.add_argument(
        "--floor", action="store_true", help="measure the floor app (benchmarks/floor_app.py) the same way instead"
    )
    args = parser.parse_args(argv)

    meter = Meter()
    instrument(meter)
    from bot.app import WsgiApp, create_app
    from bot.deps import build_deps

    workdir = tempfile.TemporaryDirectory(prefix="pacer-profile-")
    url = args.database_url or f"sqlite:///{workdir.name}/pacer.db"
    db = Database(url, checkpoint_in_background=True)  # as pacer run's workers
    upgrade(db.engine)
    meter.watch(db.engine)
    db.tracers.append(meter.trace)
    if db.read_engine is not db.engine:
        meter.watch(db.read_engine)
    reps = [f"UPROF{i:04d}" for i in range(args.reps)]
    slack = FakeSlack(token="xoxb-profile", team_id=TEAM_ID, team="Profile")
    for rep in reps:
        slack.add_user(rep, name=rep.lower(), real_name=f"Rep {rep}", tz="America/New_York")
    slack.start()
    deps = build_deps(
        config=make_config(reps), db=db, token=slack.token, base_url=slack.url, start_sender=False, background_workers=1
    )
    wsgi: Any = WsgiApp(create_app(signing_secret=SECRET, deps=deps), deps, signing_secret=SECRET)
    if args.floor:
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        from benchmarks import floor_app

        floor_db = Path(workdir.name) / "floor.db"
        floor_app.create_schema(floor_db)
        rows = floor_app.Rows(floor_db)
        floor = floor_app.create_floor_app(signing_secret=SECRET, token=slack.token, api_url=slack.url, rows=rows)
        wsgi = floor_app.FloorWsgi(SlackRequestHandler(floor))
    verifier = SignatureVerifier(SECRET)
    rng = random.Random(7)
    fresh = args.deals if args.kind == "new" else 0
    names, _ = make_customers(3 * len(reps) + fresh, seed=7)  # never near-matches of one another
    customers, new_customers = names[: 3 * len(reps)], names[3 * len(reps) :]

    def call(user: str, text: str, trigger: str) -> tuple[int, str]:
        body = payloads.slash_command(
            team_id=TEAM_ID, user_id=user, command="/deal", text=text, response_url=slack.response_url(trigger),
            trigger_id=trigger,
        )  # fmt: skip
        raw = body.encode()
        ts = str(int(time.time()))
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "QUERY_STRING": "",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(raw)),
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
            "HTTP_X_SLACK_SIGNATURE": verifier.generate_signature(timestamp=ts, body=body),
            "wsgi.input": io.BytesIO(raw),
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
        }
        status: list[str] = []
        chunks = wsgi(environ, lambda s, _h: status.append(s))
        return int(status[0].split()[0]), b"".join(chunks).decode()

    used: set[tuple[str, str, int]] = set()

    def text_for(rep: str, customer: str) -> str:
        while True:
            amount = rng.randint(5, 400) * 100
            if (rep, customer, amount) not in used:
                used.add((rep, customer, amount))
                return f"{amount} {customer}"

    for i, rep in enumerate(reps):  # warm-up: members registered, customers known
        for j in range(3):
            customer = customers[(3 * i + j) % len(customers)]
            status, body = call(rep, text_for(rep, customer), f"warm-{i}-{j}")
            assert status == 200 and "Logged D-" in body, body[:300]
    replayable = [(reps[i % len(reps)], f"warm-{i % len(reps)}-0") for i in range(args.deals)]

    walls, cpus, statements, sessions, commits = [], [], [], [], []
    stages: dict[str, list[float]] = defaultdict(list)
    example: list[str] = []
    for n in range(args.deals):
        rep = rng.choice(reps)
        trigger = f"m-{n}"
        if args.kind == "known":
            text = text_for(rep, rng.choice(customers))
        elif args.kind == "new":
            text = text_for(rep, new_customers[n])
        else:
            rep, trigger = replayable[n]
            text = "999999 ignored on replay"
        meter.reset()
        meter.on = True
        started, cpu = time.perf_counter(), time.process_time()
        status, body = call(rep, text, trigger)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        meter.on = False
        assert status == 200 and ("Logged D-" in body or "Already logged" in body), body[:300]
        statements.append(len(meter.statements))
        commits.append(meter.commits)
        sessions.append(dict(meter.sessions))
        for name, seconds in meter.stages.items():
            stages[name].append(seconds)
        if not example:
            example = list(meter.statements)

    def ms(values: list[float]) -> str:
        values = sorted(values)
        p99 = values[min(len(values) - 1, round(0.99 * len(values)))]
        return (
            f"{1000 * statistics.median(values):6.3f} ms median, {1000 * statistics.fmean(values):6.3f} mean, "
            f"{1000 * p99:6.3f} p99"
        )

    print(f"{args.kind}: {args.deals} requests on {db.engine.dialect.name}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"  statements per request: {Counter(statements).most_common()}  commits: {Counter(commits).most_common()}")
    kinds = Counter(tuple(sorted(s.items())) for s in sessions)
    print(f"  sessions per request: {[(dict(k), c) for k, c in kinds.most_common()]}")
    print(f"  WSGI call wall: {ms(walls)}   CPU: {ms(cpus)}")
    listener = stages.get("listener (answer_command)", [])
    if listener:
        bolt = [w - li for w, li in zip(walls, listener, strict=True)]
        print(f"  {'Bolt (signature, dispatch; WSGI − listener)':42s} {ms(bolt)}")
    for name in sorted(stages, key=lambda k: -statistics.fmean(stages[k])):
        per_request = stages[name] + [0.0] * (args.deals - len(stages[name]))
        print(f"  {name:42s} {ms(per_request)}")
    if args.statements:
        print("  statements of the first measured request:")
        for statement in example:
            print(f"    {statement}")
    deps.close()
    slack.stop()
    workdir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
