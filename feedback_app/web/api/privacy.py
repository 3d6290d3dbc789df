"""``/api/v1/people/<email>``: a customer's data exported (GET ``…/export``) or forgotten
(DELETE), for a helpdesk or CRM that handles privacy requests."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.models import Customer
from feedback_app.privacy.export import export_person
from feedback_app.privacy.forget import forget_person
from feedback_app.privacy.people import find_customer
from feedback_app.web.api import ApiError

bp = Blueprint("privacy", __name__)


def _customer(email: str) -> Customer:
    """The customer with ``email``: 422 if it is not an address, 404 if nobody has it."""
    try:
        customer = find_customer(email)
    except ValueError as error:
        raise ApiError(422, "invalid email", {"email": str(error)}) from None
    if customer is None:
        raise ApiError(404, "no customer has this address")
    return customer


@bp.get("/people/<path:email>/export")
def export(email: str) -> WerkzeugResponse:
    return jsonify(export_person(_customer(email), utcnow()))


@bp.delete("/people/<path:email>")
def forget(email: str) -> WerkzeugResponse:
    return jsonify(forget_person(_customer(email), utcnow()))
