"""``/v1/people``: create or update a person and schedule their survey, list people by
cursor, delete a person and all their data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, field_validator
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.delighted.api import next_page, route
from feedback_app.delighted.people_service import (
    PeopleFilters,
    SurveyRequest,
    find_person,
    people_after,
    person_facts,
    schedule_survey,
)
from feedback_app.delighted.shapes import PersonOut, people_payloads, person_payload
from feedback_app.delighted.values import MAX_PAGE_SIZE, PAGE_SIZE, UnixTime, unix
from feedback_app.ingest.people import CustomerInput
from feedback_app.models import ApiScope
from feedback_app.privacy.forget import forget_person
from feedback_app.web.api.errors import ApiError
from feedback_app.web.inputs import (
    Choice,
    Email,
    Flag,
    Input,
    Locale,
    Properties,
    Text,
    WholeNumber,
    invalid,
)
from surveys.invitations import InvitationStatus
from surveys.settings import MAX_DELAY_SECONDS

#: The property Delighted read as the survey's language.
LOCALE = "locale"


class PersonIn(Input):
    """A person to survey by email; SMS is not offered."""

    email: Annotated[str, Email()]
    name: Annotated[str | None, Text()] = None
    channel: Annotated[str, Choice(("email",))] = "email"
    delay: Annotated[
        int,
        WholeNumber(0, MAX_DELAY_SECONDS),
        Field(description="Seconds from now to the survey."),
    ] = 0
    send: Annotated[
        bool, Flag(), Field(description="false only creates or updates the person.")
    ] = True
    properties: Annotated[
        dict[str, Any] | None,
        Properties(),
        Field(description="Merged into the person's; `locale` picks the survey's language."),
    ] = None

    @field_validator("properties")
    @classmethod
    def _locale_is_a_language(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and value.get(LOCALE) is not None:
            try:
                Locale().read(value[LOCALE], False)
            except ValueError as error:
                raise invalid(f"{LOCALE} {error}") from None
        return value

    def request(self) -> SurveyRequest:
        properties = self.properties or {}
        locale = properties.get(LOCALE)
        return SurveyRequest(
            CustomerInput(
                email=self.email,
                name=self.name,
                locale=locale.strip() if isinstance(locale, str) and locale.strip() else None,
                properties=properties or None,
            ),
            send=self.send,
            delay=self.delay,
        )


class ScheduledOut(PersonOut):
    #: When the survey goes out; null when none was asked for, or when our fatigue rule
    #: suppressed it (unsubscribed, bounced, surveyed too recently), as Delighted's
    #: throttling skipped a send without an error.
    survey_scheduled_at: int | None
    properties: dict[str, Any]


@route("POST", "/people", scope=ApiScope.INGEST, body=PersonIn, answers={200: ScheduledOut})
def create_person(body: PersonIn) -> ScheduledOut:
    """Create or update a person and schedule their NPS survey.

    The person is found by email; the fields given replace theirs and `properties` are merged
    into theirs. Unless `send` is false, an NPS survey is scheduled `delay` seconds on, under
    the fatigue rule: a suppressed one answers `survey_scheduled_at: null`.
    """
    scheduled = schedule_survey(body.request(), utcnow())
    customer, invitation = scheduled.customer, scheduled.invitation
    facts = person_facts([customer])[customer.id]
    send_at = None
    if invitation is not None and invitation.status is InvitationStatus.SCHEDULED:
        send_at = unix(invitation.scheduled_for)
    return {
        **person_payload(customer, facts),
        "survey_scheduled_at": send_at,
        "properties": customer.properties,
    }


class PeopleQuery(Input):
    invalid_message = "invalid parameters"

    per_page: Annotated[
        int, WholeNumber(1, MAX_PAGE_SIZE), Field(description="20 unless given; at most 100.")
    ] = PAGE_SIZE
    since: Annotated[datetime | None, UnixTime()] = None
    until: Annotated[datetime | None, UnixTime()] = None
    email: Annotated[str | None, Email()] = None
    page_info: Annotated[
        int,
        WholeNumber(0),
        Field(description="The cursor of the next page, as the `Link` header gives it."),
    ] = 0

    def filters(self) -> PeopleFilters:
        return PeopleFilters(since=self.since, until=self.until, email=self.email)


@route("GET", "/people", scope=ApiScope.READ, query=PeopleQuery, answers={200: list[PersonOut]})
def list_people(query: PeopleQuery) -> tuple[list[PersonOut], dict[str, str]]:
    """People, oldest first, a page at a time.

    The next page is at the URL of the `Link: <…>; rel="next"` header, absent on the last.
    """
    found = people_after(query.filters(), query.page_info, query.per_page + 1)
    page, headers = next_page(found, query.per_page, lambda customer: customer.id)
    return people_payloads(page), headers


class Done(TypedDict):
    ok: bool


@route(
    "DELETE",
    "/people/<path:identifier>",
    scope=ApiScope.ADMIN,
    answers={202: Done},
    errors=(404, 422),
)
def delete_person(identifier: str) -> tuple[Done, int]:
    """Delete a person and all their data, named by id, `email:ADDRESS` or `phone_number:…`.

    As our privacy tools forget a customer: their scores stay, tied to nobody.
    """
    try:
        customer = find_person(identifier)
    except ValueError as error:
        raise ApiError(422, "invalid person", {"identifier": str(error)}) from None
    if customer is None:
        raise ApiError(404, "no person has this identifier")
    forget_person(customer, utcnow())
    return {"ok": True}, 202
