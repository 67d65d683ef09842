"""Copies of one request arriving at the same moment still have exactly one effect."""

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import REP
from tests.support import reads


def test_the_same_command_sent_eight_times_at_once_stores_one_deal(pacer, db):
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: pacer.deal(REP, "4200 Acme Corp", trigger_id="trigger.storm"), range(8)))

    assert {r.status for r in responses} == {200}
    assert all("D-1" in r.text for r in responses)
    assert len(reads.deals(db)) == 1 and len(reads.customers(db)) == 1
    assert len(reads.audit(db, "deal.logged")) == 1


NAMES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries"]


def test_a_new_workspace_and_member_arriving_concurrently_are_registered_once(pacer, db, slack):
    slack.add_user("UFRESH001", team_id="T9", name="kim", tz="Asia/Seoul")
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda name: pacer.deal("UFRESH001", f"1000 {name}", team_id="T9"), NAMES))

    assert {r.status for r in responses} == {200}
    assert sorted(d.number for d in reads.deals(db, "T9")) == [1, 2, 3, 4, 5, 6]
    assert reads.member(db, "UFRESH001", "T9").tz == "Asia/Seoul"
    assert len(reads.audit(db, "member.registered")) == 1
