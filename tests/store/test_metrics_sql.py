"""SQL aggregation of metric actuals agrees with the pure reference (`scoring.metrics.compute_actuals`)."""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from bot.store import metrics
from bot.store.tables import Activity, CsatResult, Customer, Deal, Member, TrainingCompletion, Workspace
from scoring.metrics import ActivityFact, CsatFact, DealFact, TrainingFact, compute_actuals
from scoring.periods import month_of
from scoring.recognition import Counting
from tests.support.databases import empty_all_tables

NOW = datetime(2026, 11, 24, tzinfo=UTC)
PERIOD = month_of(date(2026, 11, 1))
FIRST_DAY = date(2025, 9, 1)
REPS = (1, 2)
CUSTOMERS = (1, 2, 3, 4, 5)
PREMIUM = {"Enterprise"}
REQUIRED = {"negotiation", "product-101"}

days = st.integers(min_value=0, max_value=(date(2026, 12, 10) - FIRST_DAY).days).map(
    lambda n: FIRST_DAY + timedelta(days=n)
)
deal = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(REPS),
        "customer": st.sampled_from(CUSTOMERS),
        "amount_minor": st.integers(min_value=1, max_value=5_000_000),
        "signed_on": days,
        "paid_after": st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
        "product": st.sampled_from([None, "Core", "Enterprise"]),
        "voided": st.sampled_from([False, False, True]),
    }
)
activity = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(REPS),
        "kind": st.sampled_from(["call", "meeting", "lead", "demo"]),
        "count": st.integers(min_value=1, max_value=9),
        "on": days,
        "voided": st.sampled_from([False, False, True]),
    }
)
in_period = st.integers(min_value=0, max_value=(PERIOD.end - PERIOD.start).days).map(
    lambda n: PERIOD.start + timedelta(days=n)
)
survey = st.fixed_dictionaries(
    {
        "member": st.sampled_from(REPS),
        "customer": st.sampled_from(CUSTOMERS),
        "score": st.integers(1, 5),
        "on": st.one_of(days, in_period),  # half of them in the period, so the averages have data
        "voided": st.sampled_from([False, False, True]),
    }
)
course = st.fixed_dictionaries(
    {
        "member": st.sampled_from(REPS),
        "course": st.sampled_from(["negotiation", "product-101", "optional-elective"]),
        "on": days,
    }
)


def _store(db, deals, activities, surveys, courses) -> None:
    with db.engine.begin() as c:
        c.execute(
            insert(Workspace.__table__),
            [{"id": 1, "team_id": "T1", "created_at": NOW, "deal_seq": 0, "activity_seq": 0}],
        )
        c.execute(
            insert(Member.__table__),
            [
                {
                    "id": r,
                    "workspace_id": 1,
                    "user_id": f"UREP{r}",
                    "name": f"r{r}",
                    "role": "rep",
                    "is_bot": False,
                    "deleted": False,
                    "created_at": NOW,
                }
                for r in REPS
            ],
        )
        c.execute(
            insert(Customer.__table__),
            [
                {
                    "id": k,
                    "workspace_id": 1,
                    "name": f"C{k}",
                    "name_key": f"c{k}",
                    "source": "command",
                    "created_by": "UREP1",
                    "created_at": NOW,
                }
                for k in CUSTOMERS
            ],
        )
        if deals:
            c.execute(
                insert(Deal.__table__),
                [
                    {
                        "workspace_id": 1,
                        "number": i + 1,
                        "owner_id": d["owner"],
                        "customer_id": d["customer"],
                        "amount_minor": d["amount_minor"],
                        "currency": "USD",
                        "product_line": d["product"],
                        "signed_on": d["signed_on"],
                        "paid_on": None
                        if d["paid_after"] is None
                        else d["signed_on"] + timedelta(days=d["paid_after"]),
                        "source": "command",
                        "source_key": f"k{i}",
                        "created_at": NOW,
                        "voided_at": NOW if d["voided"] else None,
                    }
                    for i, d in enumerate(deals)
                ],
            )
        if activities:
            c.execute(
                insert(Activity.__table__),
                [
                    {
                        "workspace_id": 1,
                        "number": i + 1,
                        "owner_id": a["owner"],
                        "kind": a["kind"],
                        "count": a["count"],
                        "occurred_on": a["on"],
                        "source": "command",
                        "source_key": f"a{i}",
                        "created_at": NOW,
                        "voided_at": NOW if a["voided"] else None,
                    }
                    for i, a in enumerate(activities)
                ],
            )
        if surveys:
            c.execute(
                insert(CsatResult.__table__),
                [
                    {
                        "workspace_id": 1,
                        "member_id": s["member"],
                        "customer_id": s["customer"],
                        "score": s["score"],
                        "surveyed_on": s["on"],
                        "source": "admin",
                        "source_key": f"s{i}",
                        "recorded_by": "UADM",
                        "created_at": NOW,
                        "voided_at": NOW if s["voided"] else None,
                        "void_reason": "wrong customer" if s["voided"] else None,
                    }
                    for i, s in enumerate(surveys)
                ],
            )
        unique_courses = {(t["member"], t["course"]): t for t in courses}
        if unique_courses:
            c.execute(
                insert(TrainingCompletion.__table__),
                [
                    {
                        "workspace_id": 1,
                        "member_id": t["member"],
                        "course": t["course"],
                        "completed_on": t["on"],
                        "source": "admin",
                        "recorded_by": "UADM",
                        "created_at": NOW,
                    }
                    for t in unique_courses.values()
                ],
            )


