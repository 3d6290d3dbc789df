"""Our own interaction JSON, as the admin writes it into a helpdesk with its placeholders.

The shape is the one ``POST /api/v1/interactions`` takes, plus ``status`` and ``tags`` so a
trigger that fires on more than a solve, or a ticket tagged ``no_survey``, can be told apart.
Placeholders render every value as a string, so numbers and booleans are read from strings
too, and a blank value (an unassigned ticket's agent, a ticket without a group) counts as
absent.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from surveys.connectors.base import (
    MAX_INT,
    Email,
    Ignored,
    InteractionFacts,
    Locale,
    Payload,
    Rejected,
    Text,
    Time,
    parsed,
    solved_status,
    tags_of,
)
from surveys.settings import MAX_DELAY_SECONDS


class Customer(Payload):
    email: Email = None
    name: Text = None
    external_id: Text = None
    locale: Locale = None
    properties: Annotated[dict[str, Any], Field(max_length=100)] | None = None


class Agent(Payload):
    email: Email = None
    name: Text = None


class Interaction(Payload):
    external_id: Text = None
    customer: Customer | None = None
    channel: Text = None
    agent: Agent | None = None
    team: Text = None
    status: Text = None
    tags: list[Text] | Text = None
    opened_at: Time = None
    first_response_at: Time = None
    resolved_at: Time = None
    handle_seconds: Annotated[int, Field(ge=0, le=MAX_INT)] | None = None
    first_contact_resolved: bool | None = None
    survey: Literal["csat", "ces", "none"] | None = None
    delay_seconds: Annotated[int, Field(ge=0, le=MAX_DELAY_SECONDS)] | None = None


def parse_interaction(
    payload: Any, *, delivery_id: str | None = None, prefix: str = ""
) -> InteractionFacts | Ignored:
    """The interaction our JSON describes, ``Ignored`` if its status is not a solve.

    :raises Rejected: naming each missing or bad field, ``customer.email`` among them.
    """
    data: Interaction = parsed(Interaction, payload, prefix)
    problems = {}
    if data.external_id is None:
        problems[prefix + "external_id"] = "is required"
    if data.customer is None or data.customer.email is None:
        problems[prefix + "customer.email"] = "is required: the survey goes to this address"
    for key in ("first_response_at", "resolved_at"):
        value = getattr(data, key)
        if data.opened_at and value and value < data.opened_at:
            problems[prefix + key] = "must not be before opened_at"
    if problems:
        raise Rejected(problems)
    if ignored := solved_status(data.status):
        return ignored
    assert data.external_id is not None and data.customer is not None
    agent = data.agent if data.agent and data.agent.email else None
    return InteractionFacts(
        ticket_id=data.external_id,
        customer_email=data.customer.email,
        customer_name=data.customer.name,
        customer_locale=data.customer.locale,
        customer_external_id=data.customer.external_id,
        customer_properties=data.customer.properties,
        agent_email=agent.email if agent else None,
        agent_name=agent.name if agent else None,
        team=data.team,
        channel=data.channel,
        tags=tags_of(
            [tag for tag in data.tags if tag] if isinstance(data.tags, list) else data.tags
        ),
        opened_at=data.opened_at,
        first_response_at=data.first_response_at,
        resolved_at=data.resolved_at,
        handle_seconds=data.handle_seconds,
        first_contact_resolved=data.first_contact_resolved,
        survey=data.survey,
        delay_seconds=data.delay_seconds,
        delivery_id=delivery_id,
    )
