"""The fairness report (issue 11): appeals per team and per evaluating manager, and the score spread per
profile, for one period — so admins can spot an evaluator or a rule that keeps being overturned.

The figures and how they are computed are in `scoring.fairness`. The appeals counted are those on the
period's evaluations (any status, filed at any time); a rep's team is their team now, the manager is the
evaluating manager the appeal names. The period defaults to the latest one that has evaluations.

Two entry points: `pacer report fairness` (the command line picks the workspace, then `report_for_cli`)
and `/pacer fairness` (admins only: `report_for_admin`). Both audit `fairness.reported`: evaluations and
appeals figures leaving Pacer leave a trace.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from bot.clock import zone
from bot.config import PacerConfig
from bot.directory import Caller
from bot.services.admin import ensure_admin
from bot.services.exports import WorkspaceChoice
from bot.store import audit
from bot.store import fairness as store
from bot.store.engine import Database
from scoring.evaluations import Snapshot
from scoring.fairness import FairnessReport, appeal_stats, distribution, grouped
from scoring.periods import Period, parse_period
from scoring.records import Source

CLI = "cli"


def latest_period(session: Session, *, workspace_id: int, config: PacerConfig) -> Period | None:
    """The period with evaluations that ended last, or None when the workspace has none."""
    ref = store.latest_period(session, workspace_id=workspace_id)
    if ref is None:
        return None
    return parse_period(
        ref.key,
        today=ref.end,
        cadence="quarter" if ref.cadence == "quarter" else "month",
        calendar=config.calendar.calendar(),
    )


def _bands(session: Session, *, workspace_id: int, config: PacerConfig, period_key: str, profile: str) -> list[str]:
    """The profile's band names in order, as frozen with the period's evaluations (pacer.yml's if unreadable)."""
    data = store.frozen_snapshot(session, workspace_id=workspace_id, period_key=period_key, profile=profile)
    if data is not None:
        try:
            return [band.name for band in Snapshot.from_json(data).scorecard.bands]
        except ValueError:
            pass
    if profile in config.all_profiles:
        return [band.name for band in config.all_profiles[profile].scorecard.bands]
    return []


def report(
    session: Session, *, workspace_id: int, config: PacerConfig, period: Period | None, now: datetime
) -> FairnessReport:
    """The fairness report of `period` (default: the latest period with evaluations) at `now`."""
    chosen = period or latest_period(session, workspace_id=workspace_id, config=config)
    tz = zone(config.timezone, "UTC")
    calendar = config.calendar.calendar()
    if chosen is None:
        return FairnessReport(
            period_key=None,
            period_label=None,
            generated_at=now,
            overall=appeal_stats([], now=now, tz=tz, calendar=calendar),
            by_team=(),
            by_manager=(),
            profiles=(),
            managers={},
        )
    appeals = store.appeals_in(session, workspace_id=workspace_id, period_key=chosen.key)
    scores = store.scores_in(session, workspace_id=workspace_id, period_key=chosen.key)
    by_profile: dict[str, list[tuple[Decimal, str]]] = {}
    for profile, total, rating in scores:
        by_profile.setdefault(profile, []).append((total, rating))
    profiles = []
    for profile in sorted(by_profile):
        bands = _bands(session, workspace_id=workspace_id, config=config, period_key=chosen.key, profile=profile)
        found = distribution(profile, by_profile[profile], bands=bands)
        if found is not None:
            profiles.append(found)
    managers = {row.manager_user_id for row in appeals if row.manager_user_id}
    return FairnessReport(
        period_key=chosen.key,
        period_label=chosen.label,
        generated_at=now,
        overall=appeal_stats((row.facts for row in appeals), now=now, tz=tz, calendar=calendar),
        by_team=tuple(grouped(((row.team, row.facts) for row in appeals), now=now, tz=tz, calendar=calendar)),
        by_manager=tuple(
            grouped(((row.manager_user_id, row.facts) for row in appeals), now=now, tz=tz, calendar=calendar)
        ),
        profiles=tuple(profiles),
        managers=store.names_of(session, workspace_id=workspace_id, user_ids=managers),
    )


def reported(
    session: Session, *, workspace_id: int, found: FairnessReport, actor: str, source: str, format: str, now: datetime
) -> None:
    """Audit that the report was produced: for whom, which period, in which form."""
    audit.record(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="fairness.reported",
        entity="period",
        entity_id=None,
        source=source,
        at=now,
        after={"period": found.period_key, "format": format, "appeals": found.overall.filed},
    )


def report_for_cli(
    db: Database, *, workspace: WorkspaceChoice, config: PacerConfig, period: Period | None, format: str, now: datetime
) -> FairnessReport:
    """`pacer report fairness`: the report of the workspace, audited as the command line's."""
    with db.reading() as session:
        found = report(session, workspace_id=workspace.id, config=config, period=period, now=now)
    with db.transaction() as session:
        reported(session, workspace_id=workspace.id, found=found, actor=CLI, source=CLI, format=format, now=now)
    return found


def report_for_admin(
    db: Database, caller: Caller, *, config: PacerConfig, period: Period | None, now: datetime
) -> FairnessReport:
    """`/pacer fairness`: the report of the caller's workspace (admins only), audited as theirs."""
    ensure_admin(config, caller, what="see the fairness report")
    with db.reading() as session:
        found = report(session, workspace_id=caller.workspace_id, config=config, period=period, now=now)
    with db.transaction() as session:
        reported(
            session,
            workspace_id=caller.workspace_id,
            found=found,
            actor=caller.user_id,
            source=Source.SLACK_COMMAND.value,
            format="slack",
            now=now,
        )
    return found
