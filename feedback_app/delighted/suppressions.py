"""``/v1/unsubscribes`` and ``/v1/bounces``: who gets no more surveys, and why."""

from __future__ import annotations

from typing import Annotated

from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.delighted.api import route
from feedback_app.delighted.people import Done
from feedback_app.delighted.suppressions_service import (
    bounces_page,
    unsubscribe_everywhere,
    unsubscribes_page,
)
from feedback_app.delighted.values import RangeQuery, blank_is_none, unix
from feedback_app.models import ApiScope
from feedback_app.web.inputs import Email, Input


class UnsubscribeIn(Input):
    person_email: Annotated[str, Email()]


class UnsubscribedOut(TypedDict):
    person_id: str
    email: str
    name: str | None
    unsubscribed_at: int


class BouncedOut(TypedDict):
    person_id: str
    email: str
    name: str | None
    bounced_at: int


@route("POST", "/unsubscribes", scope=ApiScope.INGEST, body=UnsubscribeIn, answers={200: Done})
def create_unsubscribe(body: UnsubscribeIn) -> Done:
    """Unsubscribe a person from every survey, as their unsubscribe link does.

    Their past answers stay; asking again changes nothing.
    """
    unsubscribe_everywhere(body.person_email, utcnow())
    return {"ok": True}


@route(
    "GET",
    "/unsubscribes",
    scope=ApiScope.READ,
    query=RangeQuery,
    answers={200: list[UnsubscribedOut]},
)
def list_unsubscribes(query: RangeQuery) -> list[UnsubscribedOut]:
    """Unsubscribed people, oldest first, a page at a time; an empty page is the end.

    Opt-outs an admin reversed are left out.
    """
    records = unsubscribes_page(query.since, query.until, query.offset, query.per_page)
    return [
        {
            "person_id": str(record.customer_id),
            "email": record.customer.email,
            "name": blank_is_none(record.customer.name),
            "unsubscribed_at": unix(record.created_at),
        }
        for record in records
    ]


@route("GET", "/bounces", scope=ApiScope.READ, query=RangeQuery, answers={200: list[BouncedOut]})
def list_bounces(query: RangeQuery) -> list[BouncedOut]:
    """People whose address bounced, oldest first, a page at a time; an empty page is the end."""
    customers = bounces_page(query.since, query.until, query.offset, query.per_page)
    return [
        {
            "person_id": str(customer.id),
            "email": customer.email,
            "name": blank_is_none(customer.name),
            "bounced_at": unix(customer.bounced_at),
        }
        for customer in customers
    ]
