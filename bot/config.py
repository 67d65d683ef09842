"""`pacer.yml`: the workspace's published rules and wiring (product lines, currency, teams...).

A broken file fails at start with the file, the key and what is wrong, never later at run time.
"""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from scoring.errors import InputError
from scoring.money import parse_amount
from scoring.periods import Calendar
from scoring.profiles import DEFAULT_PROFILES, Profile, profile_from_mapping
from scoring.scorecard import ScorecardError
from scoring.text import fold

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
KEY_PATH = re.compile(r"^[a-z_]+(\.[\w-]+)*: ")


class ConfigError(Exception):
    """pacer.yml cannot be used; the message names the file, the key and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _user_id(value: str) -> str:
    if not SLACK_USER_ID.match(value):
        raise ValueError(f"{value!r} is not a Slack user id (like U012AB3CD); copy it from the profile's ⋮ menu")
    return value


class ProductLine(_Strict):
    name: str = Field(min_length=1, max_length=60)
    premium: bool = False


class Wins(_Strict):
    channel: str
    threshold: Decimal = Field(gt=0, description="deals at or above this amount are celebrated")

    @field_validator("channel")
    @classmethod
    def _channel_id(cls, value: str) -> str:
        if not SLACK_CHANNEL_ID.match(value):
            raise ValueError(f"{value!r} is not a channel id (like C012AB3CD); not a #name")
        return value


class Team(_Strict):
    name: str = Field(min_length=1, max_length=80)
    manager: str
    members: list[str] = Field(default_factory=list)
    profile: str | None = Field(default=None, description="profile of this team's reps (default_profile if unset)")
    reviewers: list[str] = Field(
        default_factory=list, description="who decides this team's appeals (the workspace's `reviewers` if unset)"
    )

    @field_validator("manager")
    @classmethod
    def _manager_id(cls, value: str) -> str:
        return _user_id(value)

    @field_validator("members", "reviewers")
    @classmethod
    def _member_ids(cls, value: list[str]) -> list[str]:
        return [_user_id(v) for v in value]


WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class CalendarConfig(_Strict):
    """Working days and the fiscal year: pace and periods are counted in working days."""

    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    weekend: list[str] = Field(default_factory=lambda: ["sat", "sun"])
    holidays: list[date] = Field(default_factory=list)

    @field_validator("weekend")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        days = [day.strip().lower()[:3] for day in value]
        unknown = [original for original, day in zip(value, days, strict=True) if day not in WEEKDAYS]
        if unknown:
            raise ValueError(f"{', '.join(map(repr, unknown))}: use mon, tue, wed, thu, fri, sat or sun")
        if len(set(days)) == 7:
            raise ValueError("every day is a weekend day: leave at least one working day")
        return days

    def calendar(self) -> Calendar:
        return Calendar(
            fiscal_year_start_month=self.fiscal_year_start_month,
            weekend=frozenset(WEEKDAYS[day] for day in self.weekend),
            holidays=frozenset(self.holidays),
        )


class TrainingConfig(_Strict):
    required: list[str] = Field(default_factory=list, description="courses every rep must complete")


CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class EvaluationsConfig(_Strict):
    """The period close that freezes every rep's evaluation (see bot.jobs.period_close)."""

    close_at: str = Field(default="06:00", description="HH:MM in `timezone` on the first day after a period's last day")
    batch_size: int = Field(default=500, ge=1, le=5000, description="reps frozen per transaction")

    @field_validator("close_at", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(
                'write the time in quotes, such as "06:00" (without quotes YAML reads a time like 18:30 as the '
                "number 1110)"
            )
        if not isinstance(value, str) or not CLOCK_TIME.match(value.strip()):
            raise ValueError('a time of day as "HH:MM" on the 24-hour clock, such as "06:00"')
        return value.strip()

    @property
    def close_time(self) -> time:
        return time.fromisoformat(self.close_at)


class AppealsConfig(_Strict):
    """Appeals against an evaluation (issue 11): how long a rep may file one, and how long a reviewer has."""

    window_working_days: int = Field(
        default=10, ge=1, le=60, description="working days after the check-in opens in which the rep may appeal"
    )
    decision_working_days: int = Field(
        default=5, ge=1, le=30, description="working days (the reviewer's) after filing by which it is decided"
    )


class PacerConfig(_Strict):
    """The parsed pacer.yml. Defaults make an empty file (or none) a working configuration."""

    currency: str = "USD"
    recognition: Literal["signed", "paid"] = "signed"
    timezone: str = Field(default="UTC", description="for members whose Slack profile has no time zone")
    product_lines: list[ProductLine] = Field(default_factory=list)
    wins: Wins | None = None
    teams: list[Team] = Field(default_factory=list)
    admins: list[str] = Field(default_factory=list)
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    evaluations: EvaluationsConfig = Field(default_factory=EvaluationsConfig)
    appeals: AppealsConfig = Field(default_factory=AppealsConfig)
    reviewers: list[str] = Field(
        default_factory=list, description="who decides appeals (a team's own `reviewers` take precedence)"
    )
    default_profile: str = "hunter"
    profiles: dict[str, dict[str, Any] | None] = Field(
        default_factory=dict, description="overrides of hunter/farmer/strategic, or new profiles"
    )
    _profiles: dict[str, Profile] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _threshold_as_typed(cls, data: Any) -> Any:
        """`wins.threshold` accepts every amount `/deal` accepts (`50k`, `$50,000`, `1.2万`), in `currency`."""
        wins = data.get("wins") if isinstance(data, dict) else None
        if isinstance(wins, dict) and isinstance(wins.get("threshold"), str):
            currency = data.get("currency") if isinstance(data.get("currency"), str) else "USD"
            try:
                amount = parse_amount(wins["threshold"], currency=currency.strip())
            except InputError as exc:
                raise ValueError(f"wins.threshold: {exc.message}") from None
            data = {**data, "wins": {**wins, "threshold": amount.amount}}
        return data

    @model_validator(mode="after")
    def _build_profiles(self) -> PacerConfig:
        built = dict(DEFAULT_PROFILES)
        for name, data in self.profiles.items():
            try:
                built[name] = profile_from_mapping(data, name=name, where=f"profiles.{name}")
            except ScorecardError as error:
                raise ValueError(str(error)) from None
        known = ", ".join(sorted(built))
        if self.default_profile not in built:
            raise ValueError(f"default_profile: unknown profile {self.default_profile!r}; known: {known}")
        for index, team in enumerate(self.teams):
            if team.profile is not None and team.profile not in built:
                raise ValueError(f"teams.{index}.profile: unknown profile {team.profile!r}; known: {known}")
        self._profiles = built
        return self

    @property
    def all_profiles(self) -> dict[str, Profile]:
        return dict(self._profiles)

    def profile_named(self, name: str | None) -> Profile:
        return self._profiles.get(name or "", self._profiles[self.default_profile])

    def profile_for(self, user_id: str, assigned: str | None = None) -> Profile:
        """A member's profile: assigned by an admin, else their team's, else the default."""
        if assigned and assigned in self._profiles:
            return self._profiles[assigned]
        team = self.team_of(user_id)
        return self.profile_named(team.profile if team and team.profile else self.default_profile)

    @property
    def premium_lines(self) -> frozenset[str]:
        return frozenset(line.name for line in self.product_lines if line.premium)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        value = value.strip().upper()
        if not CURRENCY_CODE.match(value):
            raise ValueError(f"{value!r} is not a three-letter ISO currency code such as USD, EUR or CNY")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Shanghai") from None
        return value

    @field_validator("admins", "reviewers")
    @classmethod
    def _admin_ids(cls, value: list[str]) -> list[str]:
        return [_user_id(v) for v in value]

    @model_validator(mode="after")
    def _unique_names(self) -> PacerConfig:
        seen: set[str] = set()
        for line in self.product_lines:
            if fold(line.name) in seen:
                raise ValueError(f"product line {line.name!r} is listed twice")
            seen.add(fold(line.name))
        members: dict[str, str] = {}
        for team in self.teams:
            for member in team.members:
                if member in members:
                    raise ValueError(f"{member} is in two teams: {members[member]!r} and {team.name!r}")
                members[member] = team.name
        return self

    @property
    def product_names(self) -> list[str]:
        return [line.name for line in self.product_lines]

    def team_of(self, user_id: str) -> Team | None:
        return next((t for t in self.teams if user_id in t.members), None)

    def reviewer_pool(self, user_id: str) -> list[str]:
        """Who may be asked to decide an appeal of this member: their team's reviewers, else the workspace's."""
        team = self.team_of(user_id)
        return list(team.reviewers) if team is not None and team.reviewers else list(self.reviewers)

    def role_of(self, user_id: str) -> str:
        if user_id in self.admins:
            return "admin"
        if any(t.manager == user_id for t in self.teams):
            return "manager"
        return "rep"


class _Loader(yaml.SafeLoader):
    """pacer.yml's YAML: dates stay text, so a wrong one (`2026-13-25`, `2026-02-30`) is refused by the
    model naming its key instead of crashing the reader; and a key given twice is an error, not a silent
    last-one-wins."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _unique_keys(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, str | int | float | bool) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"{key!r} is given twice (first on line {seen[key] + 1}); keep one", key_node.start_mark
            )
        if isinstance(key, str | int | float | bool):
            seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_keys)


def load_config(path: Path | None) -> PacerConfig:
    """Read and validate pacer.yml; `None` means no file (defaults). Raises ConfigError."""
    if path is None:
        return PacerConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot be read ({exc.strerror or exc}); set PACER_CONFIG to pacer.yml's path"
        ) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: line {line}: not UTF-8 text (byte {exc.start}); save pacer.yml as UTF-8 in your editor"
        ) from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{where}: not valid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys (currency:, teams:, ...)")
    try:
        return PacerConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None


#: What pacer.yml's reader says instead of the validation library's wording, by its error type.
PLAIN_WORDS = {
    "date_from_datetime_parsing": "not a real date: write it as YYYY-MM-DD, such as 2026-12-25",
    "date_parsing": "not a real date: write it as YYYY-MM-DD, such as 2026-12-25",
    "date_type": "not a date: write it as YYYY-MM-DD, such as 2026-12-25",
    "decimal_parsing": "not a number: write it with digits, such as 50000",
    "decimal_type": "not a number: write it with digits, such as 50000",
    "int_parsing": "not a whole number: write it with digits, such as 10",
    "int_from_float": "not a whole number: write it with digits, such as 10",
    "bool_parsing": "write true or false",
    "string_type": "write it as text (in quotes if YAML reads it as something else)",
    "list_type": "write a list, such as [a, b] or one '- item' per line",
}


def _describe(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if key == "(top level)" and KEY_PATH.match(message):
            key, _, message = message.partition(": ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against pacer.example.yml)"
        message = PLAIN_WORDS.get(error["type"], message)
        if key.endswith("channel") and error.get("input") is None:
            message = (
                "is empty: a #name after `channel:` is a YAML comment; give the channel id (like C012AB3CD: "
                "channel details → About → Channel ID)"
            )
        got = error.get("input")
        shown = (
            ""
            if error["type"] in ("extra_forbidden", "missing") or got is None or isinstance(got, dict | list)
            else f" (got {got!r})"
        )
        lines.append(f"{path}: {key}: {message}{shown}")
    return "\n".join(lines)
