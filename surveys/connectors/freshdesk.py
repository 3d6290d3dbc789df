"""Freshdesk: an automation rule ("Status is changed to Resolved") triggers a webhook.

Freshdesk signs nothing. The rule's webhook sends our secret instead, either in a custom
header ``X-Feedback-Secret`` or as HTTP Basic authentication (as the password, or as the
user name the way an API key is sent); it is compared in constant time. The body is our
interaction JSON in "Advanced" mode; the "Simple" mode's flat ``ticket_*`` keys, wrapped in
``freshdesk_webhook`` on older accounts, are read too.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from surveys.connectors.base import (
    Connector,
    Ignored,
    InteractionFacts,
    Unverified,
)
from surveys.connectors.own_json import parse_interaction

SECRET_HEADER = "x-feedback-secret"
#: Simple mode's keys and where they go in our JSON.
SIMPLE_KEYS = {
    "ticket_id": ("external_id",),
    "ticket_status": ("status",),
    "ticket_source": ("channel",),
    "ticket_tags": ("tags",),
    "ticket_group_name": ("team",),
    "ticket_contact_email": ("customer", "email"),
    "ticket_contact_name": ("customer", "name"),
    "ticket_agent_email": ("agent", "email"),
    "ticket_agent_name": ("agent", "name"),
}

BODY_TEMPLATE = """{
  "external_id": "{{ticket.id}}",
  "status": "{{ticket.status}}",
  "channel": "{{ticket.source}}",
  "customer": {
    "email": "{{ticket.contact.email}}",
    "name": "{{ticket.contact.name}}"
  },
  "agent": {
    "email": "{{ticket.agent.email}}",
    "name": "{{ticket.agent.name}}"
  },
  "team": "{{ticket.group.name}}",
  "tags": "{{ticket.tags}}"
}"""


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def verify(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
    given = [headers.get(SECRET_HEADER, "").strip()]
    if credentials := _basic_credentials(headers.get("authorization", "")):
        given.extend(credentials)
    offered = [value for value in given if value]
    if not offered:
        raise Unverified(
            f"neither the {SECRET_HEADER} header nor HTTP Basic authentication was sent"
        )
    matches = [hmac.compare_digest(value.encode(), secret.encode()) for value in offered]
    if not any(matches):
        raise Unverified("the secret does not match")


def _from_simple(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Simple mode's flat keys as our JSON."""
    ours: dict[str, Any] = {}
    for key, path in SIMPLE_KEYS.items():
        if key in flat:
            target = ours
            for part in path[:-1]:
                target = target.setdefault(part, {})
            target[path[-1]] = flat[key]
    return ours


def parse(payload: Any, headers: Mapping[str, str]) -> InteractionFacts | Ignored:
    if isinstance(payload, dict) and isinstance(payload.get("freshdesk_webhook"), dict):
        payload = payload["freshdesk_webhook"]
    if isinstance(payload, dict) and "ticket_id" in payload:
        payload = _from_simple(payload)
    return parse_interaction(payload)


CONNECTOR = Connector(
    type="freshdesk",
    label="Freshdesk",
    verify=verify,
    parse=parse,
    issues_secret=False,
    body_template=BODY_TEMPLATE,
)
