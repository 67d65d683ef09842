"""An outbox sender in a process of its own, for tests that kill it or run two at once.

    SLACK_BOT_TOKEN=... python -m tests.outbox.sender_process <database url> <Slack API url> [options]

Runs on the wall clock until every message is `sent`, `failed` or `unknown` (`--until-done`) or
forever; prints one line per pass that did something.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta

from slack_sdk import WebClient
from sqlmodel import col, func, select

from bot.clock import system_clock
from bot.outbox import OutboxSender
from bot.store.engine import Database
from bot.store.outbox import FINAL
from bot.store.tables import OutboxMessage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("api_url")
    parser.add_argument("--per-minute", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=2.0, help="Slack read timeout, seconds")
    parser.add_argument("--claim", type=float, default=3.0, help="claim length, seconds")
    parser.add_argument("--reconcile-after", type=float, default=0.5, help="seconds")
    parser.add_argument("--until-done", action="store_true")
    parser.add_argument("--start-at", type=float, default=0.0, help="wall-clock epoch seconds to begin at")
    args = parser.parse_args()

    db = Database(args.database_url)
    client = WebClient(
        token=os.environ["SLACK_BOT_TOKEN"],
        base_url=args.api_url,
        timeout=args.timeout,  # type: ignore[arg-type]
        retry_handlers=[],
    )
    sender = OutboxSender(
        db=db,
        client=client,
        clock=system_clock,
        per_minute=args.per_minute,
        batch=args.batch,
        claim_for=timedelta(seconds=args.claim),
        reconcile_after=timedelta(seconds=args.reconcile_after),
        claim_margin=timedelta(seconds=0.5),
    )
    time.sleep(max(0.0, args.start_at - time.time()))
    while True:
        report = sender.deliver_due()
        if report.handled:
            sys.stdout.write(f"pid {os.getpid()}: {report.counts()}\n")
            sys.stdout.flush()
            continue
        if args.until_done and _all_done(db):
            return
        time.sleep(0.05)


def _all_done(db: Database) -> bool:
    with db.reading() as session:
        open_ = session.exec(select(func.count()).where(col(OutboxMessage.status).not_in(FINAL))).one()
    return int(open_) == 0


if __name__ == "__main__":
    main()