def governing(rule, signed_on):
    """The rule a deal counts by: the workspace's one rule, or the one in force on its signing day."""
    return rule if isinstance(rule, str) else rule.rule_for(signed_on)


def _reference(rep, rule, deals, activities, surveys, courses):
    live = [(i, d) for i, d in enumerate(deals) if not d["voided"]]

    def first(i, d):
        return not any(e["customer"] == d["customer"] and (e["signed_on"], j) < (d["signed_on"], i) for j, e in live)

    workspace = []  # every live deal, whoever owns it
    facts = []  # the rep's
    for i, d in live:
        paid_on = None if d["paid_after"] is None else d["signed_on"] + timedelta(days=d["paid_after"])
        fact = DealFact(
            customer_id=d["customer"],
            amount=Decimal(d["amount_minor"]) / 100,
            counts_on=d["signed_on"] if governing(rule, d["signed_on"]) == "signed" else paid_on,
            signed_on=d["signed_on"],
            premium=d["product"] in PREMIUM,
            new_customer=first(i, d),
        )
        workspace.append(fact)
        if d["owner"] == rep:
            facts.append(fact)
    return compute_actuals(
        period=PERIOD,
        deals=facts,
        history_deals=facts,
        workspace_deals=workspace,
        activities=[
            ActivityFact(kind=a["kind"], count=a["count"], on=a["on"])
            for a in activities
            if a["owner"] == rep and not a["voided"]
        ],
        csat=[
            CsatFact(score=s["score"], on=s["on"], customer_id=s["customer"])
            for s in surveys
            if s["member"] == rep and not s["voided"]
        ],
        trainings=[
            TrainingFact(course=t["course"], completed_on=t["on"])
            for t in {(t["member"], t["course"]): t for t in courses}.values()
            if t["member"] == rep
        ],
        required_courses=REQUIRED,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    deals=st.lists(deal, max_size=25),
    activities=st.lists(activity, max_size=10),
    surveys=st.lists(survey, max_size=10),
    courses=st.lists(course, max_size=4),
    rule=st.one_of(
        st.sampled_from(["signed", "paid"]),
        # a change of counting rule: before the period, inside the 12-month window, at the period's start
        st.builds(
            lambda base, changes: Counting(base=base, changes=tuple(sorted(changes))),
            st.sampled_from(["signed", "paid"]),
            st.lists(
                st.tuples(
                    st.sampled_from([date(2025, 6, 1), date(2026, 3, 1), date(2026, 11, 1), date(2026, 11, 16)]),
                    st.sampled_from(["signed", "paid"]),
                ),
                max_size=3,
                unique_by=lambda change: change[0],
            ),
        ),
    ),
    concurrent=st.booleans(),
)
def test_sql_actuals_equal_the_pure_reference_for_every_metric(
    db, deals, activities, surveys, courses, rule, concurrent
):
    empty_all_tables(db)
    _store(db, deals, activities, surveys, courses)
    with db.reading() as session:
        found = metrics.actuals(
            session,
            workspace_id=1,
            period=PERIOD,
            rule=rule,
            premium_lines=PREMIUM,
            required_courses=REQUIRED,
            member_ids=list(REPS),
            concurrent=concurrent,
        )
    for rep in REPS:
        assert found[rep] == _reference(rep, rule, deals, activities, surveys, courses), f"rep {rep}"


