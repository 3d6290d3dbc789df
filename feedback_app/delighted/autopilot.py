"""``/v1/autopilot/email``: the recurring NPS's settings, and who is in it."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import Field
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.delighted.api import next_page, route
from feedback_app.delighted.autopilot_service import autopilot, join, leave, members_after
from feedback_app.delighted.values import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    PersonId,
    blank_is_none,
    unix,
)
from feedback_app.extensions import db
from feedback_app.models import ApiScope, Customer
from feedback_app.web.api.errors import ApiError
from feedback_app.web.inputs import Email, Input, Properties, WholeNumber

DAY = 86400


class AutopilotOut(TypedDict):
    platform_id: str
    #: The NPS survey is enabled.
    active: bool
    #: Seconds between two surveys of one person: the NPS cadence.
    frequency: int
    created_at: int
    #: Always null: survey settings keep no time of change.
    updated_at: int | None


class MemberPerson(TypedDict):
    id: str
    name: str | None
    email: str
    created_at: int
    phone_number: str | None


class NextSurvey(TypedDict):
    #: Always null: the periodic survey has no row until it falls due.
    id: str | None
    survey_scheduled_at: int | None
    properties: dict[str, Any]


class MembershipOut(TypedDict):
    #: When the person was added; enrolments keep no time of their own.
    created_at: int
    updated_at: int
    person: MemberPerson
    next_survey_request: NextSurvey


class JoinedOut(TypedDict):
    person: MemberPerson
    properties: dict[str, Any]


class LeftOut(TypedDict):
    person: MemberPerson


class WhoIn(Input):
    """One person, by ``person_email`` or ``person_id``."""

    person_email: Annotated[str | None, Email()] = None
    person_id: Annotated[int | None, PersonId()] = None

    def customer(self) -> Customer | None:
        """The customer named, if any; ApiError 422 when neither is given."""
        if self.person_id is not None:
            return db.session.get(Customer, self.person_id)
        if self.person_email is not None:
            return db.session.scalar(sa.select(Customer).where(Customer.email == self.person_email))
        raise ApiError(
            422,
            "some fields are missing or invalid",
            {"person_email": "is required, or person_id"},
        )


class JoinIn(WhoIn):
    properties: Annotated[
        dict[str, Any] | None, Properties(), Field(description="Merged into the person's.")
    ] = None


class MembersQuery(Input):
    invalid_message = "invalid parameters"

    per_page: Annotated[int, WholeNumber(1, MAX_PAGE_SIZE)] = PAGE_SIZE
    person_id: Annotated[int | None, WholeNumber(1)] = None
    person_email: Annotated[str | None, Email()] = None
    page_info: Annotated[int, WholeNumber(0)] = 0


def member_person(customer: Customer) -> MemberPerson:
    return {
        "id": str(customer.id),
        "name": blank_is_none(customer.name),
        "email": customer.email,
        "created_at": unix(customer.created_at),
        "phone_number": None,
    }


@route("GET", "/autopilot/email", scope=ApiScope.READ, answers={200: AutopilotOut})
def email_autopilot() -> AutopilotOut:
    """The recurring NPS by email: whether it runs, and how often a person gets it."""
    settings = autopilot(utcnow())
    return {
        "platform_id": "email",
        "active": settings.survey.enabled,
        "frequency": settings.cadence_days * DAY,
        "created_at": unix(settings.survey.created_at),
        "updated_at": None,
    }


@route(
    "GET",
    "/autopilot/email/memberships",
    scope=ApiScope.READ,
    query=MembersQuery,
    answers={200: list[MembershipOut]},
)
def list_members(query: MembersQuery) -> tuple[list[MembershipOut], dict[str, str]]:
    """The people in the recurring NPS, oldest first, paged by the `Link` header's cursor."""
    found = members_after(query.page_info, query.per_page + 1, query.person_id, query.person_email)
    page, headers = next_page(found, query.per_page, lambda customer: customer.id)
    members: list[MembershipOut] = [
        {
            "created_at": unix(customer.created_at),
            "updated_at": unix(customer.updated_at),
            "person": member_person(customer),
            "next_survey_request": {
                "id": None,
                "survey_scheduled_at": unix(customer.nps_next_at),
                "properties": customer.properties,
            },
        }
        for customer in page
    ]
    return members, headers


@route(
    "POST",
    "/autopilot/email/memberships",
    scope=ApiScope.INGEST,
    body=JoinIn,
    answers={200: JoinedOut},
)
def add_member(body: JoinIn) -> JoinedOut:
    """Add a person (new or known) to the recurring NPS; adding them again keeps their date."""
    customer = body.customer()
    email = customer.email if customer is not None else body.person_email
    if email is None:
        raise ApiError(422, "some fields are missing or invalid", {"person_id": "no such person"})
    joined = join(email, body.properties, utcnow())
    return {"person": member_person(joined), "properties": joined.properties}


@route(
    "DELETE",
    "/autopilot/email/memberships",
    scope=ApiScope.INGEST,
    body=WhoIn,
    answers={202: LeftOut},
    errors=(404,),
)
def remove_member(body: WhoIn) -> tuple[LeftOut, int]:
    """Take a person out of the recurring NPS; they and their answers stay."""
    customer = body.customer()
    if customer is None:
        raise ApiError(404, "no person has this identifier")
    leave(customer)
    return {"person": member_person(customer)}, 202
