"""Receiving a delivery: verify, read, record, answer; the interaction follows in the worker.

Every request to a connector's URL is recorded with what became of it. Only what is cheap
happens here (the signature, the JSON, the vendor's mapping, the checks for a skip or a
repeat), so the helpdesk gets its answer at once; a delivery accepted with 202 is stored
``pending`` in the same commit, and ``processing`` makes the interaction from it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from feedback_app.connectors.setup import secrets_in_force
from feedback_app.extensions import db
from feedback_app.models import Connector, ConnectorDelivery, Outcome
from surveys.connectors import CONNECTORS, Ignored, InteractionFacts, Rejected, Unverified
from surveys.connectors.base import skip_reason

#: Headers kept with a delivery for the worker's second reading; credentials never are.
KEPT_HEADERS = ("content-type", "user-agent")
SECRET_HEADERS = ("authorization", "cookie", "x-feedback-secret")


@dataclass(frozen=True)
class Receipt:
    """The answer to the helpdesk: a status and a JSON body (or a plain-text challenge)."""

    status: int
    body: dict[str, Any] | str


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value[:500]
        for name, value in headers.items()
        if (name.startswith("x-") or name in KEPT_HEADERS) and name not in SECRET_HEADERS
    }


def decode(body: bytes) -> Any:
    """The body's JSON; ``Rejected`` (as a 400) if it is not UTF-8 JSON or nests too deep."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Rejected({"body": "is not JSON"}) from None


def receive(
    connector: Connector, headers: Mapping[str, str], body: bytes, now: datetime
) -> Receipt:
    """Record one delivery and return the answer; commits.

    :param headers: with lower-case names.
    """
    delivery = ConnectorDelivery(
        connector_id=connector.id,
        received_at=now,
        headers=kept_headers(headers),
        body=body,
        body_sha256=hashlib.sha256(body).hexdigest(),
        attempts=0,
    )
    receipt = _judge(connector, delivery, headers, body, now)
    delivery.status_code = receipt.status
    db.session.add(delivery)
    db.session.commit()
    if delivery.outcome is Outcome.PENDING and isinstance(receipt.body, dict):
        receipt.body["delivery_id"] = delivery.id
    return receipt


def _judge(
    connector: Connector,
    delivery: ConnectorDelivery,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
) -> Receipt:
    spec = CONNECTORS[connector.type]
    if problem := unverified(connector, headers, body, now):
        return _finish(delivery, Outcome.REJECTED, problem, 401, "unauthorized")
    if spec.challenge and (answer := spec.challenge(headers)):
        _finish(delivery, Outcome.IGNORED, "set-up challenge answered", 200, "")
        return Receipt(200, answer)
    try:
        facts = spec.parse(decode(body), headers)
    except Rejected as error:
        status = 400 if "body" in error.errors else 422
        receipt = _finish(delivery, Outcome.REJECTED, str(error), status, "invalid")
        assert isinstance(receipt.body, dict)
        receipt.body["errors"] = error.errors
        return receipt
    if isinstance(facts, Ignored):
        return _finish(delivery, Outcome.IGNORED, facts.reason, 200, "")
    delivery.delivery_key = (facts.delivery_id or "")[:200] or None
    delivery.ticket_id = facts.ticket_id
    delivery.resolved_at = facts.resolved_at
    delivery.channel = facts.channel
    if reason := skip_reason(
        facts,
        tags=connector.skip_tags,
        teams=connector.skip_teams,
        channels=connector.skip_channels,
    ):
        return _finish(delivery, Outcome.IGNORED, f"skipped: {reason}", 200, "")
    if earlier := repeated(connector, delivery, facts):
        return _finish(delivery, Outcome.DUPLICATE, f"a repeat of delivery {earlier}", 200, "")
    delivery.next_attempt_at = now
    return _finish(delivery, Outcome.PENDING, "", 202, "")


def unverified(
    connector: Connector, headers: Mapping[str, str], body: bytes, now: datetime
) -> str | None:
    """Why the delivery is not signed with a secret in force, or None if it is."""
    in_force = secrets_in_force(connector, now)
    if not in_force:
        return "the connector has no secret yet: copy in the one the helpdesk shows"
    problems = []
    for secret in in_force:
        try:
            CONNECTORS[connector.type].verify(headers, body, secret, now)
        except Unverified as error:
            problems.append(str(error))
        else:
            return None
    return problems[0]


def repeated(
    connector: Connector, delivery: ConnectorDelivery, facts: InteractionFacts
) -> int | None:
    """The earlier delivery this one repeats: the same delivery id, the same ticket solved at
    the same time, or the same body; rejected deliveries do not count."""
    same = [ConnectorDelivery.body_sha256 == delivery.body_sha256]
    if delivery.delivery_key:
        same.append(ConnectorDelivery.delivery_key == delivery.delivery_key)
    if facts.resolved_at is not None:
        same.append(
            sa.and_(
                ConnectorDelivery.ticket_id == facts.ticket_id,
                ConnectorDelivery.resolved_at == facts.resolved_at,
            )
        )
    return db.session.scalar(
        sa.select(ConnectorDelivery.id)
        .where(
            ConnectorDelivery.connector_id == connector.id,
            ConnectorDelivery.outcome != Outcome.REJECTED,
            sa.or_(*same),
        )
        .order_by(ConnectorDelivery.id)
        .limit(1)
    )


def _finish(
    delivery: ConnectorDelivery, outcome: Outcome, reason: str, status: int, error: str
) -> Receipt:
    delivery.outcome = outcome
    delivery.reason = reason[:1000]
    if outcome is not Outcome.PENDING:
        delivery.processed_at = delivery.received_at
    body: dict[str, Any] = {"outcome": outcome.value}
    if error:
        body = {"error": error, "message": reason}
    elif reason:
        body["reason"] = reason
    return Receipt(status, body)
