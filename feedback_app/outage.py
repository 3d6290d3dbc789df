"""The database out of reach for a moment: how web processes and the worker recognise it.

A restarting server, a cut network or (on SQLite) a writer holding the lock past the busy
timeout surface as these errors. Neither kind of process needs restarting afterwards: on
PostgreSQL a connection that failed is dropped with the rest of the pool, and one that sat
idle is tested before use (``check_idle_connections``); a SQLite file needs no reconnecting.
So the next request or job run after the database is back simply works.
"""

from __future__ import annotations

import time
from contextlib import suppress
from typing import Any

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


#: A pooled connection used this recently is taken as alive without a test.
IDLE_CHECK_SECONDS = 1.0


def check_idle_connections(engine: sa.Engine, idle_seconds: float = IDLE_CHECK_SECONDS) -> None:
    """Test a pooled connection before use only if it sat idle for ``idle_seconds``.

    ``pool_pre_ping`` tests every checkout, a round trip on every request. A connection
    returned a moment ago is almost surely alive, and if the server went away in that moment
    the request fails like those in flight did, and takes the pool down with it. One that sat
    idle through a restart is tested and replaced before anyone uses it.
    """

    @sa.event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool drops this connection and checks out another (a fresh one).
                raise sa.exc.DisconnectionError(describe(error)) from error
            raise
