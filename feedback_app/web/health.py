"""``/healthz`` for load balancers and monitors: the database, the workers' last beat, and
the answers waiting for a worker to settle them.

The status code follows the database alone (a web process without a database cannot serve);
a stale or missing worker, or a growing backlog, is reported in the body for monitoring to
alert on.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.services.heartbeat import STALE_AFTER_SECONDS, last_beat
from feedback_app.services.settling import backlog

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz() -> tuple[WerkzeugResponse, int]:
    try:
        beat = last_beat()
        waiting, oldest = backlog()
    except sa.exc.SQLAlchemyError as error:
        log.warning("health check: database unavailable: %s", error.__class__.__name__)
        db.session.rollback()
        return jsonify(status="unavailable", database="unavailable", worker=None), 503
    now = utcnow()
    if beat is None:
        worker = {"state": "never", "last_beat": None, "age_seconds": None}
    else:
        age = int((now - beat).total_seconds())
        state = "ok" if age <= STALE_AFTER_SECONDS else "stale"
        worker = {"state": state, "last_beat": beat.isoformat(), "age_seconds": age}
    unsettled = {
        "count": waiting,
        "oldest_age_seconds": None if oldest is None else int((now - oldest).total_seconds()),
    }
    return jsonify(status="ok", database="ok", worker=worker, unsettled_answers=unsettled), 200
