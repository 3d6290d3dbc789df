"""Delighted's values: times as integer Unix seconds, ids as strings, pages of at most 100."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, overload

from pydantic import Field

from feedback_app.web.guards.values import MAX_PAGE
from feedback_app.web.inputs import FIRST_YEAR, LAST_YEAR, Input, Rule, WholeNumber, invalid

#: Delighted's page sizes: 20 unless asked, at most 100.
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
#: The Unix seconds of the first and the last instant our calendar takes.
FIRST_SECOND = int(datetime(FIRST_YEAR, 1, 1, tzinfo=UTC).timestamp())
LAST_SECOND = int(datetime(LAST_YEAR, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class UnixTime(Rule):
    """An instant as whole Unix seconds: a JSON integer, or ASCII digits in a query or form
    (and in JSON, as some scripts send them), returned as an aware UTC datetime."""

    def read(self, value: object, from_text: bool) -> datetime:
        number = WholeNumber(0, LAST_SECOND).read(value, from_text or isinstance(value, str))
        return datetime.fromtimestamp(number, UTC)

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "integer",
            "minimum": FIRST_SECOND,
            "maximum": LAST_SECOND,
            "description": "Unix time in seconds.",
        }


@overload
def unix(value: datetime) -> int: ...
@overload
def unix(value: datetime | None) -> int | None: ...
def unix(value: datetime | None) -> int | None:
    """An aware datetime as whole Unix seconds, as every Delighted answer writes times."""
    return None if value is None else int(value.timestamp())


class PageQuery(Input):
    """``page`` and ``per_page`` of a list paged by number."""

    invalid_message = "invalid parameters"

    page: Annotated[int, WholeNumber(1, MAX_PAGE), Field(description="From 1.")] = 1
    per_page: Annotated[
        int, WholeNumber(1, MAX_PAGE_SIZE), Field(description="20 unless given; at most 100.")
    ] = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


class RangeQuery(PageQuery):
    """A list paged by number, of what was created from ``since`` to before ``until``."""

    since: Annotated[datetime | None, UnixTime()] = None
    until: Annotated[datetime | None, UnixTime()] = None


def blank_is_none(value: str) -> str | None:
    """Our empty texts as Delighted's nulls."""
    return value or None


@dataclass(frozen=True)
class Options(Rule):
    """Some of ``options``: ``expand[]=person`` (a list, as brackets give it), or
    ``expand=person,notes``."""

    options: tuple[str, ...]

    def read(self, value: object, from_text: bool) -> frozenset[str] | None:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise invalid("must be a list of " + ", ".join(self.options))
        chosen = {item.strip() for item in items} - {""}
        if not chosen <= set(self.options):
            raise invalid("must be one or more of " + ", ".join(self.options))
        return frozenset(chosen) or None

    def json_schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string", "enum": list(self.options)}}


@dataclass(frozen=True)
class PersonId(Rule):
    """A person's id as Delighted wrote ids: ``"42"``, or the number 42; or, as the Python
    client sends back an expanded person, the object with its ``id``."""

    def read(self, value: object, from_text: bool) -> int:
        if isinstance(value, dict):
            value = value.get("id")
        return WholeNumber(1).read(value, isinstance(value, str))

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [{"type": "string", "pattern": "^[0-9]+$"}, {"type": "integer"}]}
