"""Logging, configured once at start."""

from __future__ import annotations

import logging


class _ClientGivenOnPurpose(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when it is given a client made with that very
    token, then warns that the token "will be unused" — true and harmless, and misleading on every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class _NoBodyOfRefusedRequests(logging.Filter):
    """Bolt logs a request whose signature is wrong with its whole body (user text, user ids, the
    response_url that lets anyone answer in the user's name). The line stays — it is how a wrong
    SLACK_SIGNING_SECRET shows — without the body."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Invalid request signature detected") and ", body: " in message:
            timestamp = message.partition("timestamp: ")[2].partition(",")[0]
            record.msg = (
                "Invalid request signature detected (timestamp: %s; body not logged): refused with 401. "
                "If every request is refused, SLACK_SIGNING_SECRET is not this Slack app's signing secret"
            )
            record.args = (timestamp,)
        return True


def configure(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger().level
    # slack_sdk logs whole request bodies at DEBUG; never let tokens or payloads reach the log.
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, root))
    logging.getLogger("slack_bolt").setLevel(max(logging.INFO, root))
    # The migration tool's chatter (plugins set up, context impl) and APScheduler's (job added, scheduler
    # started, every run) are for DEBUG: Pacer says what it applied, and what the scheduler and its jobs did.
    chatter = logging.DEBUG if root <= logging.DEBUG else max(logging.WARNING, root)
    logging.getLogger("alembic").setLevel(chatter)
    logging.getLogger("apscheduler").setLevel(chatter)
    bolt_app = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _ClientGivenOnPurpose) for f in bolt_app.filters):
        bolt_app.addFilter(_ClientGivenOnPurpose())
    verification = logging.getLogger("slack_bolt.RequestVerification")
    if not any(isinstance(f, _NoBodyOfRefusedRequests) for f in verification.filters):
        verification.addFilter(_NoBodyOfRefusedRequests())
