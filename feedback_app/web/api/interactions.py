"""POST /api/v1/interactions: a helpdesk reports an interaction; we invite its customer once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from flask import Blueprint, current_app
from pydantic import Field, ValidationInfo, field_validator
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.models import ApiScope, Invitation
from feedback_app.services.ingest import (
    AgentInput,
    CustomerInput,
    InteractionInput,
    ingest_interaction,
)
from feedback_app.services.invitations import survey_url
from feedback_app.web.api.answers import Time, iso
from feedback_app.web.api.errors import ApiError
from feedback_app.web.api.operations import operation
from feedback_app.web.inputs import (
    Choice,
    Email,
    Flag,
    Input,
    Locale,
    Properties,
    Text,
    Timestamp,
    WholeNumber,
    invalid,
)
from surveys.channels import InvalidChannel
from surveys.invitations import InvitationStatus
from surveys.kinds import SurveyKind
from surveys.settings import MAX_DELAY_SECONDS

bp = Blueprint("interactions", __name__)

SURVEY_CHOICES = ("csat", "ces", "none")
#: The reason given when no invitation exists because the post asked for ``survey: none``.
NOT_REQUESTED = "not_requested"


class CustomerIn(Input):
    """A customer; on a repost the fields given replace the stored ones."""

    email: Annotated[str, Email()]
    name: Annotated[str | None, Text()] = None
    external_id: Annotated[str | None, Text(allow_int=True)] = None
    locale: Annotated[str | None, Locale()] = None
    properties: Annotated[
        dict[str, Any] | None, Properties(), Field(description="Merged key by key.")
    ] = None

    def as_input(self) -> CustomerInput:
        return CustomerInput(**self.model_dump(include=set(CustomerIn.model_fields)))


class AgentIn(Input):
    email: Annotated[str, Email()]
    name: Annotated[str | None, Text()] = None


class InteractionIn(Input):
    """A closed ticket, chat or call."""

    external_id: Annotated[str, Text(allow_int=True), Field(description="Your ticket's id.")]
    customer: CustomerIn
    channel: Annotated[
        str | None,
        Text(allow_int=True),
        Field(
            description="Your helpdesk's name for it (web, voice, WhatsApp, Freshdesk's 7): "
            "the channel aliases give its label; Other when not given."
        ),
    ] = None
    agent: AgentIn | None = None
    team: Annotated[str | None, Text()] = None
    topic: Annotated[
        str | None, Text(), Field(description="The ticket's type or category, e.g. Billing.")
    ] = None
    answered: Annotated[bool, Flag(), Field(description="false for an abandoned call or chat.")] = (
        True
    )
    opened_at: Annotated[datetime | None, Timestamp()] = None
    first_response_at: Annotated[datetime | None, Timestamp()] = None
    first_response_seconds: Annotated[
        int | None,
        WholeNumber(),
        Field(description="The first response as a duration, when there is no time for it."),
    ] = None
    resolved_at: Annotated[datetime | None, Timestamp()] = None
    handle_seconds: Annotated[
        int | None, WholeNumber(), Field(description="The total, when its parts are unknown.")
    ] = None
    talk_seconds: Annotated[int | None, WholeNumber()] = None
    hold_seconds: Annotated[int | None, WholeNumber()] = None
    after_work_seconds: Annotated[int | None, WholeNumber()] = None
    first_contact_resolved: Annotated[bool | None, Flag()] = None
    survey: Annotated[
        str | None,
        Choice(SURVEY_CHOICES),
        Field(description="FEEDBACK_DEFAULT_INTERACTION_SURVEY when not given."),
    ] = None
    delay_seconds: Annotated[
        int | None,
        WholeNumber(maximum=MAX_DELAY_SECONDS),
        Field(
            description="From the post to the invitation; the survey's own delay when not given."
        ),
    ] = None

    @field_validator("first_response_at", "resolved_at")
    @classmethod
    def _not_before_opened(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        opened_at = info.data.get("opened_at")
        if opened_at and value and value < opened_at:
            raise invalid("must not be before opened_at")
        return value


class InvitationOut(TypedDict):
    id: int
    status: InvitationStatus
    survey: SurveyKind
    scheduled_for: Time
    expires_at: Time
    #: The page to answer it, for your own emails.
    survey_url: str


class InvitationAnswer(TypedDict):
    """The usable invitation and no reason, or no invitation and why not."""

    invitation: InvitationOut | None
    #: unsubscribed, bounced, throttled or survey_disabled (with the suppressed invitation
    #: recorded), not_requested after ``survey: none``, enrolled for people.
    reason: str | None
    suppressed_invitation_id: int | None


class InteractionAnswer(InvitationAnswer):
    interaction_id: int


@operation(
    bp,
    "POST",
    "/interactions",
    scope=ApiScope.INGEST,
    body=InteractionIn,
    answers={202: InteractionAnswer, 200: InteractionAnswer},
)
def create_interaction(body: InteractionIn) -> tuple[InteractionAnswer, int]:
    """Record an interaction and invite its customer once.

    A new ``external_id`` answers 202; posting it again updates the interaction and its
    customer and answers 200 with the same invitation, never a second one.
    """
    try:
        result = ingest_interaction(interaction_input(body), utcnow())
    except InvalidChannel as error:
        raise ApiError(422, error.message, {"channel": error.message}) from None
    answer: InteractionAnswer = {
        "interaction_id": result.interaction.id,
        **invitation_answer(result.invitation, NOT_REQUESTED),
    }
    return answer, 202 if result.created else 200


def interaction_input(body: InteractionIn) -> InteractionInput:
    """The service's input: every field of the body as it is, but for these three, so a new
    field is one line in ``InteractionIn`` and one in ``InteractionInput``."""
    survey = body.survey or current_app.config["DEFAULT_INTERACTION_SURVEY"]
    return InteractionInput(
        **body.model_dump(exclude={"customer", "agent", "survey"}),
        customer=body.customer.as_input(),
        agent=AgentInput(**body.agent.model_dump()) if body.agent else None,
        survey=None if survey == "none" else SurveyKind(survey),
    )


def invitation_answer(invitation: Invitation | None, reason_if_none: str) -> InvitationAnswer:
    """How an answer shows an invitation: the usable invitation, or null and the reason.

    A suppressed invitation is recorded but cannot be answered, so it shows as
    ``invitation: null`` with its suppression reason and the recorded row's id.
    """
    if invitation is None:
        return {"invitation": None, "reason": reason_if_none, "suppressed_invitation_id": None}
    if invitation.status is InvitationStatus.SUPPRESSED:
        reason = invitation.suppression_reason
        return {
            "invitation": None,
            "reason": reason.value if reason else None,
            "suppressed_invitation_id": invitation.id,
        }
    return {
        "invitation": {
            "id": invitation.id,
            "status": invitation.status,
            "survey": invitation.survey.kind,
            "scheduled_for": iso(invitation.scheduled_for),
            "expires_at": iso(invitation.expires_at),
            "survey_url": survey_url(invitation),
        },
        "reason": None,
        "suppressed_invitation_id": None,
    }
