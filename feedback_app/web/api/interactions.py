"""POST /api/v1/interactions: a helpdesk reports an interaction; we invite its customer once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.models import Invitation
from feedback_app.services.ingest import (
    AgentInput,
    CustomerInput,
    InteractionInput,
    ingest_interaction,
)
from feedback_app.services.invitations import survey_url
from feedback_app.web.api import json_body
from feedback_app.web.api.fields import Reader, iso
from surveys.channels import Channel
from surveys.invitations import InvitationStatus
from surveys.kinds import SurveyKind
from surveys.settings import MAX_DELAY_SECONDS

bp = Blueprint("interactions", __name__)

SURVEY_CHOICES = ("csat", "ces", "none")
#: The reason given when no invitation exists because the post asked for ``survey: none``.
NOT_REQUESTED = "not_requested"


@bp.post("/interactions")
def create_interaction() -> tuple[WerkzeugResponse, int]:
    data = parse_interaction(Reader(json_body()))
    result = ingest_interaction(data, utcnow())
    body = {"interaction_id": result.interaction.id}
    body.update(invitation_answer(result.invitation, NOT_REQUESTED))
    return jsonify(body), 202 if result.created else 200


def parse_interaction(reader: Reader) -> InteractionInput:
    """The posted interaction, or a 422 naming every missing or bad field."""
    external_id = reader.text("external_id", required=True, allow_int=True)
    customer_reader = reader.nested("customer", required=True)
    customer = read_customer(customer_reader) if customer_reader else None
    channel = reader.choice("channel", [c.value for c in Channel], default=Channel.OTHER.value)
    agent_reader = reader.nested("agent")
    agent_email = agent_reader.email("email", required=True) if agent_reader else None
    agent_name = agent_reader.text("name") if agent_reader else None
    team = reader.text("team")
    opened_at = reader.timestamp("opened_at")
    first_response_at = reader.timestamp("first_response_at")
    resolved_at = reader.timestamp("resolved_at")
    for key, value in (("first_response_at", first_response_at), ("resolved_at", resolved_at)):
        if opened_at and value and value < opened_at:
            reader.error(key, "must not be before opened_at")
    handle_seconds = reader.integer("handle_seconds")
    first_contact_resolved = reader.boolean("first_contact_resolved")
    survey = reader.choice(
        "survey", SURVEY_CHOICES, default=current_app.config["DEFAULT_INTERACTION_SURVEY"]
    )
    delay_seconds = reader.integer("delay_seconds", maximum=MAX_DELAY_SECONDS)
    reader.check()
    assert external_id is not None and customer is not None and channel is not None
    return InteractionInput(
        external_id=external_id,
        customer=customer,
        channel=Channel(channel),
        agent=AgentInput(email=agent_email, name=agent_name) if agent_email else None,
        team=team,
        opened_at=opened_at,
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        handle_seconds=handle_seconds,
        first_contact_resolved=first_contact_resolved,
        survey=None if survey in (None, "none") else SurveyKind(survey),
        delay_seconds=delay_seconds,
    )


def read_customer(reader: Reader) -> CustomerInput | None:
    """A customer object (``email`` required); None if it has errors, which ``reader`` holds."""
    email = reader.email("email", required=True)
    name = reader.text("name")
    external_id = reader.text("external_id", allow_int=True)
    locale = reader.locale("locale")
    properties = reader.mapping("properties")
    if email is None:
        return None
    return CustomerInput(
        email=email, name=name, external_id=external_id, locale=locale, properties=properties
    )


def invitation_answer(invitation: Invitation | None, reason_if_none: str) -> dict[str, Any]:
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
            "status": invitation.status.value,
            "survey": invitation.survey.kind.value,
            "scheduled_for": iso(invitation.scheduled_for),
            "expires_at": iso(invitation.expires_at),
            "survey_url": survey_url(invitation),
        },
        "reason": None,
        "suppressed_invitation_id": None,
    }
