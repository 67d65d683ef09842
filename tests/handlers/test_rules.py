"""`/pacer rules`, `/pacer counting`, `/pacer products`: published rules, versioned from a period on,
changed by admins only, announced by DM to every member, and applied to scores without double counting."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.store.tables import RuleVersion
from tests.conftest import ADMIN, MANAGER, REP, REP2
from tests.support import reads


def versions(db):
    with db.transaction() as session:
        return list(session.exec(select(RuleVersion).order_by(RuleVersion.version)))


def everyone_has_used_pacer(pacer):
    for user in (REP, REP2, MANAGER, ADMIN):
        pacer.command(user, "/pacer", "help")


def test_anyone_can_read_the_published_rules(pacer):
    text = pacer.command(REP, "/pacer", "rules").text
    assert "Published rules" in text and "*Deals count* when signed (as published in pacer.yml; version 0)" in text
    assert "Core, Enterprise (premium)" in text


def test_an_admin_changes_the_counting_rule_from_next_month_and_everyone_gets_a_dm(pacer, db, slack):
    everyone_has_used_pacer(pacer)
    text = pacer.command(ADMIN, "/pacer", "counting paid").text

    assert "Rules version 1 published, in force from December 2026" in text
    assert "Deals count when payment is received (until now: when signed)" in text
    assert "4 member(s) will get a DM" in text
    [stored] = versions(db)
    assert (stored.version, stored.effective_from.isoformat(), stored.recognition) == (1, "2026-12-01", "paid")
    entry = reads.audit(db, "rules.changed")[-1]
    assert entry.actor == ADMIN and entry.before["recognition"] == "signed" and entry.after["recognition"] == "paid"

    pacer.deliver_outbox()
    sent = {call.args["channel"]: call for call in slack.calls("chat.postMessage")}
    assert set(sent) == {REP, REP2, MANAGER, ADMIN}
    assert "Pacer's published rules change from December 2026" in str(sent[REP].args["blocks"])
    assert f"set by <@{ADMIN}>" in str(sent[REP].args["blocks"])
    # still November: today's rules are unchanged, and the change is shown as scheduled
    rules = pacer.command(REP, "/pacer", "rules").text
    assert "*Deals count* when signed" in rules and "*From December 2026* (version 1)" in rules
    assert "Published rules change from December 2026" in pacer.command(REP, "/scorecard", "").text


def test_asking_again_for_the_same_change_changes_nothing_and_sends_no_more_dms(pacer, db):
    everyone_has_used_pacer(pacer)
    pacer.command(ADMIN, "/pacer", "counting paid")
    again = pacer.command(ADMIN, "/pacer", "counting paid").text
    assert "Nothing to change: from December 2026 the rules already say that" in again
    assert len(versions(db)) == 1
    assert len([m for m in reads.outbox(db) if m.kind == "rules_changed"]) == 4


def test_a_rep_cannot_change_the_rules_and_nothing_is_stored(pacer, db):
    text = pacer.command(REP, "/pacer", "counting paid").text
    assert "Only a Pacer admin can change the published rules" in text
    assert versions(db) == [] and reads.outbox(db) == []


def test_a_closed_month_cannot_be_changed(pacer, db):
    text = pacer.command(ADMIN, "/pacer", "counting paid from 2026-10").text
    assert "Rules for October 2026 can't change any more" in text and "Example: `/pacer counting paid now`" in text
    assert versions(db) == []


def test_bad_counting_words_get_an_example(pacer, db):
    text = pacer.command(ADMIN, "/pacer", "counting maybe").text
    assert "`signed`" in text and "`paid`" in text and "Example: `/pacer counting paid`" in text
    assert versions(db) == []


def test_a_bad_period_names_the_accepted_forms(pacer, db):
    text = pacer.command(ADMIN, "/pacer", "counting paid from soon").text
    assert ":warning:" in text and "Example:" in text
    assert versions(db) == []


def test_changing_the_rule_now_applies_to_deals_signed_this_month(pacer):
    pacer.deal(REP, "10k Acme Corp")
    pacer.command(ADMIN, "/pacer", "counting paid now")

    reply = pacer.deal(REP, "20k Globex").text
    assert "Counts when payment is received" in reply
    # the earlier November deal is now also governed by "paid" (the change starts on 1 November): it waits
    assert "$0 of $100,000" in pacer.command(REP, "/progress", "").text


def test_a_deal_signed_before_a_switch_to_paid_counts_once_in_its_signing_month(pacer, clock):
    pacer.deal(REP, "10k Acme Corp date:2026-11-20")  # signed, counts in November
    pacer.command(ADMIN, "/pacer", "counting paid")  # from December
    clock.set("2026-12-07T15:00:00+00:00")
    pacer.command(REP, "/deal", "paid D-1 2026-12-05")
    pacer.deal(REP, "30k Globex date:2026-12-02 stage:paid")  # signed in December: counts when paid
    pacer.deal(REP, "5k Initech date:2026-12-03")  # signed in December, unpaid: waits

    assert "$10,000 of $100,000" in pacer.command(REP, "/progress", "2026-11").text
    december = pacer.command(REP, "/progress", "2026-12").text
    assert "$30,000 of $100,000" in december  # not $40,000: D-1 counted in November already


def test_a_switch_to_signed_still_counts_deals_that_were_waiting_for_payment(pacer, clock, config):
    paid_config = config.model_copy(update={"recognition": "paid"})
    pacer.deps.config = paid_config  # this workspace publishes "paid" in pacer.yml
    pacer.deal(REP, "10k Acme Corp date:2026-11-20")  # waits for payment
    pacer.command(ADMIN, "/pacer", "counting signed")
    clock.set("2026-12-07T15:00:00+00:00")
    pacer.command(REP, "/deal", "paid D-1 2026-12-05")
    pacer.deal(REP, "30k Globex date:2026-12-02")

    assert "$40,000 of $100,000" in pacer.command(REP, "/progress", "2026-12").text
    assert "$0 of $100,000" in pacer.command(REP, "/progress", "2026-11").text


def test_a_new_premium_line_can_be_logged_from_its_first_day_and_counts_as_premium(pacer, db, clock):
    pacer.command(ADMIN, "/pacer", "products add Cloud Suite premium")
    early = pacer.deal(REP, "5k Acme Corp product:Cloud Suite").text
    assert "Cloud Suite" in early and ":warning:" in early  # not a product line until December
    assert reads.deals(db) == []

    clock.set("2026-12-02T15:00:00+00:00")
    pacer.deal(REP, "5k Acme Corp product:Cloud Suite")
    [deal] = reads.deals(db)
    assert deal.product_line == "Cloud Suite"
    assert "Cloud Suite (premium)" in pacer.command(REP, "/pacer", "products").text


def test_premium_and_standard_and_remove_change_the_lines(pacer, db):
    pacer.command(ADMIN, "/pacer", "products premium Core now")
    pacer.command(ADMIN, "/pacer", "products standard Enterprise now")
    text = pacer.command(ADMIN, "/pacer", "products remove Enterprise now").text
    assert "Product line Enterprise is retired" in text
    assert [(v.version, v.product_lines) for v in versions(db)][-1] == (3, [{"name": "Core", "premium": True}])
    assert "*Product lines* Core (premium)" in pacer.command(REP, "/pacer", "rules").text


def test_an_unknown_product_line_is_named_with_the_known_ones(pacer, db):
    text = pacer.command(ADMIN, "/pacer", "products premium Legacy").text
    assert "There is no product line “Legacy”" in text and "Core, Enterprise" in text
    assert versions(db) == []


def rules_dms(db):
    return [m for m in reads.outbox(db) if m.kind == "rules_changed"]


@pytest.mark.parametrize("name", ["Enterprise", "enterprise", "ENTERPRISE", "Ｅｎｔｅｒｐｒｉｓｅ", "Enterprise now"])
def test_adding_a_premium_line_that_is_already_there_says_so_and_publishes_nothing(pacer, db, name):
    everyone_has_used_pacer(pacer)
    text = pacer.command(ADMIN, "/pacer", f"products add {name}").text

    assert "Enterprise is already a product line (premium): nothing was published" in text
    assert "Example: `/pacer products standard Enterprise`" in text
    assert versions(db) == [] and rules_dms(db) == [] and reads.audit(db, "rules.changed") == []
    assert "Core, Enterprise (premium)" in pacer.command(REP, "/pacer", "products").text


def test_adding_premium_to_a_standard_line_that_is_there_points_to_the_premium_command(pacer, db):
    text = pacer.command(ADMIN, "/pacer", "products add core premium").text
    assert "Core is already a product line (standard)" in text and "`/pacer products premium Core`" in text
    assert versions(db) == [] and rules_dms(db) == []


def test_a_new_line_may_say_standard_and_the_word_is_not_part_of_its_name(pacer, db):
    pacer.command(ADMIN, "/pacer", "products add Cloud standard")
    assert versions(db)[-1].product_lines[-1] == {"name": "Cloud", "premium": False}


def test_adding_a_line_already_scheduled_to_be_added_says_so_and_sends_no_more_dms(pacer, db):
    everyone_has_used_pacer(pacer)
    pacer.command(ADMIN, "/pacer", "products add Cloud premium")
    again = pacer.command(ADMIN, "/pacer", "products add cloud").text
    later = pacer.command(ADMIN, "/pacer", "products add CLOUD premium from 2027-02").text

    assert "Cloud is already scheduled to be added from December 2026 (premium)" in again
    assert "Cloud is already scheduled to be added from December 2026 (premium)" in later
    assert len(versions(db)) == 1 and len(rules_dms(db)) == 4


def test_giving_a_line_the_flag_it_has_publishes_nothing(pacer, db):
    everyone_has_used_pacer(pacer)
    text = pacer.command(ADMIN, "/pacer", "products premium enterprise").text
    assert "Enterprise is already a premium product line from December 2026: nothing was published" in text
    assert "Example: `/pacer products standard Enterprise`" in text
    assert "Core is already a standard product line" in pacer.command(ADMIN, "/pacer", "products standard core").text
    assert versions(db) == [] and rules_dms(db) == []


def test_removing_an_unknown_line_names_the_known_ones_with_an_example(pacer, db):
    text = pacer.command(ADMIN, "/pacer", "products remove Legacy").text
    assert "There is no product line “Legacy” from December 2026" in text and "Core, Enterprise" in text
    assert "Example: `/pacer products remove Core`" in text
    assert versions(db) == []


def test_a_line_scheduled_to_be_retired_is_kept_with_its_flag_when_added_back(pacer, db):
    pacer.command(ADMIN, "/pacer", "products remove Enterprise")
    flagged = pacer.command(ADMIN, "/pacer", "products standard Enterprise").text
    removed = pacer.command(ADMIN, "/pacer", "products remove enterprise").text
    assert "Enterprise is retired from December 2026" in flagged and "`/pacer products add Enterprise`" in flagged
    assert "Enterprise is already retired from December 2026" in removed
    assert len(versions(db)) == 1

    text = pacer.command(ADMIN, "/pacer", "products add enterprise").text
    assert "New product line: Enterprise (premium)" in text
    restored = [{"name": "Core", "premium": False}, {"name": "Enterprise", "premium": True}]
    assert versions(db)[-1].product_lines == restored


def test_a_product_line_name_cannot_smuggle_a_mention(pacer, db):
    text = pacer.command(ADMIN, "/pacer", "products add <!channel>").text
    assert "can't contain mentions" in text and versions(db) == []


def test_a_change_cannot_start_before_one_already_scheduled(pacer, db):
    pacer.command(ADMIN, "/pacer", "counting paid from 2027-01")
    text = pacer.command(ADMIN, "/pacer", "products add Cloud").text
    assert "already scheduled from January 2027" in text and "from 2027-01" in text
    assert len(versions(db)) == 1


def test_settings_show_the_rules_in_force(pacer):
    pacer.command(ADMIN, "/pacer", "counting paid now")
    text = pacer.command(ADMIN, "/pacer", "settings").text
    assert "*deals count* when payment is received" in text and "rules version 1" in text
