"""Evaluations frozen at close: exact JSON, the frozen scorecard rebuilt, re-scores, and the check-in's steps."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.evaluations import (
    PAYOUT_AS_FROZEN,
    CheckinFacts,
    FrozenMember,
    Snapshot,
    close_due_at,
    freeze,
    period_ended_by,
    period_to_close,
    progression,
    records_of,
    rescore,
    scorecard_of,
    status_of,
)
from scoring.incentives import IncentivePlan, PayDeal, payout
from scoring.periods import Calendar, month_of, quarter_of
from scoring.profiles import DEFAULT_PROFILES, FARMER, HUNTER, Profile
from scoring.recognition import Counting
from scoring.rules import ProductLine, RuleSet
from scoring.scorecard import Band, Scorecard, ScoreLine, score

PROPERTY = settings(max_examples=150, deadline=None, database=None)
NOVEMBER = month_of(date(2026, 11, 1))
RULES = RuleSet(
    version=2,
    effective_from=date(2026, 10, 1),
    recognition="paid",
    product_lines=(ProductLine("Core"), ProductLine("Enterprise", premium=True)),
)
COUNTING = Counting(base="signed", changes=((date(2026, 10, 1), "paid"),))
DANA = FrozenMember(user_id="UREP0001", name="Dana")


def D(text: str | int) -> Decimal:
    return Decimal(text)


# a profile with everything a scorecard can say: a per-rep target, a gate, its own cap and bands
CLOSER = Profile(
    name="closer",
    cadence="quarter",
    scorecard=Scorecard(
        "closer",
        (
            ScoreLine("revenue", D(50), D("150000.50"), cap=D("1.2")),
            ScoreLine("deals", D("25.5"), None),
            ScoreLine("premium_share", D("14.5"), D("0.45"), gate=D("0.5")),
            ScoreLine("csat", D(10), D("4.25")),
        ),
        bands=(Band("Star", D(100)), Band("Solid", D("60.5")), Band("Not yet", D(0))),
    ),
    plan=IncentivePlan(base_rate=D("0.035"), premium_rate=D("0.061")),
    description="",
)
PROFILES = [*DEFAULT_PROFILES.values(), CLOSER]


def make_snapshot(
    profile: Profile = HUNTER,
    *,
    actuals: dict[str, Decimal] | None = None,
    goals: dict[str, Decimal] | None = None,
    deals: list[PayDeal] | None = None,
    sources: dict[str, dict[str, int]] | None = None,
) -> Snapshot:
    actuals = {"revenue": D("80000.55"), "new_customers": D(2)} if actuals is None else actuals
    goals = goals or {}
    scored = score(profile.scorecard, actuals=actuals, targets=goals)
    revenue_target = goals.get("revenue") or next(
        (line.target for line in profile.scorecard.lines if line.metric == "revenue"), None
    )
    estimate = payout(profile.plan, deals=deals or [], revenue_target=revenue_target, currency="USD")
    return freeze(
        member=DANA,
        profile=profile,
        period=NOVEMBER if profile.cadence == "month" else quarter_of(date(2026, 11, 1), Calendar()),
        actuals=actuals,
        scored=scored,
        payout=estimate,
        sources=sources or {"deals": {"command": 2, "csv": 1}, "activities": {"modal": 4}},
        rules=RULES,
        counting=COUNTING,
        premium_lines={"Enterprise"},
        currency="USD",
    )


# --- strategies -------------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
fractions = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
scores_1_5 = st.decimals(min_value=0, max_value=5, places=4, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=0, max_value=500).map(Decimal)
positive = st.decimals(min_value=D("0.0001"), max_value=10**7, places=4, allow_nan=False, allow_infinity=False)
VALUES = {
    "revenue": amounts,
    "repeat_revenue": amounts,
    "new_customers": counts,
    "new_leads": counts,
    "activities": counts,
    "deals": counts,
    "repurchase_rate": fractions,
    "premium_share": fractions,
    "training": fractions,
    "csat": scores_1_5,
    "premium_csat": scores_1_5,
}


@st.composite
def evaluations(draw: st.DrawFn) -> tuple[Profile, Snapshot]:
    profile = draw(st.sampled_from(PROFILES))
    metrics = [line.metric for line in profile.scorecard.lines]
    present = draw(st.lists(st.sampled_from(metrics), unique=True))
    actuals = {m: draw(VALUES[m]) for m in present}
    goals = {m: draw(positive) for m in draw(st.lists(st.sampled_from(metrics), unique=True))}
    deals = [
        PayDeal(number=i + 1, amount=draw(amounts), product_line=line, premium=line == "Enterprise", new_customer=new)
        for i, (line, new) in enumerate(
            draw(st.lists(st.tuples(st.sampled_from([None, "Core", "Enterprise"]), st.booleans()), max_size=6))
        )
    ]
    sources = draw(
        st.dictionaries(
            st.sampled_from(["deals", "activities", "surveys", "courses"]),
            st.dictionaries(st.sampled_from(["command", "modal", "csv", "admin"]), st.integers(1, 999), min_size=1),
        )
    )
    return profile, make_snapshot(profile, actuals=actuals, goals=goals, deals=deals, sources=sources)


@st.composite
def corrections_of(draw: st.DrawFn, snapshot: Snapshot) -> dict[str, Decimal]:
    chosen = draw(st.lists(st.sampled_from([line.metric for line in snapshot.lines]), unique=True))
    return {m: draw(VALUES[m]) for m in chosen}


# --- freezing ---------------------------------------------------------------------------------------


def test_a_snapshot_keeps_every_line_as_progress_explains_it():
    snap = make_snapshot(goals={"revenue": D("50000")})
    revenue = snap.line("revenue")
    assert revenue is not None
    assert (revenue.actual, revenue.target, revenue.target_from) == (D("80000.55"), D("50000"), "goal")
    assert (revenue.weight, revenue.cap, revenue.gate) == (D(40), D("1.5"), None)
    assert (revenue.attainment, revenue.capped, revenue.points) == (D("1.6000"), D("1.5"), D("60.00"))
    assert revenue.reason == "capped at 150 %"
    assert revenue.records == "deals" and revenue.sources == {"command": 2, "csv": 1}
    leads = snap.line("new_leads")
    assert leads is not None and leads.target_from == "profile" and leads.sources == {"modal": 4}
    assert not leads.has_data and leads.reason == "no data in the period"
    assert snap.total == D("75.00") and snap.rating == "Partially meets"  # 60 + 15 (2 of 4 × 30) + 0 + 0


def test_a_snapshot_holds_the_rules_the_scorecard_and_the_period_as_they_stood():
    snap = make_snapshot(CLOSER)
    assert snap.rules.version == 2 and snap.rules.recognition == "paid"
    assert snap.rules.counting() == COUNTING and snap.rules.premium_lines == ("Enterprise",)
    assert [line.name for line in snap.rules.product_lines] == ["Core", "Enterprise"]
    assert snap.scorecard.cadence == "quarter" and snap.scorecard.lines[1].target is None
    assert [band.name for band in snap.scorecard.bands] == ["Star", "Solid", "Not yet"]
    assert (snap.period.key, snap.period.label) == ("2026-Q4", "Q4 2026 (Oct–Dec)")
    assert snap.period.as_period() == quarter_of(date(2026, 11, 1), Calendar())
    assert snap.missing_targets == ("deals",) and snap.currency == "USD"


def test_the_payout_estimate_is_frozen_line_by_line():
    deals = [PayDeal(1, D("60000.10"), None, False, True), PayDeal(2, D("60000"), "Core", False, False)]
    snap = make_snapshot(deals=deals)
    assert [line.kind for line in snap.payout.lines] == ["commission", "accelerator", "bonus"]
    assert snap.payout.total == sum(line.amount for line in snap.payout.lines)
    assert snap.payout.lines[0].deals == (1, 2)


def test_freezing_refuses_a_score_of_another_scorecard_or_other_actuals():
    scored = score(FARMER.scorecard, actuals={}, targets={})
    with pytest.raises(ValueError, match="hunter scorecard"):
        freeze(
            member=DANA,
            profile=HUNTER,
            period=NOVEMBER,
            actuals={},
            scored=scored,
            payout=payout(HUNTER.plan, deals=[], revenue_target=None, currency="USD"),
            sources={},
            rules=RULES,
            counting=COUNTING,
            premium_lines=(),
            currency="USD",
        )
    with pytest.raises(ValueError, match="revenue"):
        freeze(
            member=DANA,
            profile=HUNTER,
            period=NOVEMBER,
            actuals={"revenue": D(1)},
            scored=score(HUNTER.scorecard, actuals={"revenue": D(2)}, targets={}),
            payout=payout(HUNTER.plan, deals=[], revenue_target=None, currency="USD"),
            sources={},
            rules=RULES,
            counting=COUNTING,
            premium_lines=(),
            currency="USD",
        )


def test_a_snapshot_whose_points_do_not_add_up_is_refused_when_read():
    data = make_snapshot().as_json()
    data["total"] = "99.99"
    with pytest.raises(ValueError, match="do not add up"):
        Snapshot.from_json(data)


def test_every_metric_names_the_records_it_is_made_of():
    assert [records_of(m) for m in ("revenue", "premium_share", "repurchase_rate", "new_leads")] == [
        "deals",
        "deals",
        "deals",
        "activities",
    ]
    assert [records_of(m) for m in ("activities:call", "csat", "premium_csat", "training")] == [
        "activities",
        "surveys",
        "surveys",
        "courses",
    ]


# --- JSON -------------------------------------------------------------------------------------------


def test_decimals_keep_their_exact_digits_in_json():
    snap = make_snapshot(CLOSER, actuals={"revenue": D("150000.50"), "csat": D("4.2500")})
    data = json.loads(json.dumps(snap.as_json()))
    assert data["lines"][0]["actual"] == "150000.50" and data["lines"][3]["actual"] == "4.2500"
    assert data["scorecard"]["lines"][1]["weight"] == "25.5"
    again = Snapshot.from_json(data)
    assert again == snap and again.line("csat").actual.as_tuple() == D("4.2500").as_tuple()


@PROPERTY
@given(evaluations())
def test_the_json_round_trip_is_exact(case):
    _, snap = case
    text = snap.dumps()
    again = Snapshot.from_json(text)
    assert again == snap
    assert again.dumps() == text  # digit for digit, not merely equal numbers
    assert Snapshot.from_json(json.loads(json.dumps(snap.as_json()))).dumps() == text


# --- the frozen scorecard and re-scores ------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_the_frozen_scorecard_is_rebuilt_exactly(profile):
    assert scorecard_of(make_snapshot(profile, actuals={})) == profile.scorecard


def test_a_rescore_uses_the_frozen_weights_and_targets_not_todays():
    snap = make_snapshot(goals={"new_customers": D(8)})
    later = rescore(snap, {"revenue": D(100000)})
    revenue, customers = later.line("revenue"), later.line("new_customers")
    assert revenue.points == D("40.00") and revenue.weight == D(40)
    assert customers.target == D(8) and customers.target_from == "goal" and customers.points == D("7.50")
    assert later.total == D("47.50") and later.rating == "Below"


def test_a_rescore_keeps_the_payout_as_frozen_and_says_so():
    deals = [PayDeal(1, D("80000.55"), None, False, True)]
    snap = make_snapshot(deals=deals)
    later = rescore(snap, {"revenue": D(120000)})
    assert later.payout.lines == snap.payout.lines and later.payout.total == snap.payout.total
    assert later.payout.notes[-1] == PAYOUT_AS_FROZEN
    assert [(c.metric, c.frozen, c.corrected) for c in later.corrections] == [("revenue", D("80000.55"), D(120000))]


def test_correcting_back_to_the_value_at_close_removes_the_correction():
    snap = make_snapshot()
    corrected = rescore(rescore(snap, {"revenue": D(1)}), {"new_customers": D(3)})
    assert [c.metric for c in corrected.corrections] == ["revenue", "new_customers"]
    back = rescore(corrected, {"revenue": D("80000.55"), "new_customers": D(2)})
    assert back == snap


def test_a_rescore_refuses_a_metric_that_is_not_on_the_scorecard():
    with pytest.raises(ValueError, match="not on the hunter scorecard: csat"):
        rescore(make_snapshot(), {"csat": D(5)})


@PROPERTY
@given(evaluations())
def test_rescoring_with_unchanged_actuals_gives_the_same_snapshot(case):
    _, snap = case
    assert rescore(snap, {}) == snap
    same = rescore(snap, {line.metric: line.actual for line in snap.lines})
    assert same == snap and same.dumps() == snap.dumps()


@PROPERTY
@given(st.data())
def test_the_lines_always_sum_to_the_total(data):
    profile, snap = data.draw(evaluations())
    later = rescore(snap, data.draw(corrections_of(snap)))
    for each in (snap, later):
        assert sum(line.points for line in each.lines) == each.total
        assert each.rating == next(b.name for b in profile.scorecard.bands if b.minimum <= each.total)


@PROPERTY
@given(st.data())
def test_a_rescore_is_the_score_of_the_frozen_scorecard(data):
    profile, snap = data.draw(evaluations())
    corrected = data.draw(corrections_of(snap))
    later = rescore(snap, corrected)
    actuals = {line.metric: line.actual for line in snap.lines if line.has_data} | corrected
    goals = {line.metric: line.target for line in snap.lines if line.target_from == "goal"}
    expected = score(profile.scorecard, actuals=actuals, targets=goals)
    assert later.total == expected.total and [line.points for line in later.lines] == [
        line.contribution for line in expected.lines
    ]


@PROPERTY
@given(st.data())
def test_more_of_any_actual_never_lowers_a_rescore(data):
    _, snap = data.draw(evaluations())
    increases = {
        line.metric: line.actual + data.draw(st.decimals(min_value=0, max_value=10**6, places=2))
        for line in snap.lines
        if data.draw(st.booleans())
    }
    assert rescore(snap, increases).total >= snap.total


# --- when a period closes ---------------------------------------------------------------------------

SIX = time(6, 0)
NEW_YORK = ZoneInfo("America/New_York")


def test_a_month_closes_at_the_close_time_on_the_first_day_after_it_in_the_workspace_zone():
    # 1 November 2026 is the day New York falls back from EDT to EST: 06:00 there is 11:00 UTC
    october = month_of(date(2026, 10, 1))
    assert close_due_at(october, at=SIX, tz=NEW_YORK) == datetime(2026, 11, 1, 11, 0, tzinfo=UTC)
    assert period_to_close(datetime(2026, 11, 1, 10, 59, tzinfo=UTC), "month", Calendar(), at=SIX, tz=NEW_YORK) is None
    assert (
        period_to_close(datetime(2026, 11, 1, 11, 0, tzinfo=UTC), "month", Calendar(), at=SIX, tz=NEW_YORK) == october
    )
    assert period_ended_by(october, NEW_YORK) == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # midnight, still EDT


def test_a_quarter_is_due_only_once_its_last_month_has_ended():
    q3 = quarter_of(date(2026, 8, 1), Calendar())
    assert period_to_close(datetime(2026, 12, 15, tzinfo=UTC), "quarter", Calendar(), at=SIX, tz=ZoneInfo("UTC")) == q3
    q4 = period_to_close(datetime(2027, 1, 1, 6, tzinfo=UTC), "quarter", Calendar(), at=SIX, tz=ZoneInfo("UTC"))
    assert q4 is not None and q4.key == "2026-Q4"
    fiscal = Calendar(fiscal_year_start_month=4)
    due = period_to_close(datetime(2026, 10, 1, 6, tzinfo=UTC), "quarter", fiscal, at=SIX, tz=ZoneInfo("UTC"))
    assert due is not None and due.key == "FY2026-Q2"


def test_after_a_long_downtime_only_the_latest_ended_period_is_due():
    due = period_to_close(datetime(2027, 3, 10, tzinfo=UTC), "month", Calendar(), at=SIX, tz=ZoneInfo("UTC"))
    assert due == month_of(date(2027, 2, 1))


# --- the check-in's steps ---------------------------------------------------------------------------

T = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_a_fresh_evaluation_is_open_and_waits_for_the_self_review():
    state = progression(CheckinFacts())
    assert (state.status, state.label, state.next_step, state.waiting_for) == ("open", "Open", "self_review_in", ())


@pytest.mark.parametrize(
    ("facts", "status", "label"),
    [
        (CheckinFacts(self_review_at=T), "self_review_in", "Self-review in"),
        (CheckinFacts(self_review_at=T, feedback_at=T), "feedback_in", "Feedback in"),
        (CheckinFacts(self_review_at=T, feedback_at=T, acknowledged_at=T), "acknowledged", "Acknowledged"),
        (CheckinFacts(self_review_at=T, feedback_at=T, acknowledged_at=T, closed_at=T), "closed", "Closed"),
    ],
)
def test_the_status_is_the_furthest_step_recorded(facts, status, label):
    state = progression(facts)
    assert (state.status, state.label, state.waiting_for) == (status, label, ())
    assert status_of(facts) == status


def test_feedback_before_the_self_review_shows_feedback_in_and_still_waits_for_the_self_review():
    state = progression(CheckinFacts(feedback_at=T))
    assert state.status == "feedback_in" and state.waiting_for == ("self_review_in",)
    assert state.next_step == "self_review_in"
    assert [(step.label, step.done, step.at) for step in state.steps] == [
        ("Open", True, None),
        ("Self-review in", False, None),
        ("Feedback in", True, T),
        ("Acknowledged", False, None),
        ("Closed", False, None),
    ]


def test_a_closed_check_in_has_no_next_step():
    facts = CheckinFacts(self_review_at=T, feedback_at=T, acknowledged_at=T, closed_at=T)
    assert progression(facts).next_step is None
