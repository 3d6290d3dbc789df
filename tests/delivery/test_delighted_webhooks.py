"""Webhooks in Delighted's envelope: an endpoint chosen with that format on the admin page
receives ``survey_response.created``, ``survey_response.updated`` and ``unsubscribe.created``
as Delighted sent them, over real HTTP, still signed per Standard Webhooks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Invitation, User, WebhookEndpoint, WebhookFormat
from feedback_app.services.outbox import deliver_outbox
from feedback_app.services.settling import settle_answers
from feedback_app.services.webhooks import create_endpoint
from tests.delighted.delighted_calls import Delighted
from tests.delivery.sinks import WebhookReceiver
from tests.helpers import FrozenClock, csrf_from, store_answer

NOW = 1772442000
EVENTS = ["response.created", "response.updated", "unsubscribe.created"]


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {"WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True}


def test_delighted_receivers_get_delighteds_envelope(
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_api_key: Callable[..., str],
    make_invitation: Callable[..., tuple[Invitation, str]],
    webhook_receiver: WebhookReceiver,
) -> None:
    login("admin")
    form = client.get("/admin/webhooks")
    assert '<option value="delighted">Delighted&#39;s webhook JSON</option>' in form.text
    added = client.post(
        "/admin/webhooks",
        data={"url": webhook_receiver.url, "events": EVENTS, "format": "delighted",
              "csrf_token": csrf_from(form.text)},
    )  # fmt: skip
    assert added.status_code == 302
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert endpoint is not None and endpoint.format is WebhookFormat.DELIGHTED
    webhook_receiver.secret = endpoint.secret
    invitation, _ = make_invitation(kind="nps", email="charlie@example.com")
    response = store_answer(invitation, 9, clock.now)
    settle_answers()
    clock.advance(minutes=10)
    api = Delighted(client, make_api_key("ingest", name="script"))
    api("PUT", f"survey_responses/{response.id}", json={"comment": "Fast and flawless"})
    settle_answers()
    api.post("unsubscribes", {"person_email": "charlie@example.com"})

    deliver_outbox(clock.now)

    person = {"id": str(response.customer_id), "email": "charlie@example.com",
              "name": "Casey", "created_at": NOW}  # fmt: skip
    data = {
        "id": str(response.id),
        "person": person,
        "survey_type": "nps",
        "score": 9,
        "comment": None,
        "permalink": "http://feedback.test/dashboard/responses?kind=nps&since=2026-03-02"
        "&until=2026-03-02",
        "created_at": NOW,
        "updated_at": NOW,
        "person_properties": {},
        "notes": [],
        "tags": [],
        "additional_answers": [],
    }
    received = webhook_receiver.verified
    event_ids = [event.pop("event_id") for event in received]
    assert all(re.fullmatch("[0-9a-f]{64}", event_id) for event_id in event_ids)
    assert len(set(event_ids)) == 3
    assert received == [
        {"event_type": "survey_response.created", "event_data": data},
        {
            "event_type": "survey_response.updated",
            "event_data": data | {"comment": "Fast and flawless", "updated_at": NOW + 600},
        },
        {
            "event_type": "unsubscribe.created",
            "event_data": {"person_id": person["id"], "email": "charlie@example.com",
                           "name": "Casey", "unsubscribed_at": NOW + 600},
        },
    ]  # fmt: skip


def test_our_formats_get_unsubscribes_too(
    client: FlaskClient,
    clock: FrozenClock,
    make_api_key: Callable[..., str],
    webhook_receiver: WebhookReceiver,
) -> None:
    endpoint = create_endpoint(webhook_receiver.url, ["unsubscribe.created"], clock.now)
    db.session.commit()
    webhook_receiver.secret = endpoint.secret
    api = Delighted(client, make_api_key("ingest", name="script"))
    api.post("unsubscribes", {"person_email": "ana@example.com"})
    api.post("unsubscribes", {"person_email": "ana@example.com"})  # already: no new event

    deliver_outbox(clock.now)

    [event] = webhook_receiver.verified
    assert event == {
        "type": "unsubscribe.created",
        "timestamp": "2026-03-02T09:00:00+00:00",
        "data": {
            "id": event["data"]["id"],
            "customer": {"email": "ana@example.com", "name": ""},
            "kind": None,
            "source": "api",
            "created_at": "2026-03-02T09:00:00+00:00",
            "summary": "ana@example.com unsubscribed from all surveys",
        },
    }


def test_delighteds_format_refuses_events_it_never_had(
    client: FlaskClient, login: Callable[..., User], webhook_receiver: WebhookReceiver
) -> None:
    login("admin")
    form = client.get("/admin/webhooks")
    refused = client.post(
        "/admin/webhooks",
        data={"url": webhook_receiver.url, "events": ["response.created", "followup.created"],
              "format": "delighted", "csrf_token": csrf_from(form.text)},
    )  # fmt: skip
    assert refused.status_code == 422
    assert (
        "Delighted&#39;s format has no followup.created; it carries response.created, "
        "response.updated, unsubscribe.created" in refused.text
    )
    assert db.session.scalar(sa.select(WebhookEndpoint)) is None
