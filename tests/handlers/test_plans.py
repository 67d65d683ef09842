"""Improvement plans where people look, end to end: the rep's and the manager's `/progress`, the Home tab,
and the plan's review for the next check-in's thread — the manager's wording always escaped."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.services.checkins import PlanItemView
from handlers.blocks.common import MESSAGE_BLOCKS_MAX, SECTION_TEXT_MAX
from handlers.blocks.plans import plan_review
from tests.conftest import MANAGER, OUTSIDER, REP, TEST_NOW
from tests.handlers.test_home import home_opened, published
from tests.support.harness import Pacer
from tests.support.plans import ACTIVITIES, DEMOS, FEEDBACK_AT, HOSTILE, Item, add_plan, plan_scenario

ESCAPED = "Shadow *Morgan* on two &lt;!channel&gt; calls &amp; &lt;https://evil.example|a link&gt;"


def _scenario(pacer: Pacer) -> int:
    evaluation_id = plan_scenario(pacer, REP, MANAGER)
    pacer.clock.now = TEST_NOW  # Tuesday 24 November
    return evaluation_id


def test_the_reps_progress_lists_open_plan_items_with_due_date_state_and_progress(pacer: Pacer) -> None:
    _scenario(pacer)
    response = pacer.command(REP, "/progress")
    assert response.status == 200
    text = response.text
    plan = text[text.index("*Improvement plan*") :]
    assert f":rotating_light: *{ACTIVITIES.action}* — overdue since Fri 20 Nov · Activities 16 of 18 (89 %)" in plan
    assert f":alarm_clock: *{DEMOS.action}* — due Fri 27 Nov · Demos 5 of 10 (50 %)" in plan
    assert f":dart: *{ESCAPED}* — due Tue 15 Dec" in plan
    assert plan.index(ACTIVITIES.action) < plan.index(DEMOS.action) < plan.index("Shadow")
    assert "<!channel>" not in text and "<https://evil.example" not in text
    blocks = response.json()["blocks"]
    assert len(blocks) <= MESSAGE_BLOCKS_MAX


def test_the_manager_sees_a_reports_plan_in_their_progress_and_an_outsider_sees_none(pacer: Pacer) -> None:
    _scenario(pacer)
    text = pacer.command(MANAGER, "/progress", f"<@{REP}|dana>").text
    assert "*Improvement plan*" in text and DEMOS.action in text
    refused = pacer.command(OUTSIDER, "/progress", f"<@{REP}|dana>").text
    assert "isn't one of yours" in refused and DEMOS.action not in refused


def test_progress_without_a_plan_has_no_plan_section(pacer: Pacer) -> None:
    assert "Improvement plan" not in pacer.command(REP, "/progress").text


def test_a_long_plan_stays_within_block_kit_limits(pacer: Pacer) -> None:
    evaluation_id = _scenario(pacer)
    long_items = [Item("x" * 480 + f" item {n}", date(2026, 12, 1) + timedelta(days=n)) for n in range(60)]
    add_plan(pacer, evaluation_id, long_items, at=FEEDBACK_AT, feedback_version=2)
    response = pacer.command(REP, "/progress")
    blocks = response.json()["blocks"]
    assert len(blocks) <= MESSAGE_BLOCKS_MAX
    assert all(len(b["text"]["text"]) <= SECTION_TEXT_MAX for b in blocks if b["type"] == "section")
    assert "…and " in response.text and "more — `/progress`" in response.text


def test_the_home_tab_shows_the_reps_open_items(pacer: Pacer) -> None:
    _scenario(pacer)
    pacer.slack.clear()
    assert pacer.event(home_opened(REP)).status == 200
    user_id, view, text = published(pacer)
    assert user_id == REP
    assert "*Your improvement plan*" in text
    assert f"*{DEMOS.action}* — due Fri 27 Nov · Demos 5 of 10 (50 %)" in text
    assert ESCAPED in text and "<!channel>" not in text


def test_the_managers_home_tab_flags_each_reports_open_and_overdue_items(pacer: Pacer) -> None:
    _scenario(pacer)
    pacer.slack.clear()
    assert pacer.event(home_opened(MANAGER)).status == 200
    _, _, text = published(pacer)
    team = text[text.index("Your team") :]
    assert (
        f":rotating_light: 3 plan items (1 overdue, 1 due soon) — next: _{ACTIVITIES.action}_, overdue since Fri 20 Nov"
        in team
    )


def test_the_plan_review_gives_each_items_outcome_in_words_with_units_and_escaped_text() -> None:
    items = [
        PlanItemView(1, "Book 10 demos", "activities:demo", Decimal(10), date(2026, 11, 27), "missed", Decimal(5)),
        PlanItemView(2, "Close $120k", "revenue", Decimal("120000"), date(2026, 11, 30), "met", Decimal("120500.50")),
        PlanItemView(3, HOSTILE, None, None, date(2026, 12, 15), "reported", None),
    ]
    payload = plan_review(items, currency="USD")
    lines = payload["blocks"][0]["text"]["text"].split("\n")
    assert lines == [
        "*How the last improvement plan went*",
        ":x: *1. Book 10 demos* (due Fri 27 Nov) — Demos 5 against a target of 10: *missed*",
        ":white_check_mark: *2. Close $120k* (due Mon 30 Nov) — "
        "Revenue $120,500.50 against a target of $120,000: *met*",
        f":speech_balloon: *3. {ESCAPED}* (due Tue 15 Dec) — no metric: say how it went in this thread",
    ]
    assert payload["text"].startswith("The last improvement plan: 1 met, 1 missed, 1 reported.")
    assert "<!channel>" not in str(payload)


def test_a_plan_review_with_nothing_to_review_says_so() -> None:
    assert "no plan to review" in plan_review([], currency="USD")["text"]
