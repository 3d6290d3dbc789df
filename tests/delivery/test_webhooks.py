"""Webhooks: registered by an admin, signed per Standard Webhooks, retried, re-sent.

The receiver listens on 127.0.0.1, so these tests allow private addresses; the refusals
with the setting off are in ``test_webhook_addresses.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import (
    Invitation,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    Response,
    User,
    WebhookEndpoint,
    WebhookFormat,
)
from feedback_app.services.outbox import deliver_outbox
from feedback_app.services.settling import settle_answers
from feedback_app.services.webhooks import create_endpoint, slack_text
from notifications import WebhookChannel, WebhookRequest
from tests.delivery.sinks import WebhookReceiver
from tests.helpers import FrozenClock, csrf_from, store_answer


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {"WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True}


def answer(invitation: Invitation, score: int, comment: str, now: datetime) -> Response:
    """Answer, and settle the answer as the worker does."""
    response = store_answer(invitation, score, now, comment)
    settle_answers()
    return response


def webhook_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.channel == OutboxChannel.WEBHOOK)
            .order_by(OutboxMessage.id)
        )
    )


def test_an_admin_registers_an_endpoint_and_receives_signed_response_events(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
    webhook_receiver: WebhookReceiver,
) -> None:
    login("admin")
    form = client.get("/admin/webhooks")
    added = client.post(
        "/admin/webhooks",
        data={
            "url": webhook_receiver.url,
            "events": ["response.created", "response.updated"],
            "format": "standard",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert added.status_code == 302
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in client.get(added.headers["Location"]).text
    webhook_receiver.secret = endpoint.secret
    invitation, _ = make_invitation(kind="nps")

    response = answer(invitation, 3, "Slow to answer", clock.now)
    clock.advance(minutes=5)
    answer(invitation, 5, "Slow to answer", clock.now)
    deliver_outbox(clock.now)

    data = {
        "id": response.id,
        "survey_id": invitation.survey_id,
        "kind": "nps",
        "score": 3,
        "scale_max": 10,
        "bucket": "detractor",
        "comment": "Slow to answer",
        "answers": [],
        "customer": {"email": "customer@example.com", "name": "Casey"},
        "interaction_external_id": None,
        "channel": None,
        "agent": None,
        "team": None,
        "created_at": "2026-03-02T09:00:00+00:00",
        "updated_at": "2026-03-02T09:00:00+00:00",
    }
    assert webhook_receiver.verified == [
        {"type": "response.created", "timestamp": "2026-03-02T09:00:00+00:00", "data": data},
        {
            "type": "response.updated",
            "timestamp": "2026-03-02T09:05:00+00:00",
            "data": data
            | {
                "score": 5,
                "updated_at": "2026-03-02T09:05:00+00:00",
                "changed": {"score": {"from": 3, "to": 5}},
            },
        },
    ]
    rows = webhook_rows()
    assert [d.headers["webhook-id"] for d in webhook_receiver.deliveries] == [
        row.delivery_id for row in rows
    ]
    assert [(row.status, row.response_status) for row in rows] == [(OutboxStatus.SENT, 204)] * 2


def test_a_receiver_that_is_down_gets_retries_with_the_same_webhook_id(
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    webhook_receiver: WebhookReceiver,
) -> None:
    endpoint = create_endpoint(webhook_receiver.url, ["response.created"], clock.now)
    db.session.commit()
    webhook_receiver.secret = endpoint.secret
    webhook_receiver.fail_with = [500, 500]
    invitation, _ = make_invitation()
    answer(invitation, 2, "", clock.now)

    deliver_outbox(clock.now, rand=lambda: 0.0)
    [row] = webhook_rows()
    assert (row.status, row.response_status, row.last_error) == (
        OutboxStatus.FAILED,
        500,
        "the receiver answered 500",
    )
    assert row.response_body == '{"status": 500}'
    clock.advance(seconds=30)
    deliver_outbox(clock.now, rand=lambda: 0.0)
    clock.advance(seconds=60)
    deliver_outbox(clock.now, rand=lambda: 0.0)

    ids = {d.headers["webhook-id"] for d in webhook_receiver.deliveries}
    assert ids == {row.delivery_id}
    assert len(webhook_receiver.verified) == 3
    [row] = webhook_rows()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 3)


def test_a_tampered_body_or_an_old_timestamp_fails_verification(
    webhook_receiver: WebhookReceiver,
) -> None:
    webhook_receiver.secret = "whsec_" + "a" * 43 + "="
    request = WebhookRequest(webhook_receiver.url, "msg_1", '{"score":3}', webhook_receiver.secret)
    with WebhookChannel(timeout=5, allow_private=True) as channel:
        assert channel.send(request).ok
    good = webhook_receiver.deliveries[0]
    tampered = requests.post(
        webhook_receiver.url,
        data=b'{"score":10}',
        headers={k: v for k, v in good.headers.items() if k.startswith("webhook-")},
        timeout=5,
    )
    old_clock = lambda: datetime.now(UTC) - timedelta(minutes=10)  # noqa: E731
    with WebhookChannel(timeout=5, clock=old_clock, allow_private=True) as channel:
        late = channel.send(request)

    assert tampered.status_code == 400
    assert (late.ok, late.permanent, late.status) == (False, False, 400)
    assert [d.error for d in webhook_receiver.deliveries] == [
        "",
        "No matching signature found",
        "Message timestamp too old",
    ]


def test_an_admin_re_sends_a_past_delivery_with_its_webhook_id(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
    webhook_receiver: WebhookReceiver,
) -> None:
    endpoint = create_endpoint(webhook_receiver.url, ["response.created"], clock.now)
    db.session.commit()
    webhook_receiver.secret = endpoint.secret
    invitation, _ = make_invitation()
    answer(invitation, 5, "", clock.now)
    deliver_outbox(clock.now)
    [row] = webhook_rows()
    login("admin")

    page = client.get(f"/admin/webhooks/{endpoint.id}")
    assert row.delivery_id in page.text
    resent = client.post(f"/admin/outbox/{row.id}/retry", data={"csrf_token": csrf_from(page.text)})
    assert resent.status_code == 302
    deliver_outbox(clock.now)

    assert [d.headers["webhook-id"] for d in webhook_receiver.deliveries] == [row.delivery_id] * 2
    assert len(webhook_receiver.verified) == 2


def slack_endpoint(receiver: WebhookReceiver, now: datetime) -> None:
    """A Slack endpoint for response.created at ``receiver``, which gets its secret."""
    endpoint = create_endpoint(receiver.url, ["response.created"], now, format=WebhookFormat.SLACK)
    db.session.commit()
    receiver.secret = endpoint.secret


def test_a_slack_endpoint_gets_a_readable_message_for_a_detractor(
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    webhook_receiver: WebhookReceiver,
) -> None:
    slack_endpoint(webhook_receiver, clock.now)
    invitation, _ = make_invitation(kind="nps")
    answer(invitation, 2, "Nobody called back.\nThree times.", clock.now)

    deliver_outbox(clock.now)

    assert webhook_receiver.verified == [
        {
            "text": ":rotating_light: *Detractor*: Casey &lt;customer@example.com&gt; answered"
            " 2/10 on NPS\n> Nobody called back.\n> Three times."
        }
    ]


def test_slack_messages_show_customer_text_as_text_not_mentions_or_links(
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    webhook_receiver: WebhookReceiver,
) -> None:
    slack_endpoint(webhook_receiver, clock.now)
    invitation, _ = make_invitation(kind="csat", email="eve&co@example.com")
    invitation.customer.name = "Eve <!channel>"
    db.session.commit()
    answer(
        invitation, 1, "<@U123> see <https://evil.example/pay|your invoice> & <!here>", clock.now
    )

    deliver_outbox(clock.now)

    assert webhook_receiver.verified == [
        {
            "text": ":rotating_light: *Unsatisfied*: Eve &lt;!channel&gt;"
            " &lt;eve&amp;co@example.com&gt; answered 1/5 on CSAT\n> &lt;@U123&gt; see"
            " &lt;https://evil.example/pay|your invoice&gt; &amp; &lt;!here&gt;"
        }
    ]


def test_a_slack_case_message_escapes_its_summary_and_keeps_its_own_link() -> None:
    text = slack_text(
        "followup.created",
        {
            "summary": "Case #7: Eve <!channel> & co scored 1/5 on CSAT",
            "url": "http://feedback.test/followups/7",
        },
    )
    assert text == (
        "followup.created: Case #7: Eve &lt;!channel&gt; &amp; co scored 1/5 on CSAT"
        " <http://feedback.test/followups/7|Open>"
    )


def test_deliveries_to_a_switched_off_endpoint_are_dead_lettered(
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    webhook_receiver: WebhookReceiver,
) -> None:
    endpoint = create_endpoint(webhook_receiver.url, ["response.created"], clock.now)
    invitation, _ = make_invitation()
    answer(invitation, 4, "", clock.now)
    endpoint.active = False
    db.session.commit()

    deliver_outbox(clock.now)

    [row] = webhook_rows()
    assert (row.status, row.last_error) == (OutboxStatus.DEAD, "the endpoint is off")
    assert webhook_receiver.deliveries == []
    assert json.loads(row.payload["body"])["data"]["score"] == 4
