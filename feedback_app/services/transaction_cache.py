"""Reads kept for the rest of one database transaction.

A transaction that writes many rows (a batch of settled answers) reads what cannot change
under it once, not once per row. Read without flushing the caller's pending rows first,
which such reads do not need; a change made later in the same transaction is not seen until
the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from feedback_app.extensions import db

T = TypeVar("T")


def per_transaction(key: str, load: Callable[[], T]) -> T:
    """``load()``, or what it returned earlier in the current transaction under ``key``."""
    cached = db.session.info.get(key)
    transaction = db.session().get_transaction()
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1]
    with db.session.no_autoflush:
        value = load()
    db.session.info[key] = (db.session().get_transaction(), value)
    return value
