"""Text rules every entry point shares: invisible characters, comparing names, Slack markup.

Invisible characters are Unicode's *default-ignorable* code points, derived here from the standard
library's character data the way Unicode derives the property: every format character (category
Cf: zero-width space, joiners, word joiner, BOM, soft hyphen, invisible operators, tag
characters …) and every variation selector, plus the few letters and marks Unicode lists as
drawing nothing (`_OTHER_IGNORABLE`: the Hangul fillers, the combining grapheme joiner, Khmer's
inherent vowels) — less the format characters that do show (Arabic number signs and the like).

An invisible character *carries meaning* in a few places, and is then kept wherever it is found:

- a zero-width joiner between two emoji (👩‍💻 is one picture, 👩💻 two);
- a variation selector after a character that has variants — a symbol (☎︎ and ☎️), a CJK ideograph,
  a Mongolian letter — or before a keycap (1️⃣);
- a zero-width joiner or non-joiner after a virama, which chooses the conjunct form in Indic
  scripts, and a non-joiner between two Arabic-script letters (Persian writes می‌خواهم with one).

Anywhere else it only disguises text (`Ac\u200bme` looks like `Acme` but is another string). Free
text and names drop those (`strip_invisible`), names that must be unique refuse them
(`invisible_problem`), and comparisons ignore every invisible character, meaningful or not
(`fold`, and `scoring.customers.name_key`).

`unlink` turns Slack's link markup into its label; `escape` makes user text inert in any string
Slack reads as mrkdwn (a message's `text` as much as its blocks).

Pure: standard library only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ZWJ = "\u200d"
ZWNJ = "\u200c"
_KEYCAP = "\u20e3"
_VIRAMA = 9  # canonical combining class of the Indic viramas

# Unicode's Other_Default_Ignorable_Code_Point (PropList.txt): letters, marks and unassigned code
# points that are ignorable although their category says otherwise.
_OTHER_IGNORABLE = (
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x115F, 0x1160),  # HANGUL CHOSEONG FILLER, HANGUL JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ, AA
    (0x2065, 0x2065),  # reserved among the invisible operators
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),  # reserved before the specials
    (0xE0000, 0xE0FFF),  # the tag block and its reserved neighbours
)
# Format characters that are not ignorable (DerivedCoreProperties.txt): they draw something.
_VISIBLE_FORMAT = (
    (0x0600, 0x0605),  # Arabic number signs (Prepended_Concatenation_Mark)
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0xFFF9, 0xFFFB),  # interlinear annotation
    (0x13430, 0x1343F),  # Egyptian hieroglyph format controls
)


def _within(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= code <= high for low, high in ranges)


def is_variation_selector(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("VARIATION SELECTOR", "MONGOLIAN FREE VARIATION SELECTOR"))


@lru_cache(maxsize=4096)
def is_invisible(ch: str) -> bool:
    """Whether a character is default-ignorable: it draws nothing by itself."""
    code = ord(ch)
    if _within(code, _OTHER_IGNORABLE):
        return True
    category = unicodedata.category(ch)
    if category == "Cf":
        return not _within(code, _VISIBLE_FORMAT)
    return category == "Mn" and is_variation_selector(ch)


def _has_variants(ch: str) -> bool:
    if is_invisible(ch):
        return False
    return unicodedata.category(ch).startswith("S") or unicodedata.name(ch, "").startswith(("CJK", "MONGOLIAN"))


def _carries_meaning(text: str, index: int) -> bool:
    """Whether the invisible character at `index` changes how its neighbours look (see the module doc)."""
    ch = text[index]
    after = text[index + 1] if index + 1 < len(text) else ""
    base = index - 1
    while base >= 0 and is_variation_selector(text[base]):
        base -= 1
    before = text[base] if base >= 0 else ""
    if is_variation_selector(ch):
        return after == _KEYCAP or (base == index - 1 and bool(before) and _has_variants(before))
    if ch not in (ZWJ, ZWNJ) or not before or not after or is_invisible(before) or is_invisible(after):
        return False
    if ch == ZWJ and unicodedata.category(before).startswith("S") and unicodedata.category(after).startswith("S"):
        return True
    if unicodedata.combining(before) == _VIRAMA and unicodedata.category(after).startswith("L"):
        return True
    return ch == ZWNJ and _arabic_letter(before) and _arabic_letter(after)


def _arabic_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") and unicodedata.bidirectional(ch) == "AL"


def _meaningless(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if is_invisible(ch) and not _carries_meaning(text, i)]


def strip_invisible(text: str) -> str:
    """`text` without the invisible characters that carry no meaning where they stand.

    No ASCII character is invisible, so ASCII text, most of what people type, is returned as it is
    without looking at each character."""
    if text.isascii():
        return text
    drop = set(_meaningless(text))
    return "".join(ch for i, ch in enumerate(text) if i not in drop) if drop else text


def drop_invisible(text: str) -> str:
    """`text` without any invisible character: the form names are compared in."""
    return "".join(ch for ch in text if not is_invisible(ch))


def describe(ch: str) -> str:
    """`U+200B ZERO WIDTH SPACE`: a character named so a person can find it."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}" if name else f"U+{ord(ch):04X}"


def invisible_problem(text: str, *, what: str) -> str | None:
    """Why `text` can't be a name that must be told apart from others (a product line, a team, a
    course), or None: such names refuse an invisible character outright, naming it."""
    found = _meaningless(text)
    if not found:
        return None
    return (
        f"The {what} contains an invisible character ({describe(text[found[0]])}), which would make it look "
        "like another name. Please retype it without that character."
    )


def fold(text: str) -> str:
    """The form names that must be unique are compared in: NFKC, no invisible characters, single
    spaces, casefolded (“Cloud  Suite”, “cloud suite” and `Cloud\u200b Suite` are one name)."""
    plain = drop_invisible(unicodedata.normalize("NFKC", drop_invisible(text)))
    return " ".join(plain.split()).casefold()


# --- Slack markup ------------------------------------------------------------------------------------

SLACK_LINK = re.compile(r"<((?:[A-Za-z][A-Za-z0-9+.\-]*:|www\.)[^<>|\s]*)(?:\|([^<>]*))?>")
"""Slack's link markup, `<https://…|label>` or `<mailto:…>`, for any scheme (`ftp:`, `slack:`,
`javascript:` …) and for `<www.…>`. Mentions (`<@U…>`, `<#C…>`, `<!here>`) are not links."""


def unlink(text: str) -> str:
    """Every Slack link becomes its label, or its address when it has none."""
    return SLACK_LINK.sub(lambda m: (m.group(2) or "").strip() or m.group(1), text)


def escape(text: str) -> str:
    """Make text inert in Slack mrkdwn: no `<!channel>`, mention or link can be smuggled through.
    Applied exactly once to every string bound for Slack that may hold user text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
