"""Webhook endpoints and the events queued for them.

An event becomes one outbox row per active endpoint subscribed to it, written in the
caller's transaction; ``outbox.deliver_outbox`` signs and posts it (Standard Webhooks). Its
body is in the endpoint's format: our JSON, a Slack message, or Delighted's envelope.
"""

from __future__ import annotations

import functools
import json
import secrets
import socket
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import (
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    Response,
    Unsubscribe,
    WebhookEndpoint,
    WebhookFormat,
)
from feedback_app.questions.service import answers_json
from feedback_app.services.transaction_cache import per_transaction
from notifications import new_secret
from notifications.addresses import RefusedAddress, checked_addresses, url_host
from surveys.bucketing import Bucket

EVENTS = (
    "response.created",
    "response.updated",
    "followup.created",
    "followup.updated",
    "unsubscribe.created",
)
#: How the admin pages name each format.
FORMAT_LABELS = {
    WebhookFormat.STANDARD: "Standard Webhooks JSON",
    WebhookFormat.SLACK: "Slack message",
    WebhookFormat.DELIGHTED: "Delighted's webhook JSON",
}
#: The events Delighted's format carries, by the ``event_type`` its receivers know.
DELIGHTED_EVENT_TYPES = {
    "response.created": "survey_response.created",
    "response.updated": "survey_response.updated",
    "unsubscribe.created": "unsubscribe.created",
}
#: What "Send a test event" sends: no endpoint subscribes to it, each can be sent one.
TEST_EVENT = "webhook.test"
#: Hosts whose URLs take one format only: a Slack incoming webhook refuses any other body.
FORMAT_OF_HOST = {"hooks.slack.com": WebhookFormat.SLACK}
LOW_BUCKETS = {Bucket.DETRACTOR, Bucket.UNSATISFIED}


class InvalidEndpoint(ValueError):
    """An endpoint that cannot be registered; ``errors`` names each bad field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def url_problem(url: str) -> str:
    """Why webhooks cannot go to ``url``, or "" when they can.

    Its host must resolve, and only to addresses webhooks may go to (public ones, unless
    ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``). Each delivery checks again, as DNS may change.
    """
    try:
        _, host, port = url_host(url)
    except ValueError as error:
        return str(error)
    allow_private = bool(current_app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"])
    try:
        checked_addresses(host, port, allow_private=allow_private)
    except RefusedAddress as error:
        problem = f"refused: {error}"
        if error.allowable:
            problem += (
                "; webhooks go to public addresses only, unless the installation sets"
                " FEEDBACK_WEBHOOK_ALLOW_PRIVATE_ADDRESSES"
            )
        return problem
    except socket.gaierror:
        return f"{host} does not resolve to any address"
    return ""


def endpoint_problems(
    url: str, events: Iterable[str], format: WebhookFormat = WebhookFormat.STANDARD
) -> dict[str, str]:
    """What is wrong with an endpoint's URL, events and format, by field; empty when nothing."""
    problems = {}
    if problem := url_problem(url.strip()):
        problems["url"] = problem
    chosen = list(events)
    if not chosen:
        problems["events"] = "choose at least one event"
    elif unknown := sorted(set(chosen) - set(EVENTS)):
        problems["events"] = f"unknown events: {', '.join(unknown)}"
    elif format is WebhookFormat.DELIGHTED and (
        other := sorted(set(chosen) - set(DELIGHTED_EVENT_TYPES))
    ):
        problems["events"] = (
            f"Delighted's format has no {', '.join(other)}; it carries "
            f"{', '.join(DELIGHTED_EVENT_TYPES)}"
        )
    return problems


def suggested_format(url: str) -> WebhookFormat | None:
    """The format ``url``'s receiver needs, when its host says so (a Slack webhook URL)."""
    return FORMAT_OF_HOST.get((urlsplit(url.strip()).hostname or "").lower())


def create_endpoint(
    url: str,
    events: Iterable[str],
    now: datetime,
    *,
    format: WebhookFormat = WebhookFormat.STANDARD,
    description: str = "",
) -> WebhookEndpoint:
    """Register an endpoint with a fresh ``whsec_`` signing secret; flushes only.

    :raises InvalidEndpoint: a bad URL or events.
    """
    chosen = list(dict.fromkeys(events))
    if problems := endpoint_problems(url, chosen, format):
        raise InvalidEndpoint(problems)
    endpoint = WebhookEndpoint(
        url=url.strip(),
        events=chosen,
        format=format,
        description=description.strip(),
        secret=new_secret(),
        active=True,
        created_at=now,
    )
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def update_endpoint(
    endpoint: WebhookEndpoint,
    url: str,
    events: Iterable[str],
    *,
    format: WebhookFormat,
    description: str,
) -> list[str]:
    """Change an endpoint's settings; the names of the fields that changed. Flushes only.

    Rows already queued go to the new URL: deliveries read the endpoint when they are sent.

    :raises InvalidEndpoint: a bad URL or events.
    """
    chosen = list(dict.fromkeys(events))
    if problems := endpoint_problems(url, chosen):
        raise InvalidEndpoint(problems)
    wanted = {
        "url": url.strip(),
        "events": chosen,
        "format": format,
        "description": description.strip(),
    }
    changed = [name for name, value in wanted.items() if getattr(endpoint, name) != value]
    for name in changed:
        setattr(endpoint, name, wanted[name])
    db.session.flush()
    return changed


