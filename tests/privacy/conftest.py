"""Two customers with everything a customer can have, written through the real paths.

Ana and Joana (whose address contains Ana's: ``joana@example.com``) each close two tickets
through the API, get and answer an invitation, have a follow-up case with a note and a reply,
webhooks and staff alerts naming them, delivered mail in the development mailbox, answers to
the survey's additional questions (a reason and a written word), an agent's review and an
opt-out or a bounce; Ana was imported from Delighted, with its notes and tags. Each came
back two days after their first ticket, so that ticket was not resolved at first contact,
and the second is still open.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.comment_review.service import review_response
from feedback_app.connectors.setup import create_connector
from feedback_app.extensions import db
from feedback_app.models import (
    Customer,
    DelightedPerson,
    DelightedResponse,
    FollowUpCase,
    Interaction,
    Invitation,
    Response,
    ReviewTag,
    Team,
    User,
    WebhookFormat,
)
from feedback_app.questions.service import asked_questions, record_answers
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.followups import Actor, CaseChange, change_case, write_to_customer
from feedback_app.services.outbox import deliver_outbox
from feedback_app.services.settling import settle_answers
from feedback_app.services.support.settling import settle_interactions
from feedback_app.services.suppression import record_bounce, unsubscribe
from feedback_app.services.webhooks import EVENTS, create_endpoint
from surveys.cases import CaseStatus
from surveys.questions import Answer
from tests.connectors.vendors import freshdesk
from tests.helpers import FrozenClock, store_answer
from tests.questions.asked import Asked

ANA = "ana@example.com"
JOANA = "joana@example.com"
#: A note of Delighted's on Ana's answer, as ``import-delighted`` keeps one.
DELIGHTED_NOTE = {
    "id": "88",
    "text": f"Called {ANA} back",
    "user_email": "support@example.com",
    "created_at": 1763802000,
}


@dataclass(frozen=True)
class Person:
    email: str
    customer_id: int
    interaction_ids: list[int]
    invitation_ids: list[int]
    response_ids: list[int]
    case_id: int
    comment: str
    property_value: str


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def api_key(make_api_key: Callable[..., str]) -> str:
    """An admin key: exporting and forgetting a customer need one (and it may do the rest)."""
    return make_api_key("admin")


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The customers' webhook endpoint is on this machine (and down)."""
    return app_config | {"WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True}


@pytest.fixture
def people(
    app: Flask,
    client: FlaskClient,
    api_key: str,
    clock: FrozenClock,
    make_user: Callable[..., User],
    asked: Asked,
    shared_tags: dict[str, ReviewTag],
) -> Callable[[], dict[str, Person]]:
    """Build both customers' data; returns them by address."""

    def build() -> dict[str, Person]:
        start = clock.now
        manager = make_user("lead@example.com", "manager")
        agent_user = make_user("sam@example.com", "agent")
        db.session.add(Team(name="Billing", manager_id=manager.id))
        db.session.commit()
        # The webhook receiver is down: its deliveries stay in the outbox, naming the customer.
        create_endpoint(
            f"http://127.0.0.1:{closed_port()}/hooks", EVENTS, start, format=WebhookFormat.SLACK
        )
        # A helpdesk's delivery naming each customer, refused for a wrong secret: its body
        # is kept, tied to no interaction.
        connector = create_connector("freshdesk", "Helpdesk", start)
        db.session.commit()
        for email in (ANA, JOANA):
            refused = client.post(
                f"/hooks/{connector.id}",
                json=freshdesk(email=email.upper()),
                headers={"X-Feedback-Secret": "not-the-secret"},
            )
            assert refused.status_code == 401, refused.text
        for number, email in enumerate((ANA, JOANA), start=1):
            for ticket in (1, 2):
                opened = start - timedelta(days=5 - 2 * ticket)
                answer = client.post(
                    "/api/v1/interactions",
                    headers={"Authorization": f"Bearer {api_key}"},
                    json={
                        "external_id": f"T-{number}-{ticket}",
                        "channel": "chat",
                        "customer": {
                            "email": email,
                            "name": email.split("@")[0].title(),
                            "locale": "fr",
                            "properties": {"plan": f"plan-of-{email}"},
                        },
                        "agent": {"email": agent_user.email, "name": "Sam"},
                        "team": "Billing",
                        "topic": "Refund",
                        "talk_seconds": 240,
                        "hold_seconds": 30,
                        "after_work_seconds": 60,
                        "opened_at": opened.isoformat(),
                        # The first is resolved; the second, the customer coming back two
                        # days later, is still open.
                        "resolved_at": (opened + timedelta(hours=1)).isoformat()
                        if ticket == 1
                        else None,
                        "survey": "csat" if ticket == 1 else "none",
                        "delay_seconds": 0,
                    },
                )
                assert answer.status_code == 202, answer.text
        dispatch_due_invitations(clock.now)
        for email in (ANA, JOANA):
            invitation = db.session.scalar(
                sa.select(Invitation).join(Customer).where(Customer.email == email)
            )
            response = store_answer(
                invitation, 1, clock.now, comment=f"Awful, said {email} at 555-0100"
            )
            reasons = [Answer(asked.reason.id, (asked.choice(asked.reason, "Too slow"),))]
            written = [Answer(asked.word.id, text=f"Write to {email}")]
            record_answers(response, asked_questions(response), reasons + written, clock.now)
        settle_answers()
        settle_interactions()
        deliver_outbox(clock.now)
        found = {}
        for email in (ANA, JOANA):
            customer = db.session.scalar(sa.select(Customer).where(Customer.email == email))
            response = db.session.scalar(
                sa.select(Response).where(Response.customer_id == customer.id)
            )
            case = db.session.scalar(
                sa.select(FollowUpCase).where(FollowUpCase.response_id == response.id)
            )
            assert case is not None
            actor = Actor.of(manager)
            change_case(
                case,
                CaseChange(status=CaseStatus.IN_PROGRESS, note=f"Rang {email} back"),
                actor,
                clock.now,
            )
            write_to_customer(case, manager, "Sorry", f"Dear {email}, we are sorry.", clock.now)
            review_response(
                response,
                agent_user,
                acknowledged=True,
                tags={shared_tags["Billing"]},
                now=clock.now,
            )
            db.session.commit()
            found[email] = Person(
                email=email,
                customer_id=customer.id,
                interaction_ids=sorted(
                    db.session.scalars(
                        sa.select(Interaction.id).where(Interaction.customer_id == customer.id)
                    )
                ),
                invitation_ids=sorted(
                    db.session.scalars(
                        sa.select(Invitation.id).where(Invitation.customer_id == customer.id)
                    )
                ),
                response_ids=[response.id],
                case_id=case.id,
                comment=response.comment,
                property_value=f"plan-of-{email}",
            )
        ana = found[ANA]
        db.session.add(DelightedPerson(customer_id=ana.customer_id, delighted_id="5976"))
        db.session.add(
            DelightedResponse(
                response_id=ana.response_ids[0],
                delighted_id="5436",
                notes=[DELIGHTED_NOTE],
                tags=["Checkout"],
            )
        )
        unsubscribe(db.session.get(Customer, ana.customer_id), None, "link", clock.now)
        record_bounce(JOANA, clock.now)
        db.session.commit()
        deliver_outbox(clock.now)
        return found

    return build
