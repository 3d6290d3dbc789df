"""GET /api/v1/metrics: the dashboard's score figures, with n and margins, as JSON."""

from __future__ import annotations

from flask import Blueprint

from feedback_app.clock import utcnow
from feedback_app.models import ApiScope
from feedback_app.services.metrics import min_n, score_report
from feedback_app.web.api.operations import operation
from feedback_app.web.reports import ReportData, ReportQuery, report_data

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
