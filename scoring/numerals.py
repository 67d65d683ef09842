"""Digits as people type them, and characters that only look like digits.

Amounts and counts are written with the digits 0-9; full-width ０-９ (East Asian keyboards) are the
same digits and NFKC turns them into 0-9. Every other character Unicode counts as a number, or that
NFKC would turn into digits, is a *look-alike*: superscripts and subscripts (`²`, `₃`), circled and
parenthesised digits (`①`, `⑽`), vulgar fractions (`½`), Roman numerals (`Ⅻ`), digits of other
scripts (`٣`, `३`), mathematical digits (`𝟓`) and squared units (`㎡`). NFKC would read `10²` as
`102` without a word, so the number readers refuse look-alikes instead: `normalize` is NFKC that
keeps them as typed, and `first_lookalike` finds one to name in the refusal.

CJK numeral letters (`万`, `千`, `亿`, `一`) are letters, not look-alikes: the amount reader knows
its multipliers and refuses the rest as words.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_NUMBER_CATEGORIES = frozenset({"Nd", "No", "Nl"})


@lru_cache(maxsize=4096)
def is_lookalike(ch: str) -> bool:
    """Whether the character `ch` reads as a digit but is not one of 0-9 or full-width ０-９."""
    if ch.isascii() or "\uff10" <= ch <= "\uff19":
        return False
    if unicodedata.category(ch) in _NUMBER_CATEGORIES:
        return True
    return any("0" <= c <= "9" for c in unicodedata.normalize("NFKC", ch))


def first_lookalike(text: str) -> str | None:
    """The first look-alike character in `text`, or None (at once for ASCII, which has none)."""
    if text.isascii():
        return None
    return next((ch for ch in text if is_lookalike(ch)), None)


def normalize(text: str) -> str:
    """NFKC-normalise `text`, but keep every look-alike as typed so a number reader can refuse it.

    Look-alikes are never combining characters and NFKC never produces one, so normalising the
    runs between them gives the same text as NFKC would, except for the look-alikes themselves.
    """
    if first_lookalike(text) is None:
        return unicodedata.normalize("NFKC", text)
    out: list[str] = []
    start = 0
    for at, ch in enumerate(text):
        if is_lookalike(ch):
            out.append(unicodedata.normalize("NFKC", text[start:at]))
            out.append(ch)
            start = at + 1
    out.append(unicodedata.normalize("NFKC", text[start:]))
    return "".join(out)


def describe(ch: str) -> str:
    """`“²” (superscript two)`: a look-alike named for an error message."""
    name = unicodedata.name(ch, "")
    return f"“{ch}” ({name.lower()})" if name else f"“{ch}” (U+{ord(ch):04X})"
