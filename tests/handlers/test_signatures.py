"""Every request must carry a valid, fresh Slack signature; anything else is refused and changes nothing."""

import time

from tests.conftest import REP
from tests.support import payloads, reads


def _deal_body(pacer):
    return payloads.slash_command(
        team_id="T1", user_id=REP, command="/deal", text="12500 Acme Corp", response_url=pacer.slack.response_url("r")
    )


def test_a_request_without_a_signature_is_refused_and_stores_nothing(pacer, db):
    response = pacer.post(_deal_body(pacer), content_type="application/x-www-form-urlencoded", sign=False)
    assert response.status == 401
    assert reads.deals(db) == []
    assert reads.member(db, REP) is None


def test_a_request_with_a_wrong_signature_is_refused(pacer, db):
    response = pacer.post(
        _deal_body(pacer),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Slack-Signature": "v0=" + "0" * 64},
    )
    assert response.status == 401
    assert reads.deals(db) == []


def test_a_body_changed_after_signing_is_refused(pacer, db):
    body = _deal_body(pacer)
    ts = str(int(time.time()))
    signature = pacer.verifier.generate_signature(timestamp=ts, body=body)
    tampered = body.replace("12500", "99999")
    response = pacer.post(
        tampered,
        content_type="application/x-www-form-urlencoded",
        sign=False,
        headers={"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature},
    )
    assert response.status == 401
    assert reads.deals(db) == []


def test_a_signature_older_than_five_minutes_is_refused(pacer, db):
    response = pacer.post(
        _deal_body(pacer), content_type="application/x-www-form-urlencoded", timestamp=int(time.time()) - 6 * 60
    )
    assert response.status == 401
    assert reads.deals(db) == []


def test_a_fresh_signed_request_is_accepted(pacer, db):
    response = pacer.post(
        _deal_body(pacer), content_type="application/x-www-form-urlencoded", timestamp=int(time.time()) - 60
    )
    assert response.status == 200
    assert [d.number for d in reads.deals(db)] == [1]


def test_health_check_reports_the_database(pacer):
    response = pacer.get("/healthz")
    assert response.status == 200
    assert response.json() == {"ok": True, "database": "ok"}


def test_unknown_paths_are_not_found(pacer):
    assert pacer.get("/admin").status == 404
