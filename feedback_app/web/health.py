"""``/healthz`` for load balancers and monitors: is the database answering?"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz() -> tuple[WerkzeugResponse, int]:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        log.warning("health check: database unavailable: %s", error.__class__.__name__)
        db.session.rollback()
        return jsonify(status="unavailable", database="unavailable"), 503
    return jsonify(status="ok", database="ok"), 200
