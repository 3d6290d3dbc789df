"""The worker's part: pending deliveries become interactions, exactly once each.

A delivery is read again from its stored body (the vendor's mapping is pure), enriched
through the helpdesk's API where it only names people by id (Intercom), then claimed and
ingested in one transaction with its outcome. A worker killed at any point leaves it
``pending``, and the next run makes the interaction; two workers never both ingest it. The
lookups run before the claim, so no lock is held while a helpdesk's API is slow.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import requests
import sqlalchemy as sa
from flask import current_app

from feedback_app.connectors.receiving import decode
from feedback_app.extensions import db
from feedback_app.ingest.interactions import InteractionInput, record_interaction
from feedback_app.ingest.people import AgentInput, CustomerInput
from feedback_app.ingest.transactions import committed
from feedback_app.models import Connector, ConnectorDelivery, Outcome
from feedback_app.services.claims import claim
from surveys.channels import InvalidChannel
from surveys.connectors import CONNECTORS, Fetch, Ignored, InteractionFacts, Rejected
from surveys.invitations import InvitationStatus
from surveys.kinds import SurveyKind

log = logging.getLogger(__name__)

#: Deliveries one run of the job handles.
BATCH_SIZE = 100
#: Bodies are kept this long, for the admin to read; the deliveries' rows stay.
BODY_DAYS = 30
#: Seconds to wait for a helpdesk's API.
LOOKUP_TIMEOUT = 10
#: Lookups tried before a delivery is rejected; the wait between them doubles up to an hour.
MAX_LOOKUP_ATTEMPTS = 10
INTERCOM_VERSION = "2.11"


class LookupFailed(Exception):
    """The helpdesk's API could not be asked now (down, slow, refusing the token): try later."""


def process_deliveries(now: datetime, limit: int = BATCH_SIZE) -> int:
    """Turn up to ``limit`` due pending deliveries into interactions; commits each one.

    Returns how many reached a final outcome.
    """
    due = db.session.scalars(
        sa.select(ConnectorDelivery.id)
        .where(
            ConnectorDelivery.outcome == Outcome.PENDING, ConnectorDelivery.next_attempt_at <= now
        )
        .order_by(ConnectorDelivery.id)
        .limit(limit)
    ).all()
    db.session.commit()
    return sum(process_delivery(delivery_id, now) for delivery_id in due)


def process_delivery(delivery_id: int, now: datetime) -> bool:
    """Settle one pending delivery; True if it reached a final outcome. Commits."""
    delivery = db.session.get(ConnectorDelivery, delivery_id)
    if delivery is None or delivery.outcome is not Outcome.PENDING:
        db.session.commit()
        return False
    try:
        facts = facts_of(delivery)
    except Rejected as error:
        rejected = str(error)
    except LookupFailed as error:
        problem = str(error)
        db.session.commit()
        return committed(lambda: _retry_later(delivery_id, now, problem))
    else:
        db.session.commit()
        return committed(lambda: _settle(delivery_id, now, facts=facts))
    db.session.commit()
    return committed(lambda: _settle(delivery_id, now, rejected=rejected))


def facts_of(delivery: ConnectorDelivery) -> InteractionFacts:
    """The delivery's facts read again from its body, with what lookups add.

    :raises Rejected: the payload (or what the lookups found) cannot make an interaction.
    :raises LookupFailed: a lookup is needed and failed.
    """
    connector = delivery.connector
    spec = CONNECTORS[connector.type]
    facts = spec.parse(decode(delivery.body or b""), delivery.headers)
    if isinstance(facts, Ignored):  # accepted by an earlier version of the mapping
        raise Rejected({"body": facts.reason})
    if spec.lookup is not None:
        facts = spec.lookup(facts, api_fetch(connector))
    return facts


def api_fetch(connector: Connector) -> Fetch:
    """``get(path)`` against the helpdesk's REST API with the connector's access token."""
    if not connector.access_token:
        raise LookupFailed("no access token is set on the connector")
    base = (connector.api_url or "").rstrip("/")
    headers = {
        "Authorization": f"Bearer {connector.access_token}",
        "Accept": "application/json",
        "Intercom-Version": INTERCOM_VERSION,
    }

    def get(path: str) -> dict[str, Any]:
        try:
            answer = requests.get(base + path, headers=headers, timeout=LOOKUP_TIMEOUT)
        except requests.RequestException as error:
            raise LookupFailed(f"{path}: {type(error).__name__}") from None
        if answer.status_code == 404:
            raise Rejected({path: "was not found (404)"})
        if answer.status_code != 200:
            raise LookupFailed(f"{path} answered {answer.status_code}")
        try:
            found = answer.json()
        except ValueError:
            raise LookupFailed(f"{path} did not answer JSON") from None
        if not isinstance(found, dict):
            raise Rejected({path: "did not answer a JSON object"})
        return found

    return get


