"""POST /api/v1/people: enrol a customer for periodic NPS, or invite them now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from flask import Blueprint
from pydantic import Field, ValidationInfo, field_validator
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.ingest.people import CustomerInput, LifecycleError
from feedback_app.models import ApiScope, Customer
from feedback_app.services.nps import enrol_person
from feedback_app.web.api.answers import MaybeTime, iso
from feedback_app.web.api.errors import ApiError
from feedback_app.web.api.interactions import (
    CustomerIn,
    InvitationAnswer,
    invitation_answer,
    routing_answer,
)
from feedback_app.web.api.operations import operation
from feedback_app.web.inputs import Choice, Timestamp, invalid

bp = Blueprint("people", __name__)

#: The reason given when no invitation was made now: the schedule-nps job invites the
#: customer at ``nps_next_at``.
ENROLLED = "enrolled"


class PersonIn(CustomerIn):
    """A customer to survey for NPS; ``send: now`` invites them at once."""

    send: Annotated[str | None, Choice(("now",))] = None
    customer_since: Annotated[
        datetime | None,
        Timestamp(),
        Field(description="When they became a customer: counted in retention from then."),
    ] = None
    churned_at: Annotated[
        datetime | None,
        Timestamp(),
        Field(description="When they stopped being a customer."),
    ] = None

    @field_validator("churned_at")
    @classmethod
    def _not_before_since(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        since = info.data.get("customer_since")
        if since and value and value < since:
            raise invalid("must not be before customer_since")
        return value

    def as_input(self) -> CustomerInput:
        return CustomerInput(
            **self.model_dump(include={*CustomerIn.model_fields, "customer_since", "churned_at"})
        )


class CustomerOut(TypedDict):
    id: int
    email: str
    name: str
    external_id: str | None
    locale: str | None
    properties: dict[str, Any]
    nps_enrolled: bool
    nps_next_at: MaybeTime
    customer_since: MaybeTime
    churned_at: MaybeTime


class PersonAnswer(InvitationAnswer):
    customer: CustomerOut


@operation(
    bp,
    "POST",
    "/people",
    scope=ApiScope.INGEST,
    body=PersonIn,
    answers={202: PersonAnswer, 200: PersonAnswer},
)
def enrol(body: PersonIn) -> tuple[PersonAnswer, int]:
    """Enrol a customer for NPS every cadence, or invite them now.

    202 when it enrolled or invited, 200 when the customer was already enrolled.
    """
    try:
        result = enrol_person(body.as_input(), utcnow(), send_now=body.send == "now")
    except LifecycleError as error:
        raise ApiError(422, PersonIn.invalid_message, {error.field: error.message}) from None
    answer: PersonAnswer = {
        "customer": customer_payload(result.customer),
        **invitation_answer(
            result.invitation,
            ENROLLED,
            routing_answer(result.routed.survey, result.routed.rule_id, result.routed.reason),
        ),
    }
    return answer, 202 if result.changed else 200


def customer_payload(customer: Customer) -> CustomerOut:
    return {
        "id": customer.id,
        "email": customer.email,
        "name": customer.name,
        "external_id": customer.external_id,
        "locale": customer.locale,
        "properties": customer.properties,
        "nps_enrolled": customer.nps_enrolled,
        "nps_next_at": iso(customer.nps_next_at),
        "customer_since": iso(customer.customer_since),
        "churned_at": iso(customer.churned_at),
    }
