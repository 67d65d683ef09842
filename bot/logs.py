"""Logging, configured once at start."""

from __future__ import annotations

import logging


class _ClientGivenOnPurpose(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when it is given a client made with that very
    token, then warns that the token "will be unused" — true and harmless, and misleading on every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


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
