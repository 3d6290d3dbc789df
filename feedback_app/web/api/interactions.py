"""/api/v1/interactions: a helpdesk reports an interaction and we invite its customer once;
a script lists what each ticket produced."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from flask import Blueprint, current_app
from pydantic import Field, ValidationInfo, field_validator
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.ingest.interactions import InteractionInput, ingest_interaction
from feedback_app.ingest.people import AgentInput, CustomerInput
from feedback_app.ingest.queries import InteractionFilters, interactions_query
from feedback_app.models import ApiScope, Interaction, Invitation, Survey
from feedback_app.services.invitations import survey_url
from feedback_app.web.api.answers import MaybeTime, Page, Time, iso
from feedback_app.web.api.errors import ApiError
from feedback_app.web.api.operations import operation
from feedback_app.web.api.paging import PageQuery, paginated
from feedback_app.web.inputs import (
    Choice,
    Email,
    Flag,
    Input,
    Labels,
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
#: The reason a listed interaction has no invitation when it has no customer.
ANONYMOUS = "anonymous"


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
    tags: Annotated[
        tuple[str, ...] | None,
        Labels(),
        Field(description="The ticket's tags, for the survey routing rules; not stored."),
    ] = None
    survey: Annotated[
        str | None,
        Choice(SURVEY_CHOICES),
        Field(
            description="The kind; FEEDBACK_DEFAULT_INTERACTION_SURVEY when not given. "
            "The kind's routing rules choose which of its surveys."
        ),
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


class RoutingOut(TypedDict):
    """The survey the routing rules chose, and which rule (null: the kind's default)."""

    survey_id: int
    survey_name: str
    #: The rule's id when it chose; null for the kind's default or a connector's own survey.
    rule_id: int | None
    #: In words, e.g. "rule 2: channel is 'chat' and tagged 'vip'".
    reason: str


class InvitationAnswer(TypedDict):
    """The usable invitation and no reason, or no invitation and why not; and how its
    survey was chosen, when this call chose it."""

    invitation: InvitationOut | None
    #: unsubscribed, bounced, throttled or survey_disabled (with the suppressed invitation
    #: recorded), not_requested after ``survey: none``, enrolled for people.
    reason: str | None
    suppressed_invitation_id: int | None
    #: null when no survey was asked, or the invitation predates the routing rules.
    routing: RoutingOut | None


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
        **invitation_answer(
            result.invitation,
            NOT_REQUESTED,
            interaction_routing(result.interaction, result.invitation),
        ),
    }
    return answer, 202 if result.created else 200


def interaction_input(body: InteractionIn) -> InteractionInput:
    """The service's input: every field of the body as it is, but for these four, so a new
    field is one line in ``InteractionIn`` and one in ``InteractionInput``."""
    survey = body.survey or current_app.config["DEFAULT_INTERACTION_SURVEY"]
    return InteractionInput(
        **body.model_dump(exclude={"customer", "agent", "survey", "tags"}),
        customer=body.customer.as_input(),
        agent=AgentInput(**body.agent.model_dump()) if body.agent else None,
        survey=None if survey == "none" else SurveyKind(survey),
        tags=body.tags or (),
    )


def invitation_answer(
    invitation: Invitation | None, reason_if_none: str, routing: RoutingOut | None
) -> InvitationAnswer:
    """How an answer shows an invitation: the usable invitation, or null and the reason.

    A suppressed invitation is recorded but cannot be answered, so it shows as
    ``invitation: null`` with its suppression reason and the recorded row's id.
    """
    if invitation is None:
        return {
            "invitation": None,
            "reason": reason_if_none,
            "suppressed_invitation_id": None,
            "routing": routing,
        }
    if invitation.status is InvitationStatus.SUPPRESSED:
        reason = invitation.suppression_reason
        return {
            "invitation": None,
            "reason": reason.value if reason else None,
            "suppressed_invitation_id": invitation.id,
            "routing": routing,
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
        "routing": routing,
    }


