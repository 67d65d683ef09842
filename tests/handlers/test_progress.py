"""`/progress` and `/scorecard` end to end: the score explained line by line, for whom it may be shown."""

from decimal import Decimal

import pytest

from tests.conftest import ADMIN, MANAGER, REP, REP2
from tests.support import reads


def test_progress_explains_every_line_and_the_lines_add_up_to_the_score(pacer):
    pacer.deal(REP, "60k Acme Corp")
    pacer.deal(REP, "20k Globex")
    pacer.activity(REP, "call 30")
    pacer.activity(REP, "lead 10")

    response = pacer.command(REP, "/progress", "")
    text = response.text
    assert response.json()["response_type"] == "ephemeral"
    assert "November 2026" in text and "hunter" in text
    # revenue 80,000 of 100,000 = 80 % × 40 = 32.00; new customers 2 of 4 = 50 % × 30 = 15.00;
    # new leads 10 of 20 = 50 % × 15 = 7.50; activities 40 of 80 = 50 % × 15 = 7.50 → 62.00 pts
    assert "$80,000 of $100,000" in text and "*32.00 pts*" in text
    assert "*15.00 pts*" in text and "*7.50 pts*" in text
    assert "32.00 + 15.00 + 7.50 + 7.50 = 62.00 pts" in text
    assert "Score 62.00 pts — Below" in text
    assert "Estimated payout for November 2026: $5,000" in text  # 5 % of $80,000 + 2 new customers × $500
    assert "on track" in text  # revenue at 80 % with 17 of 21 working days gone


def test_progress_shows_pace_and_a_payout_estimate_with_units(pacer):
    pacer.deal(REP, "60k Acme Corp")
    text = pacer.command(REP, "/progress", "").text
    assert "working day 17 of 21" in text  # Tue 24 Nov 2026, Mon–Fri working days
    assert "forecast $" in text
    # hunter plan: 5 % of $60,000 = $3,000, plus a $500 bonus for the new customer
    assert "Estimated payout for November 2026: $3,500" in text


def test_progress_names_the_source_of_each_figure(pacer):
    pacer.deal(REP, "5k Acme Corp")
    pacer.activity(REP, "call 3")
    text = pacer.command(REP, "/progress", "").text
    assert "1 self-reported (slash command)" in text and "3 self-reported (slash command)" in text


def test_a_voided_deal_does_not_count(pacer):
    pacer.deal(REP, "60k Acme Corp")
    pacer.deal(REP, "void D-1 wrong customer")
    assert "$0 of $100,000" in pacer.command(REP, "/progress", "").text


def test_progress_for_an_earlier_period(pacer):
    pacer.deal(REP, "10k Acme Corp date:2026-10-15")
    text = pacer.command(REP, "/progress", "last-month").text
    assert "October 2026" in text and "$10,000 of $100,000" in text


def test_a_bad_period_gets_an_example(pacer):
    text = pacer.command(REP, "/progress", "2026-13").text
    assert ":warning:" in text and "Example: `/progress" in text


def test_a_rep_cannot_see_another_reps_progress(pacer):
    pacer.deal(REP2, "10k Acme Corp")
    text = pacer.command(REP, "/progress", f"<@{REP2}|lee>").text
    assert "isn't one of yours" in text and "$10,000" not in text


@pytest.mark.parametrize("viewer", [MANAGER, ADMIN])
def test_the_manager_or_an_admin_can_see_a_reps_progress(pacer, viewer):
    pacer.deal(REP2, "10k Acme Corp")
    text = pacer.command(viewer, "/progress", f"<@{REP2}|lee>").text
    assert "$10,000 of $100,000" in text and "Lee" in text


def test_a_plain_at_name_asks_for_a_real_mention(pacer):
    assert "@-menu" in pacer.command(MANAGER, "/progress", "@lee").text


def test_scorecard_publishes_the_profile_rules(pacer):
    text = pacer.command(REP, "/scorecard", "").text
    assert "Scorecard: hunter (monthly)" in text
    assert "weight 40" in text and "target $100,000 per month" in text and "cap 150 %" in text
    assert "Exceeds ≥ 110 pts" in text and "A deal counts when it is signed" in text
    assert "Commission 5 % of revenue" in text and "$500 bonus per new customer" in text


def test_scorecard_is_identical_for_everyone_who_asks(pacer):
    mine = pacer.command(REP, "/scorecard", "").json()["blocks"]
    theirs = pacer.command(MANAGER, "/scorecard", f"<@{REP}|dana>").json()["blocks"]
    assert mine == theirs


def test_scorecard_of_a_named_profile_and_an_unknown_one(pacer):
    assert "Scorecard: farmer (quarterly)" in pacer.command(REP, "/scorecard", "farmer").text
    text = pacer.command(REP, "/scorecard", "closer").text
    assert "no profile “closer”" in text and "farmer, hunter, strategic" in text


def test_a_goal_overrides_the_profile_default_target(pacer, db):
    from bot.store import goals
    from scoring.periods import month_of

    pacer.deal(REP, "60k Acme Corp")
    member = reads.member(db, REP)
    with db.transaction() as session:
        goals.set_goal(
            session,
            workspace_id=member.workspace_id,
            member_id=member.id,
            metric="revenue",
            period=month_of(pacer.clock().date()),
            value=Decimal("50000"),
            set_by=MANAGER,
            source="admin",
            now=pacer.clock(),
        )
    text = pacer.command(REP, "/progress", "").text
    assert "$60,000 of $50,000 (your goal)" in text and "*48.00 pts*" in text  # 120 % × 40


def test_a_strategic_reps_premium_customer_csat_counts_only_surveys_of_premium_customers(pacer):
    pacer.command(ADMIN, "/pacer", f"profile <@{REP}|dana> strategic")
    pacer.deal(REP, "10k Acme Corp product:Enterprise")  # premium line: Acme is a premium customer
    pacer.deal(REP, "10k Globex product:Core")
    pacer.command(ADMIN, "/pacer", "csat Acme Corp 5")
    pacer.command(ADMIN, "/pacer", "csat Globex 1")

    text = pacer.command(REP, "/progress", "").text
    assert "Premium-customer CSAT" in text
    assert "5 of 4.5" in text  # Acme's 5 only; Globex's 1 is not a premium customer's survey
    assert "3 of 4.5" not in text  # not the average of both surveys
