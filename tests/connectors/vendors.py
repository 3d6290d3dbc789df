"""Deliveries built and signed as each helpdesk documents them, for the connector tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: Every type, in the order of the issue.
TYPES = ["zendesk", "help_scout", "intercom", "front", "zammad", "freshdesk", "freescout"]
#: The secret each test connector is created with.
SECRET = "s3cret-key-for-tests-0123456789"
TICKET = "1001"
EMAIL = "casey@example.com"
AGENT = "agent@example.com"
OPENED_ISO = "2026-03-01T08:00:00Z"
SOLVED_ISO = "2026-03-02T08:30:00Z"
OPENED_UNIX = 1772352000  # 2026-03-01T08:00:00Z
SOLVED_UNIX = 1772440200  # 2026-03-02T08:30:00Z


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes


def b64_hmac(secret: str, message: bytes, algorithm: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message, algorithm).digest()).decode()


def hub(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def sign(kind: str, body: bytes, secret: str, now: datetime, **extra: str) -> dict[str, str]:
    """The headers the helpdesk sends with ``body``, signed with ``secret`` at ``now``."""
    headers = {"Content-Type": "application/json", **extra}
    if kind == "zendesk":
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        headers["X-Zendesk-Webhook-Signature-Timestamp"] = stamp
        headers["X-Zendesk-Webhook-Signature"] = b64_hmac(secret, stamp.encode() + body, "sha256")
    elif kind == "help_scout":
        headers["X-HelpScout-Signature"] = b64_hmac(secret, body, "sha1")
    elif kind == "freescout":
        key = hashlib.md5((secret + "webhook_key").encode()).hexdigest()
        headers["X-FreeScout-Signature"] = b64_hmac(key, body, "sha1")
    elif kind in ("intercom", "zammad"):
        headers["X-Hub-Signature"] = hub(secret, body)
    elif kind == "front":
        stamp = str(int(now.timestamp() * 1000))
        headers["X-Front-Request-Timestamp"] = stamp
        headers["X-Front-Signature"] = b64_hmac(secret, stamp.encode() + b":" + body, "sha256")
    elif kind == "freshdesk":
        headers["X-Feedback-Secret"] = secret
    return headers


def zendesk(status: str = "Solved", email: str = EMAIL, solved: str = SOLVED_ISO) -> Any:
    """Our JSON as the connector page's body renders in Zendesk."""
    return {
        "external_id": TICKET,
        "status": status,
        "channel": "email",
        "customer": {"email": email, "name": "Casey Jones", "locale": "fr"},
        "agent": {"email": AGENT, "name": "Alex Agent"},
        "team": "Billing",
        "tags": "vip billing",
        "opened_at": OPENED_ISO,
        "resolved_at": solved,
    }


def help_scout(status: str = "closed", email: str = EMAIL, solved: str = SOLVED_ISO) -> Any:
    """The Mailbox API 2 conversation shape (``primaryCustomer``, ``assignee``)."""
    return {
        "id": int(TICKET),
        "number": 3,
        "type": "email",
        "status": status,
        "mailboxId": 85,
        "assignee": {"id": 9, "first": "Alex", "last": "Agent", "email": AGENT},
        "primaryCustomer": {"id": 7, "first": "Casey", "last": "Jones", "email": email},
        "createdAt": OPENED_ISO,
        "closedAt": solved,
        "tags": [{"id": 1, "tag": "vip", "color": "#929499"}],
    }


def help_scout_legacy(email: str = EMAIL) -> Any:
    """The legacy conversation object (``customer``, ``owner``, ``mailbox``)."""
    return {
        "id": int(TICKET),
        "type": "chat",
        "status": "closed",
        "owner": {"id": 9, "firstName": "Alex", "lastName": "Agent", "email": AGENT},
        "customer": {"id": 7, "firstName": "Casey", "lastName": "Jones", "email": email},
        "mailbox": {"id": 85, "name": "Support"},
        "createdAt": OPENED_ISO,
        "closedAt": SOLVED_ISO,
        "tags": ["vip"],
    }


def intercom(topic: str = "conversation.admin.closed", contact: str | None = "ct_1") -> Any:
    contacts = [{"type": "contact", "id": contact, "external_id": "u-1"}] if contact else []
    return {
        "type": "notification_event",
        "app_id": "abc123",
        "id": "notif_" + topic.replace(".", "_"),
        "topic": topic,
        "created_at": SOLVED_UNIX,
        "data": {
            "type": "notification_event_data",
            "item": {
                "type": "conversation",
                "id": TICKET,
                "created_at": OPENED_UNIX,
                "updated_at": SOLVED_UNIX,
                "state": "closed",
                "source": {
                    "type": "conversation",
                    "delivered_as": "customer_initiated",
                    "author": {"type": "user" if contact else "admin", "id": contact or "ad_9"},
                },
                "contacts": {"type": "contact.list", "contacts": contacts},
                "admin_assignee_id": 9,
                "team_assignee_id": 5,
                "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": "1", "name": "vip"}]},
                "statistics": {
                    "type": "conversation_statistics",
                    "first_admin_reply_at": OPENED_UNIX + 600,
                    "last_close_at": SOLVED_UNIX,
                    "count_reopens": 0,
                },
            },
        },
    }


