"""A new-customer `/deal` at 1,000, 10,000 and 100,000 customers: the "Did you mean …?" near match.

Issue 14's target: a new-customer `/deal` at 100,000 customers within 2× its cost at 1,000, with the
suggestions unchanged.

Measured through the service the `/deal` handler calls, `bot.services.deals.log_deal` (its read
snapshot, the near match, then the write transaction that stores the deal and the new customer, or
the question "did you mean …?"), not over HTTP: HTTP, signature checks and Block Kit rendering cost
the same at every size and would only blur the comparison. One database (migrated with the real
migrations) holds a workspace per size, each with 20 reps and that many customers with company names
(an invented brand or a common word or surname, maybe a second word, a trade, usually a legal form;
some CJK, German and French names; about 15 % are near-duplicates of another customer: a typo,
another legal form, a word added or dropped). Requests go to the sizes in turn (one for 1,000, one
for 10,000, one for 100,000, again), so whatever else runs on the machine weighs on every size alike.
Per size, in this one process:

* cold start — the first new-customer request, which loads the workspace's customers into this
  process's index (once per process and workspace);
* `--requests` new-customer deals (names no customer has; about a third are a typo of an existing
  customer, so the app asks "did you mean …?"), alternating between two paths:
  * **new**: the code as it is (`bot.services.customer_index.suggest`);
  * **old**: the same request with the suggestion computed as before issue 14,
    `close_matches(name, keys_and_names(...))` (patched in for that request only; every
    `--requests / --old-requests`-th request);
* per path: median, p95 and max wall time per request, and CPU time per request of this process
  (SQLite runs inside it; on PostgreSQL the server's CPU is shown apart);
* a check that both paths suggest exactly the same names for `--check` other names;
* the occasional costs: the count the index runs once a minute (`RECHECK`) to catch customers
  committed out of id order, and the memory of the index with its names and keys (tracemalloc).

At the end: the new path's median and p95 at the largest size over the smallest (the target: ≤ 2).

    .venv/bin/python benchmarks/new_customer_deal.py                         # SQLite in a temp dir
    .venv/bin/python benchmarks/new_customer_deal.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/new_customer_deal.py --sizes 1000,10000 --requests 100 --old-requests 20

Results are printed and written to benchmarks/results/new_customer_deal-<database>-<UTC timestamp>.json
(git-ignored). Against PostgreSQL the data goes into a schema of its own (`pacer_bench_match`), dropped at
the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import select  # noqa: E402

from benchmarks.scoring_at_scale import finish, server_cpu_s, setup  # noqa: E402
from bot.config import PacerConfig, ProductLine  # noqa: E402
from bot.directory import Caller  # noqa: E402
from bot.services import customer_index, deals  # noqa: E402
from bot.store import customers  # noqa: E402
from bot.store.engine import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.tables import Customer, Member, Workspace  # noqa: E402
from scoring.customers import KeyIndex, close_matches, name_key  # noqa: E402
from scoring.money import Money  # noqa: E402
from scoring.people import Person  # noqa: E402
from scoring.records import Source  # noqa: E402
from scoring.requests import DealRequest  # noqa: E402

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 15, tzinfo=UTC)
REPS = 20
CHUNK = 20_000


def words(text: str) -> list[str]:
    return text.split()


FIRST = words(
    "Acme Apex Atlas Aurora Beacon Birch Blue Bright Cedar Clear Coastal Copper Crescent Crystal Delta Eagle "
    "East Ember Evergreen Falcon Fox Frontier Golden Granite Green Harbor Hawk Highland Horizon Iron Ivy Jade "
    "Juniper Keystone Lake Liberty Lighthouse Lotus Maple Meadow Meridian Midwest Monarch Noble North Nova Oak "
    "Ocean Orion Pacific Peak Pine Pinnacle Pioneer Prairie Prime Quantum Quest Raven Red Redwood Ridge River "
    "Rock Royal Sage Sapphire Sequoia Sierra Silver Sky Solar South Spring Star Sterling Stone Summit Sun "
    "Swift Terra Thunder Titan Trinity True Union United Valley Vanguard Vector Vertex Vista West Willow Zenith "
    "Anderson Baker Becker Bennett Brooks Carter Chen Clark Diaz Evans Fischer Garcia Gupta Hansen Hoffmann "
    "Ito Jansen Kim Kowalski Larsen Lee Lopez Meyer Miller Moreau Murphy Nguyen Nakamura Novak Olsen Patel "
    "Petrov Rossi Schmidt Schneider Silva Singh Smith Tanaka Thompson Wagner Walker Weber Wong Young Zhang"
)
TRADE = words(
    "Logistics Systems Solutions Foods Bakery Dental Legal Partners Capital Ventures Labs Software Analytics "
    "Energy Motors Pharma Health Media Studios Builders Construction Consulting Design Robotics Networks "
    "Telecom Farms Brewing Textiles Freight Marine Aviation Insurance Realty Hotels Retail Outfitters Supply "
    "Electric Plumbing Dynamics Industries Manufacturing Technologies Biotech Clinics Imports Trading Security "
    "Staffing Advisors Accounting Architects Printing Packaging Chemicals Metals Plastics Furniture Apparel"
)
FORM = ["Inc", "Inc.", "LLC", "Ltd", "Ltd.", "GmbH", "Corp", "Co.", "Group", "Holdings", "S.A.", "AG", "B.V.", "PLC"]
ELSEWHERE = [
    "北京{}科技有限公司",
    "上海{}贸易有限公司",
    "株式会社{}",
    "{} Gesellschaft für Logistik mbH",
    "Société {} et Fils",
    "Müller & {} KG",
    "Hôtel {} SARL",
]
CJK = "华龙天海金明星光东南西北中山新宏达信和安康泰丰盛源"
SYLLABLES = words(
    "ab al an ar bel bri cor da del dor el en fa gen hal in ka kor la lex lo ly ma mer mi na nex no "
    "or pa per qua ra ri ro sa sel sol ta tek ten tri ul va ven vi vo xa za zen zy"
)


def company(rng: random.Random) -> str:
    if rng.random() < 0.05:
        filler = "".join(rng.choice(CJK) for _ in range(2)) if rng.random() < 0.4 else rng.choice(FIRST)
        return rng.choice(ELSEWHERE).format(filler)
    words = [brand(rng) if rng.random() < 0.35 else rng.choice(FIRST)]
    if rng.random() < 0.45:
        words.append(rng.choice(FIRST))
    words.append(rng.choice(TRADE))
    if rng.random() < 0.8:
        words.append(rng.choice(FORM))
    if rng.random() < 0.05:
        words.append(str(rng.randint(2, 999)))
    return " ".join(words)


def brand(rng: random.Random) -> str:
    """An invented brand name of two or three syllables ("Zylotek", "Brivana")."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def typo(rng: random.Random, name: str) -> str:
    chars = list(name)
    at = rng.randrange(len(chars))
    match rng.randrange(4):
        case 0:
            del chars[at]
        case 1:
            chars.insert(at, rng.choice("aeiorstln"))
        case 2:
            chars[at] = rng.choice("aeiorstln")
        case _:
            if at + 1 < len(chars):
                chars[at], chars[at + 1] = chars[at + 1], chars[at]
    return "".join(chars)


