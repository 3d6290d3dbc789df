"""Survey responses as Delighted listed them: filtered, ordered, a page at a time, with the
notes of their follow-up cases and the tags of their reviews."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from feedback_app.comment_review.models import LIST_ORDER
from feedback_app.delighted.notes_and_tags import Note, from_delighted
from feedback_app.extensions import db
from feedback_app.ingest.people import CustomerInput, upsert_customer
from feedback_app.models import (
    CaseEvent,
    CommentReview,
    CommentTag,
    Customer,
    EventKind,
    FollowUpCase,
    Response,
    ReviewTag,
)
from feedback_app.services.responses import record_response
from feedback_app.services.surveys import survey_for_kind
from surveys.answers import ResponseSource
from surveys.kinds import SurveyKind


class Order(enum.StrEnum):
    """Delighted's ``order``: by creation (the default) or by last change, either way."""

    ASC = "asc"
    DESC = "desc"
    ASC_UPDATED = "asc:updated_at"
    DESC_UPDATED = "desc:updated_at"


@dataclass(frozen=True)
class ResponseFilters:
    """Which responses to list; None means any. Both ends of each range are included."""

    since: datetime | None = None
    until: datetime | None = None
    updated_since: datetime | None = None
    updated_until: datetime | None = None
    #: Delighted's trend: one of our surveys.
    survey_id: int | None = None
    customer_id: int | None = None
    email: str | None = None


def responses_page(
    filters: ResponseFilters, order: Order, offset: int, limit: int
) -> list[Response]:
    """One page of the responses matching ``filters``, with their customers loaded."""
    query = sa.select(Response).options(joinedload(Response.customer))
    bounds = (
        (Response.created_at, filters.since, filters.until),
        (Response.updated_at, filters.updated_since, filters.updated_until),
    )
    for column, low, high in bounds:
        if low is not None:
            query = query.where(column >= low)
        if high is not None:
            query = query.where(column <= high)
    if filters.survey_id is not None:
        query = query.where(Response.survey_id == filters.survey_id)
    if filters.customer_id is not None:
        query = query.where(Response.customer_id == filters.customer_id)
    if filters.email is not None:
        query = query.join(Customer, Customer.id == Response.customer_id).where(
            Customer.email == filters.email
        )
    column = Response.updated_at if order.value.endswith("updated_at") else Response.created_at
    if order.value.startswith("desc"):
        query = query.order_by(column.desc(), Response.id.desc())
    else:
        query = query.order_by(column, Response.id)
    return list(db.session.scalars(query.offset(offset).limit(limit)).unique())


def tags_of(responses: Sequence[Response]) -> dict[int, list[str]]:
    """Each response's review tags, then the tags imported from Delighted, by response id,
    in two queries."""
    tags: dict[int, list[str]] = {response.id: [] for response in responses}
    rows = db.session.execute(
        sa.select(CommentReview.response_id, ReviewTag.name)
        .join(CommentTag, CommentTag.review_id == CommentReview.id)
        .join(ReviewTag, ReviewTag.id == CommentTag.tag_id)
        .where(CommentReview.response_id.in_(tags))
        .order_by(CommentReview.response_id, *LIST_ORDER)
    )
    for response_id, name in rows:
        tags[response_id].append(name)
    for response_id, kept in from_delighted(tags).items():
        tags[response_id].extend(kept.tags)
    return tags


def notes_of(responses: Sequence[Response]) -> dict[int, list[Note]]:
    """Each response's notes: those imported from Delighted, then the internal notes of its
    follow-up case, oldest first; in two queries."""
    notes: dict[int, list[Note]] = {response.id: [] for response in responses}
    rows: Any = db.session.execute(
        sa.select(FollowUpCase.response_id, CaseEvent)
        .join(CaseEvent, CaseEvent.case_id == FollowUpCase.id)
        .where(FollowUpCase.response_id.in_(notes), CaseEvent.kind == EventKind.NOTE)
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    for response_id, event in rows:
        notes[response_id].append(Note(str(event.id), event.body, event.actor, event.at))
    for response_id, kept in from_delighted(notes).items():
        notes[response_id][:0] = kept.notes
    return notes


def find_response(response_id: int) -> Response | None:
    """The response with this id. Loaded alone, not joined to its customer: a change locks
    the row by refreshing it ``FOR UPDATE``, which PostgreSQL refuses across an outer join."""
    return db.session.get(Response, response_id)


@dataclass(frozen=True)
class ResponseChange:
    """What ``PUT /v1/survey_responses/{id}`` asks to change; None keeps a value."""

    customer: Customer | None = None
    score: int | None = None
    comment: str | None = None
    properties: dict[str, Any] | None = None


def update_response(response: Response, change: ResponseChange, now: datetime) -> Response:
    """Change an answer's score and comment (at any age: a correction, not the customer's
    edit), move it to another person, and merge properties into its person's; commits.

    The worker settles the change as any edit (rollups, follow-up case, ``response.updated``
    webhooks); a change to nothing writes nothing.

    :raises InvalidScore, InvalidComment: as ``record_response``; nothing is written.
    """
    response = record_response(
        response.survey,
        response.score if change.score is None else change.score,
        change.comment,
        now,
        source=ResponseSource.API,
        response=response,
        by_staff=True,
    )
    customer = change.customer
    if customer is not None and customer.id != response.customer_id:
        response.customer_id = customer.id
        response.updated_at = now
        response.unsettled = True
        flag_modified(response, "unsettled")
    owner = customer or response.customer
    merged = {**owner.properties, **(change.properties or {})} if owner else {}
    if owner is not None and merged != owner.properties:
        upsert_customer(CustomerInput(email=owner.email, properties=change.properties), now)
    db.session.commit()
    return response


def add_response(
    customer: Customer,
    score: int,
    comment: str | None,
    properties: dict[str, Any] | None,
    created_at: datetime,
) -> Response:
    """Record an NPS answer by ``customer`` made at ``created_at`` (as an import would), the
    properties merged into theirs; commits."""
    if properties:
        upsert_customer(CustomerInput(email=customer.email, properties=properties), created_at)
    return record_response(
        survey_for_kind(SurveyKind.NPS, created_at),
        score,
        comment,
        created_at,
        source=ResponseSource.API,
        customer=customer,
    )
