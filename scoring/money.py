"""Money amounts as people type them: `12,500`, `12 500`, `12.5k`, `$12,500`, `usd 12.5k`, `1.2万`.

Thousands may be grouped with commas (`12,500`) or with single spaces, including the no-break and
thin spaces (`12 500`, `1 000 000`); with space grouping a decimal comma is unambiguous
(`12 500,50`). Every group after the first must then have exactly three digits, so `12 50` and
`25 0001` are refused rather than guessed at. Characters that only look like digits (`10²`, `½`,
`٣`; see `scoring/numerals.py`) are refused before NFKC could turn them into other digits.

Pacer counts revenue in one workspace currency and has no exchange rates, so an amount
written in another currency is refused rather than silently mislabelled. Arithmetic is
exact `Decimal` throughout; floats never touch an amount.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from scoring.errors import InputError
from scoring.numerals import describe, first_lookalike

MAX_AMOUNT = Decimal("1000000000000")
"""The largest amount accepted (one trillion in the workspace currency)."""

_CENT = Decimal("0.01")
_MAX_TEXT = 64
_MAX_DIGITS = 20

# Active ISO 4217 codes, so a three-letter word can be recognised as "a currency, but not ours".
_ISO_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
    KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
    MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
    SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
"""
ISO_CURRENCIES: frozenset[str] = frozenset(_ISO_CODES.split())

_CODE_ALIASES = {"RMB": "CNY"}

# Currencies whose own sign is a plain `$`: in those workspaces `$500` means the workspace currency.
_DOLLAR_CURRENCIES = frozenset({"USD", "AUD", "CAD", "NZD", "SGD", "HKD", "TWD", "MXN", "CLP", "COP", "ARS"})

_PREFIXED_DOLLARS = {
    "US$": "USD",
    "A$": "AUD",
    "AU$": "AUD",
    "C$": "CAD",
    "CA$": "CAD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "NT$": "TWD",
    "MX$": "MXN",
    "R$": "BRL",
}

_SIGNS = {
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₫": "VND",
    "฿": "THB",
    "₱": "PHP",
    "₪": "ILS",
    "₦": "NGN",
    "₴": "UAH",
    "₸": "KZT",
}

# Currency characters that are Unicode letters, so they can be glued to a multiplier (`1.2万元`).
_LETTER_SIGNS = {"元": "CNY", "円": "JPY"}

_MULTIPLIERS = {
    "k": Decimal(1000),
    "m": Decimal(1000000),
    "mm": Decimal(1000000),
    "mn": Decimal(1000000),
    "b": Decimal(1000000000),
    "bn": Decimal(1000000000),
    "千": Decimal(1000),
    "万": Decimal(10000),
    "亿": Decimal(100000000),
}

_NOT_NUMBERS = frozenset({"nan", "snan", "inf", "infinity"})

_FORMAT_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<num>[0-9][0-9.,]*|[.,][0-9][0-9.,]*)
    | (?P<minus>[-\u2212])
    | (?P<dollar>(?:US|AU|A|CA|C|NZ|HK|S|NT|MX|R)?\$)
    | (?P<sign>[€£¥₹₩₽₺₫฿₱₪₦₴₸])
    | (?P<word>[^\W\d_]+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.IGNORECASE | re.DOTALL,
)

_SCIENTIFIC = re.compile(r"[0-9]\.?e[-+]?[0-9]", re.IGNORECASE)
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")
# Numbers separated by single spaces, and the only such runs that are one number: digit groups of
# three after a first group of one to three, the last optionally with decimals (`12 500,50`).
_SPACED = re.compile(r"(?<![0-9.,])[0-9][0-9.,]*(?: [0-9][0-9.,]*)+")
_SPACE_GROUPED = re.compile(r"[0-9]{1,3}(?: [0-9]{3})+(?:\.[0-9]+|,[0-9]{1,2})?")


@dataclass(frozen=True)
class Money:
    """An amount in one currency. `currency` is an upper-case ISO 4217 code."""

    amount: Decimal
    currency: str