def routing_answer(survey: Survey, rule_id: int | None, reason: str) -> RoutingOut:
    return {
        "survey_id": survey.id,
        "survey_name": survey.name,
        "rule_id": rule_id,
        "reason": reason,
    }


def interaction_routing(
    interaction: Interaction, invitation: Invitation | None
) -> RoutingOut | None:
    """How the interaction's survey was chosen, as recorded when it was first posted."""
    if invitation is None or interaction.routing_reason is None:
        return None
    return routing_answer(
        invitation.survey, interaction.routing_rule_id, interaction.routing_reason
    )


class InteractionQuery(PageQuery):
    external_id: Annotated[str | None, Text(), Field(description="Your ticket's id, exactly.")] = (
        None
    )
    source: Annotated[
        str | None, Text(max_length=60), Field(description="api, or a connector's id.")
    ] = None
    since: Annotated[
        datetime | None, Timestamp(), Field(description="Recorded at or after; write + as %2B.")
    ] = None
    until: Annotated[datetime | None, Timestamp(), Field(description="Recorded before.")] = None


class ListedInvitationOut(TypedDict):
    id: int
    status: InvitationStatus
    survey: SurveyKind
    survey_id: int
    scheduled_for: Time
    sent_at: MaybeTime
    responded_at: MaybeTime


class InteractionOut(TypedDict):
    id: int
    source: str
    external_id: str
    customer_email: str | None
    channel: str
    agent_email: str | None
    team: str | None
    opened_at: MaybeTime
    resolved_at: MaybeTime
    created_at: Time
    updated_at: Time
    #: The invitation its first post made, suppressed ones included; null when none was.
    invitation: ListedInvitationOut | None
    #: Why nobody will be asked: the suppression reason of a suppressed invitation;
    #: not_requested when none was made, anonymous for a contact without a customer.
    reason: str | None
    routing: RoutingOut | None


@operation(
    bp,
    "GET",
    "/interactions",
    scope=ApiScope.READ,
    query=InteractionQuery,
    answers={200: Page[InteractionOut]},
)
def list_interactions(query: InteractionQuery) -> Page[InteractionOut]:
    """Stored interactions, newest first, each with the invitation it made or why none."""
    filters = InteractionFilters(
        external_id=query.external_id, source=query.source, since=query.since, until=query.until
    )
    return paginated(interactions_query(filters), interaction_payload, query)


def interaction_payload(interaction: Interaction) -> InteractionOut:
    invitation = interaction.invitations[0] if interaction.invitations else None
    return {
        "id": interaction.id,
        "source": interaction.source,
        "external_id": interaction.external_id,
        "customer_email": interaction.customer.email if interaction.customer else None,
        "channel": interaction.channel,
        "agent_email": interaction.agent.email if interaction.agent else None,
        "team": interaction.team.name if interaction.team else None,
        "opened_at": iso(interaction.opened_at),
        "resolved_at": iso(interaction.resolved_at),
        "created_at": iso(interaction.created_at),
        "updated_at": iso(interaction.updated_at),
        "invitation": None if invitation is None else listed_invitation(invitation),
        "reason": no_invitation_reason(interaction, invitation),
        "routing": interaction_routing(interaction, invitation),
    }


def listed_invitation(invitation: Invitation) -> ListedInvitationOut:
    """An invitation as a list shows it: no answer link, which only the ingest key gets."""
    return {
        "id": invitation.id,
        "status": invitation.status,
        "survey": invitation.survey.kind,
        "survey_id": invitation.survey_id,
        "scheduled_for": iso(invitation.scheduled_for),
        "sent_at": iso(invitation.sent_at),
        "responded_at": iso(invitation.responded_at),
    }


def no_invitation_reason(interaction: Interaction, invitation: Invitation | None) -> str | None:
    if invitation is not None:
        reason = invitation.suppression_reason
        return reason.value if invitation.status is InvitationStatus.SUPPRESSED and reason else None
    return NOT_REQUESTED if interaction.customer_id is not None else ANONYMOUS
