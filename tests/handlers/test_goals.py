"""`/goal` end to end: who may set targets, every bad input refused, listing, team cascades, the form."""

from decimal import Decimal

import pytest
from sqlmodel import col, select

from bot.config import PacerConfig, ProductLine, Team
from bot.store.tables import Goal
from handlers.goals import GOAL_MODAL
from tests.conftest import ADMIN, MANAGER, OUTSIDER, REP, REP2
from tests.support import reads
from tests.support.payloads import select as pick
from tests.support.payloads import text_input

REP3 = "UREP0003"
WEST_MANAGER = "UMGR0002"
WEST_REP = "UREP0009"
DANA = f"<@{REP}|dana>"


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        teams=[
            Team(name="East", manager=MANAGER, members=[REP, REP2, REP3]),
            Team(name="West", manager=WEST_MANAGER, members=[WEST_REP]),
        ],
        admins=[ADMIN],
    )


@pytest.fixture
def slack(slack):
    slack.add_user(REP3, name="kim", real_name="Kim Rep", display_name="Kim", tz="America/Chicago")
    slack.add_user(WEST_MANAGER, name="wes", real_name="Wes West", display_name="Wes", tz="UTC")
    slack.add_user(WEST_REP, name="val", real_name="Val West", display_name="Val", tz="UTC")
    return slack


def stored_goals(db) -> list[tuple[str, str, str, Decimal, str]]:
    """(user id, metric, period, value, source) of every goal."""
    from bot.store.tables import Member

    with db.reading() as session:
        rows = session.exec(
            select(Member.user_id, Goal.metric, Goal.period_key, Goal.value, Goal.source)
            .join(Member, col(Member.id) == Goal.member_id)
            .order_by(col(Member.user_id), col(Goal.metric))
        ).all()
    return [tuple(row) for row in rows]


def goal(pacer, user, text):
    return pacer.command(user, "/goal", text)


# --- setting a target ---------------------------------------------------------------------------------


def test_a_manager_sets_a_reps_target_for_the_current_period_and_it_is_audited(pacer, db):
    text = goal(pacer, MANAGER, f"{DANA} revenue 120k").text

    assert "Dana's Revenue target for November 2026 is now *$120,000*" in text
    assert "was the hunter default, $100,000" in text
    assert "revenue is on the hunter scorecard (weight 40), so it counts" in text
    assert stored_goals(db) == [(REP, "revenue", "2026-11", Decimal(120000), "command")]
    [entry] = reads.audit(db, "goal.set")
    assert (entry.actor, entry.entity, entry.source, entry.before) == (MANAGER, "goal", "command", None)
    assert entry.after == {"metric": "revenue", "period": "2026-11", "value": "120000", "member": REP}


def test_changing_a_target_says_what_it_was_and_audits_before_and_after(pacer, db):
    goal(pacer, MANAGER, f"{DANA} revenue 100k")
    text = goal(pacer, MANAGER, f"{DANA} revenue $120,000").text

    assert "is now *$120,000* (was $100,000)" in text
    last = reads.audit(db, "goal.set")[-1]
    assert last.before == {"metric": "revenue", "period": "2026-11", "value": "100000"}
    assert last.after["value"] == "120000"


def test_setting_the_same_value_again_changes_nothing_and_writes_no_audit_row(pacer, db):
    goal(pacer, MANAGER, f"{DANA} revenue 120k")
    text = goal(pacer, MANAGER, f"{DANA} revenue 120,000").text

    assert "already *$120,000*: nothing changed" in text
    assert len(reads.audit(db, "goal.set")) == 1


@pytest.mark.parametrize(
    ("text", "stored", "says"),
    [
        ("repurchase_rate 60%", Decimal("0.6"), "60 %"),
        ("Premium_Share 60 % next-month", Decimal("0.6"), "December 2026"),
        ("csat 4.5 2026-12", Decimal("4.5"), "*4.5*"),
        ("deals 12", Decimal(12), "deals is not on the hunter scorecard, so it won't change the score"),
    ],
)
def test_each_unit_and_an_explicit_period_are_understood(pacer, db, text, stored, says):
    reply = goal(pacer, MANAGER, f"{DANA} {text}").text
    assert says in reply
    [(_, _, _, value, _)] = stored_goals(db)
    assert value == stored


