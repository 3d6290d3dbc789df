"""``/v1/survey_responses``: the answers, listed a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from feedback_app.delighted.api import route
from feedback_app.delighted.responses_service import Order, ResponseFilters, responses_page
from feedback_app.delighted.shapes import SurveyResponseOut, responses_payloads
from feedback_app.delighted.values import Options, RangeQuery, UnixTime
from feedback_app.models import ApiScope
from feedback_app.web.inputs import Choice, Email, WholeNumber

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
