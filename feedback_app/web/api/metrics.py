"""GET /api/v1/metrics: the dashboard's score figures, with n and margins, as JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.services.metrics import min_n, score_report
from feedback_app.web.api.fields import Reader
from feedback_app.web.reports import read_report_args, report_data

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> WerkzeugResponse:
    """``kind`` (required), ``since``/``until`` (dates), ``interval``, ``group_by``,
    ``property`` (with ``group_by=property``) and ``survey``."""
    reader = Reader(request.args)
    args = read_report_args(reader, utcnow(), default_kind=None)
    reader.check("invalid metrics query")
    report = score_report(
        args.kind,
        args.period,
        interval=args.interval,
        group_by=args.group_by,
        property_name=args.property_name,
        survey_id=args.survey_id,
    )
    return jsonify(report_data(report, min_n()))