def test_a_space_grouped_target_is_read_like_a_deal_amount(pacer, db):
    assert "now *$120,000*" in goal(pacer, MANAGER, f"{DANA} revenue 120 000").text
    goal(pacer, MANAGER, f"{DANA} deals 1\u202f200 2026-12")
    assert [value for _, _, _, value, _ in stored_goals(db)] == [Decimal(1200), Decimal(120000)]


@pytest.mark.parametrize(("value", "says"), [("120²", "superscript two"), ("12 50", "three digits"), ("٣", "0-9")])
def test_a_look_alike_or_badly_grouped_target_is_refused_and_nothing_is_stored(pacer, db, value, says):
    metric = "deals" if value == "٣" else "revenue"
    response = goal(pacer, MANAGER, f"{DANA} {metric} {value}")

    assert response.json()["response_type"] == "ephemeral"
    assert says in response.text and "Example: `/goal" in response.text
    assert stored_goals(db) == [] and reads.audit(db, "goal.set") == []


def test_an_admin_may_set_anyones_target(pacer, db):
    assert "now *$90,000*" in goal(pacer, ADMIN, f"<@{WEST_REP}|val> revenue 90k").text
    assert stored_goals(db)[0][:2] == (WEST_REP, "revenue")


@pytest.mark.parametrize(
    ("caller", "subject", "says"),
    [
        (REP, DANA, "set by your manager"),
        (REP, f"<@{REP2}|lee>", "Only Lee's manager or an admin"),
        (OUTSIDER, DANA, "Only Dana's manager or an admin"),
        (WEST_MANAGER, DANA, "Only Dana's manager or an admin"),
        (MANAGER, f"<@{WEST_REP}|val>", "Only Val's manager or an admin"),
    ],
)
def test_only_the_manager_or_an_admin_may_set_a_target(pacer, db, caller, subject, says):
    pacer.command(REP, "/progress", "")  # Dana is known
    text = goal(pacer, caller, f"{subject} revenue 120k").text
    assert says in text and "Example:" in text
    assert stored_goals(db) == [] and reads.audit(db, "goal.set") == []


def test_every_bad_input_is_refused_with_an_example_and_nothing_is_stored(pacer, db):
    cases = {
        f"{DANA} revnue 120k": "Did you mean *revenue*?",
        f"{DANA} quota 120k": "Metrics: revenue, deals",
        f"{DANA} revenue": "revenue needs a target",
        f"{DANA} revenue lots": "",
        f"{DANA} revenue -5k": "",
        f"{DANA} revenue 0": "",
        f"{DANA} deals 2.5": "whole numbers",
        f"{DANA} deals 0": "more than 0",
        f"{DANA} repurchase_rate 60": "write 60% or 0.6",
        f"{DANA} repurchase_rate 160%": "at most 1",
        f"{DANA} csat 7": "at most 5",
        f"{DANA} revenue 120k 2026-13": "no month 13",
        f"{DANA} revenue 120k 2026-Q4": "hunter targets are monthly",
        f"{DANA} 2026-13": "no month 13",
        "revenue 120k": "Who is the goal for?",
        "@dana revenue 120k": "@-menu",
        "team": "Which metric",
        "team repurchase_rate 60%": "a rate, not a total",
        "team deals 2": "can't be split over 3 reps",
    }
    for text, says in cases.items():
        response = goal(pacer, MANAGER, text)
        assert response.json()["response_type"] == "ephemeral", text
        assert ":warning:" in response.text and "Example: `/goal" in response.text, text
        assert says in response.text, (text, response.text)
    assert stored_goals(db) == [] and reads.audit(db, "goal.set") == []


