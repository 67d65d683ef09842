"""`/deal` with no text opens a form; its submission is validated field by field and stored once."""

from datetime import date

from handlers import ids
from tests.conftest import REP
from tests.support import reads
from tests.support.payloads import date_pick, radio, select, text_input


def deal_form(amount="12.5k", customer="Acme Corp", product="Enterprise", stage="signed", on="2026-11-20", note=None):
    return {
        "amount": text_input(amount),
        "customer": text_input(customer),
        "product": select(product),
        "stage": radio(stage),
        "date": date_pick(on),
        "note": text_input(note),
    }


def test_deal_without_text_acks_at_once_and_opens_the_form_with_todays_date(pacer, slack):
    response = pacer.deal(REP, "", trigger_id="trigger.modal.1")

    assert response.status == 200 and response.body == ""
    [call] = slack.wait_for("views.open")
    assert call.args["trigger_id"] == "trigger.modal.1"
    view = call.args["view"]
    assert view["callback_id"] == ids.DEAL_MODAL
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert list(blocks) == ["amount", "customer", "product", "stage", "date", "note"]
    assert blocks["date"]["element"]["initial_date"] == "2026-11-24"
    assert [o["value"] for o in blocks["product"]["element"]["options"]] == ["Core", "Enterprise"]


def test_a_valid_submission_stores_the_deal_and_turns_the_form_into_the_receipt(pacer, db):
    response = pacer.submit(REP, ids.DEAL_MODAL, deal_form(note="pilot"), view_id="V0DEAL1")

    body = response.json()
    assert body["response_action"] == "update"
    assert "D-1" in str(body["view"]["blocks"]) and "$12,500" in str(body["view"]["blocks"])
    [deal] = reads.deals(db)
    assert (deal.amount_minor, deal.product_line, deal.signed_on, deal.note, deal.source) == (
        1_250_000,
        "Enterprise",
        date(2026, 11, 20),
        "pilot",
        "modal",
    )


def test_a_double_submitted_form_stores_one_deal(pacer, db):
    pacer.submit(REP, ids.DEAL_MODAL, deal_form(), view_id="V0DOUBLE")
    again = pacer.submit(REP, ids.DEAL_MODAL, deal_form(), view_id="V0DOUBLE")

    assert len(reads.deals(db)) == 1
    assert "Already logged" in str(again.json()["view"]["blocks"])


def test_bad_fields_are_shown_inline_and_nothing_is_stored(pacer, db):
    response = pacer.submit(REP, ids.DEAL_MODAL, deal_form(amount="12..5", customer="  ", on="2027-01-01"))

    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"amount", "customer", "date"}
    assert all(len(message) <= 150 for message in body["errors"].values())
    assert reads.deals(db) == [] and reads.customers(db) == []


def test_a_paid_stage_in_the_form_records_the_payment(pacer, db):
    pacer.submit(REP, ids.DEAL_MODAL, deal_form(stage="paid"))
    assert reads.deals(db)[0].paid_on == date(2026, 11, 20)


def test_buttons_on_the_receipt_inside_the_form_update_the_form(pacer, db, slack):
    pacer.submit(REP, ids.DEAL_MODAL, deal_form(), view_id="V0RECEIPT")

    pacer.click(REP, ids.DEAL_UNDO, "1", view_id="V0RECEIPT")
    [update] = slack.wait_for("views.update")
    assert update.args["view_id"] == "V0RECEIPT" and "Voided" in str(update.args["view"]["blocks"])
    assert reads.deals(db)[0].voided_at is not None
