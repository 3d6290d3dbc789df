"""Every connector type over real HTTP: a documented delivery makes the interaction and its
invitation; a bad signature, a replay, another event, a missing email make none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from feedback_app.connectors.processing import process_deliveries
from feedback_app.connectors.setup import rotate_secret
from feedback_app.extensions import db
from feedback_app.models import (
    Connector,
    ConnectorDelivery,
    Customer,
    Interaction,
    Invitation,
    Outcome,
)
from surveys import channels
from surveys.invitations import InvitationStatus
from tests.connectors.conftest import INTERCOM_TOKEN, IntercomApi, Poster
from tests.connectors.vendors import (
    AGENT,
    EMAIL,
    EMAIL_FIELD,
    EVENT_HEADERS,
    TYPES,
    encode,
    not_solved,
    solved,
    without_email,
)
from tests.helpers import FrozenClock

MakeConnector = Callable[..., Connector]
OPENED = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SOLVED = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)

#: What each documented delivery must become: external id, name, locale, team, channel,
#: opened, first response and resolved times (None where the helpdesk does not send it).
EXPECTED: dict[str, dict[str, Any]] = {
    "zendesk": dict(
        external_id="1001", name="Casey Jones", locale="fr", team="Billing",
        channel=channels.EMAIL, opened_at=OPENED, first_response_at=None, resolved_at=SOLVED,
    ),
    "help_scout": dict(
        external_id="1001", name="Casey Jones", locale=None, team="Mailbox 85",
        channel=channels.EMAIL, opened_at=OPENED, first_response_at=None, resolved_at=SOLVED,
    ),
    "intercom": dict(
        external_id="1001", name="Casey Jones", locale="fr", team="Billing",
        channel=channels.CHAT, opened_at=OPENED,
        first_response_at=OPENED + timedelta(minutes=10), resolved_at=SOLVED,
    ),
    "front": dict(
        external_id="cnv_1001", name="", locale=None, team=None, channel=channels.OTHER,
        opened_at=OPENED + timedelta(milliseconds=500), first_response_at=None,
        resolved_at=SOLVED + timedelta(milliseconds=250),
    ),
    "zammad": dict(
        external_id="1001", name="Casey Jones", locale=None, team="Service Desk",
        channel=channels.PHONE, opened_at=OPENED,
        first_response_at=OPENED + timedelta(minutes=10), resolved_at=SOLVED,
    ),
    "freshdesk": dict(
        external_id="1001", name="Casey Jones", locale=None, team="Billing",
        channel=channels.EMAIL, opened_at=None, first_response_at=None, resolved_at=None,
    ),
    "freescout": dict(
        external_id="1001", name="Casey Jones", locale=None, team="Mailbox 1",
        channel=channels.EMAIL, opened_at=OPENED, first_response_at=None, resolved_at=SOLVED,
    ),
}  # fmt: skip


def deliveries(connector: Connector) -> list[ConnectorDelivery]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(ConnectorDelivery)
            .where(ConnectorDelivery.connector_id == connector.id)
            .order_by(ConnectorDelivery.id)
        )
    )


def counts() -> tuple[int, int, int]:
    """Interactions, invitations and customers."""
    db.session.expire_all()
    return tuple(  # type: ignore[return-value]
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Interaction, Invitation, Customer)
    )


@pytest.mark.parametrize("kind", TYPES)
def test_a_documented_solve_makes_the_interaction_and_schedules_the_invitation(
    kind: str,
    make_connector: MakeConnector,
    post: Poster,
    clock: FrozenClock,
    intercom_api: IntercomApi,
) -> None:
    connector = make_connector(kind)
    answer = post(connector, solved(kind))
    assert answer.status_code == 202, answer.text
    (delivery,) = deliveries(connector)
    assert answer.json() == {"outcome": "pending", "delivery_id": delivery.id}
    assert delivery.outcome is Outcome.PENDING

    assert process_deliveries(clock.now) == 1

    interaction = db.session.scalars(sa.select(Interaction)).one()
    expected = EXPECTED[kind]
    assert interaction.source == connector.id
    assert interaction.external_id == expected["external_id"]
    assert interaction.customer.email == EMAIL
    assert interaction.customer.name == expected["name"]
    assert interaction.customer.locale == expected["locale"]
    assert interaction.agent is not None and interaction.agent.email == AGENT
    assert (interaction.team.name if interaction.team else None) == expected["team"]
    assert interaction.channel == expected["channel"]
    for key in ("opened_at", "first_response_at", "resolved_at"):
        assert getattr(interaction, key) == expected[key], key
    invitation = db.session.scalars(sa.select(Invitation)).one()
    assert invitation.interaction_id == interaction.id
    assert invitation.status is InvitationStatus.SCHEDULED
    assert invitation.scheduled_for == clock.now
    (delivery,) = deliveries(connector)
    assert delivery.outcome is Outcome.CREATED
    assert delivery.interaction_id == interaction.id
    assert delivery.ticket_id == expected["external_id"]
    assert delivery.reason == f"invitation scheduled for {clock.now.isoformat()}"
    if kind == "intercom":
        assert intercom_api.requests == [
            ("/contacts/ct_1", f"Bearer {INTERCOM_TOKEN}"),
            ("/admins/9", f"Bearer {INTERCOM_TOKEN}"),
            ("/teams/5", f"Bearer {INTERCOM_TOKEN}"),
        ]


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("fault", ["tampered", "wrong secret", "unsigned"])
def test_a_badly_signed_delivery_is_refused_and_creates_nothing(
    kind: str, fault: str, make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    connector = make_connector(kind)
    if fault == "unsigned":
        headers = {"Content-Type": "application/json", **EVENT_HEADERS.get(kind, {})}
        answer = post.send(connector, encode(solved(kind)), headers)
    elif fault == "tampered":
        answer = post(connector, solved(kind), tamper=True)
    else:
        answer = post(connector, solved(kind), secret="another-secret-of-someone")
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "unauthorized"
    (delivery,) = deliveries(connector)
    assert delivery.outcome is Outcome.REJECTED
    assert delivery.status_code == 401
    assert delivery.reason == answer.json()["message"]
    assert process_deliveries(clock.now) == 0
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("kind", ["zendesk", "front"])
def test_a_stale_signed_timestamp_is_refused(
    kind: str, make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    connector = make_connector(kind)
    now = clock.now
    clock.now = now - timedelta(minutes=5, seconds=1)
    signed_early = post.signed(connector, solved(kind))
    clock.now = now
    answer = post.send(connector, *signed_early)
    assert answer.status_code == 401
    assert "more than five minutes" in answer.json()["message"]
    assert [d.outcome for d in deliveries(connector)] == [Outcome.REJECTED]
    assert process_deliveries(clock.now) == 0
    assert counts() == (0, 0, 0)
    # Five minutes exactly is still fresh.
    clock.now = now - timedelta(minutes=5)
    signed_in_time = post.signed(connector, solved(kind))
    clock.now = now
    assert post.send(connector, *signed_in_time).status_code == 202


@pytest.mark.parametrize("kind", TYPES)
def test_a_replay_is_a_duplicate_and_creates_nothing(
    kind: str, make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    connector = make_connector(kind)
    signed = post.signed(connector, solved(kind))
    assert post.send(connector, *signed).status_code == 202
    replay = post.send(connector, *signed)
    first = deliveries(connector)[0]
    assert replay.status_code == 200
    assert replay.json() == {"outcome": "duplicate", "reason": f"a repeat of delivery {first.id}"}
    assert process_deliveries(clock.now) == 1
    assert counts() == (1, 1, 1)
    # Replayed again once the first has made its interaction: still nothing new.
    assert post.send(connector, *signed).json()["outcome"] == "duplicate"
    assert process_deliveries(clock.now) == 0
    assert counts() == (1, 1, 1)
    assert [d.outcome for d in deliveries(connector)] == [
        Outcome.CREATED,
        Outcome.DUPLICATE,
        Outcome.DUPLICATE,
    ]


@pytest.mark.parametrize("kind", TYPES)
def test_an_event_that_is_not_a_solve_is_ignored(
    kind: str, make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    connector = make_connector(kind)
    payload, headers = not_solved(kind)
    answer = post(connector, payload, headers=headers)
    assert answer.status_code == 200
    assert answer.json()["outcome"] == "ignored"
    (delivery,) = deliveries(connector)
    assert delivery.outcome is Outcome.IGNORED
    assert delivery.reason == answer.json()["reason"]
    assert "not" in delivery.reason
    assert process_deliveries(clock.now) == 0
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("kind", TYPES)
def test_a_solve_without_a_customer_email_is_a_422_naming_the_field(
    kind: str, make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    connector = make_connector(kind)
    answer = post(connector, without_email(kind))
    assert answer.status_code == 422, answer.text
    assert list(answer.json()["errors"]) == [EMAIL_FIELD[kind]]
    (delivery,) = deliveries(connector)
    assert delivery.outcome is Outcome.REJECTED
    assert delivery.status_code == 422
    assert delivery.reason.startswith(EMAIL_FIELD[kind] + ": is required")
    assert process_deliveries(clock.now) == 0
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("kind", TYPES)
def test_the_old_secret_verifies_for_24_hours_after_a_rotation_and_not_after(
    kind: str, make_connector: MakeConnector, post: Poster, clock: FrozenClock
) -> None:
    connector = make_connector(kind)
    old = connector.secret
    assert old is not None
    new = rotate_secret(connector, clock.now, "the-new-secret-0123456789")
    db.session.commit()
    payload, headers = not_solved(kind)
    assert post(connector, payload, headers=headers, secret=old).status_code == 200
    clock.advance(hours=24, seconds=-1)
    assert post(connector, payload, headers=headers, secret=old).status_code == 200
    assert post(connector, payload, headers=headers, secret=new).status_code == 200
    clock.advance(seconds=1)
    refused = post(connector, payload, headers=headers, secret=old)
    assert refused.status_code == 401
    assert post(connector, payload, headers=headers, secret=new).status_code == 200
    assert [d.outcome for d in deliveries(connector)] == [
        Outcome.IGNORED,
        Outcome.IGNORED,
        Outcome.IGNORED,
        Outcome.REJECTED,
        Outcome.IGNORED,
    ]
