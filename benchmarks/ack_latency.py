"""Ack latency and throughput of `/deal` slash commands against `pacer run`, deployed as a user deploys it,
optionally beside a floor: the least any Bolt app on this machine can do for the same request.

What runs:

* a FakeSlack (tests/fakes/slack_api.py) in this process, knowing a manager and 50 reps;
* `python -m bot.cli run --port <free port>` (what `pacer run` runs) as a subprocess, with this
  checkout (or each `--pacer-root`) first on PYTHONPATH: gunicorn (gthread) in HTTP mode, a fresh
  SQLite file in a temp dir, a pacer.yml with a wins channel and one team;
* with `--floor`, `benchmarks/floor_app.py` the same way: a minimal Bolt app (signature check, one
  SQLite insert, an ephemeral answer) served by Pacer's own gunicorn setup (bot/server.py);
* a warm-up in which every rep logs one deal (first contact: `users.info`, member registered);
* load, from one asyncio generator over raw keep-alive HTTP/1.1 connections, of distinct, signed
  `/deal <amount> <customer> ...` commands:
  - phase (c), `--closed` (implied by `--floor`): a closed loop, `--clients` (8) connections each
    sending its next request when the previous one is answered, for `--closed-duration`: throughput;
  - phase (a): open loop at a fixed rate (`--rate 200 --duration 60`); latency is measured from each
    request's *scheduled* send time, so a slow server cannot slow the generator down and hide its own
    queueing (no coordinated omission);
  - phase (b), `--ramp`: open-loop steps of increasing rate until p99 goes over `--p99-limit-ms`
    twice or errors appear; `--both` runs (a) then (b).
Each server is measured in turn on a fresh database (`--rounds N` repeats, alternating the order).
After each phase the SQLite file is opened read-only to check that every "Logged D-" reply matches
exactly one stored deal. A summary is printed — with `--floor`, Pacer's closed-loop throughput and
open-loop p99 as ratios to the floor's of the same round — and written to
`benchmarks/results/ack_latency-<timestamp>.json`.

Run: `.venv/bin/python benchmarks/ack_latency.py [--floor] [--rate 200 --duration 60] [--ramp | --both]`;
before and after a change: `--floor --pacer-root before=/path/to/old/checkout --pacer-root after=.`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from handlers.parse import LogDeal, parse_deal_command  # noqa: E402
from scoring.customers import close_matches, name_key  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.support import payloads  # noqa: E402

HOST = "127.0.0.1"
TEAM_ID = "TBENCH01"
MANAGER = "UBENCHMGR"
WINS_CHANNEL = "CBENCHWINS"
WINS_THRESHOLD = 50_000
PRODUCT_LINES = ("Core", "Enterprise")
SLACK_ACK_DEADLINE_MS = 3000.0  # Slack shows the user an error when the ack takes longer
SIGNATURE_WINDOW_S = 300  # Bolt refuses X-Slack-Request-Timestamp further than this from its clock
DEFAULT_STEPS = (200, 400, 600, 800, 1000, 1200, 1500, 2000)
TIME_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Madrid",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Africa/Johannesburg",
)
FIRST_NAMES = (
    "Ava", "Ben", "Chloe", "Diego", "Elena", "Farid", "Grace", "Hiro", "Isla", "Jonas",
    "Kemi", "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tara",
    "Umar", "Vera", "Wei", "Ximena", "Yusuf",
)  # fmt: skip
LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Reyes", "Novak", "Kaur", "Schmidt", "Adeyemi", "Walsh")
CUSTOMER_STEMS = (
    "Acme", "Northwind", "Contoso", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne",
    "Harborview", "Pinecrest", "Bluefin", "Redwood", "Silverline", "Ironbridge", "Clearwater", "Summit",
    "Evergreen", "Brightpath", "Oakridge", "Maplewood", "Stonegate", "Riverbend", "Lakeshore", "Highland",
    "Goldleaf", "Copperfield", "Westbrook", "Eastgate", "Falcon", "Kestrel", "Osprey", "Heron", "Pelican",
    "Juniper", "Cedar", "Willow", "Aspen", "Sequoia", "Quantum", "Vertex", "Nimbus", "Zephyr", "Orion",
    "Polaris", "Meridian", "Horizon", "Keystone", "Landmark", "Pioneer", "Sterling", "Trident", "Beacon",
    "Lighthouse", "Anchor", "Compass", "Atlas", "Granite", "Sapphire", "Emerald", "Cobalt", "Crimson",
    "Velvet", "Saffron", "Harbor", "Prairie", "Canyon", "Glacier", "Tundra", "Monsoon", "Solstice",
)  # fmt: skip
CUSTOMER_SUFFIXES = (
    "Corp", "Inc", "Ltd", "GmbH", "Logistics", "Health", "Foods", "Energy", "Labs", "Systems", "Partners",
    "Retail", "Media", "Bank", "Insurance", "Freight", "Pharma", "Robotics", "Analytics", "Hotels",
    "Aerospace", "Textiles", "Dairy", "Motors", "Studios", "Software", "Consulting", "Holdings",
)  # fmt: skip
NOTES = ("renewal", "multi-year", "expansion", "pilot converted", "via partner", "upsell")


# --------------------------------------------------------------------------------------------------
# Workload: reps, customers, distinct signed /deal commands
# --------------------------------------------------------------------------------------------------


def make_reps(count: int) -> list[tuple[str, str, str]]:
    """(user id, real name, tz) for `count` reps: UBENCH0001, UBENCH0002, ..."""
    reps = []
    for i in range(count):
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i // len(FIRST_NAMES) + i) % len(LAST_NAMES)]
        reps.append((f"UBENCH{i + 1:04d}", f"{first} {last}", TIME_ZONES[i % len(TIME_ZONES)]))
    return reps


def make_customers(count: int, seed: int) -> tuple[list[str], int]:
    """`count` realistic customer names that each parse as a customer after an amount and that are
    never "close matches" of one another (so a new customer never triggers a "did you mean?").
    Returns (names, how many candidates were dropped)."""
    rng = random.Random(seed)
    candidates = [f"{stem} {suffix}" for stem in CUSTOMER_STEMS for suffix in CUSTOMER_SUFFIXES]
    rng.shuffle(candidates)
    kept: list[str] = []
    keys: list[tuple[str, str]] = []
    dropped = 0
    today = date.today()
    for name in candidates:
        if len(kept) == count:
            break
        parsed = parse_deal_command(f"12500 {name}", today=today, currency="USD", product_lines=PRODUCT_LINES)
        key = (name_key(name), name)
        near = close_matches(name, keys) or any(close_matches(other, [key]) for _, other in keys)
        if not isinstance(parsed, LogDeal) or parsed.request.customer != name or near:
            dropped += 1
            continue
        kept.append(name)
        keys.append(key)
    if len(kept) < count:
        raise SystemExit(f"only {len(kept)} usable customer names; asked for {count}")
    return kept, dropped


def format_amount_text(cents: int, rng: random.Random) -> str:
    """The amount as a rep would type it: 12500, 12,500, $12,500 or 12500.75."""
    dollars, rest = divmod(cents, 100)
    if rest:
        return f"{dollars}.{rest:02d}"
    style = rng.random()
    if style < 0.5:
        return str(dollars)
    if style < 0.8:
        return f"{dollars:,}"
    return f"${dollars:,}"


@dataclass
class Batch:
    """Pre-built, pre-signed requests for one phase."""

    tag: str
    requests: list[bytes]
    trigger_ids: list[str]


class Workload:
    """Distinct `/deal` commands. Never repeats (rep, customer, amount), so the app has no reason to
    ask "log it again?"; any such question is counted and reported as an anomaly."""

    def __init__(
        self, *, reps: Sequence[str], customers: Sequence[str], secret: str, port: int, run_id: str, seed: int
    ) -> None:
        self.reps = list(reps)
        self.customers = list(customers)
        self.verifier = SignatureVerifier(secret)
        self.host_header = f"{HOST}:{port}"
        self.run_id = run_id
        self.rng = random.Random(seed)
        self.used: set[tuple[str, str, int]] = set()
        self.response_url = ""  # prefix of each command's response_url (the fake's /response/)

    def text_for(self, rep: str, customer: str | None = None) -> str:
        rng = self.rng
        customer = customer or rng.choice(self.customers)
        while True:
            cents = rng.randint(500, 40_000) * 100
            if rng.random() < 0.15:
                cents += rng.randint(1, 99)
            if (rep, name_key(customer), cents) not in self.used:
                break
        self.used.add((rep, name_key(customer), cents))
        parts = [format_amount_text(cents, rng), customer]
        roll = rng.random()
        if roll < 0.35:
            parts.append("product:Core")
        elif roll < 0.55:
            parts.append("product:Enterprise")
        if rng.random() < 0.2:
            parts.append("stage:paid")
        if rng.random() < 0.25:
            parts.append(f"note:{rng.choice(NOTES)}")
        return " ".join(parts)

    def build(self, tag: str, plan: Sequence[tuple[str, str | None]]) -> Batch:
        """Requests for `plan` = [(rep, customer or None for random)], signed now."""
        ts = str(int(time.time()))
        requests, triggers = [], []
        for i, (rep, customer) in enumerate(plan):
            trigger = f"bench-{self.run_id}-{tag}-{i:07d}.{secrets.token_hex(4)}"
            body = payloads.slash_command(
                team_id=TEAM_ID,
                user_id=rep,
                user_name=rep.lower(),
                command="/deal",
                text=self.text_for(rep, customer),
                response_url=f"{self.response_url}{trigger}",
                trigger_id=trigger,
            )
            signature = self.verifier.generate_signature(timestamp=ts, body=body)
            raw = body.encode()
            head = (
                f"POST /slack/events HTTP/1.1\r\nHost: {self.host_header}\r\n"
                "User-Agent: Slackbot 1.0 (+https://api.slack.com/robots)\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(raw)}\r\nX-Slack-Request-Timestamp: {ts}\r\n"
                f"X-Slack-Signature: {signature}\r\n\r\n"
            )
            requests.append(head.encode() + raw)
            triggers.append(trigger)
        return Batch(tag=tag, requests=requests, trigger_ids=triggers)

    def random_plan(self, count: int) -> list[tuple[str, str | None]]:
        return [(self.rng.choice(self.reps), None) for _ in range(count)]


# --------------------------------------------------------------------------------------------------
# HTTP/1.1 keep-alive client
# --------------------------------------------------------------------------------------------------


class BenchError(Exception):
    """The benchmark cannot go on (server did not start, warm-up failed...)."""


class ConnectionClosed(Exception):
    """The server closed the connection before a full response arrived."""


class Connection:
    """One keep-alive HTTP/1.1 connection; Content-Length (or chunked) framing."""

    # gunicorn closes keep-alive connections idle for `keepalive` (5 s in bot/server.py); reconnect
    # before that rather than racing the server's close.
    MAX_IDLE_S = 4.0

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0
        self.connects = 0
        self.retries = 0

    async def open(self) -> None:
        self.close()
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connects += 1
        self.last_used = time.monotonic()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, data: bytes) -> tuple[int, bytes]:
        """Send one request and read its response. A reused connection that turns out to have been
        closed by the server before it read anything is reopened and the request sent once more."""
        if self.writer is None or time.monotonic() - self.last_used > self.MAX_IDLE_S:
            await self.open()
            return await self._exchange(data)
        try:
            return await self._exchange(data)
        except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
            self.retries += 1
            await self.open()
            return await self._exchange(data)

    async def _exchange(self, data: bytes) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        reader = self.reader
        self.writer.write(data)
        line = await reader.readline()
        if not line:
            raise ConnectionClosed
        status = int(line.split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        while True:
            header = await reader.readline()
            if header in (b"\r\n", b"\n"):
                break
            if not header:
                raise ConnectionClosed
            name, _, value = header.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        if chunked:
            parts = []
            while size := int((await reader.readline()).split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readline()
            await reader.readline()
            body = b"".join(parts)
        else:
            body = await reader.readexactly(length) if length else b""
        self.last_used = time.monotonic()
        if close:
            self.close()
        return status, body


# --------------------------------------------------------------------------------------------------
# Open-loop runner
# --------------------------------------------------------------------------------------------------

NOT_SENT, LOGGED, DUPLICATE, CUSTOMER_QUESTION, OTHER_REPLY, HTTP_ERROR, TIMEOUT, CONN_ERROR, EXPIRED = range(9)
OUTCOME_NAMES = {
    NOT_SENT: "not_sent",
    LOGGED: "logged",
    DUPLICATE: "duplicate_question",
    CUSTOMER_QUESTION: "customer_question",
    OTHER_REPLY: "other_reply",
    HTTP_ERROR: "http_error",
    TIMEOUT: "timeout",
    CONN_ERROR: "connection_error",
    EXPIRED: "expired_in_client_queue",
}
# Anything but a "Logged D-" reply is an error, except a "log it again?" question, counted on its own
# (the workload never repeats rep + customer + amount, so there should be none).
ERROR_OUTCOMES = {NOT_SENT, CUSTOMER_QUESTION, OTHER_REPLY, HTTP_ERROR, TIMEOUT, CONN_ERROR, EXPIRED}


def classify(status: int, body: bytes) -> int:
    if status != 200:
        return HTTP_ERROR
    if b"Logged D-" in body:
        return LOGGED
    if b"Log it again?" in body:
        return DUPLICATE
    if b"Did you mean" in body:
        return CUSTOMER_QUESTION
    return OTHER_REPLY


@dataclass
class CpuSample:
    wall: float
    generator: float
    server: dict[int, float]


def _proc_cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def server_pids(master: int) -> list[int]:
    """The gunicorn master and its worker processes."""
    pids = [master]
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == master:
            pids.append(int(entry))
    return pids


def cpu_sample(master: int) -> CpuSample:
    server = {}
    for pid in server_pids(master):
        seconds = _proc_cpu_seconds(pid)
        if seconds is not None:
            server[pid] = seconds
    return CpuSample(wall=time.monotonic(), generator=time.process_time(), server=server)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list; NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class PhaseResult:
    name: str
    offered_rate: float  # 0 in a closed loop
    duration_s: float
    clients: int = 0  # closed loop: concurrent clients
    target: str = "pacer"
    round: int = 1
    server_log: dict[str, Any] = field(default_factory=dict)
    sent: int = 0
    responses: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)
    service_ms: dict[str, float] = field(default_factory=dict)
    send_lag_ms: dict[str, float] = field(default_factory=dict)
    no_ack_within_3s: int = 0
    achieved_rate: float = 0.0
    generator_cpu_pct: float = 0.0
    server_cpu_pct: float = 0.0
    server_cpu_s: float = 0.0
    server_cpu_ms_per_stored_deal: float = 0.0
    stored_per_s: float = 0.0
    wall_s: float = 0.0
    server_cpu_by_pid_s: dict[str, float] = field(default_factory=dict)
    slowest: list[tuple[float, float]] = field(default_factory=list)
    timeline: list[dict[str, float]] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)
    connections_opened: int = 0
    stale_connection_retries: int = 0
    samples: list[str] = field(default_factory=list)
    stored: dict[str, Any] = field(default_factory=dict)
    logged_trigger_ids: list[str] = field(default_factory=list, repr=False)
    other_trigger_outcomes: dict[str, str] = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, Any]:
        hidden = ("logged_trigger_ids", "other_trigger_outcomes")
        return {k: v for k, v in self.__dict__.items() if k not in hidden}


def _timeline(start: float, scheduled: list[float], latencies: list[float]) -> list[dict[str, float]]:
    """Per second of schedule: requests, p50, p99 and max latency (ms) — stalls show up here."""
    seconds: dict[int, list[float]] = {}
    for k, latency in enumerate(latencies):
        seconds.setdefault(int(scheduled[k] - start), []).append(latency)
    rows = []
    for second in sorted(seconds):
        values = sorted(seconds[second])
        rows.append(
            {
                "second": second,
                "requests": len(values),
                "p50": round(percentile(values, 50), 1),
                "p99": round(percentile(values, 99), 1),
                "max": round(values[-1], 1),
            }
        )
    return rows


def _pcts(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    finite = [v for v in values if math.isfinite(v)]
    return {
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(values[-1], 2) if values else math.nan,
        "mean_of_answered": round(sum(finite) / len(finite), 2) if finite else math.nan,
    }


def json_safe(value: Any) -> Any:
    """inf ("no response") and NaN ("no data") become null: JSON has neither."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


