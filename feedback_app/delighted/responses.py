"""``/v1/survey_responses``: the answers, listed a page at a time, read one by one, added and
changed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from feedback_app.clock import utcnow
from feedback_app.delighted.api import route
from feedback_app.delighted.responses_service import (
    Order,
    ResponseChange,
    ResponseFilters,
    add_response,
    find_response,
    responses_page,
    update_response,
)
from feedback_app.delighted.shapes import SurveyResponseOut, responses_payloads
from feedback_app.delighted.values import Options, PersonId, RangeQuery, UnixTime
from feedback_app.extensions import db
from feedback_app.models import ApiScope, Customer, Response
from feedback_app.web.api.errors import ApiError
from feedback_app.web.inputs import Choice, Email, Input, Properties, Text, WholeNumber
from surveys.answers import MAX_COMMENT_LENGTH
from surveys.errors import DomainError

EXPANSIONS = ("person", "notes")


class ExpandQuery(Input):
    invalid_message = "invalid parameters"

    expand: Annotated[
        frozenset[str] | None,
        Options(EXPANSIONS),
        Field(description="`expand[]=person`, `expand[]=notes`, or `expand=person,notes`."),
    ] = None

    def payload(self, response: Response) -> SurveyResponseOut:
        """The response as Delighted wrote it, expanded as asked."""
        return self.payloads([response])[0]

    def payloads(self, responses: list[Response]) -> list[SurveyResponseOut]:
        expand = self.expand or frozenset()
        return responses_payloads(
            responses, expand_person="person" in expand, expand_notes="notes" in expand
        )


class ResponseQuery(RangeQuery, ExpandQuery):
    updated_since: Annotated[datetime | None, UnixTime()] = None
    updated_until: Annotated[datetime | None, UnixTime()] = None
    trend: Annotated[
        int | None, WholeNumber(1), Field(description="A survey's id: its answers only.")
    ] = None
    person_id: Annotated[int | None, WholeNumber(1)] = None
    person_email: Annotated[str | None, Email()] = None
    order: Annotated[Order, Choice(Order)] = Order.ASC

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
    return query.payloads(
        responses_page(query.filters(), query.order, query.offset, query.per_page)
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
    response = add_response(
        _person(body.person),
        body.score,
        body.comment,
        body.person_properties,
        body.created_at or utcnow(),
    )
    return responses_payloads([response])[0], 201


def _person(person_id: int) -> Customer:
    customer = db.session.get(Customer, person_id)
    if customer is None:
        raise ApiError(
            422, "some fields are missing or invalid", {"person": "no person has this id"}
        )
    return customer


def _response(response_id: int) -> Response:
    response = find_response(response_id)
    if response is None:
        raise ApiError(404, "no survey response has this id")
    return response


@route(
    "GET",
    "/survey_responses/<id:response_id>",
    scope=ApiScope.READ,
    query=ExpandQuery,
    answers={200: SurveyResponseOut},
    errors=(404,),
)
def get_response(response_id: int, query: ExpandQuery) -> SurveyResponseOut:
    """One survey response, its person and notes expanded if asked."""
    return query.payload(_response(response_id))


class ResponseChangeIn(Input):
    """The fields a change may give; the rest of a response sent back whole (as the Python
    client's ``save()`` sends it, ``id``, ``permalink`` and all) is ignored."""

    person: Annotated[
        int | None,
        PersonId(),
        Field(description="Move the answer to this person: an id, or their expanded record."),
    ] = None
    score: Annotated[int | None, WholeNumber(0, 10)] = None
    comment: Annotated[
        str | None,
        Text(max_length=MAX_COMMENT_LENGTH),
        Field(description="The whole comment as it should read; null keeps it."),
    ] = None
    person_properties: Annotated[
        dict[str, Any] | None, Properties(), Field(description="Merged into the person's.")
    ] = None


@route(
    "PUT",
    "/survey_responses/<id:response_id>",
    scope=ApiScope.INGEST,
    body=ResponseChangeIn,
    query=ExpandQuery,
    answers={200: SurveyResponseOut},
    errors=(404, 422),
)
def change_response(
    response_id: int, body: ResponseChangeIn, query: ExpandQuery
) -> SurveyResponseOut:
    """Change an answer's score or comment, move it to another person, or merge properties
    into its person's; any answer, however old.

    The change counts and notifies as the customer's own edit would.
    """
    response = _response(response_id)
    customer = None if body.person is None else _person(body.person)
    change = ResponseChange(customer, body.score, body.comment, body.person_properties)
    try:
        changed = update_response(response, change, utcnow())
    except DomainError as error:
        raise ApiError(
            422, "some fields are missing or invalid", {error.field or "score": error.message}
        ) from None
    return query.payload(changed)
