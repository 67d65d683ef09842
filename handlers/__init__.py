"""Slack listeners, one module per feature; each exposes `register(app, deps)`.

Listeners are thin: parse the payload, run one unit of work through `bot.services`, render with
`handlers.blocks`. They take `deps` as a keyword-only argument bound with `functools.partial`,
which Bolt's argument injection leaves alone.
"""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps


def register(app: App, deps: Deps) -> None:
    from handlers import (
        activities,
        admin,
        appeal_decisions,
        appeals,
        checkins,
        checkins_thread,
        deals,
        errors,
        events,
        goals,
        home,
        leaderboard,
        nudges,
        scoring,
    )

    deals.register(app, deps)
    activities.register(app, deps)
    scoring.register(app, deps)
    goals.register(app, deps)
    leaderboard.register(app, deps)
    checkins.register(app, deps)
    admin.register(app, deps)
    home.register(app, deps)
    nudges.register(app, deps)
    events.register(app, deps)
    checkins_thread.register(app, deps)
    appeal_decisions.register(app, deps)
    appeals.register(app, deps)
    errors.register(app, deps)
