"""``/hooks/<connector id>``: where helpdesks deliver. The signature authorizes, not a session,
so CSRF does not apply."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.connectors.receiving import receive
from feedback_app.extensions import csrf, db
from feedback_app.models import Connector

bp = Blueprint("hooks", __name__, url_prefix="/hooks")
csrf.exempt(bp)


@bp.route("/<connector_id>", methods=["POST", "PUT", "PATCH"])
def deliver(connector_id: str) -> WerkzeugResponse:
    connector = db.session.get(Connector, connector_id[:60])
    if connector is None or connector.id != connector_id:
        response = jsonify(error="not_found", message="no connector has this URL")
        response.status_code = 404
        return response
    headers = {name.lower(): value for name, value in request.headers.items()}
    receipt = receive(connector, headers, request.get_data(cache=False), utcnow())
    if isinstance(receipt.body, str):
        return Response(receipt.body, status=receipt.status, mimetype="text/plain")
    response = jsonify(receipt.body)
    response.status_code = receipt.status
    return response
