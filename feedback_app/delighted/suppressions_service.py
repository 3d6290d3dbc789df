"""Unsubscribed and bounced people, as Delighted listed them: oldest first, by number."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from feedback_app.extensions import db
from feedback_app.models import Customer, Unsubscribe
from feedback_app.services.suppression import customer_for_email, unsubscribe


def unsubscribe_everywhere(email: str, now: datetime) -> None:
    """Opt the address out of every survey, as its unsubscribe link does; commits."""
    unsubscribe(customer_for_email(email, now), None, "api", now)
    db.session.commit()


def _between(query: Any, column: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column <= until)
    return query


def unsubscribes_page(
    since: datetime | None, until: datetime | None, offset: int, limit: int
) -> list[Unsubscribe]:
    """The opt-outs in force (from every survey or one kind), oldest first."""
    query = sa.select(Unsubscribe).options(joinedload(Unsubscribe.customer))
    query = _between(
        query.where(Unsubscribe.revoked_at.is_(None)), Unsubscribe.created_at, since, until
    )
    query = query.order_by(Unsubscribe.created_at, Unsubscribe.id).offset(offset).limit(limit)
    return list(db.session.scalars(query))


def bounces_page(
    since: datetime | None, until: datetime | None, offset: int, limit: int
) -> list[Customer]:
    """The customers whose address bounced, first bounced first."""
    query = _between(
        sa.select(Customer).where(Customer.bounced_at.is_not(None)),
        Customer.bounced_at,
        since,
        until,
    )
    query = query.order_by(Customer.bounced_at, Customer.id).offset(offset).limit(limit)
    return list(db.session.scalars(query))
