"""Small text helpers for slash-command arguments: normalise, refuse invisible characters, show safely."""

from __future__ import annotations

import re
import unicodedata

from scoring.errors import InputError
from scoring.text import invisible_problem

ENTITIES = re.compile(r"&(amp|lt|gt);")
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean(raw: str, *, example: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    for ch in text:
        if ch in BIDI or unicodedata.category(ch) == "Cc":
            raise InputError(
                f"Your command contains an invisible or control character (U+{ord(ch):04X}). Please retype it.",
                example=example,
            )
    return " ".join(text.split())


def unescape(text: str) -> str:
    return ENTITIES.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)


def show(text: str) -> str:
    short = text if len(text) <= 40 else text[:39] + "…"
    return short.replace("<", "‹").replace(">", "›")


def plain(value: str, *, what: str, limit: int, example: str) -> str:
    """A name that must be told apart from others (a product line, a team, a course): no markup,
    and no invisible character that would let it pass for another."""
    text = unescape(value).strip()
    if not text:
        raise InputError(f"Add the {what}.", example=example)
    problem = invisible_problem(text, what=what)
    if problem:
        raise InputError(problem, example=example)
    if re.search(r"<[!@#]", text) or "<" in text or ">" in text:
        raise InputError(f"The {what} can't contain mentions, links or angle brackets.", example=example)
    if len(text) > limit:
        raise InputError(f"The {what} can be at most {limit} characters; yours has {len(text)}.", example=example)
    return text
