"""Counting API key use per key, scope and UTC day, without a database write per request.

Each web process tallies its API requests in memory and adds the tally to ``api_key_uses``
with one upsert at most every ``AUDIT_KEY_USE_FLUSH_SECONDS`` (and when gunicorn stops the
worker). The upsert is committed at once, at the start of the request that finds the tally
due, when its session holds nothing but the key's last use; through a connection of its own
it would wait, on SQLite, on any write lock the session took. A process killed outright
loses at most that many seconds of counts: these are usage figures, while the actions a key
takes are audit events of their own.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite

from feedback_app.audit.models import ApiKeyUse
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import ApiKey

log = logging.getLogger(__name__)


@dataclass
class _Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[tuple[int, str, date]] = field(default_factory=Counter)
    flushed_at: datetime | None = None


def _tally(app: Flask) -> _Tally:
    return app.extensions.setdefault("audit.key_uses", _Tally())


def count_key_use(api_key: ApiKey, scope: str) -> None:
    """Count one request by ``api_key`` using ``scope`` (the one its operation declares);
    writes the tally when due.

    The first request of a process writes at once, so a key's first use shows up at once.
    """
    now = utcnow()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    tally = _tally(app)
    every = timedelta(seconds=float(app.config["AUDIT_KEY_USE_FLUSH_SECONDS"]))
    with tally.lock:
        tally.counts[(api_key.id, scope, now.astimezone(UTC).date())] += 1
        due = tally.flushed_at is None or now - tally.flushed_at >= every
    if due:
        flush_key_uses(now)


def flush_key_uses(now: datetime | None = None) -> int:
    """Add this process's tally to the database now and commit; returns how many rows it
    wrote. If the database cannot take it, the counts stay in the tally for the next try.
    """
    tally = _tally(current_app._get_current_object())  # type: ignore[attr-defined]
    with tally.lock:
        counts, tally.counts = tally.counts, Counter()
        tally.flushed_at = now or utcnow()
    if not counts:
        return 0
    rows = [
        {"key_id": key_id, "scope": scope, "day": day, "count": count}
        for (key_id, scope, day), count in sorted(counts.items())
    ]
    try:
        db.session.execute(_upsert(db.session.get_bind().dialect.name), rows)
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        log.warning("API key use of %d keys dropped: a key is gone", len(counts))
        return 0
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        with tally.lock:
            tally.counts.update(counts)
        log.warning("API key use not written yet, kept for the next try: %s", error)
        return 0
    return len(rows)


def flush_on_exit(app: object) -> None:
    """Write the tally of a web process that is stopping (gunicorn's ``worker_exit``)."""
    if isinstance(app, Flask):
        with app.app_context():
            flush_key_uses()


@functools.cache
def _upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT adding the new count to the stored one."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ApiKeyUse.__table__
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.key_id, table.c.scope, table.c.day],
        set_={"count": table.c["count"] + statement.excluded["count"]},
    )
