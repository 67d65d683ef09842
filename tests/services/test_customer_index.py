"""Near matches from the per-process customer index: exactly what `close_matches` suggests over every
customer of the workspace, with customers created after the index was built — by this process or
another, or committed out of id order — found, on both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from bot.services import customer_index
from bot.store import customers, workspaces
from bot.store.engine import Database
from bot.store.tables import Customer
from scoring.customers import KeyIndex, close_matches, name_key
from tests.conftest import REP, TEST_NOW

PROPERTY = settings(max_examples=400, deadline=None, database=None)

WORDS = [
    "Acme", "Acne", "Acme Corp", "Globex", "Gl0bex", "Initech", "Initec", "Umbrella", "Hooli", "Corp", "Corps",
    "Ltd", "GmbH", "Holdings", "Holding", "&", "0042", "0043", "北京", "北京市", "科技", "Société", "Societe",
    "Straße", "STRASSE", "株式会社", "Ｔｏｙｏｔａ", "Toyota", "e\u0301", "Ac\u200bme", "🙂", "!!!", "",
]  # fmt: skip


@st.composite
def edited(draw: st.DrawFn, text: str) -> str:
    """`text` with a few characters inserted, deleted, replaced or swapped: a near-duplicate."""
    chars = list(text)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(chars)))
        edit = draw(st.sampled_from(["insert", "delete", "replace", "swap"]))
        letter = draw(st.sampled_from("aeiorstnx0 .é北"))
        if edit == "insert" or not chars:
            chars.insert(at, letter)
        elif edit == "delete":
            del chars[min(at, len(chars) - 1)]
        elif edit == "replace":
            chars[min(at, len(chars) - 1)] = letter
        elif at + 1 < len(chars):
            chars[at], chars[at + 1] = chars[at + 1], chars[at]
    return "".join(chars)


base_name = st.one_of(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
    st.text(max_size=14),  # any unicode, empty included
    st.text(alphabet="abc d", max_size=10),  # many keys of the same few lengths and letters
)
customer_name = base_name.flatmap(edited)


@PROPERTY
@given(base_name, st.lists(customer_name, max_size=40), st.integers(min_value=0, max_value=4), st.data())
def test_the_index_suggests_exactly_what_close_matches_suggests_over_every_customer(
    query: str, names: list[str], limit: int, data: st.DataObject
) -> None:
    names += data.draw(st.lists(edited(query), max_size=8), label="near duplicates of the query")
    candidates = [(name_key(name), name) for name in names]
    index = KeyIndex()
    index.extend(candidates)
    key = name_key(query)

    assert customer_index.near_matches(key, index.plausible(key), limit=limit) == close_matches(
        query, candidates, limit=limit
    )


@PROPERTY
@given(
    st.text(alphabet="abcdé北 ", max_size=8),
    st.lists(st.tuples(st.text(alphabet="abcdé北", max_size=9), st.sampled_from(["A", "B", "C", "D"])), max_size=30),
    st.integers(min_value=1, max_value=4),
)
def test_keys_sharing_a_display_name_are_ranked_as_close_matches_ranks_them(
    query: str, candidates: list[tuple[str, str]], limit: int
) -> None:
    index = KeyIndex()
    index.extend(candidates)
    key = name_key(query)

    assert customer_index.near_matches(key, index.plausible(key), limit=limit) == close_matches(
        query, candidates, limit=limit
    )


def _workspace(db: Database, team_id: str = "T0001") -> int:
    with db.transaction() as session:
        workspace_id = workspaces.ensure_workspace(session, team_id=team_id, now=TEST_NOW).id
    assert workspace_id is not None
    return workspace_id


def _add(db: Database, workspace_id: int, *names: str) -> None:
    with db.transaction() as session:
        for name in names:
            customers.ensure(session, workspace_id=workspace_id, name=name, source="command", actor=REP, now=TEST_NOW)


def _suggest(db: Database, workspace_id: int, name: str, *, later: timedelta = timedelta(0)) -> list[str]:
    with db.reading() as session:
        return customer_index.suggest(session, workspace_id=workspace_id, name=name, now=TEST_NOW + later)


def _over_everyone(db: Database, workspace_id: int, name: str) -> list[str]:
    with db.reading() as session:
        return close_matches(name, customers.keys_and_names(session, workspace_id=workspace_id))


COMPANIES = [
    f"{first} {second} {suffix}"
    for first in ("North", "Summit", "Harbor", "Acme", "Globex", "Initech")
    for second in ("Logistics", "Dental", "Foods", "Labs", "Capital")
    for suffix in ("Inc", "LLC", "Holdings", "GmbH")
]


def test_suggestions_from_the_index_are_close_matches_over_every_customer_of_the_workspace(db: Database) -> None:
    workspace_id = _workspace(db)
    _add(db, workspace_id, *COMPANIES, "Acme Corp", "Acme Corporation", "Acme Corp Ltd")
    queries = ["Acme Crop", "Summit Dental Inc.", "Harbour Labs LLC", "Initech Foods Holding", "Nothing Alike", "!!!"]

    found = {query: _suggest(db, workspace_id, query) for query in queries}

    assert found == {query: _over_everyone(db, workspace_id, query) for query in queries}
    assert found["Acme Crop"] == ["Acme Corp"]
    assert found["Harbour Labs LLC"] == ["Harbor Labs LLC", "Harbor Labs Inc"]


def test_a_customer_created_after_the_index_was_built_is_suggested_the_next_time(db: Database) -> None:
    workspace_id = _workspace(db)
    _add(db, workspace_id, "Initech")
    assert _suggest(db, workspace_id, "Globex Corporatoin") == []  # the index now holds Initech

    _add(db, workspace_id, "Globex Corporation")

    assert _suggest(db, workspace_id, "Globex Corporatoin") == ["Globex Corporation"]


def test_a_customer_created_by_another_process_is_suggested_the_next_time(db: Database) -> None:
    workspace_id = _workspace(db)
    assert _suggest(db, workspace_id, "Globex Corporatoin") == []
    other = Database(db.url)  # another process: its own engines, its own index
    try:
        _add(other, workspace_id, "Globex Corporation")
        assert _suggest(other, workspace_id, "Globex Corporatoin") == ["Globex Corporation"]
    finally:
        other.dispose()

    assert _suggest(db, workspace_id, "Globex Corporatoin") == ["Globex Corporation"]


def test_another_workspaces_customers_are_never_suggested(db: Database) -> None:
    ours, theirs = _workspace(db, "T0001"), _workspace(db, "T0002")
    _add(db, theirs, "Acme Corp")
    assert _suggest(db, theirs, "Acme Crop") == ["Acme Corp"]

    assert _suggest(db, ours, "Acme Crop") == []
    _add(db, ours, "Acme Corps")
    assert _suggest(db, ours, "Acme Crop") == ["Acme Corps"]
    assert _suggest(db, theirs, "Acme Crop") == ["Acme Corp"]


def test_a_customer_committed_late_among_the_newest_is_found_the_next_time(db: Database) -> None:
    workspace_id = _workspace(db)
    with db.transaction() as session:  # ids 10, 20, … 400: room for ids taken earlier but committed later
        for number in range(1, 41):
            _insert(session, workspace_id, 10 * number, f"Filler {number:02d} Logistics")
    assert _suggest(db, workspace_id, "Globex Corporatoin") == []  # the index holds every id up to 400

    with db.transaction() as session:  # as a transaction that took id 395 and committed after 400 was read
        _insert(session, workspace_id, 395, "Globex Corporation")

    assert _suggest(db, workspace_id, "Globex Corporatoin") == ["Globex Corporation"]


def test_a_customer_committed_long_after_its_id_was_taken_is_found_at_the_next_recheck(db: Database) -> None:
    workspace_id = _workspace(db)
    with db.transaction() as session:
        for number in range(1, 41):
            _insert(session, workspace_id, 10 * number, f"Filler {number:02d} Logistics")
    assert _suggest(db, workspace_id, "Globex Corporatoin") == []

    with db.transaction() as session:  # as a long import that took id 15 and committed after 400 was read
        _insert(session, workspace_id, 15, "Globex Corporation")

    assert _suggest(db, workspace_id, "Globex Corporatoin", later=customer_index.RECHECK) == ["Globex Corporation"]
    assert _suggest(db, workspace_id, "Filler 33 Logistic", later=customer_index.RECHECK) == [
        "Filler 33 Logistics",
        "Filler 03 Logistics",
        "Filler 13 Logistics",
    ]


def _insert(session: Session, workspace_id: int, customer_id: int, name: str) -> None:
    session.add(
        Customer(
            id=customer_id,
            workspace_id=workspace_id,
            name=name,
            name_key=name_key(name),
            source="command",
            created_by=REP,
            created_at=TEST_NOW,
        )
    )


def test_threads_creating_and_matching_customers_at_once_all_see_each_others(db: Database) -> None:
    workspace_id = _workspace(db)
    threads, rounds = 6, 8  # more customers than the index reads again (TAIL)
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def work(number: int) -> None:
        try:
            start.wait()
            for turn in range(rounds):
                _add(db, workspace_id, f"Thread {number} Customer {turn} Holdings")
                _suggest(db, workspace_id, f"Thread {number} Customer {turn} Holding")
        except BaseException as failure:  # noqa: BLE001 - reported by the main thread
            failures.append(failure)

    workers = [threading.Thread(target=work, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    for number in range(threads):
        query = f"Thread {number} Customer 9 Holdings"
        assert _suggest(db, workspace_id, query) == _over_everyone(db, workspace_id, query)
        assert len(_suggest(db, workspace_id, query)) == 3
    with db.reading() as session:
        assert len(customers.keys_and_names(session, workspace_id=workspace_id)) == threads * rounds
