"""`/deal` end to end: signed slash commands in, what was stored and what Slack was asked to show out."""

from datetime import date

import pytest

from handlers import ids
from tests.conftest import ADMIN, MANAGER, OUTSIDER, REP, REP2, WINS_CHANNEL
from tests.support import reads


def action_values(response_json, action_id):
    return [
        e["value"]
        for b in response_json.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith(action_id)
    ]


def test_logging_a_deal_stores_it_and_replies_with_its_id_new_customer_flag_and_buttons(pacer, db):
    response = pacer.deal(REP, "12,500 Acme Corp product:enterprise note:two-year renewal")

    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    [deal] = reads.deals(db)
    assert (deal.number, deal.amount_minor, deal.currency) == (1, 1_250_000, "USD")
    assert deal.product_line == "Enterprise"
    assert deal.note == "two-year renewal"
    assert deal.signed_on == date(2026, 11, 24) and deal.paid_on is None
    assert deal.source == "command"
    assert reads.customer_name(db, deal.customer_id) == "Acme Corp"
    assert "D-1" in response.text and "$12,500" in response.text and "new customer" in response.text
    assert "Counts in November 2026" in response.text
    assert action_values(body, ids.DEAL_UNDO) == ["1"]
    assert action_values(body, ids.DEAL_MARK_PAID) == ["1"]
    [logged] = reads.audit(db, "deal.logged")
    assert logged.actor == REP and logged.after["amount"] == "12500.00"


def test_a_second_deal_with_a_known_customer_is_not_flagged_new(pacer, db):
    pacer.deal(REP, "5000 Acme Corp")
    response = pacer.deal(REP2, "7000 ACME corp.")

    assert "new customer" not in response.text
    assert len(reads.customers(db)) == 1
    assert {d.customer_id for d in reads.deals(db)} == {reads.customers(db)[0].id}


@pytest.mark.parametrize("spelling", ["acme corp", "ACME-CORP", "Acme  Corp.", "Ａｃｍｅ Corp"])
def test_customer_names_match_regardless_of_case_spacing_punctuation_and_width(pacer, db, spelling):
    pacer.deal(REP, "5000 Acme Corp")
    pacer.deal(REP, f"6000 {spelling}")

    assert [c.name for c in reads.customers(db)] == ["Acme Corp"]
    assert len(reads.deals(db)) == 2


def test_a_near_miss_customer_name_asks_did_you_mean_and_stores_nothing_yet(pacer, db, slack):
    pacer.deal(REP, "5000 Globex Corporation")
    response = pacer.deal(REP, "7000 Globex Corporatoin")

    assert "Did you mean" in response.text and "Globex Corporation" in response.text
    assert len(reads.deals(db)) == 1 and len(reads.customers(db)) == 1
    [token] = action_values(response.json(), ids.DEAL_PICK_CUSTOMER)

    click = pacer.click(REP, f"{ids.DEAL_PICK_CUSTOMER}_0", token)
    assert click.status == 200
    [reply] = slack.wait_for("response_url")
    assert reply.args["replace_original"] is True
    assert "D-2" in str(reply.args["blocks"])
    second = reads.deals(db)[1]
    assert reads.customer_name(db, second.customer_id) == "Globex Corporation"
    assert second.amount_minor == 700_000


def test_answering_that_the_near_miss_is_a_new_customer_creates_it(pacer, db, slack):
    pacer.deal(REP, "5000 Globex Corporation")
    response = pacer.deal(REP, "7000 Globex Corporatoin")
    [token] = action_values(response.json(), ids.DEAL_NEW_CUSTOMER)

    pacer.click(REP, ids.DEAL_NEW_CUSTOMER, token)
    slack.wait_for("response_url")
    assert [c.name for c in reads.customers(db)] == ["Globex Corporation", "Globex Corporatoin"]


def test_an_unknown_product_line_lists_the_valid_ones_and_stores_nothing(pacer, db):
    response = pacer.deal(REP, "5000 Acme Corp product:Platinum")

    assert "Platinum" in response.text and "Core" in response.text and "Enterprise" in response.text
    assert "Example" in response.text
    assert reads.deals(db) == [] and reads.customers(db) == []