def test_user_text_in_an_error_is_escaped(pacer):
    text = goal(pacer, MANAGER, f"{DANA} <!channel> 5").json()["blocks"][0]["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_progress_shows_the_goal_set_with_goal(pacer):
    goal(pacer, MANAGER, f"{DANA} revenue 50k")
    assert "of $50,000 (your goal)" in pacer.command(REP, "/progress", "").text


# --- listing --------------------------------------------------------------------------------------------


def test_listing_shows_every_scorecard_metric_with_where_its_target_comes_from(pacer):
    goal(pacer, MANAGER, f"{DANA} revenue 120k")
    goal(pacer, MANAGER, f"{DANA} deals 8")
    text = goal(pacer, MANAGER, DANA).text

    assert "Dana's targets for November 2026" in text and "hunter, monthly" in text
    assert f"*Revenue* (`revenue`) $120,000 — goal set by <@{MANAGER}> · weight 40" in text
    assert "*New customers* (`new_customers`) 4 — profile default · weight 30" in text
    assert "*Deals* (`deals`) 8 — goal set by" in text and "not on the scorecard" in text


def test_a_rep_lists_their_own_goals_but_not_a_colleagues(pacer):
    goal(pacer, MANAGER, f"{DANA} revenue 120k")
    assert "$120,000 — goal" in goal(pacer, REP, "list").text
    assert "$120,000 — goal" in goal(pacer, REP, DANA).text
    refused = goal(pacer, REP, f"<@{REP2}|lee>").text
    assert "isn't one of yours" in refused


def test_listing_another_period_uses_that_periods_goals(pacer):
    goal(pacer, MANAGER, f"{DANA} revenue 80k 2026-12")
    assert "$100,000 — profile default" in goal(pacer, MANAGER, DANA).text
    assert "$80,000 — goal" in goal(pacer, MANAGER, f"{DANA} next-month").text


def test_help_explains_the_syntax_with_examples(pacer):
    text = goal(pacer, REP, "help").text
    assert "/goal @dana revenue 120k" in text and "/goal team revenue 300k" in text and "weighted" in text


# --- team goals -----------------------------------------------------------------------------------------


def test_a_team_goal_is_split_equally_to_the_cent_one_audit_row_per_rep(pacer, db):
    text = goal(pacer, MANAGER, "team revenue 100k").text

    assert "*East* Revenue goal for November 2026: *$100,000*, split equally" in text
    assert "Dana: *$33,333.34*" in text and "Kim: *$33,333.33*" in text and "Lee: *$33,333.33*" in text
    values = {user: value for user, _, _, value, _ in stored_goals(db)}
    assert values == {REP: Decimal("33333.34"), REP3: Decimal("33333.33"), REP2: Decimal("33333.33")}
    assert sum(values.values()) == Decimal(100000)
    assert len(reads.audit(db, "goal.set")) == 3


def test_a_weighted_team_goal_follows_last_periods_actuals(pacer, db):
    pacer.deal(REP, "50k Acme Corp date:2026-10-05")
    pacer.deal(REP2, "30k Globex date:2026-10-06")
    pacer.deal(REP3, "20k Initech date:2026-10-07")
    pacer.deal(REP3, "99k Hooli date:2026-11-02")  # this month: not part of the weights

    text = goal(pacer, MANAGER, "team revenue 200001 weighted").text

    assert "weighted by each rep's revenue in October 2026" in text
    values = {user: value for user, _, _, value, _ in stored_goals(db)}
    # 100,000.50 / 60,000.30 / 40,000.20 exactly
    assert values == {REP: Decimal("100000.50"), REP2: Decimal("60000.30"), REP3: Decimal("40000.20")}
    assert sum(values.values()) == Decimal(200001)


def test_a_weighted_split_with_no_history_is_equal_and_says_so(pacer, db):
    text = goal(pacer, MANAGER, "team deals 10 weighted").text
    assert "split equally: no one had any deals in October 2026" in text
    assert sorted(value for *_, value, _ in stored_goals(db)) == [3, 3, 4]


def test_a_weighted_split_that_would_give_a_rep_zero_is_refused(pacer, db):
    pacer.deal(REP, "50k Acme Corp date:2026-10-05")
    text = goal(pacer, MANAGER, "team revenue 90k weighted").text
    assert "target of 0" in text and stored_goals(db) == []


def test_only_managers_and_admins_cascade_and_admins_name_the_team(pacer, db):
    assert "You don't manage a team" in goal(pacer, REP, "team revenue 100k").text
    assert "Only West's manager or an admin" in goal(pacer, MANAGER, "team West revenue 100k").text
    assert "Name the team" in goal(pacer, ADMIN, "team revenue 100k").text
    assert stored_goals(db) == []

    assert "Val: *$100,000*" in goal(pacer, ADMIN, "team west revenue 100k").text
    assert stored_goals(db) == [(WEST_REP, "revenue", "2026-11", Decimal(100000), "command")]


# --- the form -------------------------------------------------------------------------------------------


def form(member=REP, metric="revenue", value="120k", period=None):
    return {
        "member": {"type": "users_select", "selected_user": member},
        "metric": pick(metric),
        "value": text_input(value),
        "period": text_input(period),
    }


def test_goal_without_text_opens_the_form_for_a_manager(pacer, slack):
    response = goal(pacer, MANAGER, "")
    assert response.status == 200 and response.body == ""
    [call] = slack.wait_for("views.open")
    view = call.args["view"]
    assert view["callback_id"] == GOAL_MODAL
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert list(blocks) == ["member", "metric", "value", "period"]
    assert blocks["member"]["element"]["type"] == "users_select"
    assert "revenue" in [o["value"] for o in blocks["metric"]["element"]["options"]]


def test_a_rep_without_text_sees_their_targets_instead_of_the_form(pacer, slack):
    text = goal(pacer, REP, "").text
    assert "Dana's targets for November 2026" in text and "set by your manager" in text
    pacer.settle()
    assert slack.calls("views.open") == []


def test_a_valid_form_sets_the_goal_and_turns_into_a_confirmation(pacer, db):
    body = pacer.submit(MANAGER, GOAL_MODAL, form(period="2026-12"), view_id="V0GOAL1").json()

    assert body["response_action"] == "update"
    assert "Revenue target for December 2026 is now *$120,000*" in str(body["view"]["blocks"])
    assert stored_goals(db) == [(REP, "revenue", "2026-12", Decimal(120000), "modal")]
    assert reads.audit(db, "goal.set")[0].source == "modal"


def test_a_double_submitted_form_sets_the_goal_once(pacer, db):
    first = pacer.submit(MANAGER, GOAL_MODAL, form(), view_id="V0GOALX").json()
    again = pacer.submit(MANAGER, GOAL_MODAL, form(value="130k"), view_id="V0GOALX").json()

    assert again["view"]["blocks"] == first["view"]["blocks"]
    assert stored_goals(db) == [(REP, "revenue", "2026-11", Decimal(120000), "modal")]
    assert len(reads.audit(db, "goal.set")) == 1


@pytest.mark.parametrize(
    ("user", "fields", "errors"),
    [
        (MANAGER, form(member=None, value="lots"), {"member", "value"}),
        (MANAGER, form(metric=None), {"metric"}),
        (MANAGER, form(metric="deals", value="2.5"), {"value"}),
        (MANAGER, form(period="2026-13"), {"period"}),
        (MANAGER, form(member=WEST_REP), {"member"}),
        (REP, form(), {"member"}),
    ],
)
def test_bad_form_fields_are_shown_inline_and_nothing_is_stored(pacer, db, user, fields, errors):
    body = pacer.submit(user, GOAL_MODAL, fields).json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == errors
    assert all(0 < len(message) <= 150 for message in body["errors"].values())
    assert stored_goals(db) == []
