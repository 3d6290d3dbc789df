"""What Delighted's webhooks carried as ``event_data``: a survey response with its person
expanded to their id, email, name and creation time (as Delighted's documentation shows), or
an opt-out as ``GET /v1/unsubscribes`` lists it."""

from __future__ import annotations

from typing import Any

from feedback_app.delighted.shapes import responses_payloads
from feedback_app.delighted.values import blank_is_none, unix
from feedback_app.models import Response, Unsubscribe


def event_data(record: Response | Unsubscribe) -> dict[str, Any]:
    """The ``event_data`` of an event about ``record``."""
    customer = record.customer
    if isinstance(record, Unsubscribe):
        return {
            "person_id": str(customer.id),
            "email": customer.email,
            "name": blank_is_none(customer.name),
            "unsubscribed_at": unix(record.created_at),
        }
    data: dict[str, Any] = dict(responses_payloads([record], expand_notes=True)[0])
    if customer is not None:
        data["person"] = {
            "id": str(customer.id),
            "email": customer.email,
            "name": blank_is_none(customer.name),
            "created_at": unix(customer.created_at),
        }
    return data
