"""Front: an archived conversation (event ``archive``), from a rule or an application webhook.

Both carry ``X-Front-Signature``. Rule webhooks sign the raw body with the company's API
secret: base64 HMAC-SHA1. Application webhooks also send ``X-Front-Request-Timestamp`` (in
milliseconds) and sign ``timestamp:body`` with the app's signing key: base64 HMAC-SHA256,
refused when more than five minutes old. Saving an application webhook sends a ``sync``
event with ``x-front-challenge``, answered with the challenge. An application webhook wraps
the event in ``payload``; a rule webhook sends the event itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from surveys.connectors.base import (
    Connector,
    Email,
    Id,
    Ignored,
    InteractionFacts,
    Named,
    Payload,
    Person,
    Rejected,
    Text,
    Time,
    Unverified,
    base64_hmac,
    check_fresh,
    check_signature,
    parsed,
    require_email,
    require_header,
)

SIGNATURE = "x-front-signature"
TIMESTAMP = "x-front-request-timestamp"
CHALLENGE = "x-front-challenge"
ARCHIVE = "archive"


class Recipient(Payload):
    handle: Email = None
    name: Text = None


class Conversation(Payload):
    id: Id
    assignee: Person | None = None
    recipient: Recipient | None = None
    tags: list[Named] = []
    created_at: Time = None


class Event(Payload):
    id: Text = None
    type: Text = None
    emitted_at: Time = None
    conversation: Conversation | None = None


class Envelope(Payload):
    type: Text = None
    payload: dict[str, Any] | None = None


def verify(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
    signature = require_header(headers, SIGNATURE)
    timestamp = headers.get(TIMESTAMP, "").strip()
    if not timestamp:
        check_signature(signature, [base64_hmac(secret, body, "sha1")])
        return
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 15:
        raise Unverified(f"the {TIMESTAMP} header is not a time in milliseconds")
    check_signature(signature, [base64_hmac(secret, timestamp.encode() + b":" + body, "sha256")])
    check_fresh(datetime.fromtimestamp(int(timestamp) / 1000, UTC), now)


def challenge(headers: Mapping[str, str]) -> str | None:
    return headers.get(CHALLENGE) or None


def parse(payload: Any, headers: Mapping[str, str]) -> InteractionFacts | Ignored:
    envelope: Envelope = parsed(Envelope, payload)
    wrapped = envelope.payload is not None
    prefix = "payload." if wrapped else ""
    event: Event = parsed(Event, envelope.payload if wrapped else payload, prefix)
    kind = event.type or envelope.type
    if kind != ARCHIVE:
        return Ignored(f"the event is {(kind or 'missing')[:60]!r}, not {ARCHIVE}")
    conversation = event.conversation
    if conversation is None:
        raise Rejected(
            {prefix + "conversation": "is required (send the full event, not a preview)"}
        )
    assignee = (
        conversation.assignee if conversation.assignee and conversation.assignee.email else None
    )
    recipient = conversation.recipient
    facts = InteractionFacts(
        ticket_id=conversation.id,
        customer_email=recipient.handle if recipient else None,
        customer_name=recipient.name if recipient else None,
        agent_email=assignee.email if assignee else None,
        agent_name=assignee.name if assignee else None,
        tags=tuple(tag.name for tag in conversation.tags if tag.name),
        opened_at=conversation.created_at,
        resolved_at=event.emitted_at,
        delivery_id=event.id,
    )
    return require_email(facts, prefix + "conversation.recipient.handle")


CONNECTOR = Connector(
    type="front",
    label="Front",
    verify=verify,
    parse=parse,
    issues_secret=True,
    challenge=challenge,
)
