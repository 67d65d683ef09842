"""The Home tab: a rep's dashboard — this period's scorecard, recent deals — and, for a manager, the team."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from bot.config import PacerConfig
from bot.directory import Caller
from bot.services import deals, leaderboard, plans
from bot.services.leaderboard import Standing
from bot.services.progress import Progress, progress
from bot.store import members
from scoring.pace import Pace
from scoring.periods import period_of
from scoring.records import DealRecord
from scoring.scorecard import Explained

RECENT_DEALS = 5
STATUS_ORDER = {"at risk": 0, "behind": 1, "on track": 2, "ahead": 3, "not started": 4, "no target": 5}


@dataclass(frozen=True)
class ReportStatus:
    """A report's standing on the first scorecard line that has a target (their headline metric)."""

    standing: Standing
    line: Explained | None
    pace: Pace | None

    @property
    def status(self) -> str:
        return self.pace.status if self.pace is not None else "no target"


@dataclass(frozen=True)
class Dashboard:
    progress: Progress
    recent: list[DealRecord]
    team: list[ReportStatus] | None  # None: the caller manages no one
    team_plans: dict[str, list[plans.OpenItem]] = field(default_factory=dict)  # report's user id → open items


def reports_of(config: PacerConfig, user_id: str) -> list[str]:
    """The members of every team the user manages, in pacer.yml order."""
    found = [member for team in config.teams if team.manager == user_id for member in team.members]
    return [member for member in dict.fromkeys(found) if member != user_id]


def headline(standing: Standing) -> ReportStatus:
    line = next((line for line in standing.score.lines if line.target is not None), None)
    return ReportStatus(standing=standing, line=line, pace=standing.paces[line.metric] if line is not None else None)


def team_statuses(session: Session, caller: Caller, *, config: PacerConfig, user_ids: list[str]) -> list[ReportStatus]:
    """Each report in their own current period, at-risk first (then behind, on track, ahead), by name."""
    calendar = config.calendar.calendar()
    periods = {}
    for user_id in user_ids:
        member = members.get(session, workspace_id=caller.workspace_id, user_id=user_id)
        cadence = config.profile_for(user_id, member.profile if member is not None else None).cadence
        periods[user_id] = period_of(caller.today, cadence, calendar)
    rows = leaderboard.standings(session, caller, config=config, user_ids=user_ids, period_of_rep=periods)
    statuses = [headline(standing) for standing in rows]
    return sorted(statuses, key=lambda s: (STATUS_ORDER[s.status], s.standing.name.casefold(), s.standing.user_id))


def dashboard(session: Session, caller: Caller, *, config: PacerConfig) -> Dashboard:
    member = members.get(session, workspace_id=caller.workspace_id, user_id=caller.user_id)
    assert member is not None  # the unit of work registered the caller
    reports = reports_of(config, caller.user_id)
    team = team_statuses(session, caller, config=config, user_ids=reports) if reports else None
    return Dashboard(
        progress=progress(session, caller, member, config=config),
        recent=deals.recent_deals(session, caller, limit=RECENT_DEALS),
        team=team,
        team_plans=_team_plans(session, caller, config=config, team=team or []),
    )


def _team_plans(
    session: Session, caller: Caller, *, config: PacerConfig, team: list[ReportStatus]
) -> dict[str, list[plans.OpenItem]]:
    """Each report's open improvement-plan items (on the manager's today), by Slack user id."""
    user_of = {s.standing.member_id: s.standing.user_id for s in team if s.standing.member_id is not None}
    if not user_of:
        return {}
    found = plans.team_items(
        session, workspace_id=caller.workspace_id, today_of=dict.fromkeys(user_of, caller.today), config=config
    )
    return {user_of[member_id]: items for member_id, items in found.items()}
