"""Periodic NPS: enrolling people, and the job that invites those whose NPS is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.ingest.people import CustomerInput, upsert_customer
from feedback_app.ingest.transactions import committed
from feedback_app.models import Customer, Invitation, Survey
from feedback_app.routing.service import Routed, choose_survey, customer_contact, router
from feedback_app.services.invitations import invite_or_suppress, invite_or_suppress_many
from surveys.cadence import due_and_next, first_due
from surveys.invitations import InvitationStatus
from surveys.kinds import SurveyKind

#: Customers one run of ``schedule-nps`` handles at most; the next run takes the rest.
NPS_BATCH_SIZE = 200


@dataclass(frozen=True)
class EnrolResult:
    customer: Customer
    #: True if this call enrolled the customer (or invited them now).
    changed: bool
    #: The invitation made now (``send_now``), scheduled or suppressed; else None.
    invitation: Invitation | None
    #: The NPS survey the customer's invitations go to, and why.
    routed: Routed


def cadence_days(survey: Survey) -> int:
    """Days between two periodic NPS invitations to one customer."""
    return survey.cadence_days or current_app.config["NPS_CADENCE_DAYS"]


def enrol_person(data: CustomerInput, now: datetime, *, send_now: bool = False) -> EnrolResult:
    """Upsert the customer and enrol them for periodic NPS; commits.

    A new enrolment's first NPS falls due at a point of the cadence derived from the email
    (``surveys.cadence.first_due``); enrolling again keeps the schedule. With ``send_now``
    the customer is invited at once (under the fatigue rule); if that invitation is
    scheduled, the next periodic one is a full cadence later.
    """
    return committed(lambda: _enrol(data, now, send_now))


def _enrol(data: CustomerInput, now: datetime, send_now: bool) -> EnrolResult:
    customer = upsert_customer(data, now)
    routed = choose_survey(SurveyKind.NPS, customer_contact(customer), now)
    survey = routed.survey
    cadence = cadence_days(survey)
    invitation = invite_or_suppress(survey, customer, now) if send_now else None
    changed = send_now or not customer.nps_enrolled
    if invitation is not None and invitation.status is InvitationStatus.SCHEDULED:
        customer.nps_next_at = now + timedelta(days=cadence)
    elif not customer.nps_enrolled or customer.nps_next_at is None:
        customer.nps_next_at = first_due(customer.email, cadence, now)
    customer.nps_enrolled = True
    return EnrolResult(customer, changed, invitation, routed)


def schedule_due_nps(now: datetime, *, batch_size: int = NPS_BATCH_SIZE) -> int:
    """Job ``schedule-nps``: invite (or record as suppressed) enrolled customers now due.

    Handles at most ``batch_size`` customers, oldest due first; each invitation goes to the
    NPS survey the routing rules choose for the customer, scheduled for their due time, and
    their next one is set a cadence later. On PostgreSQL, rows another run holds are
    skipped, so two runs never invite one customer twice. Commits; returns the number of
    customers handled.
    """
    choose = router(SurveyKind.NPS, now)
    customers = db.session.scalars(
        sa.select(Customer)
        .where(Customer.nps_enrolled.is_(True), Customer.nps_next_at <= now)
        .order_by(Customer.nps_next_at, Customer.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    ).all()
    by_survey: dict[int, tuple[Survey, list[tuple[Customer, datetime]]]] = {}
    for customer in customers:
        survey = choose(customer_contact(customer)).survey
        due_at, customer.nps_next_at = due_and_next(customer.nps_next_at, cadence_days(survey), now)
        by_survey.setdefault(survey.id, (survey, []))[1].append((customer, due_at))
    for survey, due in by_survey.values():
        invite_or_suppress_many(survey, due, now)
    db.session.commit()
    return len(customers)
