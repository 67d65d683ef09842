"""Logging, configured once at start."""

from __future__ import annotations

import logging


def configure(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # slack_sdk logs whole request bodies at DEBUG; never let tokens or payloads reach the log.
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, logging.getLogger().level))
    logging.getLogger("slack_bolt").setLevel(max(logging.INFO, logging.getLogger().level))