def test_the_date_defaults_to_today_in_the_reps_own_time_zone(pacer, db, clock):
    clock.set("2026-11-24T17:00:00+00:00")  # 12:00 in New York, already 01:00 on the 25th in Shanghai
    pacer.deal(REP, "1000 Acme Corp")
    pacer.deal(REP2, "2000 Initech")

    assert [d.signed_on for d in reads.deals(db)] == [date(2026, 11, 24), date(2026, 11, 25)]


def test_a_future_date_in_the_reps_time_zone_is_refused(pacer, db):
    response = pacer.deal(REP, "1000 Acme Corp date:2026-11-25")

    assert "future" in response.text.lower() and "2026-11-24" in response.text
    assert reads.deals(db) == []


def test_a_backdated_deal_counts_in_its_own_month(pacer, db):
    response = pacer.deal(REP, "1000 Acme Corp date:2026-10-31")

    assert reads.deals(db)[0].signed_on == date(2026, 10, 31)
    assert "Counts in October 2026" in response.text


def test_a_paid_deal_records_the_payment_date(pacer, db):
    pacer.deal(REP, "1000 Acme Corp stage:paid")
    [deal] = reads.deals(db)
    assert deal.paid_on == date(2026, 11, 24)


def test_user_text_is_escaped_when_shown_back(pacer):
    response = pacer.deal(REP, "1000 Smith &amp; Sons note:5% &lt;b&gt;off&lt;/b&gt;")
    blocks = str(response.json()["blocks"])
    assert "Smith &amp; Sons" in blocks
    assert "&lt;b&gt;off&lt;/b&gt;" in blocks and "<b>" not in blocks


def test_sql_looking_customer_names_are_stored_verbatim(pacer, db):
    pacer.deal(REP, "1000 Robert'); DROP TABLE deal;--")
    assert [c.name for c in reads.customers(db)] == ["Robert'); DROP TABLE deal;--"]
    assert len(reads.deals(db)) == 1


def test_deal_list_shows_the_reps_recent_deals_newest_first_and_not_others(pacer):
    pacer.deal(REP, "1000 Acme Corp")
    pacer.deal(REP, "2000 Initech")
    pacer.deal(REP2, "3000 Umbrella")

    text = pacer.deal(REP, "list").text
    assert text.index("D-2") < text.index("D-1")
    assert "Umbrella" not in text and "D-3" not in text


def test_deal_list_with_no_deals_says_how_to_log_one(pacer):
    assert "/deal 12500 Acme Corp" in pacer.deal(REP, "list").text


def test_the_owner_can_void_a_deal_with_a_reason_and_it_is_kept_and_audited(pacer, db):
    pacer.deal(REP, "1000 Acme Corp")
    response = pacer.deal(REP, "void D-1 customer cancelled")

    assert "Voided" in response.text
    [deal] = reads.deals(db)
    assert deal.void_reason == "customer cancelled" and deal.voided_by == REP and deal.voided_at is not None
    [entry] = reads.audit(db, "deal.voided")
    assert entry.before["void_reason"] is None and entry.after["void_reason"] == "customer cancelled"
    assert "voided" in pacer.deal(REP, "list").text


def test_voiding_twice_changes_nothing_the_second_time(pacer, db):
    pacer.deal(REP, "1000 Acme Corp")
    pacer.deal(REP, "void 1 wrong amount")
    response = pacer.deal(REP, "void 1 another reason")

    assert "Already voided" in response.text
    assert reads.deals(db)[0].void_reason == "wrong amount"
    assert len(reads.audit(db, "deal.voided")) == 1


def test_a_rep_cannot_void_another_reps_deal(pacer, db):
    pacer.deal(REP, "1000 Acme Corp")
    response = pacer.deal(REP2, "void D-1 not mine")

    assert response.status == 200
    assert "belongs to" in response.text
    assert reads.deals(db)[0].voided_at is None
    assert reads.audit(db, "deal.voided") == []


@pytest.mark.parametrize("actor", [MANAGER, ADMIN])
def test_the_reps_manager_or_an_admin_can_void_the_reps_deal(pacer, db, actor):
    pacer.deal(REP, "1000 Acme Corp")
    pacer.deal(actor, "void D-1 duplicate of CRM entry")
    assert reads.deals(db)[0].voided_by == actor


