"""Placeholder: being built (issue 3). Registers its command so the manifest and listeners agree."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.deps import Deps
from handlers import ids


def register(app: App, deps: Deps) -> None:
    app.command(ids.GOAL)(partial(command, deps=deps))


def command(ack: Ack, command: dict[str, Any], *, deps: Deps) -> None:
    del deps, command
    ack(response_type="ephemeral", text="This command is not available yet.")
