"""Paging a list: the ``page`` and ``per_page`` parameters, and one page of rows."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from pydantic import Field, field_validator

from feedback_app.extensions import db
from feedback_app.web.api.answers import Page
from feedback_app.web.inputs import Input, WholeNumber, invalid

T = TypeVar("T")


class PageQuery(Input):
    """The query of a list; a list's own filters extend it."""

    invalid_message = "invalid filters"

    page: Annotated[int, WholeNumber(1), Field(description="From 1.")] = 1
    per_page: Annotated[
        int | None,
        WholeNumber(1),
        Field(description="At most 500 (FEEDBACK_API_MAX_PAGE_SIZE); 50 by default."),
    ] = None

    @field_validator("per_page")
    @classmethod
    def _at_most_the_limit(cls, value: int | None) -> int | None:
        limit = current_app.config["API_MAX_PAGE_SIZE"]
        if value is not None and value > limit:
            raise invalid(f"must be at most {limit}")
        return value


def paginated(query: sa.Select[Any], serialize: Callable[[Any], T], paging: PageQuery) -> Page[T]:
    """One page of ``query``'s rows, serialized, with the totals a client needs to page on."""
    return paginated_together(query, lambda rows: [serialize(row) for row in rows], paging)


def paginated_together(
    query: sa.Select[Any], serialize: Callable[[Sequence[Any]], list[T]], paging: PageQuery
) -> Page[T]:
    """``paginated``, serializing the page's rows together (what they share read at once)."""
    per_page = paging.per_page or current_app.config["API_PAGE_SIZE"]
    total = (
        db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
        or 0
    )
    rows = db.session.scalars(query.limit(per_page).offset((paging.page - 1) * per_page)).all()
    return {
        "items": serialize(rows),
        "page": paging.page,
        "per_page": per_page,
        "total": total,
        "pages": math.ceil(total / per_page) if total else 0,
    }