def variant(rng: random.Random, name: str) -> str:
    """A near-duplicate of `name`, as people type them: a typo, another legal form, a word more or less."""
    words = name.split()
    match rng.randrange(4):
        case 0:
            return typo(rng, name)
        case 1 if words[-1] in FORM:
            return " ".join([*words[:-1], rng.choice(FORM)])
        case 2 if len(words) > 2:
            del words[rng.randrange(len(words))]
            return " ".join(words)
        case _:
            return f"{name} {rng.choice(['Group', 'Holdings', 'International', 'USA', 'Europe'])}"


def customer_names(rng: random.Random, count: int) -> list[str]:
    names: dict[str, str] = {}
    listed: list[str] = []
    while len(names) < count:
        name = variant(rng, rng.choice(listed[-500:])) if listed and rng.random() < 0.15 else company(rng)
        key = name_key(name)
        if key and key not in names:
            names[key] = name
            listed.append(name)
    return listed


def request_names(rng: random.Random, existing: list[str], count: int) -> list[str]:
    """Names no customer has: a third are typos of an existing customer, the rest new companies."""
    taken = {name_key(name) for name in existing}
    found: list[str] = []
    while len(found) < count:
        name = typo(rng, rng.choice(existing)) if len(found) % 3 == 0 else company(rng)
        key = name_key(name)
        if key and key not in taken:
            taken.add(key)
            found.append(name)
    rng.shuffle(found)  # typos and new companies spread evenly over both paths
    return found


