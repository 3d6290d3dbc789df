"""Delighted's Autopilot (a person surveyed again every so often) as our periodic NPS:
a member is a customer enrolled for NPS every cadence (``services.nps``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.ingest.people import CustomerInput
from feedback_app.models import Customer, Survey
from feedback_app.services.nps import cadence_days, enrol_person
from feedback_app.services.surveys import survey_for_kind
from surveys.kinds import SurveyKind


@dataclass(frozen=True)
class Autopilot:
    survey: Survey
    #: Days between two surveys of one member.
    cadence_days: int


def autopilot(now: datetime) -> Autopilot:
    """The periodic NPS's survey and cadence."""
    survey = survey_for_kind(SurveyKind.NPS, now)
    db.session.commit()
    return Autopilot(survey, cadence_days(survey))


def members_after(
    after_id: int, limit: int, customer_id: int | None = None, email: str | None = None
) -> list[Customer]:
    """Up to ``limit`` enrolled customers with an id above ``after_id``, oldest first."""
    query = sa.select(Customer).where(Customer.nps_enrolled.is_(True), Customer.id > after_id)
    if customer_id is not None:
        query = query.where(Customer.id == customer_id)
    if email is not None:
        query = query.where(Customer.email == email)
    return list(db.session.scalars(query.order_by(Customer.id).limit(limit)))


def join(email: str, properties: dict[str, Any] | None, now: datetime) -> Customer:
    """Enrol the person (added if new, properties merged) for periodic NPS; commits."""
    return enrol_person(CustomerInput(email=email, properties=properties), now).customer


def leave(customer: Customer) -> None:
    """Take the customer out of periodic NPS; they and their answers stay. Commits."""
    customer.nps_enrolled = False
    customer.nps_next_at = None
    db.session.commit()