def test_a_manager_of_another_team_cannot_void(pacer, db):
    pacer.deal(REP, "1000 Acme Corp")
    assert "belongs to" in pacer.deal(OUTSIDER, "void D-1 nope").text
    assert reads.deals(db)[0].voided_at is None


def test_voiding_an_unknown_deal_says_so(pacer):
    response = pacer.deal(REP, "void D-99 typo")
    assert "no deal D-99" in response.text and "/deal list" in response.text


def test_deal_paid_marks_the_payment_date_and_says_where_it_counts(pacer, db):
    pacer.deal(REP, "1000 Acme Corp date:2026-11-02")
    response = pacer.deal(REP, "paid D-1 2026-11-20")

    assert reads.deals(db)[0].paid_on == date(2026, 11, 20)
    assert "Marked paid" in response.text
    assert len(reads.audit(db, "deal.paid")) == 1


def test_payment_before_signing_is_refused(pacer, db):
    pacer.deal(REP, "1000 Acme Corp date:2026-11-10")
    response = pacer.deal(REP, "paid D-1 2026-11-01")
    assert "can't come before" in response.text
    assert reads.deals(db)[0].paid_on is None


def test_the_undo_button_voids_the_deal_and_replaces_the_message(pacer, db, slack):
    response = pacer.deal(REP, "1000 Acme Corp")
    [value] = action_values(response.json(), ids.DEAL_UNDO)

    click = pacer.click(REP, ids.DEAL_UNDO, value)
    assert click.status == 200 and click.body == ""
    [reply] = slack.wait_for("response_url")
    assert reply.args["replace_original"] is True and "Voided" in str(reply.args["blocks"])
    assert reads.deals(db)[0].void_reason == "undone with the Undo button"


def test_the_mark_paid_button_marks_the_deal_paid_today(pacer, db, slack):
    response = pacer.deal(REP, "1000 Acme Corp")
    [value] = action_values(response.json(), ids.DEAL_MARK_PAID)

    pacer.click(REP, ids.DEAL_MARK_PAID, value)
    slack.wait_for("response_url")
    assert reads.deals(db)[0].paid_on == date(2026, 11, 24)


def test_another_rep_clicking_undo_is_refused_without_replacing_the_message(pacer, db, slack):
    response = pacer.deal(REP, "1000 Acme Corp")
    [value] = action_values(response.json(), ids.DEAL_UNDO)

    pacer.click(REP2, ids.DEAL_UNDO, value)
    [reply] = slack.wait_for("response_url")
    assert reply.args["replace_original"] is False and "belongs to" in str(reply.args["blocks"])
    assert reads.deals(db)[0].voided_at is None


def test_the_same_deal_twice_within_ten_minutes_asks_before_logging_it_again(pacer, db, slack, clock):
    pacer.deal(REP, "1000 Acme Corp")
    clock.advance(minutes=3)
    response = pacer.deal(REP, "1,000 acme corp")

    assert "Log it again?" in response.text and "3 minutes ago" in response.text
    assert len(reads.deals(db)) == 1
    [token] = action_values(response.json(), ids.DEAL_LOG_AGAIN)

    pacer.click(REP, ids.DEAL_LOG_AGAIN, token)
    pacer.click(REP, ids.DEAL_LOG_AGAIN, token)  # a double click
    slack.wait_for("response_url", count=2)
    assert [d.number for d in reads.deals(db)] == [1, 2]


def test_cancelling_the_duplicate_question_logs_nothing(pacer, db, slack):
    pacer.deal(REP, "1000 Acme Corp")
    response = pacer.deal(REP, "1000 Acme Corp")
    [token] = action_values(response.json(), ids.DEAL_CANCEL)

    pacer.click(REP, ids.DEAL_CANCEL, token)
    pacer.click(REP, ids.DEAL_LOG_AGAIN, token)  # too late: the question was answered
    replies = slack.wait_for("response_url", count=2)
    assert "nothing was logged" in str(replies[0].args["blocks"]).lower()
    assert "already answered" in str(replies[1].args["blocks"])
    assert len(reads.deals(db)) == 1


def test_the_same_deal_after_ten_minutes_is_logged_without_asking(pacer, db, clock):
    pacer.deal(REP, "1000 Acme Corp")
    clock.advance(minutes=11)
    assert "Logged" in pacer.deal(REP, "1000 Acme Corp").text
    assert len(reads.deals(db)) == 2


