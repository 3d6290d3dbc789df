"""Reading the audit log back."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import AuditEvent


def logged(prefix: str = "") -> list[tuple[Any, ...]]:
    """(actor kind, actor, address, action, target, details) of each event whose action
    starts with ``prefix``, oldest first."""
    db.session.expire_all()
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if prefix:
        query = query.where(AuditEvent.action.startswith(prefix))
    return [
        (e.actor_kind.value, e.actor, e.address, e.action, e.target, e.details)
        for e in db.session.scalars(query)
    ]


def log_text() -> str:
    """Every column of every event, as one text to search for what must not be there."""
    with db.engine.connect() as connection:
        rows = connection.execute(sa.select(AuditEvent.__table__)).all()
    return "\n".join(repr(tuple(row)) for row in rows)
