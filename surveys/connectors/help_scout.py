"""Help Scout: the Webhooks app posts the conversation on ``convo.status`` ("Status Updated").

Signed with ``X-HelpScout-Signature``: base64 HMAC-SHA1 of the raw body, keyed with the
secret key typed into the Webhooks app; ``X-HelpScout-Event`` names the event. Which
conversation shape webhooks send today is not settled: the legacy object (``customer``,
``owner``, ``mailbox``) and the Mailbox API 2 one (``primaryCustomer``, ``assignee``,
``mailboxId``) are both read. FreeScout sends the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import AliasChoices, Field

from surveys.connectors.base import (
    Connector,
    Id,
    Ignored,
    InteractionFacts,
    Payload,
    Person,
    Text,
    Time,
    base64_hmac,
    check_signature,
    parsed,
    require_email,
    require_header,
)

SIGNATURE = "x-helpscout-signature"
EVENT = "x-helpscout-event"
#: The event whose ``closed`` status is a solve.
STATUS_EVENT = "convo.status"


class Mailbox(Payload):
    id: Text = None
    name: Text = None


class Source(Payload):
    type: Text = None


class Tag(Payload):
    tag: Text = Field(None, validation_alias=AliasChoices("tag", "name"))


class Conversation(Payload):
    id: Id
    type: Text = None
    status: Text = None
    customer: Person | None = Field(
        None, validation_alias=AliasChoices("primaryCustomer", "customer")
    )
    assignee: Person | None = Field(None, validation_alias=AliasChoices("assignee", "owner"))
    mailbox: Mailbox | None = None
    mailbox_id: Text = Field(None, validation_alias="mailboxId")
    source: Source | None = None
    tags: list[Tag | Text] | None = None
    created_at: Time = Field(None, validation_alias="createdAt")
    closed_at: Time = Field(None, validation_alias="closedAt")

    def team(self) -> str | None:
        if self.mailbox and self.mailbox.name:
            return self.mailbox.name
        mailbox_id = self.mailbox_id or (self.mailbox.id if self.mailbox else None)
        return f"Mailbox {mailbox_id}" if mailbox_id else None


def verify(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
    signature = require_header(headers, SIGNATURE)
    check_signature(signature, [base64_hmac(secret, body, "sha1")])


def parse_conversation(
    payload: Any, event: str | None, customer_field: str
) -> InteractionFacts | Ignored:
    """A closed conversation of Help Scout's shape (FreeScout's too) as facts."""
    if event and event != STATUS_EVENT:
        return Ignored(f"the event is {event[:60]!r}, not {STATUS_EVENT}")
    data: Conversation = parsed(Conversation, payload)
    if (data.status or "").lower() != "closed":
        return Ignored(
            f"the conversation's status is {(data.status or 'missing')[:40]!r}, not closed"
        )
    tags = tuple(
        tag if isinstance(tag, str) else tag.tag
        for tag in data.tags or ()
        if tag is not None and (isinstance(tag, str) or tag.tag)
    )
    agent = data.assignee if data.assignee and data.assignee.email else None
    facts = InteractionFacts(
        ticket_id=data.id,
        customer_email=data.customer.email if data.customer else None,
        customer_name=data.customer.name if data.customer else None,
        agent_email=agent.email if agent else None,
        agent_name=agent.name if agent else None,
        team=data.team(),
        channel=data.type or (data.source.type if data.source else None),
        tags=tuple(tag for tag in tags if tag),
        opened_at=data.created_at,
        resolved_at=data.closed_at,
    )
    return require_email(facts, customer_field)


def parse(payload: Any, headers: Mapping[str, str]) -> InteractionFacts | Ignored:
    customer = (
        "primaryCustomer.email"
        if isinstance(payload, dict) and "primaryCustomer" in payload
        else "customer.email"
    )
    return parse_conversation(payload, headers.get(EVENT), customer)


CONNECTOR = Connector(
    type="help_scout",
    label="Help Scout",
    verify=verify,
    parse=parse,
    issues_secret=False,
)
