"""The database out of reach for a moment: how web processes and the worker recognise it.

A restarting server, a cut network or (on SQLite) a writer holding the lock past the busy
timeout surface as these errors. Neither kind of process needs restarting afterwards: on
PostgreSQL the pool tests each connection before use (``pool_pre_ping``) and replaces the
broken ones, and a SQLite file needs no reconnecting, so the next request or job run after
the database is back simply works.
"""

from __future__ import annotations

from contextlib import suppress

import sqlalchemy as sa

from feedback_app.extensions import db

#: Raised when the database cannot be reached or stops answering: connection refused or
#: dropped, "database is locked", or no pooled connection free in time.
UNAVAILABLE: tuple[type[Exception], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
)


def describe(error: Exception) -> str:
    """The driver's one-line reason, for a log line without a stack trace."""
    reason = str(getattr(error, "orig", None) or error).strip()
    return reason.splitlines()[0] if reason else type(error).__name__


def abandon_transaction() -> None:
    """Roll back what the failed work began; the connection may already be gone."""
    with suppress(sa.exc.SQLAlchemyError):
        db.session.rollback()
