"""Targets as stored: listing them, the page's and the API's changes, and their states.

The changes flush and record their audit event; the caller commits, so a refused change
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import Team
from feedback_app.retention.service import retention_report
from feedback_app.services.metrics import (
    GroupBy,
    Period,
    default_period,
    min_n,
    response_rate_figure,
    score_report,
)
from feedback_app.services.support.figures import SupportGroupBy, support_report
from feedback_app.targets.models import Target
from feedback_app.utilization.service import UtilizationGroupBy, utilization_report
from surveys.kinds import SurveyKind
from surveys.metrics import Estimate, no_data
from surveys.references import Reference, references
from surveys.targets import KPIS, InvalidTarget, Kpi, TargetState, check_target, target_state
from surveys.targets import weekly_move as weekly_move_of


@dataclass(frozen=True)
class TargetInput:
    """A target as the page or the API gives it; ``team`` a team's name, None overall."""

    kpi: str
    value: float
    deadline: date
    team: str | None = None


def reference_lines() -> list[Reference]:
    """The published benchmarks to read the figures against, for ``INDUSTRY``."""
    return references(current_app.config["INDUSTRY"])


def all_targets() -> list[Target]:
    """Every target, by KPI (in ``KPIS`` order), overall first, then by team name."""
    rows = db.session.scalars(sa.select(Target).options(joinedload(Target.team))).all()
    order = list(KPIS)
    return sorted(
        rows,
        key=lambda t: (
            order.index(t.kpi) if t.kpi in order else len(order),
            t.team is not None,
            t.team.name if t.team else "",
        ),
    )


def overall_targets() -> dict[str, Target]:
    """The overall target of each KPI that has one, by KPI name."""
    return {t.kpi: t for t in db.session.scalars(sa.select(Target).where(Target.team_id.is_(None)))}


def targets_for(team_id: int | None) -> dict[str, Target]:
    """The target each KPI is read against for a team (None: overall): the team's own, else
    the overall one, by KPI name."""
    found: dict[str, Target] = {}
    query = sa.select(Target).where(Target.team_id.is_(None) | (Target.team_id == team_id))
    for target in db.session.scalars(query.order_by(Target.team_id.is_(None).desc())):
        found[target.kpi] = target
    return found


def _team_id(name: str | None) -> int | None:
    if name is None:
        return None
    team_id = db.session.scalar(sa.select(Team.id).where(Team.name == name))
    if team_id is None:
        raise InvalidTarget("team", f"there is no team {name!r}")
    return team_id


def _checked(item: TargetInput, today: date) -> int | None:
    check_target(item.kpi, item.value, item.deadline, today, team=item.team is not None)
    return _team_id(item.team)


def _taken(kpi: str, team_id: int | None, except_id: int | None) -> bool:
    query = sa.select(Target.id).where(
        Target.kpi == kpi,
        Target.team_id.is_(None) if team_id is None else Target.team_id == team_id,
    )
    if except_id is not None:
        query = query.where(Target.id != except_id)
    return db.session.scalar(query.limit(1)) is not None


def _details(target: Target) -> dict[str, object]:
    return {
        "kpi": target.kpi,
        "team_id": target.team_id,
        "value": target.value,
        "deadline": target.deadline.isoformat(),
    }


def save_target(item: TargetInput, now: datetime, target: Target | None = None) -> Target:
    """Add a target, or change ``target``; InvalidTarget names the field at fault (a KPI
    with a target already, overall or for that team, is the ``kpi`` field's)."""
    team_id = _checked(item, now.date())
    if _taken(item.kpi, team_id, target.id if target else None):
        scope = "for this team" if team_id else "overall"
        raise InvalidTarget("kpi", f"already has a target {scope}: edit that one")
    action = "target.changed" if target else "target.set"
    if target is None:
        target = Target(created_at=now)
        db.session.add(target)
    target.kpi, target.team_id = item.kpi, team_id
    target.value, target.deadline, target.updated_at = item.value, item.deadline, now
    db.session.flush()
    audit.record(action, f"target:{target.id}", _details(target))
    return target


def delete_target(target: Target) -> None:
    audit.record("target.deleted", f"target:{target.id}", _details(target))
    db.session.delete(target)
    db.session.flush()