def rotate_endpoint_secret(endpoint: WebhookEndpoint) -> None:
    """Give an endpoint a fresh signing secret; the old one stops verifying at once.

    Rows still queued are signed with the new one, as signing happens at each attempt.
    """
    endpoint.secret = new_secret()
    db.session.flush()


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and, with it, its deliveries (their rows name it); flushes only."""
    db.session.execute(sa.delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id))
    db.session.expunge(endpoint)


def queue_test_event(endpoint: WebhookEndpoint, now: datetime) -> OutboxMessage:
    """Queue one ``webhook.test`` event for ``endpoint``; does not commit.

    It is an outbox row like any other, so it is signed, sent and recorded as events are
    (and refused, like them, while the endpoint is paused).
    """
    data = {
        "endpoint_id": endpoint.id,
        "summary": "A test event: this endpoint receives the events it subscribes to.",
    }
    # Delighted's format has no test event of its own: its endpoints get ours.
    bodies = Bodies(TEST_EVENT, lambda: data, None, now)
    body = bodies[endpoint.format] or bodies[WebhookFormat.STANDARD]
    assert body is not None
    row = _outbox_row(endpoint, TEST_EVENT, body, now)
    db.session.add(row)
    db.session.flush()
    return row


def response_payload(response: Response) -> dict[str, Any]:
    """A response as webhook receivers get it."""
    customer = response.customer
    interaction = response.interaction
    return {
        "id": response.id,
        "survey_id": response.survey_id,
        "kind": response.kind.value,
        "score": response.score,
        "scale_max": response.survey.scale.high,
        "bucket": response.bucket.value,
        "comment": response.comment,
        "answers": answers_json([response.id]).get(response.id, []),
        "customer": {"email": customer.email, "name": customer.name} if customer else None,
        "interaction_external_id": interaction.external_id if interaction else None,
        "channel": response.channel,
        "agent": response.agent.email if response.agent else None,
        "team": response.team.name if response.team else None,
        "created_at": response.created_at.isoformat(),
        "updated_at": response.updated_at.isoformat(),
    }


def slack_escape(text: str) -> str:
    """``text`` shown as it is in a Slack message: ``&``, ``<`` and ``>`` escaped.

    Slack reads ``<!channel>``, ``<@U123>`` and ``<https://…|label>`` as mentions and links;
    escaped, a customer's comment or name cannot ping a channel or disguise a link.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(event: str, payload: dict[str, Any]) -> str:
    """A readable one-message summary for a Slack incoming webhook.

    Every text from outside (names, emails, comments, summaries) is escaped; only the links
    built here are Slack links.
    """
    if event.startswith("response."):
        who = payload["customer"] or {}
        person = who.get("name") or who.get("email") or "An anonymous customer"
        if who.get("name") and who.get("email"):
            person = f"{who['name']} <{who['email']}>"
        bucket = payload["bucket"]
        mark = ":rotating_light: " if bucket in LOW_BUCKETS else ""
        did = (
            slack_changes(payload["changed"])
            if event == "response.updated"
            else f"answered {payload['score']}/{payload['scale_max']}"
        )
        line = (
            f"{mark}*{bucket.capitalize()}*: {slack_escape(person)} {did}"
            f" on {payload['kind'].upper()}"
        )
        if payload.get("agent"):
            line += f" (agent {slack_escape(payload['agent'])})"
        if payload.get("comment"):
            lines = payload["comment"].splitlines()
            quoted = "\n".join(f"> {slack_escape(part)}" for part in lines)
            line += f"\n{quoted}"
        return line
    summary = payload.get("summary") or f"case {payload.get('id', '')}".strip()
    url = payload.get("url")
    return f"{event}: {slack_escape(summary)}" + (f" <{url}|Open>" if url else "")


def slack_changes(changed: dict[str, Any]) -> str:
    """What a ``response.updated`` changed, in words: "changed the score from 2 to 4 and
    added a comment"."""
    said: list[str] = []
    if score := changed.get("score"):
        said.append(f"changed the score from {score['from']} to {score['to']}")
    if comment := changed.get("comment"):
        if comment["to"] is None:
            said.append("removed their comment")
        else:
            said.append("edited their comment" if "from" not in comment else "added a comment")
    if "answers" in changed:
        said.append("changed their answers to the questions")
    *rest, last = said
    return f"{', '.join(rest)} and {last}" if rest else last


