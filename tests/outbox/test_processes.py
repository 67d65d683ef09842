"""Senders as real processes: killed with SIGKILL mid-run and restarted, or two at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.outbox.helpers import posted_keys, rows, statuses

ROOT = Path(__file__).resolve().parents[2]
PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


def start_sender(database_url, fake, *options: str) -> subprocess.Popen[bytes]:
    env = {name: value for name, value in os.environ.items() if name not in PROXIES}
    env["SLACK_BOT_TOKEN"] = fake.token
    command = [sys.executable, "-m", "tests.outbox.sender_process", database_url, fake.url, *options]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen[bytes], timeout: float = 90) -> str:
    """Wait for a sender to finish; its output."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        raise AssertionError(f"sender did not finish in {timeout} s: {stderr.decode()[-2000:]}") from None
    assert process.returncode == 0, stderr.decode()[-2000:]
    return stdout.decode()


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def kill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL


def test_a_sender_killed_while_slack_holds_its_post_and_restarted_sends_every_message_once(
    db, database_url, fake, queue, clock
):
    clock.now = datetime.now(UTC)  # the processes run on the wall clock
    keys = queue("T1", 20) + queue("T2", 20)
    fake.fail("chat.postMessage", hang=60, after=12)  # the 13th post is made, its answer never comes

    first = start_sender(database_url, fake)
    wait_until(lambda: any(c.outcome == "hang" for c in fake.calls("chat.postMessage")))
    kill(first)

    [held] = [c.args["metadata"]["event_payload"]["key"] for c in fake.calls() if c.outcome == "hang"]
    assert rows(db)[held].status == "sending"  # posted, but the sender died before it knew
    assert statuses(db)["sent"] < len(keys)

    finish(start_sender(database_url, fake, "--until-done"))

    assert posted_keys(fake) == dict.fromkeys(keys, 1)
    assert statuses(db) == {"sent": len(keys)}
    assert rows(db)[held].ts == fake.messages(held.split(":")[1])[0]["ts"]


def test_a_sender_killed_at_an_arbitrary_moment_and_restarted_sends_every_message_once(
    db, database_url, fake, queue, clock
):
    clock.now = datetime.now(UTC)
    keys = queue("T1", 30) + queue("T2", 30)
    fake.fail("chat.postMessage", hang=0.02, times=len(keys))  # each post takes 20 ms

    first = start_sender(database_url, fake, "--batch", "7")
    wait_until(lambda: len(fake.calls("chat.postMessage")) >= 25)
    kill(first)

    finish(start_sender(database_url, fake, "--batch", "7", "--until-done"))

    assert posted_keys(fake) == dict.fromkeys(keys, 1)
    assert statuses(db) == {"sent": len(keys)}


def test_two_sender_processes_at_once_never_post_one_message_twice(db, database_url, fake, queue, clock):
    clock.now = datetime.now(UTC)
    keys = queue("T1", 30) + queue("T2", 30)
    fake.fail("chat.postMessage", hang=0.08, times=len(keys))  # 5 s of posting between them
    start_at = str(time.time() + 6)  # both past their imports (slow on a busy machine), then off at once

    senders = [start_sender(database_url, fake, "--batch", "3", "--until-done", "--start-at", start_at) for _ in "ab"]
    outputs = [finish(sender) for sender in senders]

    assert posted_keys(fake) == dict.fromkeys(keys, 1)
    assert len(fake.calls("chat.postMessage")) == len(keys)
    assert statuses(db) == {"sent": len(keys)}
    assert all("'sent'" in output for output in outputs)  # both did part of the work
