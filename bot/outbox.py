"""Delivers outbox messages to Slack after the transaction that queued them has committed.

Outcomes per message: `sent` (with the Slack `ts`); back to `pending` after a 429 (at the
`Retry-After` time) or a connection that failed before Slack answered; `unknown` after a 5xx or
a read timeout (Slack may have posted it: never resent blindly); `failed` with Slack's error.
A message whose sender died mid-send is ambiguous too: once its claim expires it becomes `unknown`.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.store import outbox
from bot.store.engine import Database

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
IDLE_POLL_SECONDS = 5.0


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.unknown


class OutboxSender:
    def __init__(self, *, db: Database, client: WebClient, clock: Clock) -> None:
        self.db = db
        self.client = client
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        """Something was queued: deliver it now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="pacer-outbox", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(IDLE_POLL_SECONDS)
            self._wake.clear()
            try:
                while self.deliver_due().handled and not self._stop.is_set():
                    pass
            except Exception:
                logger.exception("outbox delivery failed; will try again")

    def deliver_due(self, limit: int = 50) -> DeliveryReport:
        report = DeliveryReport()
        now = self.clock()
        with self.db.transaction() as session:
            report.unknown += outbox.expire_abandoned(session, now=now)
            claimed = [
                (m.id, m.channel, dict(m.payload), m.attempts, team_id)
                for m, team_id in outbox.claim_due(session, now=now, limit=limit)
            ]
        for message_id, channel, payload, attempts, team_id in claimed:
            assert message_id is not None
            self._deliver(message_id, channel, payload, attempts, team_id, report)
        return report

    def _deliver(
        self,
        message_id: int,
        channel: str,
        payload: dict[str, object],
        attempts: int,
        team_id: str,
        report: DeliveryReport,
    ) -> None:
        outcome: dict[str, object]
        try:
            response = self.client.chat_postMessage(channel=channel, **payload)  # type: ignore[arg-type]
            outcome = {"status": "sent", "ts": response.get("ts")}
            report.sent += 1
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error") or f"HTTP {status}")
            if status == 429 and attempts < MAX_ATTEMPTS:
                wait = int(exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1)) or 1)
                outcome = {"status": "pending", "retry_at": self.clock() + timedelta(seconds=wait), "error": error}
                report.retried += 1
            elif status >= 500:
                outcome = {"status": "unknown", "error": f"HTTP {status}: Slack may have posted it"}
                report.unknown += 1
            else:
                outcome = {"status": "failed", "error": error}
                report.failed += 1
        except TimeoutError as exc:
            outcome = {"status": "unknown", "error": f"read timeout: Slack may have posted it ({exc})"}
            report.unknown += 1
        except (URLError, ConnectionError) as exc:
            if isinstance(exc, URLError) and isinstance(exc.reason, TimeoutError | socket.timeout):
                outcome = {"status": "unknown", "error": f"read timeout: Slack may have posted it ({exc})"}
                report.unknown += 1
            elif attempts < MAX_ATTEMPTS:
                outcome = {
                    "status": "pending",
                    "retry_at": self.clock() + timedelta(seconds=2**attempts),
                    "error": f"connection failed: {exc}",
                }
                report.retried += 1
            else:
                outcome = {"status": "failed", "error": f"connection failed {attempts} times: {exc}"}
                report.failed += 1
        if outcome["status"] != "sent":
            logger.warning(
                "outbox message=%s team=%s %s: %s", message_id, team_id, outcome["status"], outcome.get("error")
            )
            report.errors.append(str(outcome.get("error")))
        with self.db.transaction() as session:
            outbox.finish(session, message_id=message_id, now=self.clock(), **outcome)  # type: ignore[arg-type]