def test_premium_csat_counts_surveys_of_customers_with_a_premium_deal_by_anyone_in_the_last_13_months(db):
    def a_deal(owner, customer, signed_on, product="Enterprise", voided=False):
        return {
            "owner": owner,
            "customer": customer,
            "amount_minor": 100_00,
            "signed_on": signed_on,
            "paid_after": None,
            "product": product,
            "voided": voided,
        }

    def a_survey(customer, score, on=date(2026, 11, 20)):
        return {"member": 1, "customer": customer, "score": score, "on": on, "voided": False}

    deals = [
        a_deal(2, 1, date(2025, 11, 1)),  # another rep's premium deal, first day of the look-back
        a_deal(1, 2, date(2025, 10, 31)),  # premium, but one day before the look-back
        a_deal(1, 3, date(2026, 11, 15), product="Core"),  # not a premium line
        a_deal(1, 4, date(2026, 11, 2), voided=True),  # voided
        a_deal(1, 5, date(2026, 11, 30)),  # last day of the period
    ]
    surveys = [a_survey(1, 5), a_survey(2, 1), a_survey(3, 1), a_survey(4, 1), a_survey(5, 2)]
    surveys.append(a_survey(1, 1, on=date(2026, 10, 31)))  # before the period
    empty_all_tables(db)
    _store(db, deals, [], surveys, [])
    with db.reading() as session:
        found = metrics.actuals(
            session,
            workspace_id=1,
            period=PERIOD,
            rule="signed",
            premium_lines=PREMIUM,
            required_courses=REQUIRED,
            member_ids=[1],
        )[1]
    assert found["premium_csat"] == Decimal("3.5")  # customers 1 and 5: (5 + 2) / 2
    assert found["csat"] == Decimal("2")  # all five surveys in November
    assert found == _reference(1, "signed", deals, [], surveys, [])
    with db.reading() as session:
        without_premium_lines = metrics.actuals(
            session,
            workspace_id=1,
            period=PERIOD,
            rule="signed",
            premium_lines=set(),
            required_courses=REQUIRED,
            member_ids=[1],
        )[1]
    assert without_premium_lines["premium_csat"] == 0 and without_premium_lines["premium_share"] == 0
    assert without_premium_lines["csat"] == Decimal("2")


def test_workspace_wide_actuals_are_the_same_computed_concurrently_or_one_query_after_another(db):
    deals = [
        {
            "owner": rep,
            "customer": customer,
            "amount_minor": 1000_00 * rep + customer,
            "signed_on": date(2026, 11, customer) if customer % 2 else date(2026, 4, customer),
            "paid_after": 3,
            "product": "Enterprise" if customer == 2 else "Core",
            "voided": False,
        }
        for rep in REPS
        for customer in CUSTOMERS
    ]
    activities = [{"owner": 1, "kind": "call", "count": 3, "on": date(2026, 11, 2), "voided": False}]
    surveys = [{"member": 2, "customer": 2, "score": 4, "on": date(2026, 11, 9), "voided": False}]
    courses = [{"member": 1, "course": "negotiation", "on": date(2026, 1, 9)}]
    empty_all_tables(db)
    _store(db, deals, activities, surveys, courses)
    found = {}
    for concurrent in (False, True):
        with db.reading() as session:
            found[concurrent] = metrics.actuals(
                session,
                workspace_id=1,
                period=PERIOD,
                rule="signed",
                premium_lines=PREMIUM,
                required_courses=REQUIRED,
                concurrent=concurrent,
            )
    assert found[True] == found[False]
    assert gc.isenabled()  # paused for the workspace-wide fold only
    assert set(found[True]) == set(REPS)
    for rep in REPS:
        assert found[True][rep] == _reference(rep, "signed", deals, activities, surveys, courses)
    assert found[True][2]["premium_csat"] == 4 and found[True][1]["activities:call"] == 3
