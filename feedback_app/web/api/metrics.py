"""GET /api/v1/metrics and /metrics/support, /retention, /utilization: the dashboard's
figures, with n and margins, as JSON."""

from __future__ import annotations

from flask import Blueprint

from feedback_app.clock import utcnow
from feedback_app.models import ApiScope
from feedback_app.retention.service import retention_report
from feedback_app.services.kpis import support_kpi_report
from feedback_app.services.metrics import min_n, score_report
from feedback_app.utilization.service import utilization_report
from feedback_app.web.api.operations import operation
from feedback_app.web.reports import (
    KpiData,
    ReportData,
    ReportQuery,
    RetentionQuery,
    SupportQuery,
    UtilizationData,
    UtilizationQuery,
    kpi_data,
    report_data,
    utilization_data,
)

bp = Blueprint("metrics", __name__)


@operation(bp, "GET", "/metrics", scope=ApiScope.READ, query=ReportQuery, answers={200: ReportData})
def metrics(query: ReportQuery) -> ReportData:
    """A survey kind's score figures over a period, with n, interval and margin.

    Optionally a series by ``interval`` and a breakdown by ``group_by``; ``since`` and
    ``until`` are whole UTC days, both included.
    """
    now = utcnow()
    report = score_report(query.kind, query.period(now), **query.options())
    return report_data(report, min_n())


@operation(
    bp, "GET", "/metrics/support", scope=ApiScope.READ, query=SupportQuery, answers={200: KpiData}
)
def support_metrics(query: SupportQuery) -> KpiData:
    """The support figures over a period (FCR, handle time and its parts, resolution and
    first response times, abandonment, volume), as the dashboard shows them.

    Optionally a series by ``interval`` and a breakdown by ``group_by`` (``property`` names
    the customer property).
    """
    report = support_kpi_report(
        query.period(utcnow()),
        interval=query.interval,
        group_by=query.group_by,
        property_name=query.property,
    )
    return kpi_data(report, min_n())


@operation(
    bp,
    "GET",
    "/metrics/retention",
    scope=ApiScope.READ,
    query=RetentionQuery,
    answers={200: KpiData},
)
def retention_metrics(query: RetentionQuery) -> KpiData:
    """Customer retention over a period, from the customers' ``customer_since`` and
    ``churned_at``; ``group_by=nps_bucket`` compares the buckets of the customers' latest
    NPS answers before the period, with each difference's significance."""
    report = retention_report(
        query.period(utcnow()), interval=query.interval, group_by=query.group_by
    )
    return kpi_data(report, min_n())


@operation(
    bp,
    "GET",
    "/metrics/utilization",
    scope=ApiScope.READ,
    query=UtilizationQuery,
    answers={200: UtilizationData},
)
def utilization_metrics(query: UtilizationQuery) -> UtilizationData:
    """Agent utilization (logged-in time / shift time) over a period; ``group_by=agent`` or
    ``team`` flags each line ``overwork`` or ``below_floor``."""
    report = utilization_report(
        query.period(utcnow()), interval=query.interval, group_by=query.group_by
    )
    return utilization_data(report, min_n())
