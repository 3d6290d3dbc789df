"""Claiming due rows so that two workers running the same job never handle a row twice.

A job selects the rows that are due *and not yet done*, claims them with ``claim``, marks
each one done (and writes its outbox rows) in the same transaction, and commits. Until the
commit no other worker can take those rows:

- PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED``. Another worker skips the locked rows at
  once; once the first commits, the "not yet done" condition excludes them.
- SQLite: it has a single writer, so the claim takes the write lock first (``BEGIN
  IMMEDIATE``); another worker waits (up to the busy timeout) and then sees the rows done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from feedback_app.extensions import db

T = TypeVar("T")


def claim(statement: sa.Select[tuple[T]], *, limit: int, of: Any = None) -> Sequence[T]:
    """Lock and return up to ``limit`` rows of ``statement`` for this transaction.

    :param statement: selects the due, not-yet-done rows, in the order to handle them.
    :param of: on a join, the entity whose rows to lock (PostgreSQL locks every joined
        table's rows otherwise).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        take_write_lock()
        return db.session.scalars(statement.limit(limit)).all()
    return db.session.scalars(statement.limit(limit).with_for_update(skip_locked=True, of=of)).all()


def take_write_lock() -> None:
    """On SQLite, make this transaction the single writer now, not at its first write.

    Without it two workers could both read the same due rows before either writes. A
    transaction that has already written holds the lock; nothing more is needed then.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
