"""Finding stored responses: the filtered listing the API pages through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from feedback_app.models import Response
from feedback_app.text_match import contains_text
from surveys.bucketing import Bucket
from surveys.kinds import SurveyKind


@dataclass(frozen=True)
class ResponseFilters:
    """Which responses to list; None means any."""

    #: Created at or after this instant.
    since: datetime | None = None
    #: Created before this instant.
    until: datetime | None = None
    kind: SurveyKind | None = None
    bucket: Bucket | None = None


def responses_query(filters: ResponseFilters) -> sa.Select[Any]:
    """Responses matching ``filters``, newest first, with customer, interaction, agent and
    team loaded in the same query (no query per row)."""
    query = sa.select(Response).options(
        joinedload(Response.customer),
        joinedload(Response.interaction),
        joinedload(Response.agent),
        joinedload(Response.team),
    )
    if filters.since is not None:
        query = query.where(Response.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(Response.created_at < filters.until)
    if filters.kind is not None:
        query = query.where(Response.kind == filters.kind)
    if filters.bucket is not None:
        query = query.where(Response.bucket == filters.bucket)
    return query.order_by(Response.created_at.desc(), Response.id.desc())


def comment_has_words(search: str) -> list[sa.ColumnElement[bool]]:
    """That the response's comment holds every word of ``search``, in any case; a ``%`` or
    ``_`` typed is only itself, on SQLite as on PostgreSQL."""
    return [contains_text(Response.comment, word) for word in search.split()]
