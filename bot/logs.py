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
    # slack_sdk logs whole request bodies at DEBUG; never let tokens or payloads reach the log.
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, logging.getLogger().level))
    logging.getLogger("slack_bolt").setLevel(max(logging.INFO, logging.getLogger().level))
    # the migration tool's own chatter (plugins set up, context impl) is for DEBUG; Pacer says what it applied
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))
    bolt_app = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _ClientGivenOnPurpose) for f in bolt_app.filters):
        bolt_app.addFilter(_ClientGivenOnPurpose())
