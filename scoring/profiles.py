"""Rep profiles: who is evaluated how often, on which scorecard, with which incentive plan.

Every rep belongs to one profile, and the same scorecard and plan apply to every member of it.
These are the published defaults (PRODUCT §1); pacer.yml may override them or add profiles
(`profile_from_mapping`). Money is in the workspace currency; targets are per period. Every
line has the default cap of 150 % and no gate; every profile uses the default rating bands
(110 points or more Exceeds, 95 Meets, 75 Partially meets, below that Below).

hunter — new business, evaluated monthly.
    revenue 40 (target 100,000), new_customers 30 (target 4), new_leads 15 (target 20),
    activities 15 (target 80).
    Plan: 5 % commission on revenue; a 500 bonus per new customer; commission ×1.5 on revenue
    beyond 100 % of the revenue target.

farmer — account management, evaluated quarterly.
    repeat_revenue 40 (target 250,000), repurchase_rate 25 (target 60 %), csat 20 (target
    4.5), activities 15 (target 180).
    Plan: 3 % commission on revenue; a 2 % profit share on repeat-deal revenue on top.

strategic — premium-product push, evaluated monthly.
    revenue 40 (target 120,000), premium_share 30 (target 50 %), premium_csat 20 (target 4.5:
    the CSAT of surveys from premium customers only, see `scoring.metrics`), training 10
    (target 100 %).
    Plan: 4 % commission on revenue, 8 % on premium product lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, get_args

from scoring.incentives import Accelerator, IncentivePlan
from scoring.metrics import METRICS
from scoring.periods import Cadence
from scoring.scorecard import DEFAULT_BANDS, DEFAULT_CAP, Band, Scorecard, ScorecardError, ScoreLine

CADENCES: tuple[str, ...] = get_args(Cadence)
_CADENCE_ALIASES = {"monthly": "month", "quarterly": "quarter"}
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class Profile:
    """A rep profile: evaluation `cadence`, the published `scorecard` and incentive `plan`."""

    name: str
    cadence: Cadence
    scorecard: Scorecard
    plan: IncentivePlan
    description: str

    def __post_init__(self) -> None:
        if self.cadence not in CADENCES:
            raise ScorecardError(f"profiles.{self.name}.cadence", f"must be month or quarter (got {self.cadence!r})")
        if self.scorecard.profile != self.name:
            raise ScorecardError(
                f"profiles.{self.name}.scorecard", f"belongs to profile {self.scorecard.profile!r}, not {self.name!r}"
            )


def _d(text: str) -> Decimal:
    return Decimal(text)


HUNTER = Profile(
    name="hunter",
    cadence="month",
    scorecard=Scorecard(
        "hunter",
        (
            ScoreLine("revenue", _d("40"), _d("100000")),
            ScoreLine("new_customers", _d("30"), _d("4")),
            ScoreLine("new_leads", _d("15"), _d("20")),
            ScoreLine("activities", _d("15"), _d("80")),
        ),
    ),
    plan=IncentivePlan(
        base_rate=_d("0.05"),
        new_customer_bonus=_d("500"),
        accelerators=(Accelerator(above=_d("1.0"), multiplier=_d("1.5")),),
        where="profiles.hunter.plan",
    ),
    description="New business: wins new customers. Evaluated monthly; a bonus for every new customer.",
)

FARMER = Profile(
    name="farmer",
    cadence="quarter",
    scorecard=Scorecard(
        "farmer",
        (
            ScoreLine("repeat_revenue", _d("40"), _d("250000")),
            ScoreLine("repurchase_rate", _d("25"), _d("0.6")),
            ScoreLine("csat", _d("20"), _d("4.5")),
            ScoreLine("activities", _d("15"), _d("180")),
        ),
    ),
    plan=IncentivePlan(base_rate=_d("0.03"), repeat_profit_share=_d("0.02"), where="profiles.farmer.plan"),
    description="Account management: keeps customers buying. Evaluated quarterly; a profit share on repeat orders.",
)

STRATEGIC = Profile(
    name="strategic",
    cadence="month",
    scorecard=Scorecard(
        "strategic",
        (
            ScoreLine("revenue", _d("40"), _d("120000")),
            ScoreLine("premium_share", _d("30"), _d("0.5")),
            ScoreLine("premium_csat", _d("20"), _d("4.5")),
            ScoreLine("training", _d("10"), _d("1.0")),
        ),
    ),
    plan=IncentivePlan(base_rate=_d("0.04"), premium_rate=_d("0.08"), where="profiles.strategic.plan"),
    description="Premium-product push. Evaluated monthly; a higher commission on premium product lines.",
)

DEFAULT_PROFILES: dict[str, Profile] = {p.name: p for p in (HUNTER, FARMER, STRATEGIC)}
"""hunter, farmer and strategic, as described in this module's docstring. Do not mutate."""


