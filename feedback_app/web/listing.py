"""One page of a query's rows for staff pages, with what a pager needs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import abort, request
from flask_wtf import FlaskForm
from wtforms import SearchField
from wtforms.validators import Length

from feedback_app.extensions import db
from feedback_app.web.guards.values import MAX_PAGE, whole_number

T = TypeVar("T")
PER_PAGE = 25
#: The longest text a listing's search box takes.
SEARCH_LENGTH = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    total: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def page_of(query: sa.Select[tuple[T]], per_page: int = PER_PAGE) -> Page[T]:
    """The page of ``query`` named by the ``page`` query argument; anything but a whole
    number from 1 to ``MAX_PAGE`` is a 400 saying so."""
    number = whole_number(request.args.get("page", "1"), MAX_PAGE)
    if number is None:
        abort(400, f"The page number must be a whole number from 1 to {MAX_PAGE}.")
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    items = db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(items, number, total or 0, per_page)


def page_url_args(number: int) -> dict[str, Any]:
    """The current query arguments with ``page`` set to ``number``, for pager links."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(number)]
    return args


class SearchForm(FlaskForm):
    """A listing's search box, read from the query string (a GET: no CSRF token), so that
    its pager links keep the search."""

    q = SearchField("Search", validators=[Length(max=SEARCH_LENGTH)])

    def __init__(self, label: str) -> None:
        super().__init__(request.args, meta={"csrf": False})
        self.q.label.text = label

    def text(self) -> str:
        """What to search for; nothing when it is too long (the page says so)."""
        return "" if self.q.errors else (self.q.data or "")
