"""`/leaderboard`: a team's reps ranked by score or by one metric, for one period.

Everyone in a team sees the same board (PRODUCT §2). A team is a pacer.yml `teams:` entry; its
reps are its `members` (the manager watches the board but is not ranked). Members who have never
used Pacer are on the board with zero actuals, scored on their profile's default targets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from bot.config import PacerConfig, Team
from bot.directory import Caller
from bot.services import rules
from bot.store import goals, members, metrics
from scoring.errors import InputError, NotAllowed, NotFound
from scoring.metrics import METRICS, Unit, UnknownMetric, ratio
from scoring.pace import Pace, pace
from scoring.periods import Cadence, Period, period_of
from scoring.profiles import Profile
from scoring.recognition import Rule
from scoring.scorecard import Score, score
from scoring.text import fold

SCORE = "score"
EXAMPLE = "/leaderboard revenue last-month"


@dataclass(frozen=True)
class Standing:
    """One rep's scorecard for a period, as the board and the manager's Home tab show it."""

    user_id: str
    name: str
    member_id: int | None  # None: in pacer.yml but has not used Pacer yet
    profile: Profile
    period: Period
    actuals: dict[str, Decimal]
    targets: dict[str, Decimal]
    score: Score
    paces: dict[str, Pace]

    def target_of(self, metric_name: str) -> Decimal | None:
        """The rep's own goal for the metric, else their profile's default target, else None."""
        if metric_name in self.targets:
            return self.targets[metric_name]
        line = self.profile.scorecard.line(metric_name)
        return line.target if line is not None else None


@dataclass(frozen=True)
class Entry:
    standing: Standing
    rank: int
    tied: bool
    value: Decimal  # what the board ranks by: the score's total, or the metric's actual
    target: Decimal | None
    attainment: Decimal | None

    @property
    def rank_label(self) -> str:
        """`1`, or `=2` for a shared place."""
        return f"={self.rank}" if self.tied else str(self.rank)


@dataclass(frozen=True)
class Board:
    team: str
    period: Period
    metric: str  # "score" or a metric name
    unit: Unit
    entries: list[Entry]
    today: date
    viewer: str
    recognition: Rule  # the counting rule for deals signed in the period

    @property
    def by_score(self) -> bool:
        return self.metric == SCORE


def competition_ranks(values: Sequence[Decimal]) -> list[tuple[int, bool]]:
    """(rank, tied) for values already sorted from best to worst: equal values share a rank, and the
    next rank skips the shared places (100, 90, 90, 80 → 1, =2, =2, 4)."""
    counts = Counter(values)
    ranks: list[tuple[int, bool]] = []
    for index, value in enumerate(values):
        if index and values[index - 1] == value:
            ranks.append(ranks[-1])
        else:
            ranks.append((index + 1, counts[value] > 1))
    return ranks


def team_for(config: PacerConfig, caller: Caller, name: str | None) -> Team | None:
    """The team whose board the caller asks for. A rep sees the team they are in, a manager the team they
    manage (or, managing several, the one they name); an admin any team they name. None: the caller is in
    no team and named none."""
    user_id = caller.user_id
    own = [team for team in config.teams if user_id in team.members or team.manager == user_id]
    if name is not None:
        named = next((team for team in config.teams if fold(team.name) == fold(name)), None)
        if named is None:
            raise NotFound(f"There is no team “{name[:40]}”.", example=EXAMPLE)
        if named not in own and caller.person.role != "admin":
            raise NotAllowed(
                f"You can see the leaderboard of your own team; {named.name} isn't yours.", example="/leaderboard"
            )
        return named
    if own:
        return own[0]
    if caller.person.role == "admin" and config.teams:
        if len(config.teams) == 1:
            return config.teams[0]
        names = ", ".join(team.name for team in config.teams)
        raise InputError(
            f"Which team? You're in none, so name one: {names}.", example=f"/leaderboard {config.teams[0].name}"
        )
    return None


def team_cadence(config: PacerConfig, team: Team) -> Cadence:
    """The default period's cadence: the one most of the team's reps are evaluated on (the default profile's
    on a tie or an empty team)."""
    default = config.profile_named(config.default_profile).cadence
    counts = Counter(config.profile_for(user_id).cadence for user_id in team.members)
    if not counts:
        return default
    best = max(counts.values())
    leaders = [cadence for cadence, n in counts.items() if n == best]
    return default if default in leaders else leaders[0]


def metric_name(text: str) -> str | None:
    """`score` or a metric name as typed (`Revenue`, `new-customers`); None when it is neither."""
    name = text.strip().lower().replace("-", "_")
    if name in (SCORE, "scores", "points"):
        return SCORE
    return name if name in METRICS else None


def unknown_metric(text: str) -> InputError:
    suggestion = UnknownMetric(text.strip().lower().replace("-", "_")).suggestion
    hint = f" Did you mean *{suggestion}*?" if suggestion else ""
    return InputError(
        f"There is no metric “{text[:40]}”.{hint} Rank by score (the default) or one of: {', '.join(METRICS)}.",
        example=f"/leaderboard {suggestion or 'revenue'} this-month",
    )


@dataclass(frozen=True)
class Subject:
    """A rep to score: their period and their local today (for pace)."""

    user_id: str
    name: str
    member_id: int | None  # None: in pacer.yml but has not used Pacer yet (every line "no data")
    profile: Profile
    period: Period
    today: date


def score_subjects(
    session: Session,
    *,
    workspace_id: int,
    config: PacerConfig,
    subjects: Sequence[Subject],
    repurchase_only_where_scored: bool = False,
) -> list[Standing]:
    """Each subject's actuals, targets, score and pace under the rules in force for their period: one
    actuals and one targets query per distinct period, however many reps.

    repurchase_rate scans a year of deals; with `repurchase_only_where_scored` it is computed only for
    reps whose scorecard has it (the others' boards don't show it).
    """
    calendar = config.calendar.calendar()
    by_period: dict[Period, list[Subject]] = {}
    for subject in subjects:
        if subject.member_id is not None:
            by_period.setdefault(subject.period, []).append(subject)
    actuals: dict[tuple[Period, int], dict[str, Decimal]] = {}
    targets: dict[tuple[Period, int], dict[str, Decimal]] = {}
    book = rules.book(session, workspace_id=workspace_id, config=config)
    for period, group in by_period.items():
        ids = [s.member_id for s in group if s.member_id is not None]
        in_force = rules.for_period(book, period)
        repurchase = (
            [s.member_id for s in group if s.member_id is not None and s.profile.scorecard.line("repurchase_rate")]
            if repurchase_only_where_scored
            else None
        )
        for member_id, values in metrics.actuals(
            session,
            workspace_id=workspace_id,
            period=period,
            rule=in_force.counting,
            premium_lines=in_force.premium_lines,
            required_courses=set(config.training.required),
            member_ids=ids,
            repurchase_for=repurchase,
        ).items():
            actuals[(period, member_id)] = values
        for member_id, values in goals.targets(
            session, workspace_id=workspace_id, period=period, member_ids=ids
        ).items():
            targets[(period, member_id)] = values
    empty: dict[str, Decimal] = {}
    result = []
    for subject in subjects:
        key = (subject.period, subject.member_id or 0)
        own_actuals = actuals.get(key, empty) if subject.member_id is not None else empty
        own_targets = targets.get(key, {}) if subject.member_id is not None else {}
        explained = score(subject.profile.scorecard, actuals=own_actuals, targets=own_targets)
        paces = {
            line.metric: pace(
                actual=line.actual, target=line.target, period=subject.period, today=subject.today, calendar=calendar
            )
            for line in explained.lines
        }
        result.append(
            Standing(
                user_id=subject.user_id,
                name=subject.name,
                member_id=subject.member_id,
                profile=subject.profile,
                period=subject.period,
                actuals=dict(own_actuals),
                targets=dict(own_targets),
                score=explained,
                paces=paces,
            )
        )
    return result


def standings(
    session: Session,
    caller: Caller,
    *,
    config: PacerConfig,
    user_ids: Sequence[str],
    period_of_rep: dict[str, Period],
) -> list[Standing]:
    """Each of these members' standings in their period, as of the caller's today."""
    subjects = []
    for user_id in user_ids:
        member = members.get(session, workspace_id=caller.workspace_id, user_id=user_id)
        subjects.append(
            Subject(
                user_id=user_id,
                name=member.name if member is not None else user_id,
                member_id=member.id if member is not None else None,
                profile=config.profile_for(user_id, member.profile if member is not None else None),
                period=period_of_rep[user_id],
                today=caller.today,
            )
        )
    return score_subjects(session, workspace_id=caller.workspace_id, config=config, subjects=subjects)


def leaderboard(
    session: Session, caller: Caller, *, config: PacerConfig, team: Team, metric: str, period: Period | None
) -> Board:
    """The team's reps ranked by `metric` (or "score") in `period` (default: the team's current period)."""
    period = period or period_of(caller.today, team_cadence(config, team), config.calendar.calendar())
    reps = list(dict.fromkeys(team.members))
    rows = standings(session, caller, config=config, user_ids=reps, period_of_rep=dict.fromkeys(reps, period))
    valued: list[tuple[Decimal, Standing, Decimal | None, Decimal | None]] = []
    for standing in rows:
        if metric == SCORE:
            valued.append((standing.score.total, standing, None, None))
            continue
        actual = standing.actuals.get(metric, Decimal(0))
        target = standing.target_of(metric)
        attainment = ratio(actual, target) if target else None
        valued.append((actual, standing, target, attainment))
    valued.sort(key=lambda row: (-row[0], row[1].name.casefold(), row[1].user_id))
    ranks = competition_ranks([row[0] for row in valued])
    entries = [
        Entry(standing=standing, rank=rank, tied=tied, value=value, target=target, attainment=attainment)
        for (value, standing, target, attainment), (rank, tied) in zip(valued, ranks, strict=True)
    ]
    return Board(
        team=team.name,
        period=period,
        metric=metric,
        unit="score" if metric == SCORE else METRICS[metric].unit,
        entries=entries,
        today=caller.today,
        viewer=caller.user_id,
        recognition=rules.period_rules(
            session, workspace_id=caller.workspace_id, config=config, period=period
        ).recognition,
    )
