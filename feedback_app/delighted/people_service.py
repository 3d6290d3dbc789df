"""People as Delighted knew them: our customers, surveyed for NPS when a script asks.

``POST /v1/people`` is Delighted's one way to send a survey: upsert the person, then schedule
one NPS invitation ``delay`` seconds on. It goes through our fatigue rule like every other
invitation, so an unsubscribed, bounced or recently surveyed person gets a suppressed
invitation (recorded, never sent) and the call still succeeds, as Delighted's throttling
did. It does not enrol anyone in periodic NPS: that is Autopilot's membership.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.ingest.people import CustomerInput, upsert_customer
from feedback_app.ingest.transactions import committed
from feedback_app.models import Customer, Invitation, Response
from feedback_app.privacy.people import find_customer
from feedback_app.services.invitations import invite_or_suppress
from feedback_app.services.support.entries import aware
from feedback_app.services.surveys import survey_for_kind
from feedback_app.web.guards.values import whole_number
from surveys.invitations import InvitationStatus
from surveys.kinds import SurveyKind


@dataclass(frozen=True)
class SurveyRequest:
    """A person to upsert and, with ``send``, to survey ``delay`` seconds from now."""

    customer: CustomerInput
    send: bool = True
    delay: int = 0


@dataclass(frozen=True)
class Scheduled:
    customer: Customer
    #: The invitation made (scheduled, or suppressed by the fatigue rule), if ``send``.
    invitation: Invitation | None


@dataclass(frozen=True)
class PersonFacts:
    """What Delighted showed of a person besides their own fields."""

    last_sent_at: datetime | None = None
    last_responded_at: datetime | None = None
    next_survey_scheduled_at: datetime | None = None


def schedule_survey(request: SurveyRequest, now: datetime) -> Scheduled:
    """Upsert the person and, if asked, add their NPS invitation under the fatigue rule;
    commits."""

    def work() -> Scheduled:
        customer = upsert_customer(request.customer, now)
        invitation = None
        if request.send:
            invitation = invite_or_suppress(
                survey_for_kind(SurveyKind.NPS, now),
                customer,
                now,
                send_at=now + timedelta(seconds=request.delay),
            )
        return Scheduled(customer, invitation)

    return committed(work, keep_loaded=True)


def person_facts(customers: Sequence[Customer]) -> dict[int, PersonFacts]:
    """Each customer's last survey sent, last answer and next survey due, by id, in two
    queries: the next one is the earliest scheduled invitation, else their periodic NPS."""
    ids = [customer.id for customer in customers]
    if not ids:
        return {}
    scheduled = InvitationStatus.SCHEDULED
    invitations: dict[int, Any] = {
        row.customer_id: row
        for row in db.session.execute(
            sa.select(
                Invitation.customer_id,
                sa.func.max(Invitation.sent_at).label("sent"),
                sa.func.min(
                    sa.case((Invitation.status == scheduled, Invitation.scheduled_for))
                ).label("next"),
            )
            .where(Invitation.customer_id.in_(ids))
            .group_by(Invitation.customer_id)
        )
    }
    answered: dict[int | None, datetime] = dict(
        db.session.execute(
            sa.select(Response.customer_id, sa.func.max(Response.created_at))
            .where(Response.customer_id.in_(ids))
            .group_by(Response.customer_id)
        ).all()  # type: ignore[arg-type]
    )
    facts = {}
    for customer in customers:
        row = invitations.get(customer.id)
        periodic = customer.nps_next_at if customer.nps_enrolled else None
        following = [when for when in (row.next if row else None, periodic) if when is not None]
        facts[customer.id] = PersonFacts(
            last_sent_at=aware(row.sent) if row else None,
            last_responded_at=aware(answered.get(customer.id)),
            next_survey_scheduled_at=min(map(aware, following), default=None),
        )
    return facts


@dataclass(frozen=True)
class PeopleFilters:
    since: datetime | None = None
    until: datetime | None = None
    email: str | None = None


def people_after(filters: PeopleFilters, after_id: int, limit: int) -> list[Customer]:
    """Up to ``limit`` customers with an id above ``after_id`` (the cursor), oldest first."""
    query = sa.select(Customer).where(Customer.id > after_id)
    if filters.since is not None:
        query = query.where(Customer.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(Customer.created_at <= filters.until)
    if filters.email is not None:
        query = query.where(Customer.email == filters.email)
    return list(db.session.scalars(query.order_by(Customer.id).limit(limit)))


def find_person(identifier: str) -> Customer | None:
    """The customer named as Delighted's paths name people: ``42``, ``email:ADDRESS`` or
    ``phone_number:NUMBER`` (nobody: we keep no phone numbers).

    :raises ValueError: neither form, or an address that is not one, saying why.
    """
    kind, _, value = identifier.partition(":")
    if not value:
        kind, value = "id", identifier
    if kind == "id":
        number = whole_number(value)
        return None if number is None else db.session.get(Customer, number)
    if kind == "email":
        return find_customer(value)
    if kind == "phone_number":
        return None
    raise ValueError("must be an id, email:ADDRESS or phone_number:NUMBER")