def populate(db: Database, workspace_id: int, names: list[str]) -> None:
    with db.engine.begin() as c:
        c.execute(
            insert(Workspace.__table__),
            [{"id": workspace_id, "team_id": f"TB{workspace_id}", "created_at": NOW, "deal_seq": 0, "activity_seq": 0}],
        )
        c.execute(
            insert(Member.__table__),
            [
                {
                    "workspace_id": workspace_id,
                    "user_id": f"UB{workspace_id}{rep:05d}",
                    "name": f"Rep {rep}",
                    "role": "rep",
                    "profile": "hunter",
                    "tz": "America/New_York",
                    "is_bot": False,
                    "deleted": False,
                    "created_at": NOW,
                    "refreshed_at": NOW,
                }
                for rep in range(REPS)
            ],
        )
        for first in range(0, len(names), CHUNK):
            c.execute(
                insert(Customer.__table__),
                [
                    {
                        "workspace_id": workspace_id,
                        "name": name,
                        "name_key": name_key(name),
                        "source": "csv",
                        "created_by": "import",
                        "created_at": NOW,
                    }
                    for name in names[first : first + CHUNK]
                ],
            )


def callers(db: Database, workspace_id: int) -> list[Caller]:
    with db.reading() as session:
        rows = session.exec(select(Member).where(Member.workspace_id == workspace_id).order_by(Member.id)).all()  # type: ignore[arg-type]
    return [
        Caller(
            workspace_id=workspace_id,
            team_id=f"TB{workspace_id}",
            member_id=int(row.id),
            person=Person(user_id=row.user_id, name=row.name),
            tz=ZoneInfo("America/New_York"),
            today=TODAY,
            stale=False,
        )
        for row in rows
    ]


def old_suggest(session: Any, *, workspace_id: int, name: str, now: datetime, limit: int = 3) -> list[str]:
    """The near match before issue 14: every customer of the workspace read and scored."""
    del now
    return close_matches(name, customers.keys_and_names(session, workspace_id=workspace_id), limit=limit)


@contextmanager
def suggesting(with_: Callable[..., list[str]]) -> Iterator[None]:
    kept = customer_index.suggest
    customer_index.suggest = with_  # type: ignore[assignment]
    try:
        yield
    finally:
        customer_index.suggest = kept  # type: ignore[assignment]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(wall: list[float], cpu: list[float]) -> dict[str, float]:
    return {
        "requests": len(wall),
        "p50_ms": statistics.median(wall),
        "p95_ms": percentile(wall, 0.95),
        "max_ms": max(wall),
        "cpu_p50_ms": statistics.median(cpu),
        "cpu_p95_ms": percentile(cpu, 0.95),
    }


