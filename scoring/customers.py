"""Customer-name keys and near-duplicate detection.

`name_key` decides when two spellings are the same customer ("Acme Corp." and "ACME-corp");
`close_matches` finds spellings that are probably the same customer but not identical
("Acme Crop"), so the app can ask before creating a duplicate.

`close_matches` looks at every candidate, which costs about 5 µs each. `KeyIndex` holds a
workspace's keys so that the candidates worth scoring are found without looking at each one, and
`best_matches` ranks them exactly as `close_matches` would: `bot.services.customer_index` puts the
two together.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from difflib import SequenceMatcher
from functools import lru_cache

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

    A /deal computes the key of its customer three times (the field check, the lookup, the
    duplicate check), so plain-ASCII names, nearly all of them, take a shortcut that gives the
    same key as `unicode_name_key` (a test holds the two equal).
    """
    if name.isascii():
        return _NOT_ASCII_KEPT.sub("", name.lower())
    return unicode_name_key(name)


# In ASCII, NFKC changes nothing, casefold is lower(), no character is invisible, and the letters
# and digits are the only characters outside P*, S*, Z* and C*.
_NOT_ASCII_KEPT = re.compile(r"[^a-z0-9]+")


def unicode_name_key(name: str) -> str:
    """`name_key` for any text, character by character: the reference the ASCII shortcut follows."""
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
    return _ranked(key, bounded, limit=limit, matcher=matcher)


def _ranked(
    key: str, bounded: list[tuple[float, str, str]], *, limit: int, matcher: SequenceMatcher[str] | None = None
) -> list[str]:
    """The `limit` best display names among `(upper bound of ratio, candidate key, display)`: ratio()
    computed best bound first, stopping once no bound can beat the current top `limit`; ties go to
    the display name that sorts first. `matcher`, when given, already has `key` as its seq2."""
    if matcher is None:
        matcher = SequenceMatcher(autojunk=False)
        matcher.set_seq2(key)  # seq2 is the side difflib indexes, so it stays fixed
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


@lru_cache(maxsize=1024)
def fewest_matches(total: int, cutoff: float = MATCH_CUTOFF) -> int:
    """The fewest matching characters two keys `total` characters long together need to be a near match.

    difflib's ratio is `2.0 * matches / total`; this is the smallest whole number of matches for
    which that very float expression reaches `cutoff`, so comparing a count of matches with it
    decides exactly as comparing difflib's ratio with `cutoff` does. `total + 1` when none does.
    """
    if total <= 0:
        return 0 if cutoff <= 1.0 else 1
    matches = max(0, int(cutoff * total / 2) - 1)
    while matches <= total and 2.0 * matches / total < cutoff:
        matches += 1
    return matches


def best_matches(key: str, candidates: Iterable[tuple[int, str, str]], *, limit: int = 3) -> list[str]:
    """What `close_matches` answers for a name whose key is `key`, given candidates with a bound.

    Each candidate is `(most, candidate key, display name)`, where `most` is at least the number of
    characters difflib's `SequenceMatcher` matches between the two keys (the length of their
    longest common subsequence is such a bound). Candidates may be left out as long as none of them
    has a ratio of `MATCH_CUTOFF` or more with `key`: the answer depends on those alone. Ratios are
    computed as in `close_matches` (same sides, same float expression), best bound first, stopping
    once no bound can reach the current top `limit`; ties go to the display name that sorts first.
    """
    if not key or limit <= 0:
        return []
    bounded: list[tuple[float, str, str]] = []
    for most, candidate_key, display in candidates:
        if candidate_key and candidate_key != key:
            total = len(candidate_key) + len(key)
            bounded.append((2.0 * min(most, len(candidate_key), len(key)) / total, candidate_key, display))
    return _ranked(key, bounded, limit=limit)


