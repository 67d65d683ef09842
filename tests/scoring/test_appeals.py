"""Choosing the reviewer of an appeal: never the appellant or their manager, the least loaded first,
ties spread fairly."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from scoring.appeals import Candidate, choose_reviewer

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_the_appellant_and_the_evaluating_manager_are_never_chosen():
    pool = [Candidate("UREP"), Candidate("UMGR"), Candidate("UREV")]
    choice = choose_reviewer(pool, appellant="UREP", manager="UMGR", draw="appeal:1")
    assert choice is not None and choice.user_id == "UREV"


def test_nobody_eligible_gives_none_so_the_admins_decide():
    assert choose_reviewer([Candidate("UREP"), Candidate("UMGR")], appellant="UREP", manager="UMGR", draw="a") is None
    assert choose_reviewer([], appellant="UREP", manager=None, draw="a") is None


def test_the_least_loaded_reviewer_is_chosen():
    pool = [Candidate("UA", open_cases=3), Candidate("UB", open_cases=1), Candidate("UC", open_cases=2)]
    choice = choose_reviewer(pool, appellant="UREP", manager="UMGR", draw="appeal:9")
    assert choice is not None
    assert choice.user_id == "UB"
    assert "least loaded of 3 eligible reviewers (1 undecided appeal)" in choice.reason


def test_among_equally_loaded_the_one_who_waited_longest_is_chosen_never_assigned_first():
    pool = [
        Candidate("UA", open_cases=1, last_assigned_at=T0),
        Candidate("UB", open_cases=1, last_assigned_at=T0 - timedelta(days=3)),
        Candidate("UC", open_cases=1, last_assigned_at=None),
    ]
    assert choose_reviewer(pool, appellant="UREP", manager=None, draw="x").user_id == "UC"  # type: ignore[union-attr]
    assert choose_reviewer(pool[:2], appellant="UREP", manager=None, draw="x").user_id == "UB"  # type: ignore[union-attr]


def test_someone_outside_the_reporting_line_is_preferred_even_when_busier():
    pool = [Candidate("UDIRECTOR", open_cases=0), Candidate("UPEER", open_cases=4)]
    choice = choose_reviewer(pool, appellant="UREP", manager="UMGR", reporting_line={"UDIRECTOR"}, draw="a")
    assert choice is not None and (choice.user_id, choice.in_reporting_line) == ("UPEER", False)


def test_the_reporting_line_is_used_only_when_the_pool_has_no_one_else_and_the_choice_says_so():
    pool = [Candidate("UDIRECTOR"), Candidate("UMGR")]
    choice = choose_reviewer(pool, appellant="UREP", manager="UMGR", reporting_line={"UDIRECTOR"}, draw="a")
    assert choice is not None and (choice.user_id, choice.in_reporting_line) == ("UDIRECTOR", True)
    assert "reporting line" in choice.reason


def test_ties_fall_to_different_reviewers_for_different_appeals_and_the_same_appeal_always_draws_the_same():
    pool = [Candidate(f"U{n}") for n in range(4)]
    picks = Counter(
        choose_reviewer(pool, appellant="UREP", manager=None, draw=f"appeal:{n}").user_id for n in range(400)
    )  # type: ignore[union-attr]
    assert set(picks) == {c.user_id for c in pool}
    assert min(picks.values()) > 60  # about 100 each
    again = {choose_reviewer(pool, appellant="UREP", manager=None, draw="appeal:7").user_id for _ in range(5)}  # type: ignore[union-attr]
    assert len(again) == 1


def test_assigning_many_appeals_in_turn_spreads_the_load_evenly():
    load = {f"U{n}": 0 for n in range(5)}
    last: dict[str, datetime | None] = dict.fromkeys(load)
    for n in range(50):
        pool = [Candidate(u, open_cases=load[u], last_assigned_at=last[u]) for u in load]
        choice = choose_reviewer(pool, appellant="UREP", manager="U0", draw=f"appeal:{n}")
        assert choice is not None and choice.user_id != "U0"
        load[choice.user_id] += 1
        last[choice.user_id] = T0 + timedelta(minutes=n)
    assert load["U0"] == 0
    assert sorted(load[u] for u in load if u != "U0") == [12, 12, 13, 13]


ids = st.sampled_from([f"U{n}" for n in range(8)])


@given(
    pool=st.lists(st.builds(Candidate, user_id=ids, open_cases=st.integers(0, 5)), max_size=10),
    appellant=ids,
    manager=st.none() | ids,
    line=st.sets(ids, max_size=4),
    draw=st.text(max_size=12),
)
def test_the_choice_is_always_eligible_and_least_loaded_of_its_field(pool, appellant, manager, line, draw):
    choice = choose_reviewer(pool, appellant=appellant, manager=manager, reporting_line=line, draw=draw)
    eligible = {c.user_id: c for c in reversed(pool) if c.user_id not in {appellant, manager}}
    if not eligible:
        assert choice is None
        return
    assert choice is not None
    assert choice.user_id not in {appellant, manager}
    independent = {u: c for u, c in eligible.items() if u not in line}
    field = independent or eligible
    assert choice.user_id in field
    assert choice.in_reporting_line == (not independent)
    first = {}
    for c in pool:
        first.setdefault(c.user_id, c)
    assert first[choice.user_id].open_cases == min(first[u].open_cases for u in field)