class Workload:
    """One size: its workspace, its reps, the names its requests use, and what they measured."""

    def __init__(self, db: Database, size: int, workspace_id: int, args: argparse.Namespace) -> None:
        self.db, self.size, self.workspace_id = db, size, workspace_id
        rng = random.Random(20261209 + size)
        started = time.perf_counter()
        self.existing = customer_names(rng, size)
        populate(db, workspace_id, self.existing)
        self.generated_s = time.perf_counter() - started
        self.reps = callers(db, workspace_id)
        self.config = PacerConfig(product_lines=[ProductLine(name="Core")])
        self.names = request_names(rng, self.existing, args.requests + 1)
        self.wall: dict[str, list[float]] = {"new": [], "old": []}
        self.cpu: dict[str, list[float]] = {"new": [], "old": []}
        self.server_s: dict[str, float] = {"new": 0.0, "old": 0.0}
        self.answers: dict[str, Counter[str]] = {"new": Counter(), "old": Counter()}
        self.by_answer: dict[tuple[str, str], list[float]] = {}
        self.cold: tuple[float, float] = (0.0, 0.0)

    def log(self, index: int, path: str) -> None:
        request = DealRequest(amount=Money(amount=Decimal(1000 + index), currency="USD"), customer=self.names[index])
        server0 = 0.0 if self.db.is_sqlite else server_cpu_s(self.db)
        with suggesting(old_suggest if path == "old" else customer_index.suggest):
            wall0, cpu0 = time.perf_counter(), time.thread_time()
            outcome = deals.log_deal(
                self.db,
                self.reps[index % len(self.reps)],
                request,
                config=self.config,
                source=Source.SLACK_COMMAND,
                source_key=f"bench:{self.workspace_id}:{index}",
                now=NOW + timedelta(seconds=index),
            )
            wall, cpu = (time.perf_counter() - wall0) * 1000, (time.thread_time() - cpu0) * 1000
        if index == 0:  # the first loads this workspace into the process's index
            self.cold = (wall, cpu)
            return
        self.wall[path].append(wall)
        self.cpu[path].append(cpu)
        self.answers[path][type(outcome).__name__] += 1
        self.by_answer.setdefault((path, type(outcome).__name__), []).append(wall)
        if not self.db.is_sqlite:
            self.server_s[path] += server_cpu_s(self.db) - server0

    def result(self, checks: int) -> dict[str, Any]:
        checked = request_names(random.Random(self.size), self.existing, checks)
        workspace_id = self.workspace_id
        with self.db.reading() as session:
            new = [customer_index.suggest(session, workspace_id=workspace_id, name=n, now=NOW) for n in checked]
            old = [old_suggest(session, workspace_id=workspace_id, name=n, now=NOW) for n in checked]
            count0 = time.perf_counter()
            customers.count_up_to(session, workspace_id=workspace_id, last_id=2**31 - 1)
            count_ms = (time.perf_counter() - count0) * 1000
            tracemalloc.start()  # the index as a process holds it: names and keys read, then indexed
            pairs = customers.keys_and_names(session, workspace_id=workspace_id)
        index = KeyIndex()
        index.extend(pairs)
        del pairs
        index_bytes, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result: dict[str, Any] = {
            "customers": self.size,
            "generated_s": self.generated_s,
            "cold_start_ms": self.cold[0],
            "cold_start_cpu_ms": self.cold[1],
            "recheck_count_ms": count_ms,
            "index_mb": index_bytes / 1e6,
            "index_peak_mb": peak_bytes / 1e6,
            "identical": sum(a == b for a, b in zip(new, old, strict=True)),
            "checked": len(checked),
            "with_suggestions": sum(bool(a) for a in new),
        }
        for path, wall in self.wall.items():
            if wall:
                result[path] = summary(wall, self.cpu[path]) | {"answers": dict(self.answers[path])}
                result[path]["p50_ms_by_answer"] = {
                    answer: statistics.median(times) for (on, answer), times in self.by_answer.items() if on == path
                }
                if not self.db.is_sqlite:
                    result[path]["server_cpu_ms"] = self.server_s[path] / len(wall) * 1000
        return result