def test_a_different_amount_for_the_same_customer_is_not_a_duplicate(pacer, db):
    pacer.deal(REP, "1000 Acme Corp")
    pacer.deal(REP, "1001 Acme Corp")
    assert len(reads.deals(db)) == 2


def test_a_replayed_slash_command_records_one_deal_and_answers_the_same(pacer, db):
    first = pacer.deal(REP, "1000 Acme Corp", trigger_id="trigger.replayed.1")
    again = pacer.deal(REP, "1000 Acme Corp", trigger_id="trigger.replayed.1")

    assert len(reads.deals(db)) == 1
    assert "D-1" in first.text and "D-1" in again.text and "Already logged" in again.text


def test_a_big_deal_is_celebrated_in_the_wins_channel_with_the_rep_mentioned(pacer, db, slack):
    pacer.deal(REP, "60k Smith &amp; Ltd")
    report = pacer.deliver_outbox()

    assert report.sent == 1
    [post] = slack.calls("chat.postMessage")
    assert post.args["channel"] == WINS_CHANNEL
    text = str(post.args["blocks"])
    assert f"<@{REP}>" in text and "$60,000" in text and "Smith &amp; Ltd" in text and "big deal" in text
    [message] = reads.outbox(db)
    assert message.status == "sent" and message.ts == post.response["ts"]


def test_the_first_deal_of_a_period_is_celebrated_and_the_second_small_one_is_not(pacer, slack):
    pacer.deal(REP, "1000 Acme Corp")
    pacer.deal(REP, "2000 Initech")
    pacer.deliver_outbox()

    [post] = slack.calls("chat.postMessage")
    assert "first deal of November 2026" in str(post.args["blocks"])


def test_no_celebration_is_sent_twice_even_when_delivery_runs_again(pacer, slack):
    pacer.deal(REP, "60000 Acme Corp", trigger_id="t.big")
    pacer.deal(REP, "60000 Acme Corp", trigger_id="t.big")
    pacer.deliver_outbox()
    pacer.deliver_outbox()
    assert len(slack.calls("chat.postMessage")) == 1


def test_a_celebration_that_slack_rejects_is_marked_failed_with_the_error(pacer, db, slack):
    slack.fail("chat.postMessage", error="not_in_channel")
    pacer.deal(REP, "60000 Acme Corp")
    report = pacer.deliver_outbox()

    assert report.failed == 1
    [message] = reads.outbox(db)
    assert (message.status, message.error) == ("failed", "not_in_channel")


def test_a_rate_limited_celebration_waits_for_retry_after_and_is_then_sent(pacer, db, slack, clock):
    slack.fail("chat.postMessage", status=429, retry_after=30)
    pacer.deal(REP, "60000 Acme Corp")
    assert pacer.deliver_outbox().retried == 1
    assert pacer.deliver_outbox().handled == 0  # not before Retry-After
    clock.advance(seconds=31)
    assert pacer.deliver_outbox().sent == 1
    assert [m.status for m in reads.outbox(db)] == ["sent"]


def test_a_server_error_leaves_the_celebration_unknown_instead_of_resending_it(pacer, db, slack):
    slack.fail("chat.postMessage", status=500)
    pacer.deal(REP, "60000 Acme Corp")
    assert pacer.deliver_outbox().unknown == 1
    assert pacer.deliver_outbox().handled == 0
    assert [m.status for m in reads.outbox(db)] == ["unknown"]


def test_a_celebration_abandoned_mid_send_becomes_unknown_rather_than_being_resent(pacer, db, slack, clock):
    from bot.store import outbox

    pacer.deal(REP, "60000 Acme Corp")
    with db.transaction() as session:  # a sender claims it, then dies before recording the outcome
        assert len(outbox.claim_due(session, now=clock())) == 1
    clock.advance(minutes=1)
    assert pacer.deliver_outbox().handled == 0  # still claimed
    clock.advance(minutes=2)
    assert pacer.deliver_outbox().unknown == 1
    assert slack.calls("chat.postMessage") == []
    [message] = reads.outbox(db)
    assert message.status == "unknown" and "mid-send" in message.error
