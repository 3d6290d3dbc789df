"""Reading back what follow-up wrote: cases, the outbox, timelines."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, OutboxMessage, Response


def case_of(response: Response) -> FollowUpCase | None:
    return db.session.scalar(sa.select(FollowUpCase).where(FollowUpCase.response_id == response.id))


def outbox(purpose: str | None = None) -> list[OutboxMessage]:
    """Queued messages (of ``purpose``), oldest first."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if purpose is not None:
        query = query.where(OutboxMessage.purpose == purpose)
    return list(db.session.scalars(query))


def timeline(case: FollowUpCase) -> list[tuple[str, str, dict[str, Any], str]]:
    """(actor, kind, data, body) of each event, oldest first."""
    db.session.refresh(case)
    return [(e.actor, e.kind.value, e.data, e.body) for e in case.events]
