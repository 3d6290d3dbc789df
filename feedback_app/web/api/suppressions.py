"""Opt-outs and bounces over the API: ``/api/v1/unsubscribes`` and ``/api/v1/bounces``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Customer, Unsubscribe
from feedback_app.services.suppression import customer_for_email, record_bounce, unsubscribe
from feedback_app.web.api import json_body, paginated
from feedback_app.web.api.fields import Reader, iso
from surveys.kinds import SurveyKind

bp = Blueprint("suppressions", __name__)

#: ``kind`` values: a survey kind, or every survey.
SCOPES = (*(kind.value for kind in SurveyKind), "all")


def unsubscribe_payload(record: Unsubscribe) -> dict[str, object]:
    return {
        "id": record.id,
        "email": record.customer.email,
        "kind": record.kind.value if record.kind else "all",
        "source": record.source,
        "created_at": iso(record.created_at),
        "revoked_at": iso(record.revoked_at),
    }


@bp.post("/unsubscribes")
def create_unsubscribe() -> tuple[WerkzeugResponse, int]:
    """Opt a customer out of one survey kind or of all; asking again answers 200 with the same."""
    reader = Reader(json_body())
    email = reader.email("email", required=True)
    scope = reader.choice("kind", SCOPES, default="all")
    reader.check()
    assert email is not None and scope is not None
    now = utcnow()
    kind = None if scope == "all" else SurveyKind(scope)
    record, created = unsubscribe(customer_for_email(email, now), kind, "api", now)
    db.session.commit()
    return jsonify(unsubscribe_payload(record)), 201 if created else 200


@bp.get("/unsubscribes")
def list_unsubscribes() -> WerkzeugResponse:
    """Newest first; ``active=true`` leaves out those an admin reversed; ``email`` filters."""
    reader = Reader(request.args)
    active = reader.choice("active", ("true", "false"))
    email = reader.email("email")
    reader.check("invalid filters")
    query = sa.select(Unsubscribe).order_by(Unsubscribe.id.desc())
    if active is not None:
        revoked = Unsubscribe.revoked_at.is_(None)
        query = query.where(revoked if active == "true" else sa.not_(revoked))
    if email is not None:
        query = query.join(Customer).where(Customer.email == email)
    return jsonify(paginated(query, unsubscribe_payload))


@bp.post("/bounces")
def create_bounce() -> tuple[WerkzeugResponse, int]:
    """Record a hard bounce: the address gets no more invitations."""
    reader = Reader(json_body())
    email = reader.email("email", required=True)
    reader.check()
    assert email is not None
    customer, suppressed = record_bounce(email, utcnow())
    db.session.commit()
    return jsonify(
        email=customer.email,
        bounced_at=iso(customer.bounced_at),
        suppressed_invitations=suppressed,
    ), 201
