"""Agents' days saved from the API, and utilization read from them per agent and team."""

from __future__ import annotations

import bisect
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.ingest.people import AgentInput, upsert_agent, upsert_team
from feedback_app.ingest.transactions import committed
from feedback_app.models import Agent, Team
from feedback_app.services.kpis import KpiReport
from feedback_app.services.metrics import NONE, Interval, Line, Period
from feedback_app.utilization.models import AgentDay
from surveys.metrics import Estimate
from surveys.utilization import TimeTally, UtilizationFlag, utilization_figures, utilization_flag


@dataclass(frozen=True)
class DayInput:
    """One agent's day as posted: replaces what was stored for that agent and day."""

    agent: AgentInput
    day: date
    shift_seconds: int
    logged_in_seconds: int
    #: The team worked for that day; None counts the day in the agent's team.
    team: str | None = None


@dataclass(frozen=True)
class SaveResult:
    added: int
    replaced: int


def save_days(days: Sequence[DayInput], now: datetime) -> SaveResult:
    """Store each agent's day, adding the agents not known yet; a day already stored is
    replaced, and a day given twice in ``days`` is stored as given last. Commits once."""
    return committed(lambda: _save(days, now))


def _save(days: Sequence[DayInput], now: datetime) -> SaveResult:
    latest: dict[tuple[int, date], DayInput] = {}
    teams: dict[str, int] = {}
    for item in days:
        latest[(upsert_agent(item.agent).id, item.day)] = item
        if item.team and item.team not in teams:
            teams[item.team] = upsert_team(item.team).id
    stored = {
        (row.agent_id, row.day): row
        for row in db.session.scalars(
            sa.select(AgentDay).where(
                AgentDay.agent_id.in_({agent_id for agent_id, _ in latest}),
                AgentDay.day.in_({day for _, day in latest}),
            )
        )
    }
    for (agent_id, day), item in latest.items():
        row = stored.get((agent_id, day))
        if row is None:
            row = AgentDay(agent_id=agent_id, day=day)
            db.session.add(row)
        row.team_id = teams[item.team] if item.team else None
        row.shift_seconds = item.shift_seconds
        row.logged_in_seconds = item.logged_in_seconds
        row.updated_at = now
    replaced = sum(key in stored for key in latest)
    return SaveResult(added=len(latest) - replaced, replaced=replaced)


# --- The report ----------------------------------------------------------------------------


class UtilizationGroupBy(enum.StrEnum):
    AGENT = "agent"
    TEAM = "team"


def floor() -> int:
    """Below this % an agent or team is flagged (``UTILIZATION_FLOOR``)."""
    return current_app.config["UTILIZATION_FLOOR"]


def flag_of(figures: Mapping[str, Estimate]) -> UtilizationFlag | None:
    """The flag of a line's utilization: overwork, below the floor, or None."""
    return utilization_flag(figures["utilization"], floor())


def _days(period: Period) -> list[tuple[int, int | None, date, int, int]]:
    """Each agent-day of ``period``: agent, team (the day's, else the agent's now), day,
    shift, logged in."""
    query = (
        sa.select(
            AgentDay.agent_id,
            sa.func.coalesce(AgentDay.team_id, Agent.team_id),
            AgentDay.day,
            AgentDay.shift_seconds,
            AgentDay.logged_in_seconds,
        )
        .join(Agent, Agent.id == AgentDay.agent_id)
        .where(AgentDay.day.between(period.since, period.until))
    )
    return [tuple(row) for row in db.session.execute(query)]  # type: ignore[misc]


def _labels(group_by: UtilizationGroupBy, keys: set[str]) -> dict[str, str]:
    ids = [int(key) for key in keys if key]
    if group_by is UtilizationGroupBy.TEAM:
        rows = db.session.execute(sa.select(Team.id, Team.name).where(Team.id.in_(ids)))
        return {str(i): name for i, name in rows}
    agents = db.session.scalars(sa.select(Agent).where(Agent.id.in_(ids)))
    return {str(agent.id): agent.label for agent in agents}


def _tally(days: Iterable[tuple[int, int | None, date, int, int]]) -> TimeTally:
    return sum((TimeTally(1, shift, logged) for *_, shift, logged in days), TimeTally())


def utilization_report(
    period: Period,
    *,
    interval: Interval | None = None,
    group_by: UtilizationGroupBy | None = None,
) -> KpiReport:
    """Utilization of ``period`` and the period before, a series by ``interval`` and a
    breakdown by agent or team (each day's team as posted, else the agent's team now),
    busiest shift time first."""
    days = _days(period)
    series: list[Line] = []
    if interval is not None:
        parts = period.split(interval)
        starts = [part.since for part in parts]
        by_part = [TimeTally() for _ in parts]
        for _, _, day, shift, logged in days:
            by_part[bisect.bisect_right(starts, day) - 1] += TimeTally(1, shift, logged)
        series = [
            Line(part.since.isoformat(), part.label(interval), utilization_figures(t), {})
            for part, t in zip(parts, by_part, strict=True)
        ]
    groups: list[Line] = []
    if group_by is not None:
        by_key: dict[str, TimeTally] = defaultdict(TimeTally)
        for agent_id, team_id, _, shift, logged in days:
            key = agent_id if group_by is UtilizationGroupBy.AGENT else team_id
            by_key[str(key or "")] += TimeTally(1, shift, logged)
        labels = _labels(group_by, set(by_key))
        groups = [
            Line(key or NONE, labels.get(key, "(none)"), utilization_figures(t), {})
            for key, t in sorted(by_key.items(), key=lambda item: (-item[1].shift_seconds, item[0]))
        ]
    return KpiReport(
        period=period,
        figures=utilization_figures(_tally(days)),
        previous=utilization_figures(_tally(_days(period.previous))),
        interval=interval,
        group_by=group_by.value if group_by else None,
        series=series,
        groups=groups,
    )
