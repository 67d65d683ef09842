"""The Slack Web API fake the tests use: the product's own stand-in (`bot/console/slack_standin.py`).

One implementation serves both `pacer console` and the test suite; this module only keeps the
import path the tests have always used.
"""

from bot.console.slack_standin import Call, FakeSlack, MethodHandler

__all__ = ["Call", "FakeSlack", "MethodHandler"]
