"""Delivers outbox messages to Slack after the transaction that queued them has committed.

Every post carries message metadata naming its outbox key, so a message whose fate is unknown can
be looked up afterwards. Outcomes per message:

* `sent` with Slack's `ts`;
* back to `pending`: a 429 (at its `Retry-After`, and the whole workspace waits with it), a
  connection that failed before Slack had the request (backing off), or Slack's
  `service_unavailable`;
* ambiguous — a 5xx, a read timeout, a connection dropped after the request went out, or a
  claim whose sender died: Slack may have posted it. A DM is then *reconciled*: once Slack has
  settled, the DM's history is searched for the key; found → `sent` with that ts, not found →
  sent again. A channel post cannot be looked up (see `can_reconcile`) and becomes `unknown`;
* `failed` with Slack's error.

A message to a group of people ("U1,U2") is posted in their group DM: opened with
`conversations.open(users=...)` (idempotent at Slack: the same people, the same conversation) unless
an earlier message recorded its id, and reconciled from its history like a DM. A thread reply
(`reply_to`) is posted in its parent's conversation with `thread_ts` = the parent's ts, and
reconciled from the thread (`conversations.replies`). See bot/store/outbox.py for when replies
are claimed.

A message queued with `bot.store.outbox.rewrite` is not posted: it rewrites the message it names
(`chat.update`), once that message is sent and after earlier rewrites of it; being idempotent, it is
retried after any failure that is not Slack's final word, and never reconciled.

A sender never posts a claimed message later than `timeout + CLAIM_MARGIN` before its claim
expires, so a message is never both posted by a slow sender and checked by another one.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.store import outbox
from bot.store.engine import Database
from bot.store.outbox import CLAIM_FOR, DEFAULT_PER_MINUTE, Claim
from scoring.text import escape

if TYPE_CHECKING:  # bot.jobs registers this module's job: import it only when needed
    from bot.jobs.base import JobContext, JobResult

logger = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 5.0
#: The metadata event type on every outbox post; its payload carries the outbox key.
EVENT_TYPE = "pacer_outbox"
#: Wait this long after an ambiguous send before looking for it: Slack may still be posting it.
RECONCILE_AFTER = timedelta(seconds=30)
#: A claim is not used for a new post when less than the client timeout plus this is left of it.
CLAIM_MARGIN = timedelta(seconds=5)
#: How many of the DM's newest messages are searched for an ambiguous post. The bot is the only
#: poster in its DMs (the Messages tab is off), and a check runs minutes after the attempt.
HISTORY_DEPTH = 200
#: History look-ups that fail (5xx, timeouts) before an ambiguous message is left `unknown`.
MAX_CHECKS = 5
#: Connection failures back off up to this...
MAX_BACKOFF = timedelta(minutes=5)
#: ...and give up when the message is this old.
GIVE_UP_AFTER = timedelta(hours=12)

#: Slack errors (HTTP 200) that say the operation may have partly happened.
AMBIGUOUS_ERRORS = frozenset({"internal_error", "fatal_error"})
#: Slack errors (HTTP 200) that say nothing happened and it is worth trying again.
TRANSIENT_ERRORS = frozenset({"service_unavailable", "request_timeout"})


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0
    reconciling: int = 0  # ambiguous: waiting for a look in the DM history
    found: int = 0  # an ambiguous message found in the DM history: now `sent`
    resent: int = 0  # an ambiguous message not in the DM history: queued to send again
    throttled: int = 0  # 429 answers (each pauses its workspace)
    deferred: int = 0  # claimed but given back unposted (workspace paused, claim running out)
    unknown_total: int | None = None  # unknown messages in the whole outbox, when this pass added some
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.unknown + self.reconciling + self.found + self.resent

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "retried", "failed", "unknown", "reconciling", "found", "resent", "throttled", "deferred"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.unknown_total is not None:
            self.unknown_total = other.unknown_total
        self.errors += other.errors

    def counts(self) -> dict[str, int]:
        shown = ("sent", "found", "resent", "retried", "throttled", "reconciling", "failed", "unknown")
        return {name: getattr(self, name) for name in shown if getattr(self, name)}


@dataclass(frozen=True)
class _Outcome:
    status: str
    report_as: str
    ts: str | None = None
    error: str | None = None
    retry_at: datetime | None = None
    throttled_until: datetime | None = None
    conversation: str | None = None


class OutboxSender:
    """Claims due messages in batches and posts them, pacing each workspace.

    `per_minute` is the budget per workspace shared by every sender on the database (default
    `DEFAULT_PER_MINUTE`). Each workspace's messages are posted in order, one at a time; up to
    `workers` workspaces are served at once (Slack answers in 100–300 ms, and one workspace's
    budget is a few messages a second). The client must not retry on its own (`retry_handlers=[]`): a blind
    retry after a dropped connection is exactly the duplicate this class exists to prevent.
    """

    def __init__(
        self,
        *,
        db: Database,
        client: WebClient,
        clock: Clock,
        per_minute: int = DEFAULT_PER_MINUTE,
        claim_for: timedelta = CLAIM_FOR,
        reconcile_after: timedelta = RECONCILE_AFTER,
        batch: int = 50,
        claim_margin: timedelta = CLAIM_MARGIN,
        workers: int = 4,
    ) -> None:
        if client.retry_handlers:
            raise ValueError("the outbox client must have retry_handlers=[]: the sender decides what is safe to retry")
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1 message a minute per workspace, not {per_minute}")
        timeout = timedelta(seconds=client.timeout)
        if claim_for <= timeout + claim_margin:
            raise ValueError(f"claim_for ({claim_for}) must exceed the client timeout plus {claim_margin}")
        self.db = db
        self.client = client
        self.clock = clock
        self.per_minute = per_minute
        self.claim_for = claim_for
        self.reconcile_after = reconcile_after
        self.batch = batch
        self.workers = workers
        self._post_by = timeout + claim_margin
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        """Something was queued: deliver it now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="pacer-outbox", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_until_idle(self, max_passes: int = 10_000) -> DeliveryReport:
        """Deliver pass after pass until one changes nothing (all sent, or waiting for time to pass)."""
        total = DeliveryReport()
        for _ in range(max_passes):
            report = self.deliver_due()
            total.add(report)
            if not report.handled or self._stop.is_set():
                break
        return total

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(IDLE_POLL_SECONDS)
            self._wake.clear()
            try:
                self.run_until_idle()
            except Exception:
                logger.exception("outbox delivery failed; will try again")

    # ------------------------------------------------------------------ one pass

    def deliver_due(self, limit: int | None = None) -> DeliveryReport:
        report = DeliveryReport()
        now = self.clock()
        with self.db.transaction() as session:
            expired = outbox.expire_abandoned(session, now=now, check_after=self.reconcile_after)
            claims = outbox.claim_due(
                session, now=now, limit=limit or self.batch, per_minute=self.per_minute, claim_for=self.claim_for
            )
        report.unknown += expired.unknown
        for claim in claims:
            if claim.purpose == "check":
                self._record(claim, self._check(claim), report)
        by_workspace: dict[int, list[Claim]] = {}
        for claim in claims:
            if claim.purpose == "post":
                by_workspace.setdefault(claim.workspace_id, []).append(claim)
        groups = list(by_workspace.values())
        if len(groups) > 1 and self.workers > 1:
            with ThreadPoolExecutor(
                max_workers=min(self.workers, len(groups)), thread_name_prefix="pacer-outbox-post"
            ) as pool:
                for future in [pool.submit(self._post_in_order, group, now, report) for group in groups]:
                    future.result()
        else:
            for group in groups:
                self._post_in_order(group, now, report)
        if report.unknown:
            with self.db.reading() as session:
                report.unknown_total = outbox.count_unknown(session)
            logger.warning(
                "outbox: %d message(s) became unknown in this pass, %d unknown in all: Slack may have posted them,"
                " so they are not sent again; an operator should check the recipients",
                report.unknown,
                report.unknown_total,
            )
        return report

    def _post_in_order(self, claims: list[Claim], now: datetime, report: DeliveryReport) -> None:
        """Post one workspace's claimed messages one after another; after a 429, or when a claim
        would run out before Slack could answer, give the rest back unposted."""
        paused_until: datetime | None = None
        rest: list[Claim] = []
        for n, claim in enumerate(claims):
            if self.clock() + self._post_by > claim.claimed_until:
                rest = claims[n:]
                break
            outcome = self._post(claim)
            self._record(claim, outcome, report)
            if outcome.throttled_until is not None:
                paused_until, rest = outcome.throttled_until, claims[n + 1 :]
                break
        if rest:
            with self.db.transaction() as session:
                released = outbox.release(session, claims=rest, not_before=paused_until or now)
            with self._lock:
                report.deferred += released

    def _record(self, claim: Claim, outcome: _Outcome, report: DeliveryReport) -> None:
        if outcome.status != "sent":
            logger.warning(
                "outbox message=%s team=%s kind=%s %s: %s",
                claim.id,
                claim.team_id,
                claim.kind,
                outcome.status,
                outcome.error,
            )
            if outcome.error:
                with self._lock:
                    report.errors.append(outcome.error)
        with self.db.transaction() as session:
            recorded = outbox.finish(
                session,
                message_id=claim.id,
                claimed_until=claim.claimed_until,
                status=outcome.status,
                now=self.clock(),
                ts=outcome.ts,
                error=outcome.error,
                retry_at=outcome.retry_at,
                throttled_until=outcome.throttled_until,
                conversation=outcome.conversation,
            )
        if recorded:
            with self._lock:
                setattr(report, outcome.report_as, getattr(report, outcome.report_as) + 1)
                if outcome.throttled_until is not None:
                    report.throttled += 1
        else:
            logger.warning("outbox message=%s: claim expired before the outcome was recorded", claim.id)

    # ------------------------------------------------------------------ posting

    def _post(self, claim: Claim) -> _Outcome:
        if outbox.is_rewrite(claim.payload):
            return self._rewrite(claim)
        metadata = {"event_type": EVENT_TYPE, "event_payload": {"key": claim.key, "kind": claim.kind}}
        payload = {**claim.payload, "metadata": metadata}
        if isinstance(payload.get("text"), str):
            # A payload's `text` is plain text that may quote users (a customer, a team): escaped here,
            # the one door every queued message leaves by, as the builders escape the blocks.
            payload["text"] = escape(payload["text"])
        if claim.reply_to is not None:
            if not claim.thread_ts:
                return _Outcome("failed", "failed", error=f"its parent {claim.reply_to} has no ts: not sent")
            payload["thread_ts"] = claim.thread_ts
        channel = claim.channel
        if claim.conversation and (outbox.is_group(claim.channel) or claim.reply_to is not None):
            channel = claim.conversation
        elif outbox.is_group(claim.channel):
            opened = self._open(claim)
            if isinstance(opened, _Outcome):
                return opened
            channel = opened
        try:
            response = self.client.chat_postMessage(channel=channel, **payload)
        except SlackApiError as exc:
            outcome = self._slack_error(claim, exc)
        except URLError as exc:
            # urllib wraps errors raised while connecting and sending: Slack never had the request.
            outcome = self._retry_later(claim, f"connection failed before Slack had the message: {exc.reason}")
        except (OSError, http.client.HTTPException) as exc:
            # Raised while waiting for the answer (read timeout, reset, remote disconnected).
            what = "read timeout" if isinstance(exc, TimeoutError) else f"connection dropped ({exc!r})"
            outcome = self._ambiguous(claim, f"{what} after the message went out")
        else:
            return _Outcome("sent", "sent", ts=response.get("ts"), conversation=response.get("channel") or channel)
        # Remember where it went (a group DM just opened, a reply's thread), for the next attempt or look-up.
        return replace(outcome, conversation=channel) if channel != claim.channel else outcome

    def _rewrite(self, claim: Claim) -> _Outcome:
        """Rewrite the message `reply_to` names with `chat.update`. Rewriting twice with the same content
        is harmless, so anything ambiguous is simply tried again; nothing is ever posted."""
        if not claim.thread_ts or not claim.conversation:
            return _Outcome("failed", "failed", error=f"{claim.reply_to} was never posted: nothing to update")
        payload = {k: v for k, v in claim.payload.items() if k != "op"}
        # the rewritten message keeps the metadata naming *its* key, so it can still be found by it
        payload["metadata"] = {"event_type": EVENT_TYPE, "event_payload": {"key": claim.reply_to, "kind": claim.kind}}
        if isinstance(payload.get("text"), str):
            payload["text"] = escape(payload["text"])
        try:
            self.client.chat_update(channel=claim.conversation, ts=claim.thread_ts, **payload)
        except SlackApiError as exc:
            return self._idempotent_failed(claim, exc, f"could not update {claim.reply_to}")
        except (OSError, http.client.HTTPException) as exc:
            return self._retry_later(claim, f"could not update {claim.reply_to}: {exc!r}")
        # no ts of its own: the ts column names messages this row posted, and it posted none
        return _Outcome("sent", "sent", conversation=claim.conversation)

    def _open(self, claim: Claim) -> str | _Outcome:
        """The group DM of a message's people (or the DM of a reply's user), opened at Slack.

        Opening is idempotent, so a failure of any kind is simply tried again later; a 429 pauses
        the workspace like one on a post."""
        try:
            response = self.client.conversations_open(users=claim.channel)
        except SlackApiError as exc:
            return self._idempotent_failed(claim, exc, "could not open the conversation")
        except (OSError, http.client.HTTPException) as exc:
            return self._retry_later(claim, f"could not open the conversation: {exc!r}")
        return str(response["channel"]["id"])

    def _idempotent_failed(self, claim: Claim, exc: SlackApiError, what: str) -> _Outcome:
        """A call that is safe to make twice (opening a conversation, rewriting a message) failed: a 429
        pauses the workspace as one on a post does, anything that is not Slack's final word is tried
        again later, and the rest fails with Slack's error."""
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"HTTP {status}")
        if status == 429:
            retry_at = self.clock() + timedelta(seconds=_retry_after(exc))
            error = f"{what}: rate limited, the workspace waits until {retry_at:%H:%M:%S} UTC"
            return _Outcome("pending", "retried", error=error, retry_at=retry_at, throttled_until=retry_at)
        if status >= 500 or error in TRANSIENT_ERRORS | AMBIGUOUS_ERRORS:
            return self._retry_later(claim, f"{what}: HTTP {status} {error}")
        return _Outcome("failed", "failed", error=f"{what}: {error}")

    def _slack_error(self, claim: Claim, exc: SlackApiError) -> _Outcome:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"HTTP {status}")
        if status == 429:
            retry_at = self.clock() + timedelta(seconds=_retry_after(exc))
            error = f"rate limited: the workspace waits until {retry_at:%H:%M:%S} UTC"
            return _Outcome("pending", "retried", error=error, retry_at=retry_at, throttled_until=retry_at)
        if status >= 500 or error in AMBIGUOUS_ERRORS:
            return self._ambiguous(claim, f"HTTP {status} {error}")
        if error in TRANSIENT_ERRORS:
            return self._retry_later(claim, f"Slack answered {error}")
        return _Outcome("failed", "failed", error=error)

    def _ambiguous(self, claim: Claim, what: str) -> _Outcome:
        if outbox.can_reconcile(claim.channel):
            return _Outcome(
                "reconcile",
                "reconciling",
                error=f"{what}: Slack may have posted it; checking the DM history",
                retry_at=self.clock() + self.reconcile_after,
            )
        return _Outcome("unknown", "unknown", error=f"{what}: Slack may have posted it")

    def _retry_later(self, claim: Claim, why: str) -> _Outcome:
        now = self.clock()
        if now - claim.created_at > GIVE_UP_AFTER:
            return _Outcome("failed", "failed", error=f"{why}; giving up after {claim.attempts} attempts")
        backoff = min(timedelta(seconds=2 ** min(claim.attempts, 16)), MAX_BACKOFF)
        return _Outcome("pending", "retried", error=why, retry_at=now + backoff)

    # ------------------------------------------------------------------ reconciling

    def _check(self, claim: Claim) -> _Outcome:
        """Look for an ambiguous message in its DM, group DM or thread: found → sent; not there →
        send it again."""
        try:
            conversation = claim.conversation or self._dm_channel(claim.channel)
            if claim.reply_to is not None and claim.thread_ts is not None:
                ts = self._find_reply(conversation, claim.thread_ts, claim.key)
            else:
                ts = self._find(conversation, claim.key)
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error") or f"HTTP {status}")
            if status == 429:
                retry_at = self.clock() + timedelta(seconds=_retry_after(exc))
                return _Outcome("reconcile", "reconciling", error=f"history rate limited: {error}", retry_at=retry_at)
            if status < 500 and error not in TRANSIENT_ERRORS | AMBIGUOUS_ERRORS:
                return _Outcome(
                    "unknown", "unknown", error=f"could not check the DM history ({error}): Slack may have posted it"
                )
            return self._check_again(claim, f"HTTP {status} {error}")
        except (OSError, http.client.HTTPException) as exc:
            return self._check_again(claim, f"connection failed ({exc!r})")
        if ts is not None:
            return _Outcome("sent", "found", ts=ts, conversation=conversation)
        error = "not in the DM history: sending it again"
        return _Outcome("pending", "resent", error=error, retry_at=self.clock(), conversation=conversation)

    def _check_again(self, claim: Claim, why: str) -> _Outcome:
        if claim.checks >= MAX_CHECKS:
            return _Outcome(
                "unknown", "unknown", error=f"checked {claim.checks} times, last: {why}: Slack may have posted it"
            )
        backoff = min(self.reconcile_after * 2 ** (claim.checks - 1), MAX_BACKOFF)
        return _Outcome(
            "reconcile", "reconciling", error=f"history look-up failed: {why}", retry_at=self.clock() + backoff
        )

    def _dm_channel(self, channel: str) -> str:
        if channel.startswith("D"):
            return channel
        response = self.client.conversations_open(users=channel)
        return str(response["channel"]["id"])

    def _find_reply(self, conversation: str, thread_ts: str, key: str) -> str | None:
        """A reply's key among the newest HISTORY_DEPTH messages of its thread (the parent first)."""
        cursor: str | None = None
        found: str | None = None
        seen = 0
        while True:
            response = self.client.conversations_replies(
                channel=conversation, ts=thread_ts, include_all_metadata=True, limit=100, cursor=cursor
            )
            messages: list[dict[str, Any]] = response.get("messages") or []
            for message in messages:
                if _has_key(message, key):
                    found = str(message["ts"])
            seen += len(messages)
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if found is not None or not messages or not cursor or not response.get("has_more") or seen >= 10_000:
                return found

    def _find(self, conversation: str, key: str) -> str | None:
        cursor: str | None = None
        seen = 0
        while seen < HISTORY_DEPTH:
            response = self.client.conversations_history(
                channel=conversation, include_all_metadata=True, limit=min(100, HISTORY_DEPTH - seen), cursor=cursor
            )
            messages: list[dict[str, Any]] = response.get("messages") or []
            for message in messages:
                if _has_key(message, key):
                    return str(message["ts"])
            seen += len(messages)
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not messages or not cursor or not response.get("has_more"):
                return None
        return None