class KeyIndex:
    """A workspace's `(key, display name)` pairs, added to but never changed, indexed for near matches.

    `plausible(key)` returns the pairs that pass both of difflib's cheap upper bounds on the ratio
    (`real_quick_ratio`, from the two lengths, and `quick_ratio`, from the characters the two keys
    share counting repeats), exactly those, without looking at each pair. Every pair whose ratio
    reaches `MATCH_CUTOFF` is among them, and with company names they are a few in a thousand.

    How: the pairs are numbered in the order they were added, and a set of numbers is an `int`
    used as a bit set (bit i set: pair i is in it). For every key length there is the set of keys
    that long, and for every character c and count j the set of keys holding c at least j times.
    The characters a key `k` shares with the query, counting repeats, is then the number of
    (c, j) of the query whose set holds `k`. Those numbers are added up for every pair at once,
    bit plane by bit plane, as a binary counter wired from ANDs and XORs of whole bit sets; each
    operation handles 100,000 pairs in well under a microsecond. Then, per key length, the pairs
    whose count reaches what that length needs (`fewest_matches`) are read off the planes.

    Not safe to extend from one thread while another reads: callers lock.
    """

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []
        self._of_length: dict[int, int] = {}
        self._holding: dict[tuple[str, int], int] = {}

    def __len__(self) -> int:
        return len(self.pairs)

    def extend(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Add pairs after those already held (one pass over the new keys, one OR per set touched)."""
        of_length: defaultdict[int, list[int]] = defaultdict(list)
        holding: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
        number = len(self.pairs)
        for key, display in pairs:
            self.pairs.append((key, display))
            of_length[len(key)].append(number)
            seen: dict[str, int] = {}
            for ch in key:
                seen[ch] = count = seen.get(ch, 0) + 1
                holding[ch, count].append(number)
            number += 1
        for length, numbers in of_length.items():
            self._of_length[length] = self._of_length.get(length, 0) | _bit_set(numbers)
        for token, numbers in holding.items():
            self._holding[token] = self._holding.get(token, 0) | _bit_set(numbers)

    def plausible(self, key: str, cutoff: float = MATCH_CUTOFF) -> list[tuple[str, str]]:
        """The pairs whose key passes difflib's `real_quick_ratio` and `quick_ratio` against `key`,
        in the order they were added (an identical key included: callers leave it out)."""
        if not key:
            return []
        planes: list[int] = []  # planes[i]: the pairs whose count of shared characters has bit i set
        seen: dict[str, int] = {}
        for ch in key:
            seen[ch] = count = seen.get(ch, 0) + 1
            carry = self._holding.get((ch, count), 0)
            for i, plane in enumerate(planes):
                if not carry:
                    break
                planes[i], carry = plane ^ carry, plane & carry
            else:
                if carry:
                    planes.append(carry)
        wanted: defaultdict[int, int] = defaultdict(int)  # fewest shared characters → the keys whose length needs them
        size = len(key)
        for length, members in self._of_length.items():
            total = size + length
            if 2.0 * min(size, length) / total >= cutoff:  # real_quick_ratio, exactly as difflib computes it
                wanted[fewest_matches(total, cutoff)] |= members
        found = 0
        for need, members in wanted.items():
            found |= _at_least(planes, need, members)
        return [self.pairs[number] for number in _numbers(found)]


def _bit_set(numbers: list[int]) -> int:
    """The bit set of `numbers` (ascending), built in one pass rather than one shift per number."""
    if len(numbers) == 1:
        return 1 << numbers[0]
    low = numbers[0] & ~7
    raw = bytearray(((numbers[-1] - low) >> 3) + 1)
    for number in numbers:
        at = number - low
        raw[at >> 3] |= 1 << (at & 7)
    return int.from_bytes(raw, "little") << low


def _at_least(planes: list[int], need: int, members: int) -> int:
    """The members whose count, written bit by bit in `planes` (lowest first), is at least `need`."""
    if need <= 0:
        return members
    if need >> len(planes):
        return 0
    above, equal = 0, members
    for i in range(len(planes) - 1, -1, -1):
        if need >> i & 1:
            equal &= planes[i]
        else:
            hit = equal & planes[i]
            above |= hit
            equal ^= hit
        if not equal:
            break
    return above | equal


def _numbers(bits: int) -> list[int]:
    """The numbers in a bit set, ascending (read off its binary digits: a few µs per 10,000 bits)."""
    digits = f"{bits:b}"
    top = len(digits) - 1
    found: list[int] = []
    at = digits.find("1")
    while at >= 0:
        found.append(top - at)
        at = digits.find("1", at + 1)
    found.reverse()
    return found