def _claimed(delivery_id: int) -> ConnectorDelivery | None:
    rows = claim(
        sa.select(ConnectorDelivery).where(
            ConnectorDelivery.id == delivery_id, ConnectorDelivery.outcome == Outcome.PENDING
        ),
        limit=1,
    )
    return rows[0] if rows else None


def _settle(
    delivery_id: int, now: datetime, *, facts: InteractionFacts | None = None, rejected: str = ""
) -> bool:
    delivery = _claimed(delivery_id)
    if delivery is None:
        return False
    delivery.processed_at = now
    delivery.next_attempt_at = None
    if facts is None:
        delivery.outcome = Outcome.REJECTED
        delivery.reason = rejected[:1000]
        return True
    try:
        result = record_interaction(interaction_input(delivery.connector, facts), now)
    except InvalidChannel as error:
        delivery.outcome = Outcome.REJECTED
        delivery.reason = f"channel: {error.message}"[:1000]
        return True
    delivery.interaction_id = result.interaction.id
    delivery.outcome = Outcome.CREATED if result.created else Outcome.UPDATED
    invitation = result.invitation
    if not result.created:
        delivery.reason = "the ticket was known: no second survey"
    elif invitation is None:
        delivery.reason = "no survey asked"
    elif invitation.status is InvitationStatus.SUPPRESSED:
        reason = invitation.suppression_reason
        delivery.reason = f"invitation suppressed: {reason.value if reason else 'unknown'}"
    else:
        delivery.reason = f"invitation scheduled for {invitation.scheduled_for.isoformat()}"
    return True


def _retry_later(delivery_id: int, now: datetime, problem: str) -> bool:
    delivery = _claimed(delivery_id)
    if delivery is None:
        return False
    delivery.attempts += 1
    if delivery.attempts >= MAX_LOOKUP_ATTEMPTS:
        delivery.outcome = Outcome.REJECTED
        delivery.processed_at = now
        delivery.next_attempt_at = None
        delivery.reason = f"lookup failed {delivery.attempts} times: {problem}"[:1000]
        return True
    wait = min(60 * 2 ** (delivery.attempts - 1), 3600)
    delivery.next_attempt_at = now + timedelta(seconds=wait)
    delivery.reason = f"lookup failed, trying again in {wait} s: {problem}"[:1000]
    log.warning("connector delivery %d: %s", delivery.id, delivery.reason)
    return False


def interaction_input(connector: Connector, facts: InteractionFacts) -> InteractionInput:
    """What ``ingest`` takes, with the connector's survey and delay unless the body names its
    own, and the connector as the source."""
    survey_id = None
    if facts.survey is not None:
        kind = facts.survey
    elif connector.survey is not None:
        kind, survey_id = connector.survey.kind.value, connector.survey.id
    else:
        kind = current_app.config["DEFAULT_INTERACTION_SURVEY"]
    assert facts.customer_email is not None
    return InteractionInput(
        external_id=facts.ticket_id,
        customer=CustomerInput(
            email=facts.customer_email,
            name=facts.customer_name,
            external_id=facts.customer_external_id,
            locale=facts.customer_locale,
            properties=dict(facts.customer_properties) if facts.customer_properties else None,
        ),
        channel=facts.channel,
        agent=AgentInput(email=facts.agent_email, name=facts.agent_name)
        if facts.agent_email
        else None,
        team=facts.team,
        opened_at=facts.opened_at,
        first_response_at=facts.first_response_at,
        resolved_at=facts.resolved_at,
        handle_seconds=facts.handle_seconds,
        first_contact_resolved=facts.first_contact_resolved,
        survey=None if kind == "none" else SurveyKind(kind),
        delay_seconds=facts.delay_seconds
        if facts.delay_seconds is not None
        else connector.delay_seconds,
        source=connector.id,
        survey_id=survey_id,
        tags=facts.tags,
    )


def purge_bodies(now: datetime) -> int:
    """Empty the bodies of settled deliveries older than ``BODY_DAYS``; commits."""
    result = db.session.execute(
        sa.update(ConnectorDelivery)
        .where(
            ConnectorDelivery.received_at < now - timedelta(days=BODY_DAYS),
            ConnectorDelivery.outcome != Outcome.PENDING,
            ConnectorDelivery.body.is_not(None),
        )
        .values(body=None)
    )
    db.session.commit()
    return result.rowcount
