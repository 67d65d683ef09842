"""The scheduler as operators run it: real `pacer scheduler` and `pacer run` processes, a fake
Slack, SQLite and PostgreSQL. Leadership changes are observed in the logs and the lease row;
waiting here is for processes to start or die, never for the scheduler's one-minute interval
(a new leader dispatches at once)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.store.engine import Database
from tests.cli.test_cli import PACER, clean_env, free_port, wait_healthy
from tests.fakes.slack_api import FakeSlack
from tests.scheduler.helpers import lease, outbox_rows, schedule, workspace
from tests.support.harness import SIGNING_SECRET

HEARTBEAT = 0.5  # PACER_SCHEDULER_HEARTBEAT_SECONDS for these tests: the standby's retry period
LEADING = "scheduler: leading"
STANDING_BY = "scheduler: standing by"
REFUSED = "a scheduler is already running on the SQLite database"


def wait_until(condition: Callable[[], object], *, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")


class Proc:
    """A `pacer …` process whose combined output goes to a file we can read while it runs."""

    def __init__(self, tmp_path: Path, name: str, args: list[str], env: dict[str, str]) -> None:
        self.log_path = tmp_path / f"{name}.log"
        with self.log_path.open("w") as log:
            self.popen = subprocess.Popen(
                [*PACER, *args], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
            )
        self.pid = self.popen.pid

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def poll(self) -> int | None:
        return self.popen.poll()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


@contextmanager
def processes() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    try:
        yield started
    finally:
        for proc in started:
            proc.stop()


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in status:
            found.append((int(entry.name), cmdline))
    return found


def scheduler_children(pid: int) -> list[tuple[int, str]]:
    return [(child, cmd) for child, cmd in children(pid) if " scheduler" in cmd]


def alive(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def holder_pid(db: Database) -> int | None:
    row = lease(db)
    return int(row.holder.rsplit(" ", 1)[1]) if row else None


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def socket_mode(slack: FakeSlack) -> Iterator[dict[str, str]]:
    """Socket Mode that stays connecting: the WebSocket URL is a port that accepts and never answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"ws://127.0.0.1:{silent.getsockname()[1]}/"
        slack.on("apps.connections.open", lambda _args: {"ok": True, "url": url})
        yield {"SLACK_APP_TOKEN": slack.app_token}


@pytest.fixture
def env(tmp_path: Path, database_url: str, slack: FakeSlack) -> dict[str, str]:
    return clean_env(
        tmp_path,
        SLACK_BOT_TOKEN=slack.token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.url,
        DATABASE_URL=database_url,
        PACER_SCHEDULER_HEARTBEAT_SECONDS=str(HEARTBEAT),
        LOG_LEVEL="INFO",
        WEB_CONCURRENCY="2",
    )


@pytest.fixture
def due_reminder(db: Database) -> str:
    """A reminder due a minute ago by the real clock: whichever scheduler leads sends it."""
    now = datetime.now(UTC)
    schedule(db, workspace(db, now), "checkin:1:self-review", now - timedelta(minutes=1), now)
    return "reminder:checkin:1:self-review"


def test_two_schedulers_started_at_once_one_leads_and_the_other_takes_over_after_a_sigkill(
    tmp_path, database_url, db, slack, env, due_reminder
):
    with processes() as started:
        a = Proc(tmp_path, "a", ["scheduler"], env)
        b = Proc(tmp_path, "b", ["scheduler"], env)
        started += [a, b]

        if db.is_sqlite:
            wait_until(lambda: (a.poll() is None) != (b.poll() is None), what="one of the two to exit")
            refused, leader = (a, b) if a.poll() is not None else (b, a)
            assert refused.poll() == 2
            assert REFUSED in refused.log and make_url(database_url).database in refused.log
            assert "pacer run --no-scheduler" in refused.log and "PACER_SCHEDULER=off" in refused.log
            wait_until(lambda: LEADING in leader.log, what="the other to lead")
        else:
            wait_until(lambda: all(LEADING in p.log or STANDING_BY in p.log for p in (a, b)), what="both to decide")
            [leader] = [p for p in (a, b) if LEADING in p.log]
            [standby] = [p for p in (a, b) if p is not leader]
            assert STANDING_BY in standby.log and LEADING not in standby.log

        [sent] = slack.wait_for("chat.postMessage", timeout=20)
        assert sent.args["channel"] == "UREP0001"
        wait_until(lambda: holder_pid(db) == leader.pid, what="the leader's lease row")

        if not db.is_sqlite:
            os.kill(leader.pid, signal.SIGKILL)
            killed = time.monotonic()
            wait_until(lambda: LEADING in standby.log, timeout=20, what="the standby to take over")
            took = time.monotonic() - killed
            wait_until(
                lambda: holder_pid(db) == standby.pid and lease(db).dispatched_at is not None,
                what="the new leader to dispatch",
            )
            # the standby retries every HEARTBEAT seconds; allow for two busy cores
            print(f"takeover after SIGKILL: {took:.2f} s (heartbeat {HEARTBEAT} s)")  # noqa: T201 — shown with -s
            assert took < HEARTBEAT + 3.0, f"took over after {took:.2f} s"
            assert standby.log.count(LEADING) == 1

        assert len(slack.calls("chat.postMessage")) == 1
        assert [r.key for r in outbox_rows(db)] == [due_reminder]


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
def test_pacer_run_runs_one_scheduler_for_all_its_workers_and_it_ends_with_pacer_run(
    tmp_path, db, slack, env, due_reminder, stop
):
    port = free_port()
    with processes() as started:
        run = Proc(tmp_path, "run", ["run", "--port", str(port)], env)
        started.append(run)
        wait_healthy(f"http://127.0.0.1:{port}", run.popen)
        [sent] = slack.wait_for("chat.postMessage", timeout=30)
        assert sent.args["text"] == "Reminder checkin:1:self-review"

        assert [r.key for r in outbox_rows(db)] == [due_reminder]
        [(child, command)] = scheduler_children(run.pid)  # one, whatever WEB_CONCURRENCY (2 here)
        assert "--exit-with-parent" in command
        wait_until(lambda: holder_pid(db) == child, what="the lease row")
        assert run.log.count(LEADING) == 1 and STANDING_BY not in run.log

        other = Proc(tmp_path, "other", ["scheduler"], env)
        started.append(other)
        if db.is_sqlite:
            wait_until(lambda: other.poll() is not None, what="a second scheduler to refuse")
            assert other.poll() == 2 and REFUSED in other.log
        else:
            wait_until(lambda: STANDING_BY in other.log, what="a second scheduler to stand by")

        if stop == "SIGTERM":
            run.stop()
            assert run.popen.returncode == 0
        else:
            os.kill(run.pid, signal.SIGKILL)
            run.popen.wait(timeout=10)
        wait_until(lambda: not alive(child), timeout=15, what="the scheduler process to end with pacer run")
        if db.is_sqlite:
            other = Proc(tmp_path, "after", ["scheduler"], env)
            started.append(other)
        wait_until(lambda: LEADING in other.log, what="a scheduler to lead once pacer run stopped")
        assert len(slack.calls("chat.postMessage")) == 1


