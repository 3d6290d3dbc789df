"""GET /api/v1/responses: stored responses, newest first, filtered and paged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Required

from flask import Blueprint
from pydantic import Field
from typing_extensions import TypedDict

from feedback_app.models import ApiScope, Response
from feedback_app.questions.service import answers_as_json, answers_by_response
from feedback_app.services.response_queries import ResponseFilters, responses_query
from feedback_app.web.api.answers import Page, Time, iso
from feedback_app.web.api.operations import operation
from feedback_app.web.api.paging import PageQuery, paginated_together
from feedback_app.web.inputs import Choice, Timestamp
from surveys.bucketing import Bucket
from surveys.kinds import SurveyKind
from surveys.questions import Answer

bp = Blueprint("responses", __name__)


class ResponseQuery(PageQuery):
    since: Annotated[
        datetime | None, Timestamp(), Field(description="Created at or after; write + as %2B.")
    ] = None
    until: Annotated[datetime | None, Timestamp(), Field(description="Created before.")] = None
    kind: Annotated[SurveyKind | None, Choice(SurveyKind)] = None
    bucket: Annotated[Bucket | None, Choice(Bucket)] = None


class AnswerOut(TypedDict, total=False):
    """One additional question's answer: ``choices`` (ids), ``text`` or ``rating``."""

    question: Required[int]
    choices: list[int]
    text: str
    rating: int


class ResponseOut(TypedDict):
    id: int
    score: int
    bucket: Bucket
    comment: str
    #: The answers to the survey's additional questions, in its order of questions.
    answers: list[AnswerOut]
    kind: SurveyKind
    survey_id: int
    customer_email: str | None
    interaction_external_id: str | None
    channel: str | None
    agent_email: str | None
    team: str | None
    created_at: Time
    updated_at: Time


@operation(
    bp,
    "GET",
    "/responses",
    scope=ApiScope.READ,
    query=ResponseQuery,
    answers={200: Page[ResponseOut]},
)
def list_responses(query: ResponseQuery) -> Page[ResponseOut]:
    """Stored responses, newest first, filtered and paged."""
    filters = ResponseFilters(
        since=query.since, until=query.until, kind=query.kind, bucket=query.bucket
    )
    return paginated_together(responses_query(filters), response_payloads, query)


def response_payloads(responses: Sequence[Response]) -> list[ResponseOut]:
    """Responses as the API gives them, their answers read in one query."""
    answers = answers_by_response(response.id for response in responses)
    return [response_payload(response, answers.get(response.id, [])) for response in responses]


def response_payload(response: Response, answers: Sequence[Answer]) -> ResponseOut:
    """A response as the API gives it, with its answers to the additional questions."""
    return {
        "id": response.id,
        "score": response.score,
        "bucket": response.bucket,
        "comment": response.comment,
        "answers": answers_as_json(answers),
        "kind": response.kind,
        "survey_id": response.survey_id,
        "customer_email": response.customer.email if response.customer else None,
        "interaction_external_id": (
            response.interaction.external_id if response.interaction else None
        ),
        "channel": response.channel,
        "agent_email": response.agent.email if response.agent else None,
        "team": response.team.name if response.team else None,
        "created_at": iso(response.created_at),
        "updated_at": iso(response.updated_at),
    }
