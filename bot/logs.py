"""Logging, configured once at start."""

from __future__ import annotations

import logging


def configure(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # slack_sdk logs whole request bodies at DEBUG; never let tokens or payloads reach the log.
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, logging.getLogger().level))
    logging.getLogger("slack_bolt").setLevel(max(logging.INFO, logging.getLogger().level))
    # the migration tool's own chatter (plugins set up, context impl) is for DEBUG; Pacer says what it applied
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))
