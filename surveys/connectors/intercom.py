"""Intercom: an app's webhook topic ``conversation.admin.closed`` posts the conversation.

Signed with ``X-Hub-Signature``: ``sha1=`` and the hex HMAC-SHA1 of the raw body, keyed with
the app's client secret (the older documentation calls it the subscription's ``hub_secret``;
either is pasted as the connector's secret). The conversation names its contact, admin and
team by id only, so ``lookup`` reads them through the REST API with the workspace's access
token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from surveys.connectors.base import (
    Connector,
    Email,
    Fetch,
    Id,
    Ignored,
    InteractionFacts,
    Locale,
    Named,
    Payload,
    Rejected,
    Text,
    Time,
    check_signature,
    hub_signature,
    parsed,
    require_header,
)

SIGNATURE = "x-hub-signature"
CLOSED = "conversation.admin.closed"
#: Contact roles (``source.author.type``) that are the customer rather than a teammate.
CUSTOMER_ROLES = ("user", "lead", "contact")


class Ref(Payload):
    type: Text = None
    id: Text = None


class ContactList(Payload):
    contacts: list[Ref] = []


class Source(Payload):
    type: Text = None
    author: Ref | None = None


class TagList(Payload):
    tags: list[Named] = []


class Statistics(Payload):
    first_admin_reply_at: Time = None
    last_close_at: Time = None


class Conversation(Payload):
    id: Id
    created_at: Time = None
    updated_at: Time = None
    source: Source | None = None
    contacts: ContactList | list[Ref] | None = None
    admin_assignee_id: Text = None
    team_assignee_id: Text = None
    tags: TagList | None = None
    statistics: Statistics | None = None

    def contact_id(self) -> str | None:
        listed = self.contacts.contacts if isinstance(self.contacts, ContactList) else self.contacts
        if listed and listed[0].id:
            return listed[0].id
        author = self.source.author if self.source else None
        if author and author.id and (author.type or "").lower() in CUSTOMER_ROLES:
            return author.id
        return None


class Data(Payload):
    item: Conversation


class Notification(Payload):
    id: Text = None
    topic: Text = None
    data: dict[str, Any] | None = None


class Contact(Payload):
    email: Email = None
    name: Text = None
    external_id: Text = None
    language_override: Locale = None
    browser_language: Locale = None


class Admin(Payload):
    email: Email = None
    name: Text = None


def verify(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
    check_signature(require_header(headers, SIGNATURE), [hub_signature(secret, body)])


def parse(payload: Any, headers: Mapping[str, str]) -> InteractionFacts | Ignored:
    notification: Notification = parsed(Notification, payload)
    if notification.topic != CLOSED:
        return Ignored(f"the topic is {(notification.topic or 'missing')[:60]!r}, not {CLOSED}")
    conversation = parsed(Data, notification.data, "data.").item
    contact_id = conversation.contact_id()
    if contact_id is None:
        raise Rejected({"data.item.contacts": "is required: the customer to survey"})
    statistics = conversation.statistics or Statistics()
    return InteractionFacts(
        ticket_id=conversation.id,
        customer_email=None,
        channel=conversation.source.type if conversation.source else None,
        tags=tuple(
            tag.name for tag in (conversation.tags.tags if conversation.tags else []) if tag.name
        ),
        opened_at=conversation.created_at,
        first_response_at=statistics.first_admin_reply_at,
        resolved_at=statistics.last_close_at or conversation.updated_at,
        delivery_id=notification.id,
        contact_id=contact_id,
        admin_id=conversation.admin_assignee_id,
        team_id=conversation.team_assignee_id,
    )


def _read(get: Fetch, kind: str, item_id: str, model: type[BaseModel]) -> Any:
    return parsed(model, dict(get(f"/{kind}s/{quote(item_id, safe='')}")), f"{kind}.")


def lookup(facts: InteractionFacts, get: Fetch) -> InteractionFacts:
    """The facts with the contact's email, name and language, the admin and the team.

    :raises Rejected: the contact has no email address.
    """
    assert facts.contact_id is not None
    contact: Contact = _read(get, "contact", facts.contact_id, Contact)
    if contact.email is None:
        raise Rejected({"contact.email": "is required: the Intercom contact has no email address"})
    admin: Admin | None = _read(get, "admin", facts.admin_id, Admin) if facts.admin_id else None
    team: Named | None = _read(get, "team", facts.team_id, Named) if facts.team_id else None
    return replace(
        facts,
        customer_email=contact.email,
        customer_name=contact.name,
        customer_external_id=contact.external_id,
        customer_locale=contact.language_override or contact.browser_language,
        agent_email=admin.email if admin else None,
        agent_name=admin.name if admin and admin.email else None,
        team=team.name if team else None,
    )


CONNECTOR = Connector(
    type="intercom",
    label="Intercom",
    verify=verify,
    parse=parse,
    issues_secret=True,
    lookup=lookup,
    settings=("access_token", "api_url"),
)
