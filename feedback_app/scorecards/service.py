"""The figures of one team or agent, read from the same rollups as the dashboard's.

Scores come from ``services.metrics.score_report`` and support figures from
``services.kpis.support_kpi_report``, each narrowed to the team's or agent's rows of the
breakdown (``Scope``): the dashboard's team and agent tables, the agent's page and the
reviews show the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Agent, Response
from feedback_app.services.kpis import support_kpi_report
from feedback_app.services.metrics import Interval, Period, default_period, score_report
from feedback_app.services.response_queries import ResponseFilters, responses_query
from surveys.kinds import SurveyKind
from surveys.metrics import Estimate
from surveys.scope import Scope, ScopeBy

#: The agent's figures: name, label, unit (as the dashboard formats it), and the survey kind
#: of a score (None: a support figure).
AGENT_FIGURES: tuple[tuple[str, str, str, SurveyKind | None], ...] = (
    ("csat", "CSAT", "percent", SurveyKind.CSAT),
    ("ces", "CES (mean, 1-7)", "mean", SurveyKind.CES),
    ("nps", "NPS", "points", SurveyKind.NPS),
    ("fcr", "First contact resolution", "percent", None),
    ("handle_time", "Average handle time", "duration", None),
)
#: The figures' period, as the dashboard's by default, and the weeks of the trend.
PERIOD_DAYS = 30
TREND_WEEKS = 12
#: The latest comments shown on the page; the review queue has them all.
LATEST_COMMENTS = 5


@dataclass(frozen=True)
class Figures:
    """A scope's figures by name in a period, in the one before, and by part of a series."""

    current: dict[str, Estimate]
    previous: dict[str, Estimate]
    #: (label, figures) per interval of the series' period, oldest first.
    series: list[tuple[str, dict[str, Estimate]]]


def scope_figures(
    scope: Scope | None,
    period: Period,
    kinds: Sequence[SurveyKind],
    *,
    support: bool,
    interval: Interval | None = None,
) -> Figures:
    """The score figures of ``kinds`` and, with ``support``, the support figures of ``scope``
    (everyone when None) in ``period``, the period before, and by ``interval``."""
    reports = [score_report(kind, period, interval=interval, scope=scope) for kind in kinds]
    parts = [(r.figures, r.previous, r.series) for r in reports]
    if support:
        report = support_kpi_report(period, interval=interval, scope=scope)
        parts.append((report.figures, report.previous, report.series))
    current: dict[str, Estimate] = {}
    previous: dict[str, Estimate] = {}
    for figures, before, _ in parts:
        current |= figures
        previous |= before
    # Every report's series cuts the period the same way (``Period.split``).
    labels = [line.label for line in parts[0][2]] if parts else []
    series: list[dict[str, Estimate]] = [{} for _ in labels]
    for *_, lines in parts:
        for part, line in zip(series, lines, strict=True):
            part |= line.figures
    return Figures(current, previous, list(zip(labels, series, strict=True)))


@dataclass(frozen=True)
class AgentRow:
    name: str
    label: str
    unit: str
    mine: Estimate
    previous: Estimate
    #: The agent's team's figure; None when the agent has no team.
    team: Estimate | None


@dataclass(frozen=True)
class AgentCard:
    """What "My feedback" shows of one agent."""

    agent: Agent
    period: Period
    rows: list[AgentRow]
    #: (week label, figures by name), oldest first.
    trend: list[tuple[str, dict[str, Estimate]]]
    comments: list[Response]


def agent_card(agent: Agent, now: datetime) -> AgentCard:
    """The agent's figures of the last ``PERIOD_DAYS`` days against the days before, their
    team's, their weekly trend over ``TREND_WEEKS`` weeks and their latest comments."""
    period = default_period(now, PERIOD_DAYS)
    kinds = [kind for *_, kind in AGENT_FIGURES if kind is not None]
    mine = scope_figures(Scope(ScopeBy.AGENT, agent.id), period, kinds, support=True)
    team = (
        scope_figures(Scope(ScopeBy.TEAM, agent.team_id), period, kinds, support=True)
        if agent.team_id is not None
        else None
    )
    # Whole weeks from Monday, the last one this week so far.
    monday = period.until - timedelta(days=period.until.weekday())
    weeks = Period(monday - timedelta(weeks=TREND_WEEKS - 1), period.until)
    trend = scope_figures(
        Scope(ScopeBy.AGENT, agent.id), weeks, kinds, support=True, interval=Interval.WEEK
    )
    rows = [
        AgentRow(
            name,
            label,
            unit,
            mine.current[name],
            mine.previous[name],
            team.current[name] if team else None,
        )
        for name, label, unit, _ in AGENT_FIGURES
    ]
    comments = db.session.scalars(
        responses_query(ResponseFilters())
        .where(Response.agent_id == agent.id, Response.comment != "")
        .limit(LATEST_COMMENTS)
    ).all()
    return AgentCard(agent, period, rows, trend.series, list(comments))


def agent_of_email(email: str) -> Agent | None:
    """The helpdesk agent who is the staff user with ``email`` (agents match by email)."""
    return db.session.scalar(sa.select(Agent).where(Agent.email == email))
