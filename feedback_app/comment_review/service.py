"""Agent comment review: the responses on an agent's own interactions, acknowledged and tagged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import (
    Agent,
    CommentReview,
    CommentTag,
    Interaction,
    Response,
    ReviewTag,
    User,
)
from feedback_app.services.response_queries import comment_has_words
from surveys.bucketing import Bucket
from surveys.kinds import SurveyKind


@dataclass(frozen=True)
class ReviewFilters:
    """Empty fields do not filter."""

    kind: SurveyKind | None = None
    bucket: Bucket | None = None
    acknowledged: bool | None = None
    #: A tag's id.
    tag: int | None = None
    #: Words looked for in the comment, case-insensitively.
    search: str = ""
    #: Only responses that carry a comment.
    with_comment: bool = False


def agent_ids_of(user: User) -> sa.Select[tuple[int]]:
    """The helpdesk agents who are ``user`` (matched by email)."""
    return sa.select(Agent.id).where(Agent.email == user.email)


def is_own(user: User, interaction: Interaction | None) -> bool:
    """Whether ``interaction`` was handled by ``user`` as an agent."""
    return (
        interaction is not None
        and interaction.agent is not None
        and interaction.agent.email == user.email
    )


def review_query(user: User, filters: ReviewFilters) -> sa.Select[tuple[Response]]:
    """Responses on ``user``'s own interactions matching ``filters``, newest first."""
    query = sa.select(Response).where(Response.agent_id.in_(agent_ids_of(user)))
    if filters.kind is not None:
        query = query.where(Response.kind == filters.kind)
    if filters.bucket is not None:
        query = query.where(Response.bucket == filters.bucket)
    if filters.with_comment:
        query = query.where(Response.comment != "")
    acknowledged = sa.exists().where(
        CommentReview.response_id == Response.id, CommentReview.acknowledged_at.is_not(None)
    )
    if filters.acknowledged is True:
        query = query.where(acknowledged)
    elif filters.acknowledged is False:
        query = query.where(~acknowledged)
    if filters.tag is not None:
        query = query.where(
            sa.exists()
            .where(CommentReview.response_id == Response.id)
            .where(CommentTag.review_id == CommentReview.id, CommentTag.tag_id == filters.tag)
        )
    query = query.where(*comment_has_words(filters.search))
    return query.order_by(Response.created_at.desc(), Response.id.desc())


def reviews_of(responses: list[Response]) -> dict[int, CommentReview]:
    """The review of each response that has one, by response id."""
    ids = [response.id for response in responses]
    rows = db.session.scalars(sa.select(CommentReview).where(CommentReview.response_id.in_(ids)))
    return {review.response_id: review for review in rows}


def review_response(
    response: Response,
    reviewer: User,
    *,
    acknowledged: bool,
    tags: set[ReviewTag],
    now: datetime,
) -> CommentReview:
    """Set whether ``reviewer`` has acknowledged ``response`` and its tags; flushes only.

    Acknowledging again keeps the first acknowledgement's time.
    """
    review = db.session.scalar(
        sa.select(CommentReview).where(CommentReview.response_id == response.id)
    ) or CommentReview(response_id=response.id)
    review.reviewer_id = reviewer.id
    if not acknowledged:
        review.acknowledged_at = None
    elif review.acknowledged_at is None:
        review.acknowledged_at = now
    kept = [row for row in review.tag_rows if row.tag in tags]
    added = [CommentTag(tag=tag) for tag in tags - {row.tag for row in kept}]
    review.tag_rows = kept + added
    review.updated_at = now
    db.session.add(review)
    db.session.flush()
    audit.record("comment.reviewed", f"response:{response.id}", {"tags": review.tag_names})
    return review


def acknowledge_responses(responses: list[Response], reviewer: User, now: datetime) -> int:
    """Acknowledge those of ``responses`` not acknowledged yet, keeping their tags: each as if
    acknowledged on its own, audit event and all; flushes only. Returns how many."""
    reviews = reviews_of(responses)
    count = 0
    for response in responses:
        review = reviews.get(response.id)
        if review is None or review.acknowledged_at is None:
            tags = set(review.tags) if review else set()
            review_response(response, reviewer, acknowledged=True, tags=tags, now=now)
            count += 1
    return count