class CurrencyMismatch(InputError):
    """The amount was written in a currency other than the workspace's (no exchange rates exist)."""

    def __init__(self, message: str, *, example: str, written: str) -> None:
        super().__init__(message, example=example, field="amount")
        self.written = written


def deal_example(currency: str) -> str:
    """A correct `/deal` command with an amount in the workspace currency."""
    return f"/deal {format_amount(Money(Decimal(12500), currency.upper()))} Acme Corp"


def format_amount(m: Money) -> str:
    """`$12,500`, `$12,500.50`, `€900`, `£5,000`, and `CNY 12,500` for other currencies.

    Whole amounts have no decimals, others exactly two. For every valid amount (positive, at most
    two decimal places, within `MAX_AMOUNT`) `parse_amount(format_amount(m), currency=m.currency) == m`.
    """
    value = abs(m.amount)
    number = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    sign = "-" if m.amount < 0 else ""
    symbol = _FORMAT_SIGNS.get(m.currency)
    if symbol is not None:
        return f"{sign}{symbol}{number}"
    return f"{sign}{m.currency} {number}"


def parse_amount(text: str, *, currency: str) -> Money:
    """Read an amount in the workspace `currency`, or raise `InputError` saying what is wrong."""
    return _parse(text, currency=currency.upper(), spaced_multiplier=True)


def parse_amount_strict(text: str, *, currency: str) -> Money:
    """Like `parse_amount`, but a multiplier must touch its number (`12.5k`, not `12.5 k`).

    Used when an amount is followed by free text, so `/deal 500 M Group` is not 500 million.
    """
    return _parse(text, currency=currency.upper(), spaced_multiplier=False)


def spoils_an_amount(word: str, *, currency: str) -> bool:
    """Whether every text in which `word` stands between whitespace (or an end) is refused as an
    amount, and not for its currency.

    True only for ASCII letters that are no currency code, multiplier or both (`Acme`, `NaN`, `kk`):
    such a word comes through NFKC and space grouping unchanged and is read as one word, which
    `_word` refuses whatever surrounds it. So the /deal parser, looking for the longest amount at
    the front, need not read on past a customer's name (`12500 Acme Corp`); other words say False.
    """
    if not (word.isascii() and word.isalpha()):
        return False
    try:
        return _known_word(word, False, currency.upper()) is None
    except InputError:
        return True


# --- internals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    kind: str  # "num", "cur" (a currency sign or code) or "mult" (a multiplier)
    text: str
    spaced: bool  # whitespace came right before it
    code: str = ""
    factor: Decimal = Decimal(1)


def _error(message: str, currency: str) -> InputError:
    return InputError(message, example=deal_example(currency), field="amount")


def _show(text: str) -> str:
    return text if len(text) <= 30 else text[:29] + "…"


def _parse(text: str, *, currency: str, spaced_multiplier: bool) -> Money:
    """`read_amount`, but a plain whole number (`12500`: what most people type) skips the reader,
    which would find one number, no currency and no multiplier, and give the same amount."""
    if _PLAIN_WHOLE.fullmatch(text):
        return Money(Decimal(f"{text}.00"), currency)  # exact, whatever the decimal context
    return read_amount(text, currency=currency, spaced_multiplier=spaced_multiplier)


# Whole numbers without leading zeros below MAX_AMOUNT: no check of the reader can refuse them.
_PLAIN_WHOLE = re.compile(r"[1-9][0-9]{0,11}")