def outbox_client(client: WebClient, *, timeout: float = 10.0) -> WebClient:
    """A client like `client` (token, URL) that never retries by itself, as the sender needs."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=int(timeout), retry_handlers=[])


def deliver_job(ctx: JobContext) -> JobResult:
    """outbox: send the queued Slack messages that are due, within each workspace's budget.

    The clock starts at `ctx.now` (so `--at` decides what is due and when claims expire) and
    moves on with real time while the job runs, so claims expire honestly during long runs.
    """
    from bot.jobs.base import JobResult

    started = time.monotonic()
    sender = OutboxSender(
        db=ctx.db,
        client=outbox_client(ctx.client),
        clock=lambda: ctx.now + timedelta(seconds=time.monotonic() - started),
    )
    report = sender.run_until_idle()
    counts = report.counts() or {"sent": 0}  # "0 sent": the job ran and found nothing due
    if report.unknown_total:
        counts["unknown in all"] = report.unknown_total
    return JobResult("outbox", counts)


def _has_key(message: dict[str, Any], key: str) -> bool:
    metadata = message.get("metadata") or {}
    return bool(metadata.get("event_type") == EVENT_TYPE and (metadata.get("event_payload") or {}).get("key") == key)


def _retry_after(exc: SlackApiError) -> int:
    headers = {name.lower(): value for name, value in (exc.response.headers or {}).items()}
    value = headers.get("retry-after", "1")
    if isinstance(value, list):
        value = value[0] if value else "1"
    try:
        return max(1, int(float(value)))
    except ValueError:
        return 1
