"""Everything a listener needs, built once by `build_deps` and passed in explicitly."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.clock import Clock, system_clock
from bot.config import PacerConfig
from bot.directory import Directory, users_info_lookup
from bot.outbox import OutboxSender
from bot.store.engine import Database
from bot.store.outbox import DEFAULT_PER_MINUTE
from bot.uow import UnitOfWork

logger = logging.getLogger(__name__)

# A first contact waits for users.info before it is answered; keep that wait well inside 3 s.
LOOKUP_TIMEOUT_SECONDS = 1.5


@dataclass
class Deps:
    config: PacerConfig
    db: Database
    clock: Clock
    client: WebClient
    directory: Directory
    uow: UnitOfWork
    outbox: OutboxSender
    background: ThreadPoolExecutor

    def after_ack(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """Run slow work (Slack API calls) after the request has been acknowledged."""

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception:
                logger.exception("post-ack work %s failed", getattr(fn, "__name__", fn))
                raise

        return self.background.submit(run)

    def close(self) -> None:
        self.outbox.stop()
        self.background.shutdown(wait=True)
        self.db.dispose()


def web_client(*, token: str, base_url: str, timeout: float = 10.0, retries: bool = True) -> WebClient:
    """A WebClient that honours 429 Retry-After and retries dropped connections once."""
    handlers = [RateLimitErrorRetryHandler(max_retry_count=1), ConnectionErrorRetryHandler(max_retry_count=1)]
    return WebClient(
        token=token, base_url=base_url, timeout=int(timeout) or 1, retry_handlers=handlers if retries else []
    )


def build_deps(
    *,
    config: PacerConfig,
    db: Database,
    token: str,
    base_url: str,
    clock: Clock = system_clock,
    start_sender: bool = True,
    background_workers: int = 4,
    outbox_per_minute: int = DEFAULT_PER_MINUTE,
) -> Deps:
    client = web_client(token=token, base_url=base_url)
    lookup_client = WebClient(
        token=token,
        base_url=base_url,
        timeout=LOOKUP_TIMEOUT_SECONDS,  # type: ignore[arg-type]
        retry_handlers=[],
    )
    directory = Directory(config=config, lookup=users_info_lookup(lookup_client))
    outbox_client = WebClient(token=token, base_url=base_url, timeout=10, retry_handlers=[])
    sender = OutboxSender(db=db, client=outbox_client, clock=clock, per_minute=outbox_per_minute)
    if start_sender:
        sender.start()
    return Deps(
        config=config,
        db=db,
        clock=clock,
        client=client,
        directory=directory,
        uow=UnitOfWork(db=db, directory=directory, clock=clock),
        outbox=sender,
        background=ThreadPoolExecutor(max_workers=background_workers, thread_name_prefix="pacer-after-ack"),
    )
