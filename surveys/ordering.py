"""Ordered lists that staff rearrange one step at a time (routing rules, review tags)."""

from __future__ import annotations

from typing import Protocol, TypeVar


class Positioned(Protocol):
    position: int


P = TypeVar("P", bound=Positioned)


def move_one_step(items: list[P], item: P, step: int) -> int | None:
    """Swap ``item`` with its neighbour ``step`` away (-1: before, 1: after) and number
    ``items`` from 1 in their new order; ``item``'s new index, or None (nothing changed)
    when it is already first or last."""
    at = items.index(item)
    to = at + step
    if not 0 <= to < len(items):
        return None
    items[at], items[to] = items[to], items[at]
    for position, each in enumerate(items, start=1):
        each.position = position
    return to
