"""Zammad: a trigger (state is closed) calls a webhook with the ticket, or with our JSON.

Signed with ``X-Hub-Signature``: ``sha1=`` and the hex HMAC-SHA1 of the raw body, keyed with
the webhook's "HMAC SHA1 Signature Token"; ``X-Zammad-Delivery`` is a unique id per call.
Without a custom payload Zammad sends ``{"ticket": …, "article": …}``; with one, the admin
pastes our interaction JSON filled with ``#{…}`` variables, which render an empty value as
``-``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from surveys.connectors.base import (
    Connector,
    Id,
    Ignored,
    InteractionFacts,
    Named,
    Payload,
    Person,
    Text,
    Time,
    check_signature,
    hub_signature,
    parsed,
    require_email,
    require_header,
    tags_of,
)
from surveys.connectors.own_json import parse_interaction

SIGNATURE = "x-hub-signature"
DELIVERY = "x-zammad-delivery"

BODY_TEMPLATE = """{
  "external_id": "#{ticket.number}",
  "status": "#{ticket.state.name}",
  "channel": "#{ticket.create_article_type.name}",
  "customer": {
    "email": "#{ticket.customer.email}",
    "name": "#{ticket.customer.fullname}"
  },
  "agent": {
    "email": "#{ticket.owner.email}",
    "name": "#{ticket.owner.fullname}"
  },
  "team": "#{ticket.group.name}",
  "tags": "#{ticket.tags}",
  "opened_at": "#{ticket.created_at}",
  "first_response_at": "#{ticket.first_response_at}",
  "resolved_at": "#{ticket.close_at}"
}"""


class Ticket(Payload):
    id: Text = None
    number: Id
    state: Text = None
    customer: Person | None = None
    owner: Person | None = None
    group: Named | None = None
    create_article_type: Text = None
    tags: list[Text] | None = None
    created_at: Time = None
    first_response_at: Time = None
    close_at: Time = None


class Default(Payload):
    ticket: Ticket


def verify(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
    check_signature(require_header(headers, SIGNATURE), [hub_signature(secret, body)])


def _dashes_blank(value: Any) -> Any:
    """Our JSON as Zammad renders it, with its ``-`` for an empty variable made blank."""
    if isinstance(value, dict):
        return {key: _dashes_blank(item) for key, item in value.items()}
    return None if value == "-" else value


def parse(payload: Any, headers: Mapping[str, str]) -> InteractionFacts | Ignored:
    delivery_id = headers.get(DELIVERY) or None
    if not (isinstance(payload, dict) and isinstance(payload.get("ticket"), dict)):
        if isinstance(payload, dict):
            payload = {key: _dashes_blank(value) for key, value in payload.items()}
        return parse_interaction(payload, delivery_id=delivery_id)
    ticket = parsed(Default, payload).ticket
    if (ticket.state or "").lower() != "closed":
        return Ignored(f"the ticket's state is {(ticket.state or 'missing')[:40]!r}, not closed")
    owner = ticket.owner if ticket.owner and ticket.owner.email else None
    facts = InteractionFacts(
        ticket_id=ticket.number,
        customer_email=ticket.customer.email if ticket.customer else None,
        customer_name=ticket.customer.name if ticket.customer else None,
        agent_email=owner.email if owner else None,
        agent_name=owner.name if owner else None,
        team=ticket.group.name if ticket.group else None,
        channel=ticket.create_article_type,
        tags=tags_of([tag for tag in ticket.tags or [] if tag]),
        opened_at=ticket.created_at,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.close_at,
        delivery_id=delivery_id,
    )
    return require_email(facts, "ticket.customer.email")


CONNECTOR = Connector(
    type="zammad",
    label="Zammad",
    verify=verify,
    parse=parse,
    issues_secret=False,
    body_template=BODY_TEMPLATE,
)