def read_amount(text: str, *, currency: str, spaced_multiplier: bool) -> Money:
    """The amount reader behind `parse_amount` (`spaced_multiplier=True`) and `parse_amount_strict`,
    every rule applied: the reference their shortcut for plain whole numbers follows."""
    currency = currency.upper()
    if (lookalike := first_lookalike(text)) is not None:
        raise _error(
            f"{describe(lookalike)} isn't one of the digits 0-9. Write the amount with 0-9 only, like 12500.",
            currency,
        )
    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        raise _error("The amount is empty. Write a number, like 12500 or 12.5k.", currency)
    if len(s) > _MAX_TEXT:
        raise _error(f"That amount is too long to read ({len(s)} characters).", currency)
    if _SCIENTIFIC.search(s):
        raise _error(
            "Scientific notation like 1e3 isn't accepted. Write the number out (1000) or use k, m or bn.",
            currency,
        )
    s = _SPACED.sub(lambda m: _join_groups(m.group(), currency), s)
    parts = _tokenize(s, currency)
    _check_parts(parts, s, currency, spaced_multiplier)
    number = next(p for p in parts if p.kind == "num")
    codes = {p.code for p in parts if p.kind == "cur"}
    if len(codes) > 1:
        shown = " and ".join(sorted(codes))
        raise _error(f"The amount mentions two currencies ({shown}). Give just one.", currency)
    if codes and (code := codes.pop()) != currency:
        raise CurrencyMismatch(
            f"Pacer counts revenue in {currency} and no exchange rates are configured, "
            f"so it can't take an amount in {code}. Enter the amount in {currency}.",
            example=deal_example(currency),
            written=code,
        )
    factor = next((p.factor for p in parts if p.kind == "mult"), Decimal(1))
    with localcontext(Context(prec=80)):  # wide enough that nothing below ever rounds
        value = _number(number.text, currency) * factor
        if value == 0:
            raise _error("The amount must be more than zero.", currency)
        if value > MAX_AMOUNT:
            raise _error(
                f"{format_amount(Money(value, currency))} is more than the limit of "
                f"{format_amount(Money(MAX_AMOUNT, currency))}. Check for extra zeros.",
                currency,
            )
        cents = value.quantize(_CENT)
        if value != cents:
            raise _error(
                f"Amounts can have at most 2 decimal places, and {_show(s)} has more. Round it to cents.",
                currency,
            )
    return Money(cents, currency)


def _join_groups(text: str, currency: str) -> str:
    """`12 500,50` → `12500.50`; numbers after a number that don't group that way are refused."""
    if not _SPACE_GROUPED.fullmatch(text):
        raise _error(
            f"“{_show(text)}” isn't one number: grouped with spaces, every group after the first has three digits, "
            "like 25 000 or 12 500,50.",
            currency,
        )
    return text.replace(" ", "").replace(",", ".")


def _tokenize(s: str, currency: str) -> list[_Part]:
    parts: list[_Part] = []
    spaced = False
    for match in _TOKEN.finditer(s):
        kind = match.lastgroup
        raw = match.group()
        if kind == "space":
            spaced = True
            continue
        if kind == "num":
            parts.append(_Part("num", raw, spaced))
        elif kind == "minus" and not any(p.kind == "num" for p in parts):
            raise _error("The amount can't be negative. To undo a deal, use /deal void <id> <reason>.", currency)
        elif kind == "dollar":
            parts.append(_Part("cur", raw, spaced, code=_dollar(raw, currency)))
        elif kind == "sign":
            code = ("JPY" if currency == "JPY" else "CNY") if raw == "¥" else _SIGNS[raw]
            parts.append(_Part("cur", raw, spaced, code=code))
        elif kind == "word":
            parts.extend(_word(raw, spaced, currency))
        else:
            raise _error(f"I can't read “{raw}” in an amount. Write it like 12500, 12.5k or 12,500.", currency)
        spaced = False
    return parts


def _dollar(raw: str, currency: str) -> str:
    if raw == "$":
        return currency if currency in _DOLLAR_CURRENCIES else "USD"
    return _PREFIXED_DOLLARS[raw.upper()]


def _currency_code(word: str, currency: str) -> str | None:
    if word in _LETTER_SIGNS:
        return _LETTER_SIGNS[word]
    upper = word.upper()
    if len(upper) == 3 and (upper in ISO_CURRENCIES or upper in _CODE_ALIASES or upper == currency):
        return _CODE_ALIASES.get(upper, upper)
    return None