def unsubscribe_payload(record: Unsubscribe) -> dict[str, Any]:
    """An opt-out as webhook receivers get it."""
    customer = record.customer
    surveys = "all surveys" if record.kind is None else f"{record.kind.value.upper()} surveys"
    return {
        "id": record.id,
        "customer": {"email": customer.email, "name": customer.name},
        "kind": None if record.kind is None else record.kind.value,
        "source": record.source,
        "created_at": record.created_at.isoformat(),
        "summary": f"{customer.email} unsubscribed from {surveys}",
    }


class Bodies:
    """The body of one event in each endpoint's format, each built once, when first needed
    (building it may load related rows)."""

    def __init__(
        self,
        event: str,
        payload: Callable[[], dict[str, Any]],
        record: Response | Unsubscribe | None,
        now: datetime,
    ) -> None:
        self.event = event
        self.payload = payload
        self.record = record
        self.now = now
        self._built: dict[WebhookFormat, str] = {}

    def __getitem__(self, format: WebhookFormat) -> str | None:
        """The body for ``format``; None when the format does not carry this event."""
        if format is WebhookFormat.DELIGHTED and (
            self.record is None or self.event not in DELIGHTED_EVENT_TYPES
        ):
            return None
        if format not in self._built:
            self._built[format] = json.dumps(
                self._document(format), separators=(",", ":"), ensure_ascii=False
            )
        return self._built[format]

    def _document(self, format: WebhookFormat) -> dict[str, Any]:
        if format is WebhookFormat.DELIGHTED:
            # Imported here: the Delighted shapes read people and their invitations, whose
            # services queue events through this module.
            from feedback_app.delighted.webhooks import event_data

            return {
                "event_type": DELIGHTED_EVENT_TYPES[self.event],
                "event_id": secrets.token_hex(32),
                "event_data": event_data(self.record),  # type: ignore[arg-type]
            }
        if format is WebhookFormat.SLACK:
            return {"text": slack_text(self.event, self.data)}
        return {"type": self.event, "timestamp": self.now.isoformat(), "data": self.data}

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        return self.payload()


def queue_webhook_event(
    event: str,
    payload: Callable[[], dict[str, Any]],
    now: datetime,
    *,
    record: Response | Unsubscribe | None = None,
) -> list[OutboxMessage]:
    """Queue ``event`` for every active endpoint subscribed to it; does not commit.

    Write it in the transaction that makes the change, so the event exists exactly when the
    change does. Each row gets its own ``webhook-id``, kept across retries and re-sends.

    :param event: one of ``EVENTS``.
    :param payload: builds the JSON-serialisable data, sent as ``data`` (Slack endpoints get
        a summary; for ``followup.*`` and ``unsubscribe.created`` they show
        ``payload["summary"]`` and link ``payload.get("url")``). Called only when an endpoint
        subscribes, since building it may load related rows.
    :param record: the response or opt-out the event is about, which Delighted's format
        writes in Delighted's fields; an event without one is not sent in that format.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = [endpoint for endpoint in _active_endpoints() if event in endpoint.events]
    if not endpoints:
        return []
    db.session.flush()  # the payload names the ids of rows the caller has just added
    bodies = Bodies(event, payload, record, now)
    rows = [
        _outbox_row(endpoint, event, body, now)
        for endpoint in endpoints
        if (body := bodies[endpoint.format]) is not None
    ]
    db.session.add_all(rows)
    return rows


def _outbox_row(endpoint: WebhookEndpoint, event: str, body: str, now: datetime) -> OutboxMessage:
    """One delivery of ``event`` to ``endpoint``, with a ``webhook-id`` of its own."""
    return OutboxMessage(
        channel=OutboxChannel.WEBHOOK,
        status=OutboxStatus.PENDING,
        purpose=event,
        delivery_id=f"msg_{secrets.token_hex(16)}",
        recipient=endpoint.url,
        subject=event,
        payload={"body": body},
        endpoint=endpoint,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        response_body="",
        created_at=now,
    )


#: Built once, being on the answer path (see ``invitations._BY_TOKEN``).
_ACTIVE = sa.select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))


def _active_endpoints() -> Sequence[WebhookEndpoint]:
    """The active endpoints, read once per transaction: a batch of answers queues many events."""
    return per_transaction("webhooks.endpoints", lambda: db.session.scalars(_ACTIVE).all())


def queue_response_event(
    response: Response, now: datetime, *, changed: dict[str, Any] | None = None
) -> None:
    """Queue ``response.created``, or ``response.updated`` with what ``changed`` (its
    ``data.changed``); does not commit. ``services.announcing`` says which, and when."""
    event = "response.created" if changed is None else "response.updated"
    told = {} if changed is None else {"changed": changed}
    queue_webhook_event(event, lambda: response_payload(response) | told, now, record=response)


def queue_unsubscribe_event(record: Unsubscribe, now: datetime) -> None:
    """Queue ``unsubscribe.created`` for a new opt-out; does not commit."""
    queue_webhook_event(
        "unsubscribe.created", lambda: unsubscribe_payload(record), now, record=record
    )