def test_a_scheduler_process_that_dies_under_pacer_run_is_replaced(tmp_path, db, slack, env, due_reminder):
    port = free_port()
    with processes() as started:
        run = Proc(tmp_path, "run", ["run", "--port", str(port)], env)
        started.append(run)
        wait_healthy(f"http://127.0.0.1:{port}", run.popen)
        wait_until(lambda: len(scheduler_children(run.pid)) == 1, what="the scheduler process")
        [(first, _)] = scheduler_children(run.pid)
        slack.wait_for("chat.postMessage", timeout=30)
        wait_until(lambda: holder_pid(db) == first, what="the first scheduler to lead")

        os.kill(first, signal.SIGKILL)
        wait_until(
            lambda: [pid for pid, _ in scheduler_children(run.pid) if pid != first],
            timeout=30,
            what="a replacement scheduler process",
        )
        [(second, _)] = scheduler_children(run.pid)
        wait_until(
            lambda: holder_pid(db) == second and lease(db).dispatched_at is not None, what="the replacement to dispatch"
        )

        assert "stopped; starting another" in run.log
        assert len(slack.calls("chat.postMessage")) == 1
        assert [r.key for r in outbox_rows(db)] == [due_reminder]


@pytest.mark.parametrize(
    ("mode", "args", "extra"),
    [
        ("http", ["run", "--no-scheduler"], {}),
        ("socket", ["run"], {"PACER_SCHEDULER": "off"}),
    ],
)
def test_pacer_run_without_the_scheduler_leaves_it_to_a_separate_one(
    tmp_path, db, slack, env, socket_mode, mode, args, extra
):
    port = free_port()
    with processes() as started:
        run = Proc(
            tmp_path, "run", [*args, "--port", str(port)], {**env, **extra, **(socket_mode if mode == "socket" else {})}
        )
        started.append(run)
        if mode == "http":
            wait_healthy(f"http://127.0.0.1:{port}", run.popen)
        else:
            slack.wait_for("apps.connections.open", timeout=30)
        assert scheduler_children(run.pid) == []
        assert "scheduler off in this process" in run.log

        separate = Proc(tmp_path, "separate", ["scheduler"], env)
        started.append(separate)
        wait_until(lambda: LEADING in separate.log or separate.poll() is not None, what="the separate scheduler")

        assert LEADING in separate.log and STANDING_BY not in separate.log
        assert LEADING not in run.log and scheduler_children(run.pid) == []
        assert run.poll() is None, run.log  # still serving all along
        wait_until(lambda: holder_pid(db) == separate.pid, what="the separate scheduler's lease row")


def test_socket_mode_runs_the_scheduler_in_its_own_process(tmp_path, db, slack, env, socket_mode, due_reminder):
    with processes() as started:
        run = Proc(tmp_path, "run", ["run"], {**env, **socket_mode})
        started.append(run)
        slack.wait_for("apps.connections.open", timeout=30)
        [sent] = slack.wait_for("chat.postMessage", timeout=20)
        assert run.poll() is None, run.log

        assert sent.args["channel"] == "UREP0001"
        assert scheduler_children(run.pid) == []
        wait_until(lambda: holder_pid(db) == run.pid, what="the lease row")
        wait_until(
            lambda: [(r.key, r.status) for r in outbox_rows(db)] == [(due_reminder, "sent")], what="the outbox row"
        )