def _word(raw: str, spaced: bool, currency: str) -> list[_Part]:
    """Split a run of letters into a currency code and/or a multiplier (`usd`, `k`, `kusd`, `万元`)."""
    parts = _known_word(raw, spaced, currency)
    if parts is None:
        raise _error(
            f"“{_show(raw)}” isn't a number, currency or multiplier I know. "
            "Write the amount like 12500, 12.5k or 12,500.",
            currency,
        )
    return parts


def _known_word(raw: str, spaced: bool, currency: str) -> list[_Part] | None:
    """`_word`'s parts, or None for a word that is none of them; raises for NaN and two multipliers."""
    lower = raw.lower()
    if lower in _NOT_NUMBERS:
        raise _error("The amount must be an actual number, like 12500 (not NaN or infinity).", currency)
    code = _currency_code(lower, currency)
    if code is not None:
        return [_Part("cur", raw, spaced, code=code)]
    if lower in _MULTIPLIERS:
        return [_Part("mult", raw, spaced, factor=_MULTIPLIERS[lower])]
    for cut in range(1, len(lower)):
        head, tail = lower[:cut], lower[cut:]
        if head not in _MULTIPLIERS:
            continue
        code = _currency_code(tail, currency)
        if code is not None:
            return [
                _Part("mult", raw[:cut], spaced, factor=_MULTIPLIERS[head]),
                _Part("cur", raw[cut:], False, code=code),
            ]
        if tail in _MULTIPLIERS or _all_multipliers(tail):
            raise _error("Use only one multiplier (k, m, bn, 万 or 亿), like 12.5k or 1.2m.", currency)
    return None


def _all_multipliers(text: str) -> bool:
    if not text:
        return True
    return any(text[:cut] in _MULTIPLIERS and _all_multipliers(text[cut:]) for cut in range(1, len(text) + 1))


def _check_parts(parts: list[_Part], s: str, currency: str, spaced_multiplier: bool) -> None:
    numbers = [i for i, p in enumerate(parts) if p.kind == "num"]
    if not numbers:
        raise _error("The amount needs a number, like 12500.", currency)
    if len(numbers) > 1:
        raise _error(
            f"I see more than one number in “{_show(s)}”. Write the amount as one number, "
            "with commas only between thousands, like 12,500.",
            currency,
        )
    at = numbers[0]
    multipliers = [i for i, p in enumerate(parts) if p.kind == "mult"]
    if len(multipliers) > 1:
        raise _error("Use only one multiplier (k, m, bn, 万 or 亿), like 12.5k or 1.2m.", currency)
    after = at + 1
    if multipliers:
        where = multipliers[0]
        if where != at + 1:
            raise _error("Put the multiplier right after the number, like 12.5k.", currency)
        if parts[where].spaced and not spaced_multiplier:
            raise _error("Write the multiplier right after the number, with no space: 12.5k.", currency)
        after = where + 1
    before_ok = at <= 1 and all(p.kind == "cur" for p in parts[:at])
    after_ok = len(parts) - after <= 1 and all(p.kind == "cur" for p in parts[after:])
    if not (before_ok and after_ok):
        raise _error(
            f"I can't read “{_show(s)}” as an amount. Write it like 12500, 12.5k or 12500 {currency}.",
            currency,
        )


def _number(text: str, currency: str) -> Decimal:
    if text.count(".") > 1:
        raise _error(f"“{_show(text)}” has more than one decimal point.", currency)
    whole, _, fraction = text.partition(".")
    if "," in fraction or ("," in whole and not _GROUPED.fullmatch(whole)):
        raise _error(
            f"I can't tell what “{_show(text)}” means. Use commas only between groups of three digits "
            "(12,500) and a dot for decimals (12.50).",
            currency,
        )
    digits = whole.replace(",", "").lstrip("0")
    if len(digits) > _MAX_DIGITS or len(fraction) > _MAX_DIGITS:
        raise _error(f"“{_show(text)}” has too many digits to be an amount.", currency)
    return Decimal(f"{digits or '0'}.{fraction or '0'}")  # the constructor is exact
