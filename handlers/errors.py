"""The one error handler: log with the traceback, apologise to the user, never hide a failure."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App, BoltResponse

from bot.deps import Deps
from handlers.envelope import MalformedRequest, bad_request

logger = logging.getLogger(__name__)

APOLOGY = "Sorry — something went wrong on Pacer's side and nothing was saved. Please try again in a minute."


def register(app: App, deps: Deps) -> None:
    app.error(partial(unexpected_error, deps=deps))


def unexpected_error(error: Exception, body: dict[str, Any], *, deps: Deps) -> BoltResponse:
    del deps
    if isinstance(error, MalformedRequest):  # not Pacer's failure: a request Slack never sends; no apology
        logger.warning("malformed request refused: %s", error)
        return bad_request(str(error))
    team = (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else body.get("team_id")
    user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else body.get("user_id")
    logger.error("unhandled error team=%s user=%s: %s", team, user, error, exc_info=error)
    if body.get("type") == "view_submission":
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Pacer"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": APOLOGY}}],
        }
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    if body.get("command") or body.get("type") == "block_actions":
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": APOLOGY})
    return BoltResponse(status=500, body="")
