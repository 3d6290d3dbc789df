"""What API answers share: how they write times, and the page of a list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar, overload

from pydantic import WithJsonSchema
from typing_extensions import TypedDict

T = TypeVar("T")

#: A time as every answer writes it: ISO 8601 in UTC with a ``Z``.
Time = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
MaybeTime = Annotated[
    str | None, WithJsonSchema({"type": ["string", "null"], "format": "date-time"})
]


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: datetime | None) -> str | None: ...
def iso(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in UTC with a ``Z``, as every API answer writes times."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Page(TypedDict, Generic[T]):
    """One page of a list, with the totals a client needs to page on."""

    items: list[T]
    page: int
    per_page: int
    total: int
    pages: int
