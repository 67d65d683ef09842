"""Coaching prompts: each rule fires on its trigger with the right numbers, the most important one wins,
and a prompt is not repeated within 5 working days (the fallback always may be)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.coaching import (
    FALLBACK_ID,
    REPEAT_WINDOW_WORKING_DAYS,
    RULES,
    RULES_BY_ID,
    Prompt,
    Signals,
    choose,
    firing,
    manager_suggestions,
    shown_recently,
    signals_from,
    working_days_since,
)
from scoring.metrics import ACTIVITY_KINDS
from scoring.pace import pace
from scoring.periods import Cadence, Calendar, period_of
from scoring.profiles import DEFAULT_PROFILES
from scoring.scorecard import Scorecard, ScoreLine, score

PROPERTY = settings(max_examples=200, deadline=None, database=None)

MON_FRI = Calendar()
TUESDAY = date(2026, 11, 24)  # 17 of November 2026's 21 working days gone; 39 of Q4 2026's 66
FRIDAY = date(2026, 11, 20)

# Actuals on or near the straight line on TUESDAY, so only the fallback fires.
ON_PACE: dict[str, dict[str, int | str]] = {
    "hunter": {
        "revenue": 81000,
        "deals": 3,
        "new_customers": 4,
        "activities:lead": 17,
        "activities:call": 50,
        "activities:meeting": 3,
    },
    "farmer": {"repeat_revenue": 150000, "repurchase_rate": "0.36", "csat": "4.6", "activities:call": 110, "deals": 4},
    "strategic": {"revenue": 98000, "premium_share": "0.5", "csat": "4.6", "training": 1, "deals": 3},
}
SURVEYS = {"hunter": 0, "farmer": 5, "strategic": 3}


def D(value: int | str) -> Decimal:
    return Decimal(value)


def signals(
    profile: str = "hunter",
    *,
    today: date = TUESDAY,
    calendar: Calendar = MON_FRI,
    scorecard: Scorecard | None = None,
    cadence: Cadence | None = None,
    base: str | None = None,
    csat_surveys: int | None = None,
    training_required: int = 4,
    last_activity_on: date | None = TUESDAY,
    last_deal_on: date | None = FRIDAY,
    name: str = "Dana",
    **actuals: int | str,
) -> Signals:
    """A rep on pace on TUESDAY; keyword arguments override actuals (`activities_meeting=8` for activities:meeting)."""
    known = DEFAULT_PROFILES.get(profile)
    card = scorecard or (known.scorecard if known else DEFAULT_PROFILES["hunter"].scorecard)
    values = {k: D(v) for k, v in ON_PACE[base or (profile if known else "hunter")].items()}
    values.update({k.replace("activities_", "activities:"): D(v) for k, v in actuals.items()})
    values["new_leads"] = values.get("activities:lead", D(0))
    period = period_of(today, cadence or (known.cadence if known else "month"), calendar)
    result = score(card, actuals=values, targets={})
    paces = {
        line.metric: pace(actual=line.actual, target=line.target, period=period, today=today, calendar=calendar)
        for line in result.lines
    }
    return signals_from(
        name=name,
        profile=profile,
        score=result,
        paces=paces,
        actuals=values,
        period=period,
        today=today,
        calendar=calendar,
        currency="USD",
        csat_surveys=SURVEYS.get(base or profile, 0) if csat_surveys is None else csat_surveys,
        training_required=training_required,
        last_activity_on=last_activity_on,
        last_deal_on=last_deal_on,
    )


def ids(s: Signals) -> list[str]:
    return [p.rule_id for p in firing(s)]


def prompt(s: Signals, rule_id: str) -> Prompt:
    found = [p for p in firing(s) if p.rule_id == rule_id]
    assert found, f"{rule_id} did not fire; fired: {ids(s)}"
    return found[0]


# --- the catalogue ----------------------------------------------------------------------------------


def test_the_catalogue_has_at_least_twelve_rules_with_unique_ids_and_priorities() -> None:
    assert len(RULES) >= 12
    assert len({r.id for r in RULES}) == len(RULES)
    assert len({r.priority for r in RULES}) == len(RULES)
    assert [r.priority for r in RULES] == sorted((r.priority for r in RULES), reverse=True)
    assert RULES_BY_ID[FALLBACK_ID].priority == min(r.priority for r in RULES)


@pytest.mark.parametrize("profile", ["hunter", "farmer", "strategic"])
def test_a_rep_on_pace_gets_only_the_fallback(profile: str) -> None:
    assert ids(signals(profile)) == [FALLBACK_ID]


# --- no activity ------------------------------------------------------------------------------------


def test_two_working_days_without_an_activity_fire_no_activity_with_the_day_count_and_last_date() -> None:
    p = prompt(signals(last_activity_on=date(2026, 11, 19), activities_call=12), "no-activity")  # Fri and Mon gone
    assert p.evidence == (
        "2 working days without a logged activity (the last was on Thursday 19 November); "
        "32 activities this month (November 2026)"  # 12 calls, 3 meetings, 17 leads
    )
    assert p.headline == "No activity for 2 working days"
    assert "/activity call 10" in p.suggestion
    assert p.manager_suggestion.startswith("Check in with Dana: 2 working days without a logged activity")


def test_one_working_day_without_an_activity_does_not_fire_no_activity() -> None:
    assert "no-activity" not in ids(signals(last_activity_on=FRIDAY))


def test_a_holiday_does_not_count_as_a_day_without_activity() -> None:
    holiday_monday = Calendar(holidays=frozenset({date(2026, 11, 23)}))
    assert "no-activity" not in ids(signals(calendar=holiday_monday, last_activity_on=date(2026, 11, 19)))


def test_a_rep_who_never_logged_an_activity_is_told_so() -> None:
    p = prompt(signals(last_activity_on=None), "no-activity")
    assert p.evidence == "No activity logged yet, 17 working days into November 2026"


def test_working_days_since_counts_the_whole_days_in_between() -> None:
    assert working_days_since(date(2026, 11, 17), TUESDAY, MON_FRI) == 4  # Wed, Thu, Fri, Mon
    assert working_days_since(TUESDAY, TUESDAY, MON_FRI) == 0
    assert working_days_since(None, TUESDAY, MON_FRI) is None


# --- lead metric pace -------------------------------------------------------------------------------


def test_revenue_at_risk_fires_lead_at_risk_with_the_gap_per_working_day() -> None:
    p = prompt(signals(revenue=40000), "lead-at-risk")
    assert p.headline == "Revenue is at risk"
    assert (
        p.evidence == "Revenue $40,000 of $100,000 (40.0 %), with 17 of 21 working days of November 2026 gone: at risk"
    )
    assert "$60,000 more in the 4 working days left ($15,000 per working day)" in p.suggestion
    assert p.manager_suggestion.startswith("Coach Dana on the revenue gap: Revenue $40,000 of $100,000 (40.0 %)")


def test_revenue_just_above_the_at_risk_band_is_behind_not_at_risk() -> None:
    fired = ids(signals(revenue=64800))  # pace index 0.80 exactly at 64,761.90
    assert "lead-at-risk" not in fired
    assert "lead-behind" in fired


def test_revenue_behind_fires_lead_behind() -> None:
    p = prompt(signals(revenue=70000), "lead-behind")
    assert (
        p.evidence == "Revenue $70,000 of $100,000 (70.0 %), with 17 of 21 working days of November 2026 gone: behind"
    )
    assert "$30,000 more in the 4 working days left ($7,500 per working day)" in p.suggestion


def test_revenue_on_track_fires_no_pace_warning() -> None:
    fired = ids(signals(revenue=77000))  # pace index 0.9512
    assert "lead-behind" not in fired and "lead-at-risk" not in fired


def test_pace_is_not_judged_in_the_first_fifth_of_the_period() -> None:
    assert "lead-at-risk" not in ids(signals(today=date(2026, 11, 5), revenue=0))  # 4 of 21 working days
    assert "lead-at-risk" in ids(signals(today=date(2026, 11, 6), revenue=0))  # 5 of 21


def test_on_the_last_working_day_the_gap_is_what_is_left_before_the_period_ends() -> None:
    p = prompt(signals(today=date(2026, 11, 30), revenue=70000), "lead-at-risk")
    assert "$30,000 more before November 2026 ends" in p.suggestion


def test_ahead_of_pace_fires_the_positive_protect_the_lead_prompt() -> None:
    p = prompt(signals(revenue=90000), "ahead-of-pace")  # pace index 1.1118
    assert p.tone == "positive"
    assert p.evidence == (
        "Revenue $90,000 of $100,000 (90.0 %), with 17 of 21 working days of November 2026 gone: ahead of pace"
    )
    assert p.suggestion.startswith("Protect the lead")


def test_just_below_ahead_does_not_fire_ahead_of_pace() -> None:
    assert "ahead-of-pace" not in ids(signals(revenue=89000))  # pace index 1.0994


# --- meetings, proposals, deals ---------------------------------------------------------------------


def test_many_meetings_and_no_close_fire_meetings_no_closes() -> None:
    p = prompt(signals(activities_meeting=8, deals=0), "meetings-no-closes")
    assert p.evidence == "8 meetings, 0 closes this month (November 2026)"
    assert p.manager_suggestion == (
        "Coach Dana on turning meetings into proposals: 8 meetings, 0 closes this month (November 2026)."
    )


def test_meetings_and_demos_count_together_against_closes() -> None:
    p = prompt(signals(activities_meeting=9, activities_demo=2, deals=2), "meetings-no-closes")
    assert p.evidence == "9 meetings and 2 demos, 2 closes this month (November 2026)"


def test_five_meetings_without_a_close_are_too_few_to_judge() -> None:
    assert "meetings-no-closes" not in ids(signals(activities_meeting=5, deals=0))


def test_five_meetings_per_close_is_a_healthy_ratio() -> None:
    assert "meetings-no-closes" not in ids(signals(activities_meeting=10, deals=2))


def test_three_proposals_and_no_close_fire_proposals_no_close() -> None:
    p = prompt(signals(activities_proposal=3, deals=0), "proposals-no-close")
    assert p.evidence == "3 proposals sent, 0 closes this month (November 2026)"
    assert "decision date" in p.suggestion
    assert "Dana's open proposals" in p.manager_suggestion


def test_two_proposals_or_a_close_do_not_fire_proposals_no_close() -> None:
    assert "proposals-no-close" not in ids(signals(activities_proposal=2, deals=0))
    assert "proposals-no-close" not in ids(signals(activities_proposal=5, deals=1))


def test_ten_working_days_without_a_deal_fire_deal_drought() -> None:
    p = prompt(signals(last_deal_on=date(2026, 11, 9)), "deal-drought")
    assert (
        p.evidence == "10 working days since the last deal (on Monday 9 November); 3 deals this month (November 2026)"
    )


def test_nine_working_days_without_a_deal_do_not_fire_deal_drought() -> None:
    assert "deal-drought" not in ids(signals(last_deal_on=date(2026, 11, 10)))


def test_a_rep_who_never_closed_fires_deal_drought_after_ten_working_days_of_the_period() -> None:
    p = prompt(signals(last_deal_on=None, deals=0), "deal-drought")
    assert p.evidence == "No deal yet, 17 working days into November 2026; 0 deals this month (November 2026)"
    assert "deal-drought" not in ids(signals(today=date(2026, 11, 12), last_deal_on=None, deals=0))  # 9 days in
    assert "deal-drought" in ids(signals(today=date(2026, 11, 13), last_deal_on=None, deals=0))  # 10 days in


def test_the_first_deal_of_the_period_is_celebrated_while_fresh() -> None:
    p = prompt(signals(deals=1, last_deal_on=FRIDAY), "first-deal")
    assert p.tone == "positive"
    assert p.evidence == "First deal of November 2026, closed on Friday 20 November"
    assert p.manager_suggestion == "Congratulate Dana: first deal of November 2026, closed on Friday 20 November."


def test_a_first_deal_three_working_days_old_or_a_second_deal_is_not_celebrated() -> None:
    assert "first-deal" not in ids(signals(deals=1, last_deal_on=date(2026, 11, 18)))
    assert "first-deal" not in ids(signals(deals=2, last_deal_on=FRIDAY))


# --- hunter -----------------------------------------------------------------------------------------


def test_a_hunter_lagging_on_new_customers_is_told_how_many_more_to_win() -> None:
    p = prompt(signals(new_customers=1), "hunter-new-customers")
    assert p.evidence == ("New customers 1 of 4 (25.0 %), with 17 of 21 working days of November 2026 gone: at risk")
    assert "3 more new customers in the 4 working days left" in p.suggestion


def test_a_hunter_on_track_for_new_customers_is_not_prompted() -> None:
    assert "hunter-new-customers" in ids(signals(new_customers=3))  # pace index 0.9265: behind
    assert "hunter-new-customers" not in ids(signals(new_customers=4))


def test_a_hunter_lagging_on_new_leads_is_told_how_many_more_to_add() -> None:
    p = prompt(signals(activities_lead=10), "hunter-new-leads")
    assert p.evidence == "New leads 10 of 20 (50.0 %), with 17 of 21 working days of November 2026 gone: at risk"
    assert "10 more new leads in the 4 working days left" in p.suggestion
    assert "/activity lead" in p.suggestion


def test_a_hunter_on_track_for_new_leads_is_not_prompted() -> None:
    assert "hunter-new-leads" in ids(signals(activities_lead=15))  # 0.9265: behind
    assert "hunter-new-leads" not in ids(signals(activities_lead=16))  # 0.9882: on track


# --- farmer -----------------------------------------------------------------------------------------


def test_a_farmer_behind_on_repeat_revenue_gets_the_farmer_prompt_not_the_generic_lead_one() -> None:
    s = signals("farmer", repeat_revenue=100000)
    p = prompt(s, "farmer-repeat-revenue")
    assert p.evidence == (
        "Repeat revenue $100,000 of $250,000 (40.0 %), with 39 of 66 working days of Q4 2026 (Oct–Dec) gone: at risk"
    )
    assert "$150,000 more in the 27 working days left ($5,555.56 per working day) from existing customers" in (
        p.suggestion
    )
    assert "lead-at-risk" not in ids(s) and "lead-behind" not in ids(s)


def test_a_farmer_on_track_for_repeat_revenue_is_not_prompted() -> None:
    assert "farmer-repeat-revenue" in ids(signals("farmer", repeat_revenue=140000))  # 0.9477: behind
    assert "farmer-repeat-revenue" not in ids(signals("farmer", repeat_revenue=141000))  # 0.9545: on track


def test_a_farmer_with_a_lagging_repurchase_rate_is_prompted_with_rate_and_target() -> None:
    p = prompt(signals("farmer", repurchase_rate="0.2"), "farmer-repurchase")
    assert p.evidence == (
        "Repurchase rate 20 % against a 60 % target, with 39 of 66 working days of Q4 2026 (Oct–Dec) gone: at risk"
    )
    assert "bought in the last 12 months" in p.suggestion


def test_a_repurchase_rate_on_track_is_not_prompted() -> None:
    assert "farmer-repurchase" in ids(signals("farmer", repurchase_rate="0.33"))  # 0.9308: behind
    assert "farmer-repurchase" not in ids(signals("farmer", repurchase_rate="0.34"))  # 0.9590: on track


def test_csat_below_target_fires_csat_low_with_average_and_survey_count() -> None:
    p = prompt(signals("farmer", csat="4.4", csat_surveys=3), "csat-low")
    assert p.evidence == "CSAT 4.4 of 5 from 3 surveys this quarter, Q4 2026 (Oct–Dec), below the 4.5 target"
    assert p.manager_suggestion.startswith("Coach Dana on customer care: CSAT 4.4 of 5 from 3 surveys")


def test_csat_at_target_does_not_fire_csat_low() -> None:
    assert "csat-low" not in ids(signals("farmer", csat="4.5", csat_surveys=3))


def test_no_surveys_a_working_week_into_the_period_fire_csat_no_surveys() -> None:
    p = prompt(signals("farmer", today=date(2026, 10, 7), csat_surveys=0), "csat-no-surveys")
    assert p.evidence == "0 CSAT surveys this quarter, Q4 2026 (Oct–Dec), 5 working days in"
    assert "CSAT is 20 of your 100 points" in p.suggestion


def test_no_surveys_four_working_days_in_are_not_yet_a_prompt() -> None:
    assert "csat-no-surveys" not in ids(signals("farmer", today=date(2026, 10, 6), csat_surveys=0))


# --- strategic --------------------------------------------------------------------------------------


def test_a_low_premium_share_fires_with_share_revenue_and_target() -> None:
    p = prompt(signals("strategic", premium_share="0.3"), "strategic-premium-share")
    assert p.evidence == "Premium share 30.0 % of $98,000 revenue this month (November 2026), against a 50 % target"


def test_a_premium_share_within_ten_percent_of_target_is_not_prompted() -> None:
    assert "strategic-premium-share" not in ids(signals("strategic", premium_share="0.45"))
    assert "strategic-premium-share" in ids(signals("strategic", premium_share="0.4499"))


def test_a_premium_share_without_revenue_is_not_prompted() -> None:
    assert "strategic-premium-share" not in ids(signals("strategic", revenue=0, premium_share=0))


def test_incomplete_training_fires_with_courses_done_and_working_days_left() -> None:
    p = prompt(signals("strategic", training="0.5", training_required=4), "strategic-training")
    assert p.evidence == "2 of 4 required training courses completed, 5 working days left in November 2026"
    assert p.suggestion == "Book time in your calendar for the 2 courses still to do, before Monday 30 November."


def test_complete_training_does_not_fire() -> None:
    assert "strategic-training" not in ids(signals("strategic", training=1, training_required=4))


# --- profiles ---------------------------------------------------------------------------------------

FARMER_WITH_LEADS = Scorecard(
    "farmer",
    (
        ScoreLine("repeat_revenue", D(40), D(250000)),
        ScoreLine("new_leads", D(30), D(20)),
        ScoreLine("premium_share", D(30), D("0.5")),
    ),
)
CUSTOM = Scorecard(
    "enterprise",
    (ScoreLine("revenue", D(40), D(100000)), ScoreLine("new_leads", D(30), D(20)), ScoreLine("csat", D(30), D(4))),
)


def test_hunter_and_strategic_rules_do_not_fire_for_a_farmer_even_with_their_metrics_on_the_scorecard() -> None:
    fired = ids(signals("farmer", scorecard=FARMER_WITH_LEADS, activities_lead=2, premium_share="0.1", revenue=9000))
    assert "hunter-new-leads" not in fired
    assert "strategic-premium-share" not in fired


def test_csat_rules_do_not_fire_for_a_hunter() -> None:
    fired = ids(signals("hunter", csat="2", csat_surveys=0, today=date(2026, 11, 24)))
    assert "csat-low" not in fired and "csat-no-surveys" not in fired
    assert "csat-low" not in ids(signals("hunter", csat="2", csat_surveys=4))


def test_farmer_and_strategic_rules_do_not_fire_for_a_hunter_or_each_other() -> None:
    assert "farmer-repurchase" not in ids(signals("strategic", base="farmer", repurchase_rate="0.1", csat_surveys=5))
    assert "strategic-training" not in ids(signals("farmer", training="0.25", training_required=4))


def test_a_custom_profile_gets_the_rules_for_the_metrics_on_its_scorecard() -> None:
    fired = ids(signals("enterprise", scorecard=CUSTOM, activities_lead=2, csat="3.5", csat_surveys=2))
    assert "hunter-new-leads" in fired
    assert "csat-low" in fired
    assert "farmer-repurchase" not in fired and "strategic-training" not in fired


# --- priority and choosing --------------------------------------------------------------------------


def test_firing_lists_the_most_important_rule_first() -> None:
    s = signals(
        last_activity_on=date(2026, 11, 10),
        last_deal_on=date(2026, 11, 2),
        revenue=30000,
        activities_meeting=8,
        activities_proposal=4,
        deals=0,
        new_customers=0,
        activities_lead=2,
    )
    assert ids(s) == [
        "no-activity",
        "lead-at-risk",
        "meetings-no-closes",
        "proposals-no-close",
        "deal-drought",
        "hunter-new-customers",
        "hunter-new-leads",
        FALLBACK_ID,
    ]
    assert choose(s, shown={}).rule_id == "no-activity"


def test_a_rule_shown_on_friday_may_return_the_next_friday_but_not_the_thursday() -> None:
    assert shown_recently(FRIDAY, date(2026, 11, 26), MON_FRI)
    assert not shown_recently(FRIDAY, date(2026, 11, 27), MON_FRI)
    stale = {"last_activity_on": date(2026, 11, 16)}
    assert choose(signals(today=date(2026, 11, 26), **stale), shown={"no-activity": FRIDAY}).rule_id != "no-activity"
    assert choose(signals(today=date(2026, 11, 27), **stale), shown={"no-activity": FRIDAY}).rule_id == "no-activity"


def test_a_holiday_in_the_window_pushes_the_repeat_back_a_working_day() -> None:
    thanksgiving = Calendar(holidays=frozenset({date(2026, 11, 26)}))
    assert shown_recently(FRIDAY, date(2026, 11, 27), thanksgiving)
    assert not shown_recently(FRIDAY, date(2026, 11, 30), thanksgiving)


def test_choose_skips_a_recently_shown_rule_for_the_next_one() -> None:
    s = signals(revenue=30000, activities_meeting=8, deals=0)
    assert choose(s, shown={"lead-at-risk": date(2026, 11, 23)}).rule_id == "meetings-no-closes"
    assert choose(s, shown={"lead-at-risk": date(2026, 11, 16)}).rule_id == "lead-at-risk"  # 6 working days ago


def test_the_fallback_is_never_suppressed() -> None:
    assert choose(signals(), shown={FALLBACK_ID: TUESDAY}).rule_id == FALLBACK_ID


def test_choose_uses_the_calendar_it_is_given() -> None:
    s = signals(today=date(2026, 11, 27), last_activity_on=date(2026, 11, 16))
    thanksgiving = Calendar(holidays=frozenset({date(2026, 11, 26)}))
    assert choose(s, shown={"no-activity": FRIDAY}, calendar=thanksgiving).rule_id != "no-activity"


def test_the_fallback_cites_the_lead_metric_and_logged_work() -> None:
    p = prompt(signals(activities_call=20), FALLBACK_ID)
    assert p.evidence == (
        "Revenue $81,000 of $100,000 (81.0 %), with 17 of 21 working days of November 2026 gone; "
        "40 activities logged this month (November 2026)"
    )


# --- manager digest ---------------------------------------------------------------------------------


def test_manager_suggestions_put_at_risk_reps_first_with_their_top_rule() -> None:
    team = [
        ("U1", signals(name="Ahmed", revenue=95000)),
        ("U2", signals(name="Bea", revenue=30000)),
        ("U3", signals(name="Chen", revenue=70000)),
        ("U4", signals(name="Dana")),
    ]
    result = manager_suggestions(team)
    assert [(c.rep, c.standing, c.prompt.rule_id) for c in result] == [
        ("U2", "at risk", "lead-at-risk"),
        ("U3", "behind", "lead-behind"),
        ("U4", "on track", FALLBACK_ID),
        ("U1", "ahead", "ahead-of-pace"),
    ]
    assert result[0].prompt.manager_suggestion.startswith("Coach Bea on the revenue gap: Revenue $30,000 of $100,000")


def test_the_rep_name_appears_as_given_only_in_manager_text() -> None:
    s = signals(name="Zoë &amp; co", revenue=30000)
    for p in firing(s):
        assert "Zoë" not in p.headline + p.evidence + p.suggestion
        assert "Zoë &amp; co" in p.manager_suggestion


# --- signals_from -----------------------------------------------------------------------------------


def test_signals_from_derives_counts_from_the_actuals() -> None:
    s = signals(
        "strategic",
        training="0.6667",
        training_required=3,
        activities_meeting=4,
        activities_followup=2,
        csat_surveys=0,
    )
    assert s.training_done == 2
    assert s.csat is None
    assert (s.activity("meeting"), s.activity("followup"), s.activity("call"), s.total_activities) == (4, 2, 0, 6)
    assert s.lead.metric == "revenue"
    assert set(s.activities) == set(ACTIVITY_KINDS)


def test_signals_refuse_an_unknown_activity_kind() -> None:
    with pytest.raises(ValueError, match="unknown activity kinds coffee"):
        dataclasses.replace(signals(), activities={"coffee": 3})


# --- properties -------------------------------------------------------------------------------------

RULE_IDS = [r.id for r in RULES]
MARKUP = ("<", ">", "&", "*", "`", "~", "_")


@st.composite
def any_signals(draw: st.DrawFn) -> Signals:
    profile = draw(st.sampled_from(["hunter", "farmer", "strategic"]))
    today = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)))
    holidays = draw(st.frozensets(st.dates(min_value=today - timedelta(days=20), max_value=today), max_size=4))
    counts = {f"activities_{kind}": draw(st.integers(0, 30)) for kind in ("meeting", "demo", "proposal", "lead")}
    return signals(
        profile,
        today=today,
        calendar=Calendar(holidays=holidays),
        revenue=draw(st.integers(0, 200000)),
        repeat_revenue=draw(st.integers(0, 400000)),
        deals=draw(st.integers(0, 6)),
        new_customers=draw(st.integers(0, 6)),
        repurchase_rate=str(draw(st.decimals(0, 1, places=2))),
        premium_share=str(draw(st.decimals(0, 1, places=2))),
        csat=str(draw(st.decimals(1, 5, places=1))),
        training=str(draw(st.sampled_from(["0", "0.25", "0.5", "0.75", "1"]))),
        csat_surveys=draw(st.integers(0, 4)),
        last_activity_on=draw(st.none() | st.dates(min_value=today - timedelta(days=30), max_value=today)),
        last_deal_on=draw(st.none() | st.dates(min_value=today - timedelta(days=30), max_value=today)),
        **counts,
    )


@st.composite
def shown_dates(draw: st.DrawFn, today: date) -> dict[str, date]:
    rule_ids = draw(st.lists(st.sampled_from(RULE_IDS), unique=True))
    return {rid: draw(st.dates(min_value=today - timedelta(days=15), max_value=today)) for rid in rule_ids}


@PROPERTY
@given(st.data())
def test_choose_always_returns_one_deterministic_prompt_outside_the_window(data: st.DataObject) -> None:
    s = data.draw(any_signals())
    shown = data.draw(shown_dates(s.today))
    chosen = choose(s, shown=shown)
    assert chosen == choose(s, shown=dict(shown))
    fired = firing(s)
    assert chosen in fired
    if chosen.rule_id != FALLBACK_ID and chosen.rule_id in shown:
        assert not shown_recently(shown[chosen.rule_id], s.today, s.calendar)
    # every more important rule was skipped because it was shown recently
    for earlier in fired[: fired.index(chosen)]:
        assert earlier.rule_id in shown and shown_recently(shown[earlier.rule_id], s.today, s.calendar)


@PROPERTY
@given(any_signals())
def test_every_prompt_has_plain_non_empty_text_and_the_fallback_comes_last(s: Signals) -> None:
    fired = firing(s)
    assert fired[-1].rule_id == FALLBACK_ID
    assert [(-p.priority, p.rule_id) for p in fired] == sorted((-p.priority, p.rule_id) for p in fired)
    for p in fired:
        for text in (p.headline, p.evidence, p.suggestion, p.manager_suggestion):
            assert text.strip()
            assert not any(mark in text for mark in MARKUP), text


@PROPERTY
@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)), st.integers(0, 20))
def test_a_prompt_returns_exactly_after_the_window_of_working_days(shown_on: date, days_later: int) -> None:
    today = shown_on + timedelta(days=days_later)
    gone = sum(MON_FRI.is_working_day(shown_on + timedelta(days=i)) for i in range(1, days_later + 1))
    assert shown_recently(shown_on, today, MON_FRI) == (gone < REPEAT_WINDOW_WORKING_DAYS)
