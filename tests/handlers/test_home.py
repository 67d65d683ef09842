"""The Home tab end to end: `app_home_opened` publishes the dashboard; its buttons open the logging forms."""

import json

from handlers import ids
from tests.conftest import MANAGER, OUTSIDER, REP, REP2
from tests.support import reads
from tests.support.harness import _all_text


def home_opened(user_id: str, tab: str = "home") -> dict:
    return {"type": "app_home_opened", "user": user_id, "channel": "D0HOME", "tab": tab, "event_ts": "1764000000.1"}


def published(pacer, count: int = 1) -> tuple[str, dict, str]:
    """(user_id, view, all its text) of the latest views.publish, after waiting for `count` of them."""
    pacer.settle()
    call = pacer.slack.wait_for("views.publish", count=count)[-1]
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    return call.args["user_id"], view, _all_text(view)


def action_ids(view: dict) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_opening_the_home_tab_publishes_the_reps_dashboard(pacer):
    pacer.deal(REP, "60k Acme Corp")
    pacer.deal(REP, "20k Globex")
    pacer.activity(REP, "call 30")
    pacer.activity(REP, "lead 10")
    pacer.settle()
    pacer.slack.clear()

    response = pacer.event(home_opened(REP))
    assert response.status == 200
    user_id, view, text = published(pacer)
    assert user_id == REP and view["type"] == "home"
    assert "Your scorecard — November 2026" in text and "working day 17 of 21" in text
    assert "Score 62.00 pts — Below" in text
    assert "$80,000 of $100,000" in text and "estimated payout *$5,000*" in text  # 5 % of 80k + 2 × $500
    assert action_ids(view) == [ids.HOME_LOG_DEAL, ids.HOME_LOG_ACTIVITY]
    assert "Log a deal" in text and "Log an activity" in text
    assert "`D-2`" in text and "Globex" in text and "`D-1`" in text  # recent deals, newest first
    assert text.index("D-2") < text.index("D-1")
    assert "Your team" not in text


def test_the_dashboard_shows_at_most_five_recent_deals(pacer):
    for n, customer in enumerate(["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne"], start=1):
        pacer.deal(REP, f"{n}k {customer}")
    pacer.settle()
    pacer.slack.clear()
    pacer.event(home_opened(REP))
    _, _, text = published(pacer)
    assert "`D-7`" in text and "`D-3`" in text and "`D-2`" not in text


def test_a_member_pacer_has_never_seen_is_registered_and_gets_a_dashboard(pacer, db):
    pacer.event(home_opened(OUTSIDER))
    user_id, _, text = published(pacer)
    assert user_id == OUTSIDER and "Score 0.00 pts" in text
    assert reads.member(db, OUTSIDER).name == "Olu Other"


def test_the_messages_tab_publishes_nothing(pacer):
    pacer.event(home_opened(REP, tab="messages"))
    pacer.settle()
    assert pacer.slack.calls("views.publish") == []


def test_a_manager_sees_the_team_with_the_at_risk_rep_first(pacer):
    pacer.deal(REP, "90k Acme Corp")  # 90 % of $100,000 with 81 % of the month gone: ahead
    pacer.deal(REP2, "40k Globex")  # 40 %: at risk
    pacer.settle()
    pacer.slack.clear()

    pacer.event(home_opened(MANAGER))
    user_id, _, text = published(pacer)
    assert user_id == MANAGER and "Your team" in text
    assert "Lee* — Revenue at risk: 40 % of target, 81 % of the month gone" in text
    assert "Dana* — Revenue ahead: 90 % of target, 81 % of the month gone" in text
    assert text.index("Lee*") < text.index("Dana*")


def test_clicking_log_a_deal_opens_the_deal_form(pacer):
    pacer.event(home_opened(REP))
    published(pacer)
    pacer.click(REP, ids.HOME_LOG_DEAL, "deal", view_id="VHOME1")
    pacer.settle()
    call = pacer.slack.wait_for("views.open")[-1]
    view = json.loads(call.args["view"]) if isinstance(call.args["view"], str) else call.args["view"]
    assert call.args["trigger_id"].startswith("trigger.")
    assert view["callback_id"] == "deal_modal" and view["title"]["text"] == "Log a deal"


def test_clicking_log_an_activity_opens_the_activity_form(pacer):
    pacer.click(REP, ids.HOME_LOG_ACTIVITY, "activity", view_id="VHOME1")
    pacer.settle()
    view = pacer.slack.wait_for("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "activity_modal"


def test_logging_a_deal_refreshes_the_home_tab_of_a_rep_who_uses_it(pacer):
    pacer.event(home_opened(REP))
    published(pacer)
    pacer.deal(REP, "10k Acme Corp")
    user_id, _, text = published(pacer, count=2)
    assert user_id == REP and "`D-1`" in text and "$10,000 of $100,000" in text


def test_a_rep_who_never_opened_the_home_tab_gets_no_refresh(pacer):
    pacer.deal(REP, "10k Acme Corp")
    pacer.settle()
    assert pacer.slack.calls("views.publish") == []


def test_a_replayed_deal_command_does_not_publish_again(pacer):
    pacer.event(home_opened(REP))
    published(pacer)
    pacer.deal(REP, "10k Acme Corp", trigger_id="trigger.same")
    published(pacer, count=2)
    pacer.deal(REP, "10k Acme Corp", trigger_id="trigger.same")
    pacer.settle()
    assert len(pacer.slack.calls("views.publish")) == 2 and len(reads.deals(pacer.db)) == 1


def test_a_question_about_a_deal_does_not_publish(pacer):
    pacer.event(home_opened(REP))
    published(pacer)
    pacer.deal(REP, "10k Acme Corp")
    published(pacer, count=2)
    pacer.deal(REP, "10k Acme Corp")  # the same deal again within 10 minutes: "log it again?"
    pacer.settle()
    assert len(pacer.slack.calls("views.publish")) == 2


def test_a_retried_home_event_is_harmless(pacer, db):
    pacer.event(home_opened(OUTSIDER), event_id="Ev0HOME1")
    published(pacer)
    retry = pacer.event(home_opened(OUTSIDER), event_id="Ev0HOME1", retry=1)
    assert retry.status == 200
    published(pacer, count=2)
    assert len(reads.audit(db, "member.registered")) == 1
    assert [m.user_id for m in [reads.member(db, OUTSIDER)] if m] == [OUTSIDER]


def test_a_failing_dashboard_still_publishes_an_apology(pacer, monkeypatch):
    from bot.services import home

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(home, "dashboard", broken)
    pacer.event(home_opened(REP))
    _, _, text = published(pacer)
    assert "could not be loaded" in text


def test_logging_an_activity_refreshes_the_home_tab_too(pacer):
    pacer.event(home_opened(REP))
    published(pacer)
    pacer.activity(REP, "call 3 Acme Corp")
    user_id, _, text = published(pacer, count=2)
    assert user_id == REP and "— 3 of 80" in text  # the activities line: 3 of the hunter's 80
