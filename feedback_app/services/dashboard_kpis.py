"""The dashboard's retention and utilization sections: the same reports the metrics API
answers with, so the page and the API show the same numbers."""

from __future__ import annotations

from dataclasses import dataclass

from feedback_app.retention.service import RetentionGroupBy, retention_report
from feedback_app.services.kpis import KpiReport
from feedback_app.services.metrics import Card, Period
from feedback_app.utilization.service import UtilizationGroupBy, utilization_report

RETENTION_CARDS = (
    ("retention", "Retention rate", "percent"),
    ("customers_at_start", "Customers at the start", "count"),
    ("customers_at_end", "Customers at the end", "count"),
    ("acquired", "Acquired (still customers at the end)", "count"),
    ("churned", "Lost (of those at the start)", "count"),
)
UTILIZATION_CARDS = (
    ("utilization", "Agent utilization", "percent"),
    ("logged_in_time", "Logged-in time", "duration"),
    ("shift_time", "Shift time", "duration"),
)


@dataclass(frozen=True)
class PeopleSections:
    #: Retention, broken down by the NPS bucket at the period's start.
    retention: KpiReport
    retention_cards: list[Card]
    #: Utilization broken down by agent and by team.
    by_agent: KpiReport
    by_team: KpiReport
    utilization_cards: list[Card]


def _cards(report: KpiReport, specs: tuple[tuple[str, str, str], ...]) -> list[Card]:
    return [
        Card(name, label, unit, report.figures[name], report.previous[name])
        for name, label, unit in specs
    ]


def people_sections(period: Period) -> PeopleSections:
    """Retention and utilization of ``period``, each against the period before."""
    retention = retention_report(period, group_by=RetentionGroupBy.NPS_BUCKET)
    by_agent = utilization_report(period, group_by=UtilizationGroupBy.AGENT)
    return PeopleSections(
        retention=retention,
        retention_cards=_cards(retention, RETENTION_CARDS),
        by_agent=by_agent,
        by_team=utilization_report(period, group_by=UtilizationGroupBy.TEAM),
        utilization_cards=_cards(by_agent, UTILIZATION_CARDS),
    )