def replace_targets(items: Sequence[TargetInput], now: datetime) -> list[Target]:
    """Every target replaced by ``items`` (the API's PUT). InvalidTarget's field is
    ``targets.<index>.<field>``; one KPI given twice for the same team is refused."""
    seen: set[tuple[str, str | None]] = set()
    rows = []
    for index, item in enumerate(items):
        try:
            team_id = _checked(item, now.date())
            if (item.kpi, item.team) in seen:
                raise InvalidTarget("kpi", "is given twice for the same team")
        except InvalidTarget as error:
            raise InvalidTarget(f"targets.{index}.{error.field}", error.message) from error
        seen.add((item.kpi, item.team))
        rows.append(
            Target(
                kpi=item.kpi,
                team_id=team_id,
                value=item.value,
                deadline=item.deadline,
                created_at=now,
                updated_at=now,
            )
        )
    db.session.execute(sa.delete(Target))
    db.session.add_all(rows)
    db.session.flush()
    audit.record("targets.replaced", "", {"count": len(rows)})
    return all_targets()


#: The survey kind whose report holds each score KPI.
SCORE_KINDS = {
    "csat": SurveyKind.CSAT,
    "nps": SurveyKind.NPS,
    "ces": SurveyKind.CES,
    "ces_easy": SurveyKind.CES,
}
SUPPORT_KPIS = {
    "fcr",
    "abandonment",
    "handle_time",
    "resolution_median",
    "resolution_mean",
    "first_response_median",
    "first_response_mean",
}
Figures = dict[tuple[str, int | None], Estimate]


def _with_teams(
    names: set[str], overall: dict[str, Estimate], groups: Iterable[tuple[str, dict[str, Estimate]]]
) -> Figures:
    """Figures ``names`` overall (team None) and of each team line (keyed by team id)."""
    found: Figures = {(name, None): overall[name] for name in names}
    for key, figures in groups:
        if key.isdigit():
            found |= {(name, int(key)): figures[name] for name in names}
    return found


def target_figures(targets: Sequence[Target], period: Period) -> Figures:
    """The figure each target is for over ``period``, by (KPI, team id or None): only the
    reports the targets need are read."""
    kpis = {t.kpi for t in targets}
    found: Figures = {}
    for kind in {SCORE_KINDS[k] for k in kpis if k in SCORE_KINDS}:
        names = {k for k in kpis if SCORE_KINDS.get(k) is kind}
        report = score_report(kind, period, group_by=GroupBy.TEAM)
        found |= _with_teams(names, report.figures, ((g.key, g.figures) for g in report.groups))
    if kpis & SUPPORT_KPIS:
        support = support_report(
            period.since, period.until, group_by=SupportGroupBy.TEAM, min_n=min_n()
        )
        groups = ((g.key, g.figures) for g in support.groups)
        found |= _with_teams(kpis & SUPPORT_KPIS, support.figures, groups)
    if "utilization" in kpis:
        used = utilization_report(period, group_by=UtilizationGroupBy.TEAM)
        groups = ((g.key, g.figures) for g in used.groups)
        found |= _with_teams({"utilization"}, used.figures, groups)
    if "retention" in kpis:
        found[("retention", None)] = retention_report(period).figures["retention"]
    if "response_rate" in kpis:
        found[("response_rate", None)] = response_rate_figure(period)
    return found


@dataclass(frozen=True)
class TargetView:
    """A target beside the figure it is for: what the dashboard card shows."""

    target: Target
    kpi: Kpi
    figure: Estimate
    state: TargetState | None
    #: How far the figure must move each week to reach the target by the deadline.
    weekly_move: float | None


def target_views(targets: Sequence[Target], now: datetime) -> list[TargetView]:
    """Each target against its figure over the 30 days up to today (no data where its team
    has none)."""
    figures = target_figures(targets, default_period(now))
    return [
        target_view(t, figures.get((t.kpi, t.team_id), no_data(min_n())), now.date())
        for t in targets
    ]


def target_view(target: Target, figure: Estimate, today: date) -> TargetView:
    kpi = KPIS[target.kpi]
    return TargetView(
        target,
        kpi,
        figure,
        target_state(figure, target.value, kpi),
        weekly_move_of(figure, target.value, kpi, today, target.deadline),
    )
