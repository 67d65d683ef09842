"""After a change of counting rule, SQL counts each deal by the rule in force on the day it was signed."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store import deals as deal_store
from bot.store import metrics
from scoring.periods import month_of
from scoring.recognition import Counting
from tests.store.test_metrics_sql import PERIOD, PREMIUM, REPS, _store, deal
from tests.support.databases import empty_all_tables

switches = st.lists(
    st.tuples(
        st.sampled_from([date(2026, 6, 1), date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]),
        st.sampled_from(["signed", "paid"]),
    ),
    max_size=3,
    unique_by=lambda change: change[0],
).map(sorted)


def _expected(rep, counting, deals, period):
    revenue, count, waiting = 0, 0, 0
    for d in deals:
        if d["voided"] or d["owner"] != rep:
            continue
        paid_on = None if d["paid_after"] is None else d["signed_on"] + timedelta(days=d["paid_after"])
        day = d["signed_on"] if counting.rule_for(d["signed_on"]) == "signed" else paid_on
        if day is None:
            waiting += 1
        elif period.start <= day <= period.end:
            revenue += d["amount_minor"]
            count += 1
    return revenue, count, waiting


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deals=st.lists(deal, max_size=25), base=st.sampled_from(["signed", "paid"]), changes=switches)
def test_revenue_deals_and_waiting_follow_the_rule_each_deal_was_signed_under(db, deals, base, changes):
    empty_all_tables(db)
    _store(db, deals, [], [], [])
    counting = Counting(base=base, changes=tuple(changes))
    with db.reading() as session:
        found = metrics.actuals(
            session,
            workspace_id=1,
            period=PERIOD,
            rule=counting,
            premium_lines=PREMIUM,
            required_courses=set(),
            member_ids=list(REPS),
        )
        for rep in REPS:
            revenue, count, waiting = _expected(rep, counting, deals, PERIOD)
            assert found[rep]["revenue"] * 100 == revenue and found[rep]["deals"] == count, f"rep {rep}"
            tally = deal_store.tally(session, workspace_id=1, owner_id=rep, rule=counting, period=PERIOD)
            assert (tally.amount_minor, tally.deals) == (revenue, count)
            if counting.uniform != "signed":
                assert tally.awaiting == waiting


def test_a_deal_counts_in_one_month_across_a_switch_from_signed_to_paid(db):
    d = {"owner": 1, "customer": 1, "amount_minor": 100, "product": None, "voided": False}
    deals = [
        {**d, "signed_on": date(2026, 11, 20), "paid_after": 15},  # signed under "signed": November
        {**d, "signed_on": date(2026, 12, 2), "paid_after": 1},  # signed under "paid": December
    ]
    empty_all_tables(db)
    _store(db, deals, [], [], [])
    counting = Counting(base="signed", changes=((date(2026, 12, 1), "paid"),))
    with db.reading() as session:
        for month, expected in ((month_of(date(2026, 11, 1)), 1), (month_of(date(2026, 12, 1)), 1)):
            found = metrics.actuals(
                session, workspace_id=1, period=month, rule=counting, premium_lines=(), required_courses=set()
            )
            assert found[1]["deals"] == expected, month.key
