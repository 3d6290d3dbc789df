"""What the dashboard, the metrics API and the exports share: reading the query string into a
report request, and writing a report as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from feedback_app.extensions import db
from feedback_app.models import Survey
from feedback_app.services.metrics import (
    NONE,
    GroupBy,
    InteractionFilter,
    Interval,
    Period,
    ResponseFilter,
    ScoreReport,
    SupportFigure,
    default_period,
)
from feedback_app.web.api.fields import Reader
from feedback_app.web.guards.values import day_problem, whole_number
from surveys.channels import Channel
from surveys.kinds import SurveyKind
from surveys.metrics import Estimate, change

#: The longest range a report may cover, so a typo cannot ask for a daily series of a century.
MAX_DAYS = 3660


@dataclass(frozen=True)
class ReportArgs:
    kind: SurveyKind
    period: Period
    interval: Interval | None
    group_by: GroupBy | None
    property_name: str | None
    survey_id: int | None

    def options(self) -> dict[str, Any]:
        """The keyword arguments ``score_report`` takes besides kind and period."""
        return {
            "interval": self.interval,
            "group_by": self.group_by,
            "property_name": self.property_name,
            "survey_id": self.survey_id,
        }


def _date(reader: Reader, key: str) -> date | None:
    value = reader.data.get(key)
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        reader.error(key, "must be a date such as 2026-03-02")
        return None
    if problem := day_problem(day):
        reader.error(key, problem)
        return None
    return day


def _whole(reader: Reader, key: str) -> int | None:
    value = reader.data.get(key)
    if not value:
        return None
    number = whole_number(value)
    if number is None:
        reader.error(key, "must be a positive whole number")
    return number


def read_period(reader: Reader, now: datetime) -> Period:
    """``since`` and ``until`` (whole days, both included); until today and 30 days long by
    default."""
    fallback = default_period(now)
    since, until = _date(reader, "since"), _date(reader, "until")
    until = until or fallback.until
    since = since or until - timedelta(days=fallback.days - 1)
    if since > until:
        reader.error("since", "must not be after until")
    elif (until - since).days >= MAX_DAYS:
        reader.error("since", f"the range must be at most {MAX_DAYS} days")
    return Period(since, until) if since <= until else fallback


def read_report_args(
    reader: Reader,
    now: datetime,
    *,
    default_kind: str | None,
    default_interval: str | None = None,
    default_group_by: str | None = None,
) -> ReportArgs:
    """Read a report request; problems are left in ``reader.errors``, named by argument."""
    kind = reader.choice("kind", [k.value for k in SurveyKind], default=default_kind)
    if kind is None and "kind" not in reader.errors:
        reader.error("kind", "is required: one of " + ", ".join(k.value for k in SurveyKind))
    period = read_period(reader, now)
    interval = reader.choice("interval", [i.value for i in Interval], default=default_interval)
    group_by = reader.choice("group_by", [g.value for g in GroupBy], default=default_group_by)
    property_name = reader.text("property", max_length=100)
    if group_by == GroupBy.PROPERTY and property_name is None:
        reader.error("property", "is required to group by a customer property")
    survey_id = _whole(reader, "survey")
    if survey_id is not None and kind:
        survey = db.session.get(Survey, survey_id)
        if survey is None or survey.kind != kind:
            reader.error("survey", f"there is no {kind} survey {survey_id}")
    return ReportArgs(
        kind=SurveyKind(kind or SurveyKind.CSAT),
        period=period,
        interval=Interval(interval) if interval else None,
        group_by=GroupBy(group_by) if group_by else None,
        property_name=property_name,
        survey_id=survey_id,
    )


def _breakdown_values(
    reader: Reader, channels: list[str]
) -> tuple[str | None, str | None, str | None]:
    """``channel`` (one of ``channels``), ``team`` and ``agent`` (ids, or ``NONE``)."""
    channel = reader.choice("channel", channels)
    team, agent = (
        reader.data.get(key) if reader.data.get(key) == NONE else _whole(reader, key)
        for key in ("team", "agent")
    )
    return channel, None if team is None else str(team), None if agent is None else str(agent)


def read_response_filter(reader: Reader, now: datetime) -> ResponseFilter:
    """Read a drill-down: the period, and optionally kind, survey and breakdown values."""
    kind = reader.choice("kind", [k.value for k in SurveyKind])
    channel, team, agent = _breakdown_values(reader, [NONE, *(c.value for c in Channel)])
    return ResponseFilter(
        period=read_period(reader, now),
        kind=SurveyKind(kind) if kind else None,
        survey_id=_whole(reader, "survey"),
        channel=channel,
        team=team,
        agent=agent,
        property_name=reader.text("property", max_length=100),
        property_value=reader.text("property_value", max_length=200),
    )


def read_interaction_filter(reader: Reader, now: datetime) -> InteractionFilter:
    """Read a support drill-down: the period, the figure (FCR by default) and breakdown
    values; every interaction has a channel, so ``none`` is no channel choice here."""
    figure = reader.choice(
        "figure", [f.value for f in SupportFigure], default=SupportFigure.FCR.value
    )
    channel, team, agent = _breakdown_values(reader, [c.value for c in Channel])
    return InteractionFilter(
        period=read_period(reader, now),
        figure=SupportFigure(figure or SupportFigure.FCR),
        channel=channel,
        team=team,
        agent=agent,
    )


def estimate_data(estimate: Estimate, previous: Estimate | None = None) -> dict[str, Any]:
    """A figure as JSON-ready data: value (None for no data), n, interval, low-sample flag."""
    data: dict[str, Any] = {
        "value": estimate.value,
        "n": estimate.n,
        "low": estimate.low,
        "high": estimate.high,
        "margin": estimate.margin,
        "low_sample": estimate.low_sample,
    }
    if previous is not None:
        data["previous"] = estimate_data(previous)
        data["change"] = change(estimate, previous)
    return data


def report_data(report: ScoreReport, min_n: int) -> dict[str, Any]:
    """A score report as JSON-ready data, the figures of each line keyed by name."""
    previous = report.period.previous
    return {
        "kind": report.kind.value,
        "since": report.period.since.isoformat(),
        "until": report.period.until.isoformat(),
        "previous_period": {
            "since": previous.since.isoformat(),
            "until": previous.until.isoformat(),
        },
        "min_n": min_n,
        "figures": {
            name: estimate_data(value, report.previous[name])
            for name, value in report.figures.items()
        },
        "interval": report.interval.value if report.interval else None,
        "series": [
            {
                "period": line.label,
                "since": line.drill["since"],
                "until": line.drill["until"],
                "figures": {name: estimate_data(v) for name, v in line.figures.items()},
            }
            for line in report.series
        ],
        "group_by": report.group_by.value if report.group_by else None,
        "property": report.property_name,
        "groups": [
            {
                "key": line.key,
                "label": line.label,
                "figures": {name: estimate_data(v) for name, v in line.figures.items()},
            }
            for line in report.groups
        ],
    }
