"""Zendesk: a trigger ("Status category changed to Solved") notifies a webhook with our JSON.

Signed with ``X-Zendesk-Webhook-Signature``: base64 HMAC-SHA256 of the
``X-Zendesk-Webhook-Signature-Timestamp`` header followed by the raw body. One copy of
Zendesk's documentation puts the body first; until a real delivery settles it, both orders
verify. Each call has its own ``x-zendesk-webhook-invocation-id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from surveys.connectors.base import (
    Connector,
    Ignored,
    InteractionFacts,
    Rejected,
    Unverified,
    base64_hmac,
    check_fresh,
    check_signature,
    require_header,
)
from surveys.connectors.own_json import parse_interaction

SIGNATURE = "x-zendesk-webhook-signature"
TIMESTAMP = "x-zendesk-webhook-signature-timestamp"
INVOCATION = "x-zendesk-webhook-invocation-id"

BODY_TEMPLATE = """{
  "external_id": "{{ticket.id}}",
  "status": "{{ticket.status}}",
  "channel": "{{ticket.via}}",
  "customer": {
    "email": "{{ticket.requester.email}}",
    "name": "{{ticket.requester.name}}",
    "locale": "{{ticket.requester.language}}"
  },
  "agent": {
    "email": "{{ticket.assignee.email}}",
    "name": "{{ticket.assignee.name}}"
  },
  "team": "{{ticket.group.name}}",
  "tags": "{{ticket.tags}}",
  "opened_at": "{{ticket.created_at_with_timestamp}}",
  "resolved_at": "{{ticket.updated_at_with_timestamp}}"
}"""


def verify(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
    signature = require_header(headers, SIGNATURE)
    timestamp = require_header(headers, TIMESTAMP)
    try:
        signed_at = datetime.fromisoformat(timestamp)
    except ValueError:
        raise Unverified(f"the {TIMESTAMP} header is not an ISO 8601 time") from None
    if signed_at.tzinfo is None:
        raise Unverified(f"the {TIMESTAMP} header has no UTC offset")
    stamp = timestamp.encode()
    check_signature(
        signature,
        [base64_hmac(secret, stamp + body, "sha256"), base64_hmac(secret, body + stamp, "sha256")],
    )
    check_fresh(signed_at, now)


def parse(payload: Any, headers: Mapping[str, str]) -> InteractionFacts | Ignored:
    if isinstance(payload, dict) and str(payload.get("type", "")).startswith("zen:event-type:"):
        # An event subscription sends ids only; the trigger's body carries what we need.
        raise Rejected(
            {
                "type": "event webhooks send ids only: connect the webhook to a trigger "
                "(Trigger or automation) and paste the body shown on the connector's page"
            }
        )
    return parse_interaction(payload, delivery_id=headers.get(INVOCATION) or None)


CONNECTOR = Connector(
    type="zendesk",
    label="Zendesk",
    verify=verify,
    parse=parse,
    issues_secret=True,
    body_template=BODY_TEMPLATE,
)
