"""``/api/v1/people/<email>``: a customer's data exported (GET ``…/export``) or forgotten
(DELETE), for a helpdesk or CRM that handles privacy requests. Both need an ``admin`` key."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.models import ApiScope, Customer
from feedback_app.privacy.export import export_person
from feedback_app.privacy.forget import forget_person
from feedback_app.privacy.people import find_customer
from feedback_app.web.api.errors import ApiError
from feedback_app.web.api.operations import operation

bp = Blueprint("privacy", __name__)


class PersonExport(TypedDict):
    """The export document; the README describes each part. Keys are only ever added."""

    format: str
    version: int
    exported_at: str
    customer: dict[str, Any]
    interactions: list[dict[str, Any]]
    invitations: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    emails: list[dict[str, Any]]
    webhook_deliveries: list[dict[str, Any]]
    unsubscribes: list[dict[str, Any]]
    helpdesk_deliveries: list[dict[str, Any]]


class Forgotten(TypedDict):
    """How many rows of each kind went, and how many were kept tied to nobody."""

    deleted: dict[str, int]
    kept_anonymous: dict[str, int]


def _customer(email: str) -> Customer:
    """The customer with ``email``: 422 if it is not an address, 404 if nobody has it."""
    try:
        customer = find_customer(email)
    except ValueError as error:
        raise ApiError(422, "invalid email", {"email": str(error)}) from None
    if customer is None:
        raise ApiError(404, "no customer has this address")
    return customer


@operation(
    bp,
    "GET",
    "/people/<path:email>/export",
    scope=ApiScope.ADMIN,
    answers={200: PersonExport},
    errors=(404, 422),
)
def export(email: str) -> PersonExport:
    """Everything stored about the customer with this address, as one JSON document."""
    return export_person(_customer(email), utcnow())  # type: ignore[return-value]


@operation(
    bp,
    "DELETE",
    "/people/<path:email>",
    scope=ApiScope.ADMIN,
    answers={200: Forgotten},
    errors=(404, 422),
)
def forget(email: str) -> Forgotten:
    """Forget the customer with this address: delete everything about them, keeping their
    scores and interactions tied to nobody (see the README's *Privacy*)."""
    return forget_person(_customer(email), utcnow())  # type: ignore[return-value]
