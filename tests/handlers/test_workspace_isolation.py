"""Two workspaces (team ids) share nothing: customers, deals, numbers and permissions are per workspace."""

from tests.conftest import REP
from tests.support import reads

OTHER_TEAM = "T2OTHER"
OTHER_REP = "UOTHER001"


def test_customers_and_deals_are_invisible_across_workspaces(pacer, db, slack):
    slack.add_user(OTHER_REP, team_id=OTHER_TEAM, name="sam", tz="Europe/Paris")
    pacer.deal(REP, "1000 Acme Corp")
    response = pacer.deal(OTHER_REP, "2000 Acme Corp", team_id=OTHER_TEAM)

    assert "new customer" in response.text and "D-1" in response.text
    assert [c.name for c in reads.customers(db, OTHER_TEAM)] == ["Acme Corp"]
    assert reads.customers(db, "T1")[0].id != reads.customers(db, OTHER_TEAM)[0].id
    listing = pacer.deal(OTHER_REP, "list", team_id=OTHER_TEAM).text
    assert "$2,000" in listing and "$1,000" not in listing


def test_a_user_of_another_workspace_cannot_void_by_guessing_a_number(pacer, db, slack):
    slack.add_user(OTHER_REP, team_id=OTHER_TEAM, name="sam")
    pacer.deal(REP, "1000 Acme Corp")
    response = pacer.deal(OTHER_REP, "void D-1 mine now", team_id=OTHER_TEAM)

    assert "no deal D-1" in response.text
    assert reads.deals(db, "T1")[0].voided_at is None


def test_near_match_suggestions_never_reveal_another_workspaces_customers(pacer, slack):
    slack.add_user(OTHER_REP, team_id=OTHER_TEAM, name="sam")
    pacer.deal(REP, "1000 Globex Corporation")
    response = pacer.deal(OTHER_REP, "1000 Globex Corporatoin", team_id=OTHER_TEAM)
    assert "Did you mean" not in response.text and "Logged" in response.text
