"""Webhook endpoints and the events queued for them.

An event becomes one outbox row per active endpoint subscribed to it, written in the
caller's transaction; ``outbox.deliver_outbox`` signs and posts it (Standard Webhooks).
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import (
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    Response,
    WebhookEndpoint,
    WebhookFormat,
)
from feedback_app.questions.service import answers_json
from feedback_app.services.transaction_cache import per_transaction
from notifications import new_secret
from notifications.addresses import RefusedAddress, checked_addresses, url_host
from surveys.bucketing import Bucket

EVENTS = ("response.created", "response.updated", "followup.created", "followup.updated")
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


def endpoint_problems(url: str, events: Iterable[str]) -> dict[str, str]:
    """What is wrong with an endpoint's URL and events, by field; empty when nothing."""
    problems = {}
    if problem := url_problem(url.strip()):
        problems["url"] = problem
    chosen = list(events)
    if not chosen:
        problems["events"] = "choose at least one event"
    elif unknown := sorted(set(chosen) - set(EVENTS)):
        problems["events"] = f"unknown events: {', '.join(unknown)}"
    return problems


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
    if problems := endpoint_problems(url, chosen):
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
        verb = "changed their answer to" if event == "response.updated" else "answered"
        line = (
            f"{mark}*{bucket.capitalize()}*: {slack_escape(person)} {verb} {payload['score']}/"
            f"{payload['scale_max']} on {payload['kind'].upper()}"
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


def _body(endpoint: WebhookEndpoint, event: str, payload: dict[str, Any], now: datetime) -> str:
    if endpoint.format is WebhookFormat.SLACK:
        document: dict[str, Any] = {"text": slack_text(event, payload)}
    else:
        document = {"type": event, "timestamp": now.isoformat(), "data": payload}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def queue_webhook_event(
    event: str, payload: Callable[[], dict[str, Any]], now: datetime
) -> list[OutboxMessage]:
    """Queue ``event`` for every active endpoint subscribed to it; does not commit.

    Write it in the transaction that makes the change, so the event exists exactly when the
    change does. Each row gets its own ``webhook-id``, kept across retries and re-sends.

    :param event: one of ``EVENTS``.
    :param payload: builds the JSON-serialisable data, sent as ``data`` (Slack endpoints get
        a summary; for ``followup.*`` they show ``payload["summary"]`` and link
        ``payload["url"]``). Called only when an endpoint subscribes, since building it may
        load related rows.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = [endpoint for endpoint in _active_endpoints() if event in endpoint.events]
    if not endpoints:
        return []
    db.session.flush()  # the payload names the ids of rows the caller has just added
    data = payload()
    rows = []
    for endpoint in endpoints:
        row = OutboxMessage(
            channel=OutboxChannel.WEBHOOK,
            status=OutboxStatus.PENDING,
            purpose=event,
            delivery_id=f"msg_{secrets.token_hex(16)}",
            recipient=endpoint.url,
            subject=event,
            payload={"body": _body(endpoint, event, data, now)},
            endpoint=endpoint,
            attempts=0,
            next_attempt_at=now,
            last_error="",
            response_body="",
            created_at=now,
        )
        db.session.add(row)
        rows.append(row)
    return rows


#: Built once, being on the answer path (see ``invitations._BY_TOKEN``).
_ACTIVE = sa.select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))


def _active_endpoints() -> Sequence[WebhookEndpoint]:
    """The active endpoints, read once per transaction: a batch of answers queues many events."""
    return per_transaction("webhooks.endpoints", lambda: db.session.scalars(_ACTIVE).all())


def queue_response_event(response: Response, now: datetime, *, created: bool) -> None:
    """Queue ``response.created`` or ``response.updated``; does not commit."""
    event = "response.created" if created else "response.updated"
    queue_webhook_event(event, lambda: response_payload(response), now)
