"""Near matches of a customer name, in a time that hardly grows with the workspace's customer list.

`suggest` answers exactly what `scoring.customers.close_matches` answers over every customer of
the workspace (the "Did you mean …?" of `/deal` and `/pacer csat`), without reading or scoring
each customer on every request:

1. **An index kept by the process.** Each process keeps, per database and workspace, every
   customer's `(name key, name)` in a `scoring.customers.KeyIndex`. Customers are never renamed,
   merged or deleted, so the index only grows: each call first adds the customers created since
   it last looked, with one range read of `ix_customer_workspace_id` ("ids above those I hold",
   see below), which is how a customer created by another thread or process, or a moment ago,
   is seen.
2. **difflib's cheap bounds, for every customer at once.** `KeyIndex.plausible` returns the
   customers that pass `SequenceMatcher.real_quick_ratio` and `quick_ratio` against the name —
   the same two prefilters `close_matches` applies one customer at a time — as bit-set
   arithmetic over the whole list (microseconds per 100,000 customers).
3. **A tighter bound in C++.** For those, `rapidfuzz` computes the length of the longest common
   subsequence (`LCSseq.similarity`). difflib's ratio is `2·M/T`, where T is the two keys' total
   length and M the number of characters in the matching blocks `SequenceMatcher` finds; those
   blocks appear in the same order in both keys, so together they are a common subsequence and
   M ≤ LCS. (rapidfuzz's `fuzz.ratio` / `Indel.normalized_similarity` are `2·LCS/T` for the same
   reason, so it is never below difflib's ratio.) A customer whose LCS is short of
   `fewest_matches(T)` — the fewest matches for which difflib's float `2.0·M/T` reaches the
   cutoff — therefore cannot be a near match, and is dropped; no float comparison is involved.
4. **The same scorer on what is left.** `scoring.customers.best_matches` runs difflib's
   `SequenceMatcher.ratio()`, with the same sides, the same cutoff, the same best-first order and
   tie-break as `close_matches`, on the survivors, taking the LCS as each one's bound.

Steps 2 and 3 only ever drop customers whose ratio is below the cutoff, and the answer depends on
the others alone, so the suggestions are identical (tests/services/test_customer_index.py checks
this against `close_matches` with hypothesis).

Ids are handed out when a customer is inserted, but become visible when its transaction commits,
and on PostgreSQL those orders can differ: a transaction that took id 7 may commit after one that
took id 8 has been read. So the refresh does not read from the highest id held but from the
`TAIL`-th highest: a customer committed late is found as long as fewer than `TAIL` customers of
the workspace were committed while its transaction ran (SQLite runs one writer at a time, so
there it never happens). For longer transactions (a large CSV import) every `RECHECK`, by the
request's clock, the index also counts the workspace's customers up to the highest id it holds,
and reloads when the count differs from what it holds.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from rapidfuzz import process
from rapidfuzz.distance import LCSseq
from sqlalchemy import Engine

from bot.store import customers, workspaces
from bot.store.direct import Tx
from bot.store.engine import Database
from scoring.customers import KeyIndex, best_matches, fewest_matches, name_key

TAIL = 32
"""How many of the newest customers held each refresh reads again, to catch one committed out of id order."""

RECHECK = timedelta(minutes=1)
"""How often an index counts its workspace's customers, to catch one committed long after its id was taken."""


@dataclass
class _Held:
    """One workspace's index in this process, with the ids of the newest customers it holds."""

    index: KeyIndex = field(default_factory=KeyIndex)
    tail: list[int] = field(default_factory=list)  # the highest `TAIL` ids held, ascending
    checked_at: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


# per engine (a test's database, or the app's), so that a database emptied and refilled under a new
# engine never meets an old index; an index goes when its engine does
_held: WeakKeyDictionary[Engine, dict[int, _Held]] = WeakKeyDictionary()
_held_lock = threading.Lock()


def suggest(session: Tx, *, workspace_id: int, name: str, now: datetime, limit: int = 3) -> list[str]:
    """Names of the workspace's customers that are near matches of `name`, best first.

    The same list as `close_matches(name, customers.keys_and_names(session, ...), limit=limit)`.
    `session` must not hold customers it has written and not committed (a `reading()` session, or
    a transaction before it writes): what it reads is kept for the life of the process.
    """
    key = name_key(name)
    if not key or limit <= 0:
        return []
    held = _held_for(session, workspace_id)
    with held.lock:
        _refresh(session, held, workspace_id=workspace_id, now=now)
        plausible = held.index.plausible(key)
    return near_matches(key, plausible, limit=limit)


def warm(db: Database, *, now: datetime) -> int:
    """Load every workspace's index now — a gunicorn worker does it before it serves — so no request
    pays for the first load (1-2 s at 100,000 customers). Returns how many customers the indexes hold."""
    held_in_all = 0
    with db.reading() as session:
        for workspace_id in workspaces.ids(session):
            held = _held_for(session, workspace_id)
            with held.lock:
                _refresh(session, held, workspace_id=workspace_id, now=now)
                held_in_all += len(held.index)
    return held_in_all


def near_matches(key: str, plausible: Sequence[tuple[str, str]], *, limit: int = 3) -> list[str]:
    """`best_matches` over the `(key, name)` pairs, each bounded by its longest common subsequence
    with `key` (computed by rapidfuzz in one C++ pass); the pairs it shows cannot match are dropped."""
    if not key or not plausible:
        return []
    size = len(key)
    keys = [candidate for candidate, _ in plausible]
    shortest = min(map(len, keys))
    found = process.extract(
        key, keys, scorer=LCSseq.similarity, limit=None, score_cutoff=fewest_matches(size + shortest)
    )
    bounded = [
        (int(common), candidate, plausible[at][1])
        for candidate, common, at in found
        if common >= fewest_matches(size + len(candidate))
    ]
    return best_matches(key, bounded, limit=limit)


def _held_for(session: Tx, workspace_id: int) -> _Held:
    engine = session.get_bind().engine
    with _held_lock:
        by_workspace = _held.get(engine)
        if by_workspace is None:
            by_workspace = _held[engine] = {}
        held = by_workspace.get(workspace_id)
        if held is None:
            held = by_workspace[workspace_id] = _Held()
        return held


def _refresh(session: Tx, held: _Held, *, workspace_id: int, now: datetime) -> None:
    """Add the customers created since the index last looked (called with `held.lock` held)."""
    _add_newer(session, held, workspace_id=workspace_id)
    if held.checked_at is None:  # just loaded in full
        held.checked_at = now
    elif abs(now - held.checked_at) >= RECHECK:
        held.checked_at = now
        last_id = held.tail[-1] if held.tail else 0
        if customers.count_up_to(session, workspace_id=workspace_id, last_id=last_id) != len(held.index):
            held.index, held.tail = KeyIndex(), []
            _add_newer(session, held, workspace_id=workspace_id)


def _add_newer(session: Tx, held: _Held, *, workspace_id: int) -> None:
    """Read the customers from the `TAIL`-th newest held on, and add those not held yet."""
    after = held.tail[0] if len(held.tail) == TAIL else 0
    known = set(held.tail)
    found = customers.added_after(session, workspace_id=workspace_id, after=after)
    rows = [row for row in found if row.id not in known]
    if rows:
        held.index.extend((row.key, row.name) for row in rows)
        held.tail = sorted([*held.tail, *(row.id for row in rows[-TAIL:])])[-TAIL:]
