"""Customer-name keys and near-duplicate detection.

`name_key` decides when two spellings are the same customer ("Acme Corp." and "ACME-corp");
`close_matches` finds spellings that are probably the same customer but not identical
("Acme Crop"), so the app can ask before creating a duplicate.
"""

from __future__ import annotations

import heapq
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

from scoring.text import drop_invisible, is_invisible

MATCH_CUTOFF = 0.8
"""Minimum difflib similarity ratio between two keys for them to count as a near match."""

_DROPPED_CATEGORIES = ("P", "S", "Z", "C")


def _key_once(text: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return "".join(
        ch
        for ch in folded
        if not ch.isspace() and not unicodedata.category(ch).startswith(_DROPPED_CATEGORIES) and not is_invisible(ch)
    )


def name_key(name: str) -> str:
    """The comparison key for a customer name: NFKC, casefolded, letters, digits and marks only.

    Punctuation (P*), symbols (S*), separators (Z*), whitespace, control and format characters
    (C*) and every other invisible character (variation selectors, Hangul fillers: see
    `scoring.text`) are dropped; CJK and other letters are kept. The result may be empty, which
    callers must refuse. `name_key(name_key(x)) == name_key(x)`, and inserting an invisible
    character anywhere never changes the key (invisible characters go before anything else).
    """
    key = _key_once(drop_invisible(name))
    # Dropping characters can let NFKC compose what remains (e.g. "e-\u0301" -> "é"), so repeat
    # until nothing changes; in practice this takes one extra pass at most.
    for _ in range(4):
        again = _key_once(key)
        if again == key:
            break
        key = again
    return key


def close_matches(name: str, candidates: Iterable[tuple[str, str]], *, limit: int = 3) -> list[str]:
    """Display names of candidates whose keys are similar to `name`'s key, best first.

    `candidates` are `(key, display name)` pairs as stored. A candidate whose key equals
    `name`'s key is an exact match, not a near match, and is left out. Uses the same cheap
    upper-bound prefilters as `difflib.get_close_matches`, so 10,000 candidates take milliseconds.
    """
    key = name_key(name)
    if not key or limit <= 0:
        return []
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(key)  # seq2 is the side difflib indexes, so it stays fixed
    # quick_ratio() is an upper bound on ratio(): collect the bounds cheaply, then compute the
    # expensive ratio() best-bound-first and stop once no bound can beat the current top `limit`.
    bounded: list[tuple[float, str, str]] = []
    for candidate_key, display in candidates:
        if candidate_key == key or not candidate_key:
            continue
        matcher.set_seq1(candidate_key)
        if matcher.real_quick_ratio() >= MATCH_CUTOFF and (bound := matcher.quick_ratio()) >= MATCH_CUTOFF:
            bounded.append((bound, candidate_key, display))
    bounded.sort(key=lambda item: item[0], reverse=True)
    scored: dict[str, float] = {}
    floor = MATCH_CUTOFF
    for bound, candidate_key, display in bounded:
        if bound < floor:
            break
        matcher.set_seq1(candidate_key)
        ratio = matcher.ratio()
        if ratio >= MATCH_CUTOFF and ratio > scored.get(display, -1.0):
            scored[display] = ratio
            if len(scored) >= limit:
                floor = max(floor, heapq.nlargest(limit, scored.values())[-1])
    best = heapq.nsmallest(limit, scored.items(), key=lambda item: (-item[1], item[0]))
    return [display for display, _ in best]