def show(result: dict[str, Any], *, sqlite: bool) -> None:
    print(
        f"{result['customers']:>7,} customers: cold start {result['cold_start_ms']:.0f} ms "
        f"(CPU {result['cold_start_cpu_ms']:.0f} ms); index {result['index_mb']:.2f} MB "
        f"(peak {result['index_peak_mb']:.2f} MB while built); "
        f"recheck count {result['recheck_count_ms']:.1f} ms; "
        f"suggestions identical for {result['identical']}/{result['checked']} names "
        f"({result['with_suggestions']} with suggestions)",
        flush=True,
    )
    for path in ("new", "old"):
        if path in result:
            r = result[path]
            print(
                f"    {path}: {r['requests']:>4} requests  p50 {r['p50_ms']:8.2f} ms  p95 {r['p95_ms']:8.2f} ms  "
                f"max {r['max_ms']:8.2f} ms  CPU p50 {r['cpu_p50_ms']:7.2f} ms  p95 {r['cpu_p95_ms']:7.2f} ms"
                + ("" if sqlite else f"  server CPU {r['server_cpu_ms']:.2f} ms")
                + "  "
                + ", ".join(
                    f"{answer} {count} (p50 {r['p50_ms_by_answer'][answer]:.2f} ms)"
                    for answer, count in sorted(r["answers"].items())
                ),
                flush=True,
            )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temp dir")
    parser.add_argument("--sizes", default="1000,10000,100000", help="customers per workspace, comma-separated")
    parser.add_argument("--requests", type=int, default=400, help="new-customer deals per size, both paths")
    parser.add_argument("--old-requests", type=int, default=40, help="how many of them take the old path")
    parser.add_argument("--check", type=int, default=100, help="names whose suggestions both paths must agree on")
    parser.add_argument("--keep", action="store_true", help="keep the database (SQLite file or PostgreSQL schema)")
    parser.add_argument("--schema", default="pacer_bench_match", help="PostgreSQL schema for the data")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    url, schema, folder = setup(args.database_url, schema=args.schema, reuse=False)
    db = Database(url)
    upgrade(db.engine)
    load = os.getloadavg()
    print(
        f"new-customer /deal through bot.services.deals.log_deal on {db.engine.dialect.name}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        flush=True,
    )
    workloads = []
    for workspace_id, size in enumerate(sizes, start=1):
        workloads.append(Workload(db, size, workspace_id, args))
        print(f"  {size:,} customers generated in {workloads[-1].generated_s:.1f} s", flush=True)
    # one request per size in turn, so that whatever else runs on the machine weighs on every size alike
    every = max(1, round(args.requests / args.old_requests)) if args.old_requests else 0
    for index in range(args.requests + 1):
        for workload in workloads:
            workload.log(index, "old" if every and index % every == every // 2 else "new")
    results = [workload.result(args.check) for workload in workloads]
    for result in results:
        show(result, sqlite=db.is_sqlite)
    small, large = results[0]["new"], results[-1]["new"]
    ratios = {key: large[key] / small[key] for key in ("p50_ms", "p95_ms", "cpu_p50_ms")}
    for answer in ("DealLogged", "CustomerUnclear"):  # the two kinds of request, which cost differently
        if answer in small["p50_ms_by_answer"] and answer in large["p50_ms_by_answer"]:
            ratios[f"p50_ms {answer}"] = large["p50_ms_by_answer"][answer] / small["p50_ms_by_answer"][answer]
    after = os.getloadavg()
    print(
        f"new path, {sizes[-1]:,} over {sizes[0]:,} customers: median ×{ratios['p50_ms']:.2f}, "
        f"p95 ×{ratios['p95_ms']:.2f}, CPU median ×{ratios['cpu_p50_ms']:.2f}, median of deals logged "
        f"×{ratios.get('p50_ms DealLogged', float('nan')):.2f}, of questions asked "
        f"×{ratios.get('p50_ms CustomerUnclear', float('nan')):.2f} (target: ≤ 2); "
        f"load average now {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}",
        flush=True,
    )
    result = {
        "args": vars(args),
        "unicode": unicodedata.unidata_version,
        "load_before": load,
        "load_after": after,
        "sizes": results,
        "ratio_largest_over_smallest": ratios,
    }
    finish("new_customer_deal", db, result, url=url, schema=schema, folder=folder, keep=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
