"""Block Kit of the check-in thread (see bot.services.checkins for the messages and their keys).

`CheckinMessages` implements `bot.services.checkins.Render`; handlers and jobs pass `MESSAGES` to the
check-in services. Every payload is {"text": plain fallback, "blocks": [...]}; user text is escaped.

(Skeleton: each builder is filled in by the issue-10 work that owns it.)
"""

from __future__ import annotations

from typing import Any

from bot.services.checkins import CheckinView, EntryView
from handlers.blocks import checkin_posts
from handlers.blocks.common import as_dicts, escape, section


def _payload(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": as_dicts([section(escape(text))])}


class CheckinMessages:
    def headline(self, checkin: CheckinView) -> dict[str, Any]:
        snap = checkin.snapshot
        return _payload(
            f"Check-in: {snap.member.name}, {snap.period.label} — {snap.total} points, {snap.rating}"
            f" — {checkin.evaluation.progression.label}"
        )

    def scorecard(self, checkin: CheckinView) -> dict[str, Any]:
        return _payload(f"Scorecard of {checkin.snapshot.member.name} for {checkin.period_label}")

    def next_step(self, checkin: CheckinView) -> dict[str, Any]:
        return _payload(f"Next step: {checkin.evaluation.progression.next_step}")

    def entry(self, checkin: CheckinView, entry: EntryView) -> dict[str, Any]:
        return checkin_posts.entry_post(checkin, entry)

    def acknowledged(self, checkin: CheckinView) -> dict[str, Any]:
        return checkin_posts.acknowledged_post(checkin)


MESSAGES = CheckinMessages()
