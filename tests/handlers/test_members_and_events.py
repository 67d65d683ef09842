"""Members are registered from users.info on first contact, refreshed daily and on user_change."""

from tests.conftest import MANAGER, REP
from tests.support import reads


def user_change(user_id, *, tz="Europe/Berlin", name="Dana R."):
    return {
        "type": "user_change",
        "event_ts": "1764000000.000100",
        "cache_ts": 1764000000,
        "user": {
            "id": user_id,
            "team_id": "T1",
            "name": "dana",
            "real_name": "Dana Rep",
            "tz": tz,
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "locale": "de-DE",
            "deleted": False,
            "is_bot": False,
            "profile": {"display_name": name, "real_name": "Dana Rep"},
        },
    }


def test_a_first_contact_is_registered_from_users_info_with_time_zone_and_role(pacer, db, slack):
    pacer.deal(REP, "list")

    [lookup] = slack.calls("users.info")
    assert lookup.args["user"] == REP
    member = reads.member(db, REP)
    assert (member.name, member.real_name, member.tz, member.locale) == (
        "Dana",
        "Dana Rep",
        "America/New_York",
        "en-US",
    )
    assert (member.role, member.team, member.manager_user_id) == ("rep", "East", MANAGER)
    [registered] = reads.audit(db, "member.registered")
    assert registered.after["tz"] == "America/New_York"


def test_a_known_member_is_not_looked_up_again_within_a_day(pacer, slack, clock):
    pacer.deal(REP, "list")
    clock.advance(hours=23)
    pacer.deal(REP, "list")
    pacer.settle()
    assert len(slack.calls("users.info")) == 1


def test_a_member_is_refreshed_in_the_background_once_a_day(pacer, db, slack, clock):
    pacer.deal(REP, "list")
    slack.add_user(REP, name="dana", real_name="Dana Rep", display_name="Dana", tz="Asia/Kolkata")
    clock.advance(hours=25)
    pacer.deal(REP, "list")
    pacer.settle()

    assert len(slack.calls("users.info")) == 2
    assert reads.member(db, REP).tz == "Asia/Kolkata"
    [refreshed] = reads.audit(db, "member.refreshed")
    assert refreshed.before == {"tz": "America/New_York"} and refreshed.after == {"tz": "Asia/Kolkata"}


def test_a_member_slack_cannot_describe_still_gets_an_answer_in_the_workspace_time_zone(pacer, db, slack):
    slack.fail("users.info", status=500)
    response = pacer.deal("UNEW00001", "1000 Acme Corp")

    assert response.status == 200 and "D-1" in response.text
    member = reads.member(db, "UNEW00001")
    assert member.tz is None and member.name == "UNEW00001"


def test_a_member_without_a_time_zone_uses_the_workspace_fallback(pacer, db, slack, clock):
    slack.add_user("UNOTZ0001", name="nobody", tz=None)
    clock.set("2026-11-24T23:30:00+00:00")  # UTC fallback: still the 24th
    pacer.deal("UNOTZ0001", "1000 Acme Corp")
    assert str(reads.deals(db)[0].signed_on) == "2026-11-24"


def test_user_change_updates_the_members_time_zone_and_name(pacer, db):
    pacer.deal(REP, "list")
    response = pacer.event(user_change(REP), event_id="Ev0CHANGE1")

    assert response.status == 200
    member = reads.member(db, REP)
    assert (member.tz, member.name, member.locale) == ("Europe/Berlin", "Dana R.", "de-DE")


def test_a_retried_event_has_one_effect(pacer, db):
    pacer.deal(REP, "list")
    pacer.event(user_change(REP), event_id="Ev0RETRY1")
    retry = pacer.event(user_change(REP, tz="Asia/Tokyo"), event_id="Ev0RETRY1", retry=1)

    assert retry.status == 200
    assert reads.member(db, REP).tz == "Europe/Berlin"
    assert len(reads.audit(db, "member.refreshed")) == 1


def test_user_change_for_someone_pacer_does_not_know_stores_nothing(pacer, db):
    pacer.event(user_change("USTRANGER1"))
    assert reads.member(db, "USTRANGER1") is None


def test_an_uninstall_is_logged_with_what_to_run_and_deletes_nothing(pacer, db, caplog):
    pacer.deal(REP, "12.5k Acme Corp")

    response = pacer.event({"type": "app_uninstalled"})

    assert response.status == 200
    [warning] = [r for r in caplog.records if r.name == "handlers.events"]
    assert warning.levelname == "WARNING" and warning.getMessage().startswith(
        "Pacer was uninstalled from the Slack workspace T1. Its records stay in the database"
    )
    assert "pacer workspace erase T1 --yes" in warning.getMessage()
    assert reads.member(db, REP) is not None and len(reads.deals(db)) == 1