# --- pacer.yml ---------------------------------------------------------------------------------------

_PROFILE_KEYS = ("cadence", "description", "scorecard", "plan")
_SCORECARD_KEYS = ("metrics", "bands")
_LINE_KEYS = ("metric", "weight", "target", "cap", "gate")
_BAND_KEYS = ("name", "minimum")
_PLAN_KEYS = (
    "base_rate",
    "product_rates",
    "premium_rate",
    "new_customer_rate",
    "existing_customer_rate",
    "new_customer_bonus",
    "repeat_profit_share",
    "accelerators",
)
_ACCELERATOR_KEYS = ("above", "multiplier")
_GROUPED = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")


def profile_from_mapping(data: Mapping[str, Any] | None, *, name: str, where: str) -> Profile:
    """Build a profile from pacer.yml data (`where` is its key path, e.g. `profiles.hunter`).

    Shape: `{cadence, description, scorecard: {metrics: [{metric, weight, target, cap, gate}],
    bands: [{name, minimum}]}, plan: {base_rate, product_rates: {line: rate}, premium_rate,
    new_customer_rate, existing_customer_rate, new_customer_bonus, repeat_profit_share,
    accelerators: [{above, multiplier}]}}`.

    For hunter, farmer and strategic every key is optional and overrides the default: `cadence`,
    `description`, `scorecard.metrics` and `scorecard.bands` replace the default wholesale, and
    each `plan` key replaces that one setting. A metric line that leaves out `target`, `cap` or
    `gate` takes them from the same metric in the default profile, if it has it (otherwise no
    target, cap 150 %, no gate); `target: null` means "set per rep". A new profile needs
    `cadence`, `scorecard.metrics` and `plan.base_rate`.

    Numbers may be written as numbers or strings (`100000`, "100,000"); fractions (rates, shares,
    caps, gates, thresholds and percent-metric targets) also as percents ("60%"). Cadence is
    `month` or `quarter` (`monthly` and `quarterly` are accepted). Raises `ScorecardError` with the
    exact key path, list indices from 0, e.g. `profiles.hunter.scorecard.metrics.1.metric:
    unknown metric 'revnue'; valid: revenue, deals, ...`.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ScorecardError(
            where, f"a profile name is lower-case letters, digits, '-' and '_', up to 40 characters (got {name!r})"
        )
    entries = _mapping(data, where, _PROFILE_KEYS)
    default = DEFAULT_PROFILES.get(name)

    if "cadence" in entries:
        cadence = _cadence(entries["cadence"], f"{where}.cadence")
    elif default is not None:
        cadence = default.cadence
    else:
        raise ScorecardError(f"{where}.cadence", f"required for a new profile ({_new_profile_hint()})")

    description = default.description if default is not None else ""
    if "description" in entries:
        description = _text(entries["description"], f"{where}.description", allow_empty=True)

    scorecard = _scorecard(entries.get("scorecard"), name=name, where=f"{where}.scorecard", default=default)
    plan = _plan(entries, where=f"{where}.plan", default=default)
    return Profile(name=name, cadence=cadence, scorecard=scorecard, plan=plan, description=description)


def _new_profile_hint() -> str:
    return f"only {', '.join(DEFAULT_PROFILES)} have defaults"


def _mapping(value: object, path: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ScorecardError(path, f"expected a mapping with keys {', '.join(keys)} (got {value!r})")
    for key in value:
        if key not in keys:
            raise ScorecardError(f"{path}.{key}", f"unknown key; valid: {', '.join(keys)}")
    return value


def _list(value: object, path: str, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScorecardError(path, f"expected a list of {what} (got {value!r})")
    return value


def _text(value: object, path: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ScorecardError(path, f"expected text (got {value!r})")
    return value.strip()


def _cadence(value: object, path: str) -> Cadence:
    text = value.strip().lower() if isinstance(value, str) else ""
    text = _CADENCE_ALIASES.get(text, text)
    if text == "month":
        return "month"
    if text == "quarter":
        return "quarter"
    raise ScorecardError(path, f"must be month or quarter (got {value!r})")


def _number(value: object, path: str, *, percent: bool = False) -> Decimal:
    """A Decimal from YAML data: ints, floats (by their shortest written form), Decimals, strings."""
    result: Decimal | None = None
    if isinstance(value, bool) or value is None:
        result = None
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))  # 0.6 stays 0.6, not 0.59999999999999997779...
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
        is_percent = text.endswith("%")
        if is_percent:
            if not percent:
                raise ScorecardError(path, f"write a plain number here, not a percent (got {value!r})")
            text = text[:-1].strip()
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")
        try:
            result = Decimal(text)
        except InvalidOperation:
            result = None
        if result is not None and is_percent:
            result = result.scaleb(-2)
    if result is None or not result.is_finite():
        hint = ' or a percent like "60%"' if percent else ""
        raise ScorecardError(path, f"expected a number{hint} (got {value!r})")
    return result


def _optional_number(value: object, path: str, *, percent: bool = False) -> Decimal | None:
    return None if value is None else _number(value, path, percent=percent)


def _scorecard(raw: object, *, name: str, where: str, default: Profile | None) -> Scorecard:
    entries = _mapping(raw, where, _SCORECARD_KEYS)
    base = default.scorecard if default is not None else None
    if "metrics" in entries:
        lines = _lines(entries["metrics"], f"{where}.metrics", base)
    elif base is not None:
        lines = base.lines
    else:
        raise ScorecardError(f"{where}.metrics", f"required for a new profile ({_new_profile_hint()})")
    if "bands" in entries:
        bands = _bands(entries["bands"], f"{where}.bands")
    else:
        bands = base.bands if base is not None else DEFAULT_BANDS
    return Scorecard(profile=name, lines=lines, bands=bands, where=where)


def _lines(raw: object, path: str, base: Scorecard | None) -> tuple[ScoreLine, ...]:
    lines: list[ScoreLine] = []
    for i, item in enumerate(_list(raw, path, "metrics, each {metric, weight, target}")):
        at = f"{path}.{i}"
        entry = _mapping(item, at, _LINE_KEYS)
        if "metric" not in entry:
            raise ScorecardError(f"{at}.metric", "required: the metric's name, such as revenue")
        metric_name = entry["metric"]
        if not isinstance(metric_name, str) or metric_name not in METRICS:
            raise ScorecardError(f"{at}.metric", f"unknown metric {metric_name!r}; valid: {', '.join(METRICS)}")
        if "weight" not in entry:
            raise ScorecardError(f"{at}.weight", "required: the metric's points out of 100")
        weight = _number(entry["weight"], f"{at}.weight")
        inherited = base.line(metric_name) if base is not None else None
        is_percent = METRICS[metric_name].unit == "percent"
        if "target" in entry:
            target = _optional_number(entry["target"], f"{at}.target", percent=is_percent)
        else:
            target = inherited.target if inherited is not None else None
        if "cap" in entry:
            cap = _number(entry["cap"], f"{at}.cap", percent=True)
        else:
            cap = inherited.cap if inherited is not None else DEFAULT_CAP
        if "gate" in entry:
            gate = _optional_number(entry["gate"], f"{at}.gate", percent=True)
        else:
            gate = inherited.gate if inherited is not None else None
        lines.append(ScoreLine(metric=metric_name, weight=weight, target=target, cap=cap, gate=gate))
    return tuple(lines)


def _bands(raw: object, path: str) -> tuple[Band, ...]:
    bands: list[Band] = []
    for i, item in enumerate(_list(raw, path, "bands, each {name, minimum}")):
        at = f"{path}.{i}"
        entry = _mapping(item, at, _BAND_KEYS)
        for key in _BAND_KEYS:
            if key not in entry:
                raise ScorecardError(f"{at}.{key}", "required")
        bands.append(Band(name=_text(entry["name"], f"{at}.name"), minimum=_number(entry["minimum"], f"{at}.minimum")))
    return tuple(bands)


def _plan(entries: Mapping[str, Any], *, where: str, default: Profile | None) -> IncentivePlan:
    if "plan" not in entries and default is None:
        raise ScorecardError(where, f"required for a new profile ({_new_profile_hint()})")
    raw = _mapping(entries.get("plan"), where, _PLAN_KEYS)
    if default is None and "base_rate" not in raw:
        raise ScorecardError(f"{where}.base_rate", "required: the commission rate on revenue, such as 0.05 or 5%")
    base = default.plan if default is not None else None
    settings: dict[str, Any] = (
        {
            "base_rate": base.base_rate,
            "product_rates": dict(base.product_rates),
            "premium_rate": base.premium_rate,
            "new_customer_rate": base.new_customer_rate,
            "existing_customer_rate": base.existing_customer_rate,
            "new_customer_bonus": base.new_customer_bonus,
            "repeat_profit_share": base.repeat_profit_share,
            "accelerators": base.accelerators,
        }
        if base is not None
        else {}
    )
    for key in ("base_rate", "repeat_profit_share"):
        if key in raw:
            settings[key] = _number(raw[key], f"{where}.{key}", percent=True)
    for key in ("premium_rate", "new_customer_rate", "existing_customer_rate"):
        if key in raw:
            settings[key] = _optional_number(raw[key], f"{where}.{key}", percent=True)
    if "new_customer_bonus" in raw:
        settings["new_customer_bonus"] = _number(raw["new_customer_bonus"], f"{where}.new_customer_bonus")
    if "product_rates" in raw:
        rates = raw["product_rates"]
        if rates is None:
            rates = {}
        if not isinstance(rates, Mapping):
            raise ScorecardError(
                f"{where}.product_rates", f"expected a mapping of product line to rate (got {rates!r})"
            )
        settings["product_rates"] = {
            str(line): _number(rate, f"{where}.product_rates.{line}", percent=True) for line, rate in rates.items()
        }
    if "accelerators" in raw:
        tiers: list[Accelerator] = []
        path = f"{where}.accelerators"
        for i, item in enumerate(_list(raw["accelerators"] or [], path, "tiers, each {above, multiplier}")):
            at = f"{path}.{i}"
            entry = _mapping(item, at, _ACCELERATOR_KEYS)
            for key in _ACCELERATOR_KEYS:
                if key not in entry:
                    raise ScorecardError(f"{at}.{key}", "required")
            tiers.append(
                Accelerator(
                    above=_number(entry["above"], f"{at}.above", percent=True),
                    multiplier=_number(entry["multiplier"], f"{at}.multiplier"),
                )
            )
        settings["accelerators"] = tuple(tiers)
    return IncentivePlan(**settings, where=where)
