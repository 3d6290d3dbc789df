"""Receiving in detail: hostile bodies, each helpdesk's other documented variants, skip
conditions, re-solves, the connector's survey and delay, lookups that fail, the purge."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from feedback_app.connectors.processing import MAX_LOOKUP_ATTEMPTS, process_deliveries, purge_bodies
from feedback_app.extensions import db
from feedback_app.ingest.interactions import InteractionInput, ingest_interaction
from feedback_app.ingest.people import CustomerInput
from feedback_app.models import Connector, ConnectorDelivery, Interaction, Invitation, Outcome
from feedback_app.services.surveys import create_survey
from surveys import channels
from surveys.kinds import SurveyKind
from tests.connectors.conftest import IntercomApi, Poster
from tests.connectors.test_deliveries import counts, deliveries
from tests.connectors.vendors import (
    SECRET,
    b64_hmac,
    encode,
    freshdesk,
    front,
    help_scout_legacy,
    sign,
    solved,
    zendesk,
)
from tests.helpers import FrozenClock

MakeConnector = Callable[..., Connector]


def signed_body(post: Poster, connector: Connector, body: bytes) -> requests.Response:
    headers = sign(connector.type, body, SECRET, post.clock.now)
    return post.send(connector, body, headers)


def own(**fields: object) -> bytes:
    """Our interaction JSON with a valid customer, and ``fields`` on top."""
    return json.dumps({"external_id": "1", "customer": {"email": "a@b.co"}, **fields}).encode()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"not json at all", 400, "body"),
        (b"\xff\xfe{}", 400, "body"),
        (b'{"external_id": "1\x00"}', 400, "body"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "body"),
        (b"[1, 2]", 400, "body"),
        (own(external_id={"nested": [1]}), 422, "external_id"),
        (own(customer={"email": "a@b.co", "name": "x\u0000y"}), 422, "customer.name"),
        (own(customer="casey@example.com"), 422, "customer"),
        (own(delay_seconds=10**400), 422, "delay_seconds"),
        (own(opened_at="2026-03-01T08:00:00"), 422, "opened_at"),
        (own(external_id="x" * 201), 422, "external_id"),
    ],
)
def test_hostile_bodies_are_refused_with_a_4xx_and_recorded(
    body: bytes,
    status: int,
    field: str,
    make_connector: MakeConnector,
    post: Poster,
    clock: FrozenClock,
) -> None:
    connector = make_connector("zendesk")
    answer = signed_body(post, connector, body)
    assert answer.status_code == status, answer.text
    assert field in answer.json()["errors"]
    (delivery,) = deliveries(connector)
    assert delivery.outcome is Outcome.REJECTED
    assert delivery.body == body
    assert process_deliveries(clock.now) == 0
    assert counts() == (0, 0, 0)


def test_an_unknown_connector_is_a_404(live: str) -> None:
    answer = requests.post(f"{live}/hooks/zendesk-nobody", data=b"{}", timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


def test_a_connector_without_its_secret_yet_refuses_everything(
    make_connector: MakeConnector, post: Poster
) -> None:
    connector = make_connector("zendesk", secret=None)
    answer = post(connector, solved("zendesk"))
    assert answer.status_code == 401
    assert answer.json()["message"].startswith("the connector has no secret yet")


def test_front_application_webhook_challenge_is_answered(
    make_connector: MakeConnector, post: Poster
) -> None:
    connector = make_connector("front")
    sync = {"type": "sync", "authorization": {"id": "cmp_123"}}
    answer = post(connector, sync, headers={"X-Front-Challenge": "ch4ll3nge"})
    assert answer.status_code == 200
    assert answer.text == "ch4ll3nge"
    assert answer.headers["Content-Type"].startswith("text/plain")
    (delivery,) = deliveries(connector)
    assert (delivery.outcome, delivery.reason) == (Outcome.IGNORED, "set-up challenge answered")
    # A challenge someone else signed is not answered.
    forged = post(connector, sync, headers={"X-Front-Challenge": "x"}, secret="not-the-key-0000")
    assert forged.status_code == 401


def test_front_rule_webhook_signed_with_sha1_of_the_body(
    make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    connector = make_connector("front")
    event = front()["payload"]
    body = encode(event)
    headers = {
        "Content-Type": "application/json",
        "X-Front-Signature": b64_hmac(SECRET, body, "sha1"),
    }
    assert post.send(connector, body, headers).status_code == 202
    assert process_deliveries(clock.now) == 1
    assert db.session.scalars(sa.select(Interaction)).one().external_id == "cnv_1001"


def test_help_scout_legacy_conversation_shape(
    make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    connector = make_connector("help_scout")
    assert post(connector, help_scout_legacy()).status_code == 202
    assert process_deliveries(clock.now) == 1
    interaction = db.session.scalars(sa.select(Interaction)).one()
    assert interaction.team is not None and interaction.team.name == "Support"
    assert interaction.channel == channels.CHAT
    assert interaction.customer.name == "Casey Jones"


def test_zammad_custom_payload_with_its_dashes_and_times(
    make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    connector = make_connector("zammad")
    body = {
        "external_id": "10081",
        "status": "closed",
        "channel": "email",
        "customer": {"email": "Emily@Example.com", "name": "Emily Adams"},
        "agent": {"email": "-", "name": "-"},
        "team": "-",
        "tags": "vip, billing",
        "opened_at": "2026-03-01 08:00:00 UTC",
        "first_response_at": "-",
        "resolved_at": "2026-03-02T08:30:00Z",
    }
    assert post(connector, body, headers={"X-Zammad-Delivery": "d-9"}).status_code == 202
    assert process_deliveries(clock.now) == 1
    interaction = db.session.scalars(sa.select(Interaction)).one()
    assert (interaction.external_id, interaction.customer.email) == ("10081", "emily@example.com")
    assert interaction.agent is None and interaction.team is None
    assert interaction.opened_at is not None and interaction.opened_at.hour == 8
    assert deliveries(connector)[0].delivery_key == "d-9"


@pytest.mark.parametrize("credentials", ["user:SECRET", "SECRET:X"])
def test_freshdesk_basic_authentication_and_simple_mode(
    credentials: str, make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    connector = make_connector("freshdesk")
    token = base64.b64encode(credentials.replace("SECRET", SECRET).encode()).decode()
    simple = {
        "freshdesk_webhook": {
            "ticket_id": 77,
            "ticket_contact_email": "casey@example.com",
            "ticket_contact_name": "Casey",
            "ticket_status": "Resolved",
            "ticket_source": "7",
            "ticket_tags": "vip",
        }
    }
    headers = {"Content-Type": "application/json", "Authorization": f"Basic {token}"}
    assert post.send(connector, encode(simple), headers).status_code == 202
    assert process_deliveries(clock.now) == 1
    interaction = db.session.scalars(sa.select(Interaction)).one()
    assert (interaction.external_id, interaction.channel) == ("77", channels.CHAT)
    # The credentials are never stored.
    assert "authorization" not in deliveries(connector)[0].headers


@pytest.mark.parametrize("key", ["raw", "derived"])
def test_freescout_verifies_with_the_app_key_or_its_derived_secret(
    key: str, make_connector: MakeConnector, post: Poster
) -> None:
    app_key = "base64:c2VjcmV0LWFwcC1rZXktZm9yLXRlc3RzLTAxMjM0NTY="
    derived = hashlib.md5((app_key + "webhook_key").encode()).hexdigest()
    connector = make_connector("freescout", secret=app_key if key == "raw" else derived)
    body = encode(solved("freescout"))
    headers = {
        "Content-Type": "application/json",
        "X-HelpScout-Signature": b64_hmac(derived, body, "sha1"),
        "X-FreeScout-Event": "convo.status",
    }
    assert post.send(connector, body, headers).status_code == 202


def test_zendesk_signature_of_the_body_then_the_timestamp_verifies_too(
    make_connector: MakeConnector, post: Poster
) -> None:
    connector = make_connector("zendesk")
    body = encode(zendesk())
    stamp = post.clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Signature": b64_hmac(SECRET, body + stamp.encode(), "sha256"),
    }
    assert post.send(connector, body, headers).status_code == 202


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"skip_tags": ("No_Survey", "VIP")}, "skipped: tagged vip"),
        ({"skip_teams": ("billing",)}, "skipped: team Billing"),
        ({"skip_channels": ("EMAIL",)}, "skipped: channel email"),
    ],
)
def test_skip_conditions_ignore_the_ticket(
    settings: dict[str, tuple[str, ...]],
    reason: str,
    make_connector: MakeConnector,
    post: Poster,
    clock: FrozenClock,
) -> None:
    connector = make_connector("zendesk", **settings)
    answer = post(connector, zendesk())
    assert answer.status_code == 200
    assert answer.json() == {"outcome": "ignored", "reason": reason}
    assert process_deliveries(clock.now) == 0
    assert counts() == (0, 0, 0)


def test_a_ticket_solved_again_updates_the_interaction_and_sends_no_second_survey(
    make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    connector = make_connector("zendesk")
    assert post(connector, zendesk()).status_code == 202
    assert process_deliveries(clock.now) == 1
    clock.advance(days=2)
    reopened = post(connector, zendesk(status="Open", solved="2026-03-04T08:00:00Z"))
    assert reopened.json()["outcome"] == "ignored"
    clock.advance(days=1)
    again = zendesk(solved="2026-03-05T08:00:00Z")
    answer = post(connector, again, headers={"X-Zendesk-Webhook-Invocation-Id": "inv-2"})
    assert answer.status_code == 202
    assert process_deliveries(clock.now) == 1
    assert counts() == (1, 1, 1)
    last = deliveries(connector)[-1]
    assert (last.outcome, last.reason) == (
        Outcome.UPDATED,
        "the ticket was known: no second survey",
    )
    interaction = db.session.scalars(sa.select(Interaction)).one()
    assert interaction.resolved_at is not None and interaction.resolved_at.day == 5


def test_the_connectors_survey_and_delay(
    make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    ces = create_survey(SurveyKind.CES, clock.now, name="Effort")
    db.session.commit()
    connector = make_connector("zendesk", survey_id=ces.id, delay_seconds=3600)
    assert post(connector, zendesk()).status_code == 202
    assert process_deliveries(clock.now) == 1
    invitation = db.session.scalars(sa.select(Invitation)).one()
    assert invitation.survey_id == ces.id
    assert invitation.scheduled_for == clock.now + timedelta(hours=1)


def test_one_ticket_id_from_two_sources_makes_two_interactions(
    make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    ingest_interaction(
        InteractionInput(external_id="1001", customer=CustomerInput(email="api@example.com")),
        clock.now,
    )
    first, second = make_connector("zendesk"), make_connector("freshdesk")
    assert post(first, zendesk()).status_code == 202
    assert post(second, freshdesk()).status_code == 202
    assert process_deliveries(clock.now) == 2
    sources = db.session.scalars(
        sa.select(Interaction.source).where(Interaction.external_id == "1001")
    ).all()
    assert sorted(sources) == sorted(["api", first.id, second.id])


def test_intercom_lookups_that_fail_are_tried_again_later(
    make_connector: MakeConnector, post: Poster, clock: FrozenClock, intercom_api: IntercomApi
) -> None:
    connector = make_connector("intercom")
    intercom_api.status = 503
    assert post(connector, solved("intercom")).status_code == 202
    assert process_deliveries(clock.now) == 0
    (delivery,) = deliveries(connector)
    assert delivery.outcome is Outcome.PENDING
    assert delivery.reason == "lookup failed, trying again in 60 s: /contacts/ct_1 answered 503"
    assert process_deliveries(clock.advance(seconds=59)) == 0
    assert len(intercom_api.requests) == 1
    intercom_api.status = 200
    assert process_deliveries(clock.advance(seconds=1)) == 1
    assert counts() == (1, 1, 1)


def test_intercom_lookups_give_up_after_the_last_attempt(
    make_connector: MakeConnector, post: Poster, clock: FrozenClock, intercom_api: IntercomApi
) -> None:
    connector = make_connector("intercom", access_token="wrong-token")
    assert post(connector, solved("intercom")).status_code == 202
    for _ in range(MAX_LOOKUP_ATTEMPTS):
        process_deliveries(clock.advance(hours=1))
    (delivery,) = deliveries(connector)
    assert delivery.outcome is Outcome.REJECTED
    assert (
        delivery.reason == f"lookup failed {MAX_LOOKUP_ATTEMPTS} times: /contacts/ct_1 answered 401"
    )
    assert counts() == (0, 0, 0)


def test_an_intercom_contact_without_an_email_is_rejected(
    make_connector: MakeConnector, post: Poster, clock: FrozenClock, intercom_api: IntercomApi
) -> None:
    intercom_api.answers["/contacts/ct_1"] = {"type": "contact", "id": "ct_1", "email": None}
    connector = make_connector("intercom")
    assert post(connector, solved("intercom")).status_code == 202
    assert process_deliveries(clock.now) == 1
    (delivery,) = deliveries(connector)
    assert delivery.outcome is Outcome.REJECTED
    assert delivery.reason.startswith("contact.email: is required")
    assert counts() == (0, 0, 0)


def test_bodies_are_emptied_after_30_days_but_pending_ones_are_kept(
    make_connector: MakeConnector, post: Poster, clock: FrozenClock, intercom_api: IntercomApi
) -> None:
    done, waiting = make_connector("zendesk"), make_connector("intercom")
    assert post(done, zendesk()).status_code == 202
    assert process_deliveries(clock.now) == 1
    intercom_api.status = 503
    assert post(waiting, solved("intercom")).status_code == 202
    clock.advance(days=30)
    assert purge_bodies(clock.now) == 0
    clock.advance(seconds=1)
    assert purge_bodies(clock.now) == 1
    db.session.expire_all()
    kept = {row.connector_id: row.body for row in db.session.scalars(sa.select(ConnectorDelivery))}
    assert kept[done.id] is None
    assert kept[waiting.id] is not None
