"""Agent comment review: the tags an agent can put on a comment about their work."""

from __future__ import annotations

import enum

from surveys.errors import DomainError


class ReviewTag(enum.StrEnum):
    PRAISE = "praise"
    PRODUCT = "product"
    BILLING = "billing"
    PROCESS = "process"
    OTHER = "other"


class InvalidTag(DomainError):
    """A tag outside ``ReviewTag``."""


def parse_tags(values: list[str]) -> frozenset[ReviewTag]:
    """The tags named by ``values`` (duplicates ignored), or raise naming the unknown one."""
    tags = set()
    for value in values:
        try:
            tags.add(ReviewTag(value))
        except ValueError:
            names = ", ".join(t.value for t in ReviewTag)
            raise InvalidTag(f"unknown tag {value!r}; expected one of {names}", "tags") from None
    return frozenset(tags)
