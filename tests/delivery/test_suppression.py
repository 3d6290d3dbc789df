"""Unsubscribing (one-click, the page, the API), bounces, and unsafe input in emails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import (
    Customer,
    Invitation,
    OutboxMessage,
    OutboxStatus,
    Unsubscribe,
    User,
)
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.outbox import deliver_outbox
from surveys.invitations import InvitationStatus, SuppressionReason
from surveys.kinds import SurveyKind
from tests.delivery.sinks import SinkHandler
from tests.helpers import FrozenClock


def refreshed(invitation: Invitation) -> Invitation:
    db.session.refresh(invitation)
    return invitation


def test_one_click_unsubscribes_from_the_kind_and_suppresses_what_is_scheduled(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    sent, token = make_invitation(kind="csat")
    dispatch_due_invitations(clock.now)
    later, _ = make_invitation(kind="csat", scheduled_for=clock.now.replace(day=9))
    other_kind, _ = make_invitation(kind="nps", scheduled_for=clock.now.replace(day=9))

    answer = client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})

    assert answer.status_code == 200
    record = db.session.scalar(sa.select(Unsubscribe))
    assert (record.kind, record.source, record.created_at) == (
        SurveyKind.CSAT,
        "one-click",
        clock.now,
    )
    assert refreshed(later).status is InvitationStatus.SUPPRESSED
    assert later.suppression_reason is SuppressionReason.UNSUBSCRIBED
    assert refreshed(other_kind).status is InvitationStatus.SCHEDULED
    assert refreshed(sent).status is InvitationStatus.SENT


def test_the_unsubscribe_page_asks_first_and_can_stop_all_surveys(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    _, token = make_invitation(kind="ces")

    page = client.get(f"/u/{token}")
    assert page.status_code == 200
    assert "Only customer effort surveys" in page.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unsubscribe)) == 0
    done = client.post(f"/u/{token}", data={"scope": "all"})

    assert "You will not receive any more surveys from Acme." in done.text
    record = db.session.scalar(sa.select(Unsubscribe))
    assert (record.kind, record.source) == (None, "link")
    assert client.get("/u/not-a-token").status_code == 404


def test_an_unsubscribe_that_arrives_after_scheduling_stops_the_send(
    app: Flask, clock: FrozenClock, make_invitation: Callable[..., tuple[Invitation, str]]
) -> None:
    invitation, _ = make_invitation(kind="nps")
    db.session.add(
        Unsubscribe(customer=invitation.customer, kind=None, source="api", created_at=clock.now)
    )
    db.session.commit()

    assert dispatch_due_invitations(clock.now) == 1

    assert refreshed(invitation).status is InvitationStatus.SUPPRESSED
    assert invitation.suppression_reason is SuppressionReason.UNSUBSCRIBED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_the_api_records_lists_and_validates_unsubscribes(
    app: Flask, client: FlaskClient, api_key: str, clock: FrozenClock
) -> None:
    auth = {"Authorization": f"Bearer {api_key}"}

    created = client.post(
        "/api/v1/unsubscribes", json={"email": "Pat@Example.com", "kind": "nps"}, headers=auth
    )
    again = client.post(
        "/api/v1/unsubscribes", json={"email": "pat@example.com", "kind": "nps"}, headers=auth
    )
    bad = client.post(
        "/api/v1/unsubscribes", json={"email": "nope", "kind": "weekly"}, headers=auth
    )
    listed = client.get("/api/v1/unsubscribes?active=true", headers=auth)

    record = {
        "id": created.json["id"],
        "email": "pat@example.com",
        "kind": "nps",
        "source": "api",
        "created_at": "2026-03-02T09:00:00Z",
        "revoked_at": None,
    }
    assert (created.status_code, created.json) == (201, record)
    assert (again.status_code, again.json) == (200, record)
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"email", "kind"}
    assert listed.json["items"] == [record] and listed.json["total"] == 1
    assert client.get("/api/v1/unsubscribes").status_code == 401


def test_a_bounce_by_api_or_cli_suppresses_the_address(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    api_key: str,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    by_api, _ = make_invitation(email="one@example.com", scheduled_for=clock.now.replace(day=5))
    by_cli, _ = make_invitation(email="two@example.com", scheduled_for=clock.now.replace(day=5))

    answer = client.post(
        "/api/v1/bounces",
        json={"email": "one@example.com"},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    result = runner.invoke(args=["bounce", "two@example.com"])
    refused = runner.invoke(args=["bounce", "not an address"])

    assert (answer.status_code, answer.json) == (
        201,
        {
            "email": "one@example.com",
            "bounced_at": "2026-03-02T09:00:00Z",
            "suppressed_invitations": 1,
        },
    )
    assert result.output == "two@example.com bounced; 1 scheduled invitations suppressed\n"
    assert refused.exit_code == 2
    assert "Error: Invalid value for EMAIL: An email address must have an @-sign." in refused.output
    for invitation in (by_api, by_cli):
        assert refreshed(invitation).status is InvitationStatus.SUPPRESSED
        assert invitation.suppression_reason is SuppressionReason.BOUNCED


def test_a_customer_name_cannot_add_headers_or_recipients(
    smtp_config: dict[str, Any],  # before ``app``: the app is built with these settings
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    smtp_handler: SinkHandler,
) -> None:
    invitation, _ = make_invitation(email="eve@example.com")
    invitation.customer.name = "Eve\r\nBcc: victim@example.com\r\nSubject: Win"
    db.session.commit()

    dispatch_due_invitations(clock.now)
    deliver_outbox(clock.now)

    [received] = smtp_handler.received
    assert received.recipients == ["eve@example.com"]
    assert received.message["To"] == '"Eve Bcc: victim@example.com Subject: Win" <eve@example.com>'
    assert received.message["Bcc"] is None
    assert received.message.get_all("Subject") == ["How did Acme do?"]


def test_an_invalid_address_is_dead_lettered_with_the_reason_shown_to_the_admin(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    make_invitation(email="someone@@example.com")

    dispatch_due_invitations(clock.now)
    assert deliver_outbox(clock.now) == 0

    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.status is OutboxStatus.DEAD
    assert row.last_error == (
        "invalid address 'someone@@example.com': The part after the @-sign contains invalid"
        " characters: '@'."
    )
    login("admin")
    page = client.get("/admin/outbox?status=dead")
    assert "The part after the @-sign contains invalid characters: &#39;@&#39;." in page.text
    assert db.session.scalar(sa.select(Customer.bounced_at)) is None