class Pool:
    """Keep-alive connections, reused last-in first-out like an ordinary HTTP client pool: a busy
    phase keeps a few connections hot instead of spreading requests over many idle ones. Opens a
    connection (lazily, with its first request) only when none is idle, up to `size`; beyond that
    requests wait for one, and that wait counts in their latency."""

    def __init__(self, port: int, size: int) -> None:
        self.port = port
        self.size = size
        self.idle: list[Connection] = []
        self.all: list[Connection] = []
        self.waiters: deque[asyncio.Future[Connection]] = deque()

    async def acquire(self) -> Connection:
        if self.idle:
            return self.idle.pop()
        if len(self.all) < self.size:
            conn = Connection(self.port)
            self.all.append(conn)
            return conn
        waiter: asyncio.Future[Connection] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release(waiter.result())  # handed over just as we gave up: pass it on
            raise

    def release(self, conn: Connection) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self.idle.append(conn)

    def close(self) -> None:
        for conn in self.all:
            conn.close()


async def run_phase(
    name: str,
    batch: Batch,
    *,
    rate: float,
    port: int,
    connections: int,
    server_pid: int,
    timeout_s: float,
) -> PhaseResult:
    """Send `batch` open-loop at `rate` req/s: request i is due at start + i/rate whatever happened
    to the ones before it; its latency runs from that due time to the end of its response."""
    n = len(batch.requests)
    loop = asyncio.get_running_loop()
    scheduled = [0.0] * n
    sent = [math.nan] * n
    done = [math.nan] * n
    outcome = [NOT_SENT] * n
    status_of = [0] * n
    samples: list[str] = []
    pool = Pool(port, connections)

    async def one(i: int) -> None:
        conn: Connection | None = None
        try:
            async with asyncio.timeout_at(scheduled[i] + timeout_s):
                conn = await pool.acquire()
                sent[i] = loop.time()
                status, body = await conn.request(batch.requests[i])
        except TimeoutError:
            outcome[i], done[i] = (EXPIRED if conn is None else TIMEOUT), loop.time()
            if conn is not None:
                conn.close()
                pool.release(conn)
            return
        except (OSError, ConnectionClosed, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            outcome[i], done[i] = CONN_ERROR, loop.time()
            if len(samples) < 5:
                samples.append(f"{type(exc).__name__}: {exc}")
            if conn is not None:
                conn.close()
                pool.release(conn)
            return
        done[i] = loop.time()
        pool.release(conn)
        status_of[i] = status
        kind = classify(status, body)
        outcome[i] = kind
        if kind != LOGGED and len(samples) < 5:
            samples.append(f"HTTP {status}: {body[:300].decode(errors='replace')}")

    tasks: set[asyncio.Task[None]] = set()
    before = cpu_sample(server_pid)
    start = loop.time() + 0.02
    interval = 1.0 / rate
    i = 0
    while i < n:
        due = min(n, math.floor((loop.time() - start) / interval) + 1)
        while i < due:
            scheduled[i] = start + i * interval
            task = asyncio.create_task(one(i))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
        if i < n:
            await asyncio.sleep(max(0.0, start + i * interval - loop.time()))
    while tasks:
        await asyncio.gather(*list(tasks))
    after = cpu_sample(server_pid)
    pool.close()
    result = PhaseResult(name=name, offered_rate=rate, duration_s=round(n / rate, 2))
    _summarise(result, Exchanges(batch, scheduled, sent, done, outcome, status_of, samples), start, before, after)
    result.connections_opened = sum(c.connects for c in pool.all)
    result.stale_connection_retries = sum(c.retries for c in pool.all)
    return result


async def run_closed(
    name: str,
    batch: Batch,
    *,
    clients: int,
    duration_s: float,
    port: int,
    server_pid: int,
    timeout_s: float,
    whole_batch: bool = False,
) -> PhaseResult:
    """`clients` keep-alive connections, each sending its next request as soon as the previous one is
    answered, for `duration_s`: the throughput the server sustains. Latency runs from the send (a
    closed loop waits for the server, so it measures service time, not queueing behind a schedule).
    `whole_batch`: send every request of the batch (the warm-up), however long it takes."""
    n = len(batch.requests)
    loop = asyncio.get_running_loop()
    sent = [math.nan] * n
    done = [math.nan] * n
    outcome = [NOT_SENT] * n
    status_of = [0] * n
    samples: list[str] = []
    connections = [Connection(port) for _ in range(clients)]
    taken = 0

    async def client(conn: Connection) -> None:
        nonlocal taken
        while taken < n and loop.time() < stop_at:
            i, taken = taken, taken + 1
            sent[i] = loop.time()
            try:
                async with asyncio.timeout(timeout_s):
                    status, body = await conn.request(batch.requests[i])
            except TimeoutError:
                outcome[i], done[i] = TIMEOUT, loop.time()
                conn.close()
                continue
            except (OSError, ConnectionClosed, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                outcome[i], done[i] = CONN_ERROR, loop.time()
                if len(samples) < 5:
                    samples.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                continue
            done[i], status_of[i] = loop.time(), status
            outcome[i] = classify(status, body)
            if outcome[i] != LOGGED and len(samples) < 5:
                samples.append(f"HTTP {status}: {body[:300].decode(errors='replace')}")

    before = cpu_sample(server_pid)
    start = loop.time()
    stop_at = start + duration_s
    await asyncio.gather(*(client(conn) for conn in connections))
    after = cpu_sample(server_pid)
    for conn in connections:
        conn.close()
    if taken == n and not whole_batch:
        samples.append(f"ran out of pre-signed requests ({n:,}) before {duration_s:g} s: raise --closed-max-rate")
    exchanges = Exchanges(batch, sent[:taken], sent[:taken], done[:taken], outcome[:taken], status_of[:taken], samples)
    result = PhaseResult(name=name, offered_rate=0.0, duration_s=duration_s, clients=clients)
    _summarise(result, exchanges, start, before, after)
    result.connections_opened = sum(c.connects for c in connections)
    result.stale_connection_retries = sum(c.retries for c in connections)
    return result


@dataclass
class Exchanges:
    """Per request of a phase: when it was due, sent and answered (loop time), what came back."""

    batch: Batch
    scheduled: list[float]
    sent: list[float]
    done: list[float]
    outcome: list[int]
    status_of: list[int]
    samples: list[str]


def _summarise(result: PhaseResult, ex: Exchanges, start: float, before: CpuSample, after: CpuSample) -> None:
    n = len(ex.outcome)
    scheduled, sent, done, outcome, status_of = ex.scheduled, ex.sent, ex.done, ex.outcome, ex.status_of
    received = [k for k in range(n) if outcome[k] not in (NOT_SENT, EXPIRED, TIMEOUT, CONN_ERROR)]
    result.sent = sum(1 for k in range(n) if not math.isnan(sent[k]))
    result.responses = len(received)
    result.by_status = {str(s): c for s, c in sorted(Counter(status_of[k] for k in received).items())}
    counts = Counter(outcome)
    result.outcomes = {OUTCOME_NAMES[k]: counts[k] for k in sorted(counts)}
    result.errors = sum(counts[k] for k in ERROR_OUTCOMES)
    # Every scheduled request counts: one that got no response (timeout, connection error, never
    # sent in time) has an infinite latency, so overload cannot hide in the percentiles.
    answered = set(received)
    latencies = [(done[k] - scheduled[k]) * 1000 if k in answered else math.inf for k in range(n)]
    result.no_ack_within_3s = sum(1 for v in latencies if v > SLACK_ACK_DEADLINE_MS)
    result.latency_ms = _pcts(latencies)
    result.service_ms = _pcts([(done[k] - sent[k]) * 1000 for k in received])
    result.send_lag_ms = _pcts([(sent[k] - scheduled[k]) * 1000 for k in received])
    last = max((d for d in done if not math.isnan(d)), default=start)
    by_latency = sorted(received, key=lambda k: done[k] - scheduled[k], reverse=True)
    result.slowest = [
        (round(scheduled[k] - start, 2), round((done[k] - scheduled[k]) * 1000, 1)) for k in by_latency[:10]
    ]
    result.timeline = _timeline(start, scheduled, latencies)
    # answered requests per second over the phase (until its last request finished, however)
    span = max(last - start, n / result.offered_rate if result.offered_rate else 0.0, 1e-9)
    result.achieved_rate = round(len(received) / span, 1)
    wall = after.wall - before.wall
    result.generator_cpu_pct = round(100 * (after.generator - before.generator) / wall, 1)
    server_delta = {pid: after.server[pid] - before.server.get(pid, 0.0) for pid in after.server}
    result.server_cpu_pct = round(100 * sum(server_delta.values()) / wall, 1)
    result.server_cpu_s = round(sum(server_delta.values()), 3)
    result.wall_s = round(span, 3)
    result.server_cpu_by_pid_s = {str(pid): round(v, 2) for pid, v in server_delta.items()}
    result.samples = ex.samples
    trigger_ids = ex.batch.trigger_ids
    result.logged_trigger_ids = [trigger_ids[k] for k in range(n) if outcome[k] == LOGGED]
    result.other_trigger_outcomes = {
        trigger_ids[k]: OUTCOME_NAMES[outcome[k]] for k in range(n) if outcome[k] != LOGGED
    }


# --------------------------------------------------------------------------------------------------
# The server under test
# --------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def write_config(path: Path, reps: Sequence[str]) -> None:
    lines = [
        "currency: USD",
        "product_lines:",
        "  - name: Core",
        "  - name: Enterprise",
        "    premium: true",
        "wins:",
        f"  channel: {WINS_CHANNEL}",
        f"  threshold: {WINS_THRESHOLD}",
        "teams:",
        "  - name: Bench Sales",
        f"    manager: {MANAGER}",
        "    members:",
        *(f"      - {rep}" for rep in reps),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class Server:
    """A server under test in a subprocess (its own session, so a terminal Ctrl-C reaches only us)."""

    def __init__(self, *, command: list[str], workdir: Path, env: dict[str, str], port: int) -> None:
        self.port = port
        self.log_path = workdir / "server.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_healthy(self, timeout: float = 60.0) -> float:
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"pacer run exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.1)
        raise BenchError(f"/healthz did not answer 200 within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def problems(self) -> dict[str, Any]:
        """ERROR/Traceback lines in the server log, and the first few distinct error messages."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return {}
        errors = [line for line in lines if "ERROR" in line or "Exception" in line or "Error:" in line]
        distinct: list[str] = []
        for line in errors:
            message = LOG_PREFIX.sub("", line)[:300]
            if message not in distinct:
                distinct.append(message)
        return {
            "log_lines": len(lines),
            "error_lines": len(errors),
            "tracebacks": sum(1 for line in lines if line.startswith("Traceback")),
            "first_errors": distinct[:8],
        }

    def stop(self) -> str:
        """SIGTERM, then SIGKILL (the whole process group) after 10 s. Returns how it ended."""
        how = "already exited"
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
                how = f"SIGTERM (exit {self.proc.returncode})"
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
                how = "SIGKILL after 10 s"
        self._log.close()
        return how


# --------------------------------------------------------------------------------------------------
# Optional profiling with py-spy
# --------------------------------------------------------------------------------------------------

APP_PREFIXES = ("/bot/", "/handlers/", "/scoring/")
LOG_PREFIX = re.compile(r"^(?:\[[^]]*\] \[\d+\] |\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ )")
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


class Profiler:
    """`py-spy record` on every gunicorn worker for the length of a phase (collapsed stacks)."""

    def __init__(self, py_spy: str, master: int, out: Path, label: str, seconds: float, mode: str) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.mode = mode
        self.files: list[Path] = []
        self.procs: list[subprocess.Popen[bytes]] = []
        for pid in server_pids(master)[1:]:
            path = out / f"py-spy-{label}-{mode}-{pid}.txt"
            command = [py_spy, "record", "--pid", str(pid), "--rate", "100", "--format", "raw", "--full-filenames"]
            command += ["--duration", str(math.ceil(seconds)), "--output", str(path), "--nonblocking"]
            if mode != "active":
                command.append(f"--{mode}")
            self.procs.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            self.files.append(path)

    def finish(self) -> dict[str, Any]:
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGINT)  # py-spy writes what it has on SIGINT
                proc.wait(timeout=10)
        return {"mode": self.mode, **summarise_stacks([f for f in self.files if f.exists()])}


def _frame_name(frame: str) -> tuple[str, str]:
    """("function (short/path.py)", file) for a py-spy frame "function (path/file.py:line)"."""
    match = FRAME.match(frame)
    if match is None:
        return frame, ""
    file = match.group("file")
    for marker in ("site-packages/", str(ROOT) + "/", "python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{match.group('func')} ({file})", match.group("file")


def summarise_stacks(files: Sequence[Path], top: int = 25) -> dict[str, Any]:
    """Inclusive share of samples per app function and per library, and the hottest leaf functions."""
    total = 0
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    libraries: Counter[str] = Counter()
    for path in files:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            total += count
            frames = [_frame_name(f) for f in stack.split(";") if f]
            seen_funcs: set[str] = set()
            seen_libs: set[str] = set()
            for name, file in frames:
                if any(prefix in file for prefix in APP_PREFIXES) and name not in seen_funcs:
                    seen_funcs.add(name)
                    inclusive[name] += count
                lib = _library(file)
                if lib and lib not in seen_libs:
                    seen_libs.add(lib)
                    libraries[lib] += count
            if frames:
                leaves[frames[-1][0]] += count

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)] if total else []

    return {
        "samples": total,
        "files": [str(f) for f in files],
        "app_functions_inclusive_pct": share(inclusive),
        "libraries_inclusive_pct": share(libraries),
        "leaf_functions_pct": share(leaves),
    }


def _library(file: str) -> str:
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0]
    for prefix in APP_PREFIXES:
        if prefix in file:
            return prefix.strip("/") + " (app)"
    if "python3.11/" in file:
        return "stdlib:" + file.split("python3.11/", 1)[1].split("/", 1)[0].removesuffix(".py")
    return ""


def print_profile(profile: dict[str, Any], top: int = 15) -> None:
    print(f"    py-spy ({profile.get('mode')}): {profile['samples']:,} samples from {len(profile['files'])} worker(s)")
    for title, key in (
        ("app functions (inclusive)", "app_functions_inclusive_pct"),
        ("libraries (inclusive)", "libraries_inclusive_pct"),
        ("leaf functions (self)", "leaf_functions_pct"),
    ):
        print(f"      {title}:")
        for name, pct in profile[key][:top]:
            print(f"        {pct:5.1f}%  {name}")


# --------------------------------------------------------------------------------------------------
# Checks against the database
# --------------------------------------------------------------------------------------------------


def stored_check(db_path: Path, run_id: str, tag: str, logged: Sequence[str], others: dict[str, str]) -> dict[str, Any]:
    """Deals stored for the phase `tag` vs the trigger ids whose reply said "Logged D-"; `others` maps
    the remaining trigger ids to what the client saw instead."""
    prefix = f"command:bench-{run_id}-{tag}-"
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
        keys = [
            row[0]
            for row in db.execute(
                "SELECT source_key FROM deal WHERE substr(source_key, 1, ?) = ?", (len(prefix), prefix)
            )
        ]
        total_rows, total_distinct = db.execute("SELECT count(*), count(DISTINCT source_key) FROM deal").fetchone()
    stored = Counter(keys)
    expected = {f"command:{t}" for t in logged}
    unacknowledged = stored.keys() - expected
    seen_instead = Counter(others.get(key.removeprefix("command:"), "?") for key in unacknowledged)
    return {
        "rows": len(keys),
        "distinct_source_keys": len(stored),
        "logged_replies": len(logged),
        "stored_more_than_once": sum(1 for c in stored.values() if c > 1),
        "logged_but_not_stored": len(expected - stored.keys()),
        "stored_without_logged_reply": len(unacknowledged),
        "stored_without_logged_reply_client_saw": dict(seen_instead),
        "exactly_once": len(keys) == len(stored) == len(expected) and stored.keys() == expected,
        "db_total_rows": total_rows,
        "db_total_distinct_source_keys": total_distinct,
    }


# --------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def fmt(value: float) -> str:
    if math.isnan(value):
        return "—"
    return "no resp." if math.isinf(value) else f"{value:,.1f}"


def offered(result: PhaseResult) -> str:
    return f"closed, {result.clients} clients" if result.clients else f"offered {result.offered_rate:,.0f}/s"


def print_phase(result: PhaseResult) -> None:
    lat = result.latency_ms
    since = "from send: closed loop" if result.clients else "from scheduled send"
    print(
        f"  {result.target} {result.name}: {offered(result)} for {result.duration_s:g} s → sent {result.sent:,}, "
        f"responses {result.responses:,} {result.by_status}, achieved {result.achieved_rate:,.1f}/s"
    )
    print(
        f"    latency ms ({since}; no response = ∞): p50 {fmt(lat['p50'])}  p95 {fmt(lat['p95'])}  "
        f"p99 {fmt(lat['p99'])}  max {fmt(lat['max'])}   | server-side part p99 {fmt(result.service_ms['p99'])}, "
        f"generator send lag p99 {fmt(result.send_lag_ms['p99'])}"
    )
    print(
        f"    outcomes {result.outcomes}; errors {result.errors}; no ack within 3 s {result.no_ack_within_3s}; "
        f"CPU: generator {result.generator_cpu_pct}% of a core, server {result.server_cpu_pct}% "
        f"({result.server_cpu_ms_per_stored_deal} ms CPU per stored deal); "
        f"connections opened {result.connections_opened}"
    )
    if result.stored:
        s = result.stored
        print(
            f"    stored: {s['rows']:,} deal rows ({result.stored_per_s:,.1f}/s), "
            f"{s['distinct_source_keys']:,} distinct source_key, "
            f"{s['logged_replies']:,} 'Logged' replies → exactly once: {'YES' if s['exactly_once'] else 'NO'}"
            + (
                ""
                if s["exactly_once"]
                else f" (stored twice {s['stored_more_than_once']}, 'Logged' but not stored "
                f"{s['logged_but_not_stored']}, stored without a 'Logged' reply {s['stored_without_logged_reply']}: "
                f"client saw {s['stored_without_logged_reply_client_saw']})"
            )
        )
    if result.slowest and result.latency_ms["max"] > 100:
        shown = ", ".join(f"{ms:,.0f} ms @ {offset:.1f} s" for offset, ms in result.slowest[:5])
        print(f"    slowest answered (latency @ scheduled offset): {shown}")
    for sample in result.samples[:3]:
        print(f"    sample: {sample}")


def print_table(rows: Sequence[PhaseResult]) -> None:
    width = max([len(r.target) for r in rows] + [6]) + 2
    header = (
        f"{'server':<{width}}{'phase':<12}{'offered/s':>10}{'achieved/s':>11}{'sent':>8}{'p50 ms':>10}{'p95 ms':>10}"
        f"{'p99 ms':>10}{'max ms':>10}{'errors':>8}{'dup?':>6}{'>3s':>7}{'gen CPU':>9}{'srv CPU':>9}"
        f"{'ms CPU/deal':>12}{'stored 1x':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        once = "—" if not r.stored else ("yes" if r.stored["exactly_once"] else "NO")
        lat = r.latency_ms
        rate = f"{r.clients} cl" if r.clients else f"{r.offered_rate:,.0f}"
        print(
            f"{r.target:<{width}}{r.name:<12}{rate:>10}{r.achieved_rate:>11,.1f}{r.sent:>8,}{fmt(lat['p50']):>10}"
            f"{fmt(lat['p95']):>10}{fmt(lat['p99']):>10}{fmt(lat['max']):>10}{r.errors:>8}"
            f"{r.outcomes.get('duplicate_question', 0):>6}{r.no_ack_within_3s:>7}"
            f"{r.generator_cpu_pct:>8.0f}%{r.server_cpu_pct:>8.0f}%{r.server_cpu_ms_per_stored_deal:>12.2f}{once:>10}"
        )


THROUGHPUT_TARGET = 0.5  # Pacer's closed-loop throughput at least half the floor's
P99_TARGET = 3.0  # Pacer's open-loop p99 at most three times the floor's


def versus_floor(phases: Sequence[PhaseResult]) -> list[dict[str, Any]]:
    """Per round and Pacer target: closed-loop throughput and open-loop p99 as ratios to the floor's
    in the same round (same machine, same generator, minutes apart)."""
    rows = []
    rounds = sorted({p.round for p in phases})
    for round_ in rounds:
        here = [p for p in phases if p.round == round_]
        floor = {p.name: p for p in here if p.target == FLOOR}
        for target in dict.fromkeys(p.target for p in here if p.target != FLOOR):
            mine = {p.name: p for p in here if p.target == target}
            row: dict[str, Any] = {"round": round_, "target": target}
            if "c" in mine and "c" in floor:
                row["throughput"] = mine["c"].achieved_rate
                row["floor_throughput"] = floor["c"].achieved_rate
                row["throughput_ratio"] = round(mine["c"].achieved_rate / max(floor["c"].achieved_rate, 1e-9), 3)
                row["cpu_ms_per_deal"] = mine["c"].server_cpu_ms_per_stored_deal
                row["floor_cpu_ms_per_deal"] = floor["c"].server_cpu_ms_per_stored_deal
            if "a" in mine and "a" in floor:
                row["p99_ms"] = mine["a"].latency_ms["p99"]
                row["floor_p99_ms"] = floor["a"].latency_ms["p99"]
                row["p99_ratio"] = round(mine["a"].latency_ms["p99"] / max(floor["a"].latency_ms["p99"], 1e-9), 2)
            row["exactly_once"] = all(p.stored.get("exactly_once", False) for p in mine.values() if p.stored)
            rows.append(row)
    return rows


def print_versus_floor(rows: Sequence[dict[str, Any]], *, clients: int, rate: float) -> None:
    print(
        f"\n=== Pacer vs the floor (minimal Bolt app, one SQLite insert; same gunicorn, same generator) ===\n"
        f"throughput: closed loop, {clients} clients; p99: open loop at {rate:g} req/s. "
        f"Targets: throughput ratio ≥ {THROUGHPUT_TARGET:g}, p99 ratio ≤ {P99_TARGET:g}."
    )
    for row in rows:
        parts = [f"round {row['round']} {row['target']}:"]
        if "throughput_ratio" in row:
            ok = "ok" if row["throughput_ratio"] >= THROUGHPUT_TARGET else "BELOW TARGET"
            parts.append(
                f"throughput {row['throughput']:,.1f}/s vs floor {row['floor_throughput']:,.1f}/s = "
                f"{row['throughput_ratio']:.2f} ({ok}); CPU {row['cpu_ms_per_deal']:.2f} vs "
                f"{row['floor_cpu_ms_per_deal']:.2f} ms per deal;"
            )
        if "p99_ratio" in row:
            ok = "ok" if row["p99_ratio"] <= P99_TARGET else "ABOVE TARGET"
            parts.append(
                f"p99 {fmt(row['p99_ms'])} ms vs floor {fmt(row['floor_p99_ms'])} ms = {row['p99_ratio']:.2f}× ({ok});"
            )
        parts.append(f"every deal stored exactly once: {'yes' if row['exactly_once'] else 'NO'}")
        print("  " + " ".join(parts))


# --------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------

FLOOR = "floor"


@dataclass(frozen=True)
class Target:
    """A server to measure: Pacer served from a checkout, or the floor app."""

    label: str
    root: Path  # the checkout whose code is served (PYTHONPATH)

    @property
    def is_floor(self) -> bool:
        return self.label == FLOOR

    def command(self, port: int, db_path: Path) -> list[str]:
        if self.is_floor:
            floor = ROOT / "benchmarks" / "floor_app.py"
            return [sys.executable, str(floor), "--port", str(port), "--database", str(db_path)]
        return [sys.executable, "-m", "bot.cli", "run", "--port", str(port)]


def pacer_targets(values: Sequence[str]) -> list[Target]:
    """`--pacer-root [LABEL=]PATH` values (default: this checkout, labelled "pacer")."""
    if not values:
        return [Target("pacer", ROOT)]
    targets = []
    for value in values:
        label, _, path = value.rpartition("=")
        root = Path(path).resolve()
        if not (root / "bot" / "cli.py").is_file():
            raise SystemExit(f"--pacer-root {value}: {root} is not a Pacer checkout (no bot/cli.py)")
        targets.append(Target(label or root.name, root))
    if len({t.label for t in targets}) != len(targets) or FLOOR in {t.label for t in targets}:
        raise SystemExit("--pacer-root: give each checkout its own label (LABEL=PATH), not 'floor'")
    return targets


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200.0, help="phase (a): requests per second (default 200)")
    parser.add_argument("--duration", type=float, default=60.0, help="phase (a): seconds (default 60)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--ramp", action="store_true", help="run phase (b), the ramp, instead of phase (a)")
    mode.add_argument("--both", action="store_true", help="run phase (a), then phase (b) on the same server")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also serve the floor (benchmarks/floor_app.py: Bolt, one SQLite insert) with the same gunicorn\n"
        "settings and generator, run phase (c) and print Pacer's throughput and p99 as ratios to the floor's",
    )
    parser.add_argument("--closed", action="store_true", help="run phase (c), the closed loop (implied by --floor)")
    parser.add_argument("--clients", type=int, default=8, help="phase (c): concurrent clients (default 8)")
    parser.add_argument("--closed-duration", type=float, default=20.0, help="phase (c): seconds (default 20)")
    parser.add_argument(
        "--closed-max-rate",
        type=float,
        default=5000.0,
        help="phase (c): requests are signed in advance for this rate × duration (default 5000)",
    )
    parser.add_argument(
        "--pacer-root",
        action="append",
        default=[],
        metavar="[LABEL=]PATH",
        help="serve Pacer from this checkout (repeat to compare, e.g. before=/tmp/base after=.);\n"
        "default: this checkout",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="measure every server this many times, alternating the order (default 1)"
    )
    parser.add_argument(
        "--steps",
        default=",".join(map(str, DEFAULT_STEPS)),
        help="ramp rates, comma-separated (default %(default)s)",
    )
    parser.add_argument("--step-duration", type=float, default=10.0, help="ramp: seconds per step (default 10)")
    parser.add_argument("--pause", type=float, default=2.0, help="ramp: idle seconds between steps (default 2)")
    parser.add_argument("--p99-limit-ms", type=float, default=100.0, help="ramp: p99 limit for the knee (default 100)")
    parser.add_argument("--connections", type=int, default=128, help="max keep-alive connections (default 128)")
    parser.add_argument("--reps", type=int, default=50, help="reps in the team (default 50)")
    parser.add_argument(
        "--new-customers",
        action="store_true",
        help="warm up with one deal per rep only, so most customers are new when first named under load\n"
        "(each then runs the near-match search); by default every customer is known before measuring",
    )
    parser.add_argument("--customers", type=int, default=300, help="distinct customer names (default 300)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=3.0,
        help="seconds from a request's scheduled time after which the client gives up and closes\n"
        "the connection, as Slack does with a slash command (default 3)",
    )
    parser.add_argument("--seed", type=int, default=20240601, help="workload random seed")
    parser.add_argument("--web-concurrency", type=int, help="set WEB_CONCURRENCY (default: pacer's own default)")
    parser.add_argument("--web-threads", type=int, help="set WEB_THREADS (default: pacer's own default)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (databases, pacer.yml, server logs)")
    parser.add_argument(
        "--py-spy",
        metavar="PATH",
        help="profile each gunicorn worker with this py-spy binary during the measured phases\n"
        "(collapsed stacks are written next to the JSON; a top-functions summary is printed)",
    )
    parser.add_argument(
        "--py-spy-mode",
        choices=("gil", "active", "idle"),
        default="gil",
        help="with --py-spy: sample only the thread holding the GIL (gil: where the CPU goes, default),\n"
        "every thread not idle (active: includes waits inside C calls, e.g. on the SQLite lock),\n"
        "or every thread (idle)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="where the JSON goes")
    args = parser.parse_args(argv)
    args.step_rates = [float(s) for s in args.steps.split(",") if s.strip()]
    args.closed = args.closed or args.floor
    longest = max(args.duration, args.step_duration, args.closed_duration if args.closed else 0.0)
    if longest > SIGNATURE_WINDOW_S - 60:
        parser.error(f"a phase may last at most {SIGNATURE_WINDOW_S - 60} s: requests are signed before it starts")
    if args.rate <= 0 or args.duration <= 0 or any(r <= 0 for r in args.step_rates):
        parser.error("rates and durations must be positive")
    if args.clients < 1 or args.closed_duration <= 0 or args.rounds < 1:
        parser.error("--clients, --closed-duration and --rounds must be positive")
    args.targets = pacer_targets(args.pacer_root)
    return args


def effective_server_settings(env: dict[str, str]) -> dict[str, Any]:
    from bot.settings import Settings

    defaults = Settings.model_construct()  # the field defaults (and default factories), without the environment
    return {
        "WEB_CONCURRENCY": int(env.get("WEB_CONCURRENCY") or defaults.web_concurrency),
        "WEB_THREADS": int(env.get("WEB_THREADS") or defaults.web_threads),
        "WEB_CONCURRENCY_source": "environment" if env.get("WEB_CONCURRENCY") else "pacer default",
        "WEB_THREADS_source": "environment" if env.get("WEB_THREADS") else "pacer default",
        "worker_class": "gthread",
        "keepalive_s": 5,
    }


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Ctrl-C and SIGTERM both raise KeyboardInterrupt, so the server is always stopped (SIGINT too,
    in case it was inherited as ignored, as background jobs of a non-interactive shell have it)."""
    previous = {sig: signal.signal(sig, signal.default_int_handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    run_id = datetime.now(UTC).strftime("%H%M%S") + secrets.token_hex(2)
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_at_start": os.getloadavg(),
    }
    print(
        f"machine: {report['machine']['cpu_count']} cores, Python {report['machine']['python']}, "
        f"{report['machine']['platform']}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )

    reps = make_reps(args.reps)
    customers, dropped = make_customers(args.customers, args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="pacer-bench-"))
    config_path = workdir / "pacer.yml"
    write_config(config_path, [r[0] for r in reps])
    secret = secrets.token_hex(16)
    fake = FakeSlack(token=f"xoxb-bench-{secrets.token_hex(8)}", team_id=TEAM_ID, team="Pacer Bench")
    fake.add_user(MANAGER, name="morgan.manager", real_name="Morgan Manager", tz="America/New_York")
    for user_id, real_name, tz in reps:
        fake.add_user(user_id, name=real_name.lower().replace(" ", "."), real_name=real_name, tz=tz)

    targets: list[Target] = ([Target(FLOOR, ROOT)] if args.floor else []) + args.targets
    phases: list[PhaseResult] = []
    interrupted = failed = False
    try:
        with sigterm_as_interrupt():
            fake.start()
            base_env = {
                **{k: v for k, v in os.environ.items() if k not in ("SLACK_APP_TOKEN", "PYTHONPATH")},
                "SLACK_BOT_TOKEN": fake.token,
                "SLACK_SIGNING_SECRET": secret,
                "SLACK_API_URL": fake.url,
                "PACER_CONFIG": str(config_path),
                "HOST": HOST,
            }
            for name, value in (("WEB_CONCURRENCY", args.web_concurrency), ("WEB_THREADS", args.web_threads)):
                if value is not None:
                    base_env[name] = str(value)
            server_settings = effective_server_settings(base_env)
            report["server"] = {"command": "python -m bot.cli run --port <free port>", **server_settings}
            report["targets"] = {t.label: str(t.root) for t in targets}
            report["workload"] = {
                "reps": len(reps),
                "customers": len(customers),
                "customer_candidates_dropped_as_near_duplicates": dropped,
                "connections": args.connections,
                "closed_loop_clients": args.clients if args.closed else None,
                "amounts": "500–40,000 USD (15% with cents); 35% product:Core, 20% product:Enterprise, "
                "20% stage:paid, 25% note:",
                "wins_threshold": WINS_THRESHOLD,
            }
            print(
                f"servers: {', '.join(t.label for t in targets)} — each gunicorn gthread, "
                f"WEB_CONCURRENCY={server_settings['WEB_CONCURRENCY']} ({server_settings['WEB_CONCURRENCY_source']}), "
                f"WEB_THREADS={server_settings['WEB_THREADS']} ({server_settings['WEB_THREADS_source']}), "
                f"a fresh SQLite file each; {args.rounds} round(s)"
            )
            for round_ in range(1, args.rounds + 1):
                order = targets if round_ % 2 else targets[::-1]
                for target in order:
                    measured = measure_target(args, target, round_, base_env, workdir, fake, reps, customers, run_id)
                    phases.extend(measured)
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted: servers stopped")
    except BenchError as exc:
        failed = True
        print(f"error: {exc}")
    finally:
        fake.stop()

    if not phases:
        return 130 if interrupted else 1

    report["interrupted"] = interrupted
    report["load_average_at_end"] = os.getloadavg()
    report["wins_posts_seen_by_fake_slack"] = len(fake.calls("chat.postMessage"))
    report["users_info_calls"] = len(fake.calls("users.info"))
    report["phases"] = [p.summary() for p in phases]
    ramp = [p for p in phases if p.name.startswith("ramp")]
    if ramp:
        passing = [p for p in ramp if p.errors == 0 and p.latency_ms["p99"] < args.p99_limit_ms]
        knee = max((p.offered_rate for p in passing), default=None)
        report["knee_req_per_s"] = knee
        report["knee_rule"] = f"highest offered rate with p99 < {args.p99_limit_ms:g} ms and no errors"

    print("\n=== summary ===")
    print(
        f"machine: {report['machine']['cpu_count']} cores, Python {report['machine']['python']}, "
        f"{report['machine']['platform']}; load average at start "
        f"{' '.join(f'{x:.2f}' for x in report['load_average_at_start'])}, at end "
        f"{' '.join(f'{x:.2f}' for x in report['load_average_at_end'])}"
    )
    srv = report["server"]
    print(
        f"servers: gunicorn gthread, WEB_CONCURRENCY={srv.get('WEB_CONCURRENCY')}, "
        f"WEB_THREADS={srv.get('WEB_THREADS')}, SQLite; generator: asyncio, "
        f"open loop up to {args.connections} keep-alive connections"
        + (f", closed loop {args.clients} connections" if args.closed else "")
    )
    print_table(phases)
    if ramp:
        knee = report["knee_req_per_s"]
        print(f"knee (p99 < {args.p99_limit_ms:g} ms, no errors): {f'{knee:,.0f} req/s' if knee else 'none'}")
    print(
        "latency = response time − scheduled send time (open loop; closed loop: − send time). gen CPU = this "
        f"process's CPU time / wall (% of one core; the machine has {os.cpu_count()}); srv CPU = gunicorn master + "
        "workers (+ Pacer's scheduler process)."
    )
    if args.floor:
        report["versus_floor"] = versus_floor(phases)
        print_versus_floor(report["versus_floor"], clients=args.clients, rate=args.rate)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"ack_latency-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(json_safe(report), indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written: {out}")
    if args.keep:
        print(f"kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 130 if interrupted else 1 if failed else 0


def measure_target(
    args: argparse.Namespace,
    target: Target,
    round_: int,
    base_env: dict[str, str],
    workdir: Path,
    fake: FakeSlack,
    reps: Sequence[tuple[str, str, str]],
    customers: Sequence[str],
    run_id: str,
) -> list[PhaseResult]:
    """Start `target` on a fresh database, run the phases against it, stop it."""
    here = workdir / f"{target.label}-round{round_}"
    here.mkdir()
    db_path = here / "pacer.db"
    port = free_port()
    env = {**base_env, "DATABASE_URL": f"sqlite:///{db_path}", "PYTHONPATH": str(target.root)}
    print(f"\n[round {round_}] {target.label}: serving {target.root} on {HOST}:{port}")
    server = Server(command=target.command(port, db_path), workdir=here, env=env, port=port)
    results: list[PhaseResult] = []
    try:
        ready = server.wait_healthy()
        print(f"  /healthz 200 after {ready:.1f} s; {len(server_pids(server.pid)) - 1} child process(es)")
        workload = Workload(
            reps=[r[0] for r in reps], customers=customers, secret=base_env["SLACK_SIGNING_SECRET"], port=port,
            run_id=run_id, seed=args.seed + round_,
        )  # fmt: skip
        workload.response_url = fake.response_url("bench-")
        asyncio.run(run_all(args, workload, server, db_path, run_id, results, label=target.label, round_=round_))
    finally:
        how = server.stop()
        problems = server.problems()
        print(f"  server stopped ({how})")
        if problems.get("error_lines"):
            print(f"  server log: {problems['error_lines']} error line(s), {problems['tracebacks']} traceback(s):")
            for message in problems["first_errors"][:5]:
                print(f"    {message}")
        for result in results:
            result.server_log = problems
    return results


async def run_all(
    args: argparse.Namespace,
    workload: Workload,
    server: Server,
    db_path: Path,
    run_id: str,
    results: list[PhaseResult],
    *,
    label: str = "pacer",
    round_: int = 1,
) -> None:
    """Warm-up, then phase (c), phase (a) and/or the ramp; each finished phase is appended to `results`."""

    async def measured(result: PhaseResult, tag: str, profiler: Profiler | None) -> PhaseResult:
        result.target, result.round = label, round_
        result.stored = stored_check(db_path, run_id, tag, result.logged_trigger_ids, result.other_trigger_outcomes)
        rows = result.stored["rows"]
        result.stored_per_s = round(rows / result.wall_s, 1)
        result.server_cpu_ms_per_stored_deal = round(1000 * result.server_cpu_s / max(rows, 1), 2)
        if profiler is not None:
            result.profile = await asyncio.to_thread(profiler.finish)
        results.append(result)
        print_phase(result)
        if result.profile:
            print_profile(result.profile)
        return result

    def profiler_for(tag: str, seconds: float) -> Profiler | None:
        if not args.py_spy or tag == "w":
            return None
        return Profiler(args.py_spy, server.pid, args.out, f"{run_id}-{tag}", seconds, args.py_spy_mode)

    async def phase(name: str, tag: str, plan: list[tuple[str, str | None]], rate: float) -> PhaseResult:
        batch = workload.build(tag, plan)
        profiler = profiler_for(tag, len(plan) / rate)
        result = await run_phase(
            name,
            batch,
            rate=rate,
            port=server.port,
            connections=min(args.connections, len(plan)),
            server_pid=server.pid,
            timeout_s=args.timeout,
        )
        return await measured(result, tag, profiler)

    known = "" if args.new_customers else ", then a deal with each other customer (all are known)"
    print(f"  warm-up: each rep logs one deal{known}")
    plan: list[tuple[str, str | None]] = [
        (rep, workload.customers[i % len(workload.customers)]) for i, rep in enumerate(workload.reps)
    ]
    if not args.new_customers:
        plan += [(workload.rng.choice(workload.reps), c) for c in workload.customers[len(workload.reps) :]]
    # a closed loop of two clients and a patient client: first contacts (users.info, registration)
    # and new customers (the near-match search) are slow, and nothing is measured here
    warm = await run_closed(
        "warm-up",
        workload.build("w", plan),
        clients=2,
        duration_s=SIGNATURE_WINDOW_S - 60,
        port=server.port,
        server_pid=server.pid,
        timeout_s=max(args.timeout, 15.0),
        whole_batch=True,
    )
    await measured(warm, "w", None)
    if warm.outcomes.get("logged", 0) != len(plan):
        raise BenchError(f"warm-up failed: {warm.outcomes}; server log:\n{server.log_tail()}")

    if args.closed:
        print(f"  phase (c): closed loop, {args.clients} clients for {args.closed_duration:g} s")
        await asyncio.sleep(1.0)
        batch = workload.build("c", workload.random_plan(math.ceil(args.closed_max_rate * args.closed_duration)))
        profiler = profiler_for("c", args.closed_duration)
        result = await run_closed(
            "c",
            batch,
            clients=args.clients,
            duration_s=args.closed_duration,
            port=server.port,
            server_pid=server.pid,
            timeout_s=args.timeout,
        )
        await measured(result, "c", profiler)

    if not args.ramp:
        print(f"  phase (a): {args.rate:g} req/s for {args.duration:g} s")
        await asyncio.sleep(1.0)
        await phase("a", "a", workload.random_plan(round(args.rate * args.duration)), args.rate)

    if args.ramp or args.both:
        print(f"  phase (b): ramp {', '.join(f'{r:g}' for r in args.step_rates)} req/s, {args.step_duration:g} s each")
        over = 0
        for k, rate in enumerate(args.step_rates):
            await asyncio.sleep(args.pause)
            step = await phase(f"ramp {rate:g}", f"r{k}", workload.random_plan(round(rate * args.step_duration)), rate)
            if step.errors:
                print(f"  stopping the ramp: {step.errors} error(s) at {rate:g} req/s")
                break
            if step.latency_ms["p99"] >= args.p99_limit_ms:
                over += 1
                if over >= 2:
                    print(f"  stopping the ramp: p99 over {args.p99_limit_ms:g} ms twice")
                    break


if __name__ == "__main__":
    sys.exit(main())
