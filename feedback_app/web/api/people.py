"""POST /api/v1/people: enrol a customer for periodic NPS, or invite them now."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.models import Customer
from feedback_app.services.nps import enrol_person
from feedback_app.web.api import json_body
from feedback_app.web.api.fields import Reader, iso
from feedback_app.web.api.interactions import invitation_answer, read_customer

bp = Blueprint("people", __name__)

#: The reason given when no invitation was made now: the schedule-nps job invites the
#: customer at ``nps_next_at``.
ENROLLED = "enrolled"


@bp.post("/people")
def enrol() -> tuple[WerkzeugResponse, int]:
    reader = Reader(json_body())
    customer = read_customer(reader)
    send = reader.choice("send", ("now",))
    reader.check()
    assert customer is not None
    result = enrol_person(customer, utcnow(), send_now=send == "now")
    body = {"customer": customer_payload(result.customer)}
    body.update(invitation_answer(result.invitation, ENROLLED))
    return jsonify(body), 202 if result.changed else 200


def customer_payload(customer: Customer) -> dict[str, object]:
    return {
        "id": customer.id,
        "email": customer.email,
        "name": customer.name,
        "external_id": customer.external_id,
        "locale": customer.locale,
        "properties": customer.properties,
        "nps_enrolled": customer.nps_enrolled,
        "nps_next_at": iso(customer.nps_next_at),
    }
