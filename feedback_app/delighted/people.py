"""``/v1/people``: create or update a person and schedule their survey."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from feedback_app.clock import utcnow
from feedback_app.delighted.api import route
from feedback_app.delighted.people_service import SurveyRequest, person_facts, schedule_survey
from feedback_app.delighted.shapes import PersonOut, person_payload
from feedback_app.delighted.values import unix
from feedback_app.models import ApiScope
from feedback_app.services.ingest import CustomerInput
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