def front(event: str = "archive", email: str = EMAIL) -> Any:
    """An application webhook: the event wrapped in ``payload``."""
    return {
        "type": event,
        "authorization": {"id": "cmp_123"},
        "payload": {
            "_links": {"self": "https://api2.frontapp.com/events/evt_1"},
            "id": "evt_" + event,
            "type": event,
            "emitted_at": SOLVED_UNIX + 0.25,
            "source": {"_meta": {"type": "teammate"}},
            "conversation": {
                "id": "cnv_" + TICKET,
                "subject": "Invoice",
                "status": "archived",
                "assignee": {
                    "id": "tea_1",
                    "email": AGENT,
                    "first_name": "Alex",
                    "last_name": "Agent",
                },
                "recipient": {"handle": email, "role": "from"},
                "tags": [{"id": "tag_1", "name": "vip"}],
                "created_at": OPENED_UNIX + 0.5,
            },
        },
    }


def zammad(state: str = "closed", email: str = EMAIL) -> Any:
    """Zammad's default payload (custom payload off)."""
    return {
        "ticket": {
            "id": 81,
            "number": TICKET,
            "title": "Invoice",
            "state": state,
            "create_article_type": "phone",
            "created_at": "2026-03-01T08:00:00.000Z",
            "first_response_at": "2026-03-01T08:10:00.000Z",
            "close_at": "2026-03-02T08:30:00.000Z",
            "customer": {"email": email, "firstname": "Casey", "lastname": "Jones"},
            "owner": {"email": AGENT, "firstname": "Alex", "lastname": "Agent"},
            "group": {"id": 3, "name": "Service Desk"},
        },
        "article": {"id": 104, "type": "phone", "from": "Casey Jones"},
    }


def freshdesk(status: str = "Resolved", email: str = EMAIL) -> Any:
    """Our JSON as Freshdesk's "Advanced" body renders it (no times: Freshdesk sends none)."""
    return {
        "external_id": TICKET,
        "status": status,
        "channel": "1",
        "customer": {"email": email, "name": "Casey Jones"},
        "agent": {"email": AGENT, "name": "Alex Agent"},
        "team": "Billing",
        "tags": "vip",
    }


def freescout(status: str = "closed", email: str = EMAIL) -> Any:
    return {
        "id": int(TICKET),
        "number": 12,
        "type": "email",
        "status": status,
        "state": "published",
        "mailboxId": 1,
        "assignee": {"id": 2, "type": "user", "first": "Alex", "last": "Agent", "email": AGENT},
        "customer": {
            "id": 3,
            "type": "customer",
            "first": "Casey",
            "last": "Jones",
            "email": email,
        },
        "createdAt": OPENED_ISO,
        "closedAt": SOLVED_ISO,
    }


PAYLOADS = {
    "zendesk": zendesk,
    "help_scout": help_scout,
    "intercom": intercom,
    "front": front,
    "zammad": zammad,
    "freshdesk": freshdesk,
    "freescout": freescout,
}
#: Headers the helpdesk sends besides the signature.
EVENT_HEADERS = {
    "help_scout": {"X-HelpScout-Event": "convo.status"},
    "freescout": {"X-FreeScout-Event": "convo.status"},
    "zammad": {"X-Zammad-Trigger": "survey", "X-Zammad-Delivery": "d-1"},
    "zendesk": {"X-Zendesk-Webhook-Invocation-Id": "inv-1"},
}


def solved(kind: str) -> Any:
    return PAYLOADS[kind]()


def not_solved(kind: str) -> tuple[Any, dict[str, str]]:
    """An event that is not a solve, and the headers it comes with."""
    headers = dict(EVENT_HEADERS.get(kind, {}))
    if kind == "intercom":
        return intercom(topic="conversation.admin.replied"), headers
    if kind == "front":
        return front(event="assign"), headers
    if kind in ("help_scout", "freescout"):
        return PAYLOADS[kind](status="active"), headers
    if kind == "zammad":
        return zammad(state="open"), headers
    return PAYLOADS[kind](status="Open"), headers


def without_email(kind: str) -> Any:
    """A solve whose customer has no email (Intercom: no contact at all)."""
    if kind == "intercom":
        return intercom(contact=None)
    return PAYLOADS[kind](email="")


#: The field each 422 names.
EMAIL_FIELD = {
    "zendesk": "customer.email",
    "help_scout": "primaryCustomer.email",
    "intercom": "data.item.contacts",
    "front": "payload.conversation.recipient.handle",
    "zammad": "ticket.customer.email",
    "freshdesk": "customer.email",
    "freescout": "customer.email",
}


def encode(payload: Any) -> bytes:
    return json.dumps(payload).encode()
