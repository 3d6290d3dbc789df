"""Managing a webhook endpoint from its page: edit, pause and resume, a test event, a new
secret and deletion (both after a confirmation page), each in the audit log.

The receiver is real and listens on 127.0.0.1, so these tests allow private addresses.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import (
    Invitation,
    OutboxMessage,
    OutboxStatus,
    User,
    WebhookEndpoint,
    WebhookFormat,
)
from feedback_app.services.outbox import deliver_outbox
from feedback_app.services.settling import settle_answers
from feedback_app.services.webhooks import create_endpoint, suggested_format
from tests.audit.support import logged
from tests.delivery.sinks import WebhookReceiver
from tests.helpers import FrozenClock, csrf_from, store_answer


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {"WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True}


@pytest.fixture
def endpoint(app: Flask, clock: FrozenClock, webhook_receiver: WebhookReceiver) -> WebhookEndpoint:
    made = create_endpoint(webhook_receiver.url, ["response.created"], clock.now)
    db.session.commit()
    webhook_receiver.secret = made.secret
    return made


def page_of(client: FlaskClient, endpoint_id: int) -> str:
    return html.unescape(client.get(f"/admin/webhooks/{endpoint_id}").text)


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None) -> Any:
    token = csrf_from(client.get("/admin/webhooks").text)
    return client.post(path, data={"csrf_token": token, **(data or {})})


def answer(make_invitation: Callable[..., tuple[Invitation, str]], now: Any) -> None:
    invitation, _ = make_invitation()
    store_answer(invitation, 4, now, "Fine")
    settle_answers()


def test_an_admin_edits_an_endpoint_and_the_change_is_logged(
    client: FlaskClient,
    login: Callable[..., User],
    endpoint: WebhookEndpoint,
    webhook_receiver: WebhookReceiver,
) -> None:
    admin = login("admin")
    form = page_of(client, endpoint.id)
    assert f'value="{webhook_receiver.url}"' in form

    saved = post(
        client,
        f"/admin/webhooks/{endpoint.id}",
        {
            "url": webhook_receiver.url + "/v2",
            "events": ["response.created", "followup.created"],
            "format": "slack",
            "description": "Team channel",
        },
    )

    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/admin/webhooks/{endpoint.id}"
    assert "Endpoint saved." in page_of(client, endpoint.id)
    db.session.expire_all()
    row = db.session.get(WebhookEndpoint, endpoint.id)
    assert (row.url, row.events, row.format, row.description) == (
        webhook_receiver.url + "/v2",
        ["response.created", "followup.created"],
        WebhookFormat.SLACK,
        "Team channel",
    )
    assert logged("webhook.changed") == [
        (
            "user",
            admin.email,
            "127.0.0.1",
            "webhook.changed",
            f"webhook:{endpoint.id}",
            {
                "host": "127.0.0.1",
                "events": ["response.created", "followup.created"],
                "fields": ["url", "events", "format", "description"],
            },
        )
    ]


def test_a_bad_edit_is_a_422_naming_the_field_and_changes_nothing(
    client: FlaskClient, login: Callable[..., User], endpoint: WebhookEndpoint
) -> None:
    login("admin")

    refused = post(
        client, f"/admin/webhooks/{endpoint.id}", {"url": "ftp://x", "format": "standard"}
    )

    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert '<span class="error" id="url-error">must be an absolute http(s) URL</span>' in text
    assert '<p class="error" id="events-error">choose at least one event</p>' in text
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).events == ["response.created"]
    assert logged("webhook.changed") == []


def test_a_paused_endpoint_gets_nothing_until_it_is_resumed(
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
    endpoint: WebhookEndpoint,
    webhook_receiver: WebhookReceiver,
) -> None:
    login("admin")
    paused = post(client, f"/admin/webhooks/{endpoint.id}/active")
    assert paused.status_code == 302
    page = page_of(client, endpoint.id)
    assert "Endpoint paused: it gets nothing until it is resumed." in page
    assert ">Resume</button>" in page

    answer(make_invitation, clock.now)
    deliver_outbox(clock.now)
    assert webhook_receiver.deliveries == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.endpoint_id == endpoint.id)) == 0  # fmt: skip

    post(client, f"/admin/webhooks/{endpoint.id}/active")
    assert "Endpoint resumed: it gets new events." in page_of(client, endpoint.id)
    answer(make_invitation, clock.now)
    deliver_outbox(clock.now)
    assert [event["data"]["score"] for event in webhook_receiver.verified] == [4]
    assert [event[3] for event in logged("webhook.")] == ["webhook.disabled", "webhook.enabled"]


def test_a_test_event_goes_through_the_outbox_and_the_page_says_how_it_went(
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    endpoint: WebhookEndpoint,
    webhook_receiver: WebhookReceiver,
) -> None:
    admin = login("admin")

    sent = post(client, f"/admin/webhooks/{endpoint.id}/test")

    assert sent.status_code == 302
    page = page_of(client, endpoint.id)
    assert "Test event delivered: the receiver answered 204." in page
    assert webhook_receiver.verified == [
        {
            "type": "webhook.test",
            "timestamp": "2026-03-02T09:00:00+00:00",
            "data": {
                "endpoint_id": endpoint.id,
                "summary": "A test event: this endpoint receives the events it subscribes to.",
            },
        }
    ]
    row = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.endpoint_id == endpoint.id)
    )
    assert (row.purpose, row.status, row.attempts) == ("webhook.test", OutboxStatus.SENT, 1)
    assert row.delivery_id in page
    assert webhook_receiver.deliveries[0].headers["webhook-id"] == row.delivery_id
    assert logged("webhook.tested") == [
        (
            "user",
            admin.email,
            "127.0.0.1",
            "webhook.tested",
            f"webhook:{endpoint.id}",
            {"delivery": row.delivery_id},
        )
    ]


def test_a_failed_test_event_says_why_and_is_retried_like_any_delivery(
    client: FlaskClient,
    login: Callable[..., User],
    endpoint: WebhookEndpoint,
    webhook_receiver: WebhookReceiver,
) -> None:
    login("admin")
    webhook_receiver.fail_with = [503]

    post(client, f"/admin/webhooks/{endpoint.id}/test")

    assert "Test event not delivered: the receiver answered 503." in page_of(client, endpoint.id)
    row = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.endpoint_id == endpoint.id)
    )
    assert (row.status, row.response_status) == (OutboxStatus.FAILED, 503)


def test_a_paused_endpoints_test_event_is_refused_as_its_events_are(
    client: FlaskClient,
    login: Callable[..., User],
    endpoint: WebhookEndpoint,
    webhook_receiver: WebhookReceiver,
) -> None:
    login("admin")
    post(client, f"/admin/webhooks/{endpoint.id}/active")

    post(client, f"/admin/webhooks/{endpoint.id}/test")

    assert "Test event not delivered: the endpoint is off." in page_of(client, endpoint.id)
    assert webhook_receiver.deliveries == []


def test_a_new_secret_after_confirmation_is_shown_once_and_signs_from_then_on(
    client: FlaskClient,
    login: Callable[..., User],
    endpoint: WebhookEndpoint,
    webhook_receiver: WebhookReceiver,
) -> None:
    admin = login("admin")
    old = endpoint.secret
    assert old not in page_of(client, endpoint.id)
    assert f"<code>{old[:10]}…</code>" in page_of(client, endpoint.id)

    confirm = client.get(f"/admin/webhooks/{endpoint.id}/secret")
    assert confirm.status_code == 200
    assert "The current secret stops working at once" in confirm.text
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).secret == old

    rotated = client.post(
        f"/admin/webhooks/{endpoint.id}/secret", data={"csrf_token": csrf_from(confirm.text)}
    )

    assert rotated.status_code == 302
    db.session.expire_all()
    new = db.session.get(WebhookEndpoint, endpoint.id).secret
    assert new.startswith("whsec_") and new != old
    first, second = page_of(client, endpoint.id), page_of(client, endpoint.id)
    assert f'<code id="secret">{new}</code>' in first
    assert "Shown this once: copy it now." in first
    assert new not in second
    post(client, f"/admin/webhooks/{endpoint.id}/test")
    assert [d.error for d in webhook_receiver.deliveries] == ["No matching signature found"]
    webhook_receiver.secret = new
    post(client, f"/admin/webhooks/{endpoint.id}/test")
    assert len(webhook_receiver.verified) == 1
    assert logged("webhook.secret_rotated") == [
        (
            "user",
            admin.email,
            "127.0.0.1",
            "webhook.secret_rotated",
            f"webhook:{endpoint.id}",
            {"host": "127.0.0.1", "events": ["response.created"]},
        )
    ]
    assert new not in json.dumps(logged())


def test_deleting_asks_first_then_removes_the_endpoint_and_its_deliveries(
    client: FlaskClient,
    login: Callable[..., User],
    endpoint: WebhookEndpoint,
) -> None:
    admin = login("admin")
    post(client, f"/admin/webhooks/{endpoint.id}/test")

    confirm = client.get(f"/admin/webhooks/{endpoint.id}/delete")
    assert confirm.status_code == 200
    assert "This cannot be undone. It gets no more events, and its 1 delivery" in confirm.text
    assert db.session.get(WebhookEndpoint, endpoint.id) is not None
    refused = client.post(f"/admin/webhooks/{endpoint.id}/delete", data={})
    assert refused.status_code == 400
    deleted = client.post(
        f"/admin/webhooks/{endpoint.id}/delete", data={"csrf_token": csrf_from(confirm.text)}
    )

    assert deleted.status_code == 302
    assert deleted.headers["Location"] == "/admin/webhooks"
    db.session.expire_all()
    assert db.session.scalars(sa.select(WebhookEndpoint)).all() == []
    assert db.session.scalars(sa.select(OutboxMessage)).all() == []
    assert client.get(f"/admin/webhooks/{endpoint.id}").status_code == 404
    assert logged("webhook.deleted") == [
        (
            "user",
            admin.email,
            "127.0.0.1",
            "webhook.deleted",
            f"webhook:{endpoint.id}",
            {"host": "127.0.0.1", "events": ["response.created"]},
        )
    ]


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_only_admins_manage_endpoints(
    client: FlaskClient, login: Callable[..., User], endpoint: WebhookEndpoint, role: str
) -> None:
    login(role)
    token = csrf_from(client.get("/").text)
    for path in ("", "/test", "/secret", "/delete", "/active"):
        answered = client.post(f"/admin/webhooks/{endpoint.id}{path}", data={"csrf_token": token})
        assert answered.status_code == 403
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).active is True


def test_the_form_offers_every_format_and_says_which_a_slack_url_takes(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("admin")
    page = client.get("/admin/webhooks").text
    options = [f'<option value="{f.value}"' for f in WebhookFormat]
    assert all(option in page for option in options)
    assert "A hooks.slack.com URL takes the Slack message format." in page
    assert suggested_format(" https://HOOKS.slack.com/services/T0/B0/x ") is WebhookFormat.SLACK
    assert suggested_format("https://hooks.example.com/in") is None
