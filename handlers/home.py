"""Placeholder: being built (issue 3). Registers app_home_opened so the manifest and listeners agree."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import App

from bot.deps import Deps
from handlers import ids


def register(app: App, deps: Deps) -> None:
    app.event(ids.APP_HOME_OPENED)(partial(home_opened, deps=deps))


def home_opened(event: dict[str, Any], *, deps: Deps) -> None:
    del event, deps
