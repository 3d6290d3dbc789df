"""``/v1/survey_responses``: the answers, listed a page at a time, and added."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from feedback_app.clock import utcnow
from feedback_app.delighted.api import route
from feedback_app.delighted.responses_service import (
    Order,
    ResponseFilters,
    add_response,
    responses_page,
)
from feedback_app.delighted.shapes import SurveyResponseOut, responses_payloads
from feedback_app.delighted.values import Options, PersonId, RangeQuery, UnixTime
from feedback_app.extensions import db
from feedback_app.models import ApiScope, Customer
from feedback_app.web.api.errors import ApiError
from feedback_app.web.inputs import Choice, Email, Input, Properties, Text, WholeNumber
from surveys.answers import MAX_COMMENT_LENGTH

EXPANSIONS = ("person", "notes")


class ResponseQuery(RangeQuery):
    updated_since: Annotated[datetime | None, UnixTime()] = None
    updated_until: Annotated[datetime | None, UnixTime()] = None
    trend: Annotated[
        int | None, WholeNumber(1), Field(description="A survey's id: its answers only.")
    ] = None
    person_id: Annotated[int | None, WholeNumber(1)] = None
    person_email: Annotated[str | None, Email()] = None
    order: Annotated[Order, Choice(Order)] = Order.ASC
    expand: Annotated[
        frozenset[str] | None,
        Options(EXPANSIONS),
        Field(description="`expand[]=person`, `expand[]=notes`, or `expand=person,notes`."),
    ] = None

    def filters(self) -> ResponseFilters:
        return ResponseFilters(
            since=self.since,
            until=self.until,
            updated_since=self.updated_since,
            updated_until=self.updated_until,
            survey_id=self.trend,
            customer_id=self.person_id,
            email=self.person_email,
        )


@route(
    "GET",
    "/survey_responses",
    scope=ApiScope.READ,
    query=ResponseQuery,
    answers={200: list[SurveyResponseOut]},
)
def list_responses(query: ResponseQuery) -> list[SurveyResponseOut]:
    """Survey responses, oldest first unless `order` says otherwise, a page at a time.

    An empty page is the end of the list.
    """
    expand = query.expand or frozenset()
    return responses_payloads(
        responses_page(query.filters(), query.order, query.offset, query.per_page),
        expand_person="person" in expand,
        expand_notes="notes" in expand,
    )


class ResponseIn(Input):
    person: Annotated[
        int, PersonId(), Field(description="The person's id, as `POST /v1/people` gave it.")
    ]
    score: Annotated[int, WholeNumber(0, 10)]
    comment: Annotated[str | None, Text(max_length=MAX_COMMENT_LENGTH)] = None
    person_properties: Annotated[
        dict[str, Any] | None, Properties(), Field(description="Merged into the person's.")
    ] = None
    created_at: Annotated[
        datetime | None, UnixTime(), Field(description="When it was answered; now if not given.")
    ] = None


@route(
    "POST",
    "/survey_responses",
    scope=ApiScope.INGEST,
    body=ResponseIn,
    answers={201: SurveyResponseOut},
    errors=(422,),
)
def create_response(body: ResponseIn) -> tuple[SurveyResponseOut, int]:
    """Add an NPS answer by a person, with its comment; counted like any other answer."""
    customer = db.session.get(Customer, body.person)
    if customer is None:
        raise ApiError(
            422, "some fields are missing or invalid", {"person": "no person has this id"}
        )
    response = add_response(
        customer, body.score, body.comment, body.person_properties, body.created_at or utcnow()
    )
    return responses_payloads([response])[0], 201
