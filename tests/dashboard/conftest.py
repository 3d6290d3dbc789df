"""Fixtures for the dashboard tests: answers written the way customers' answers are."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback_app.channels.labels import Labeller
from feedback_app.extensions import db
from feedback_app.models import Agent, Customer, FollowUpCase, Interaction, Response, Team
from feedback_app.services.invitations import add_invitation
from feedback_app.services.settling import settle_answers
from feedback_app.services.support.settling import settle_interactions
from feedback_app.services.surveys import survey_for_kind
from surveys import SurveyKind
from tests.helpers import store_answer


def get_or_create(model: type[Any], where: dict[str, Any], **fields: Any) -> Any:
    row = db.session.scalar(sa.select(model).filter_by(**where))
    if row is None:
        row = model(**where, **fields)
        db.session.add(row)
        db.session.flush()
    return row


@pytest.fixture
def answer(app: Flask, clock: Any) -> Callable[..., Response]:
    """Record an answer through ``record_response``, on an interaction when a channel is given.

    ``at`` dates it (default: the clock's now); ``team`` and ``agent`` are names made into
    rows on first use.
    """
    numbers = itertools.count(1)

    def make(
        kind: str = "csat",
        score: int = 5,
        *,
        at: datetime | None = None,
        channel: str | None = "email",
        team: str | None = None,
        agent: str | None = None,
        email: str | None = None,
        properties: dict[str, Any] | None = None,
        comment: str = "",
    ) -> Response:
        number = next(numbers)
        now = at or clock.now
        customer = get_or_create(
            Customer,
            {"email": email or f"customer{number}@example.com"},
            properties=properties or {},
            created_at=now,
            updated_at=now,
        )
        interaction = None
        if channel is not None:
            team_row = get_or_create(Team, {"name": team}) if team else None
            agent_row = (
                get_or_create(Agent, {"email": f"{agent}@example.com"}, name=agent, team=team_row)
                if agent
                else None
            )
            interaction = Interaction(
                external_id=f"T-{number}",
                customer=customer,
                channel=Labeller(now)(channel),
                agent=agent_row,
                team=team_row,
                created_at=now,
                updated_at=now,
            )
            db.session.add(interaction)
        survey = survey_for_kind(SurveyKind(kind), now)
        invitation = add_invitation(survey, customer, now, interaction=interaction)
        response = store_answer(invitation, score, now, comment)
        settle_answers()
        settle_interactions()
        return response

    return make


def at(dom: int, hour: int = 9, minute: int = 0, month: int = 2) -> datetime:
    return datetime(2026, month, dom, hour, minute, tzinfo=UTC)


def interaction(
    customer: Customer, number: int, channel: str, opened: datetime, **fields: object
) -> Interaction:
    row = Interaction(
        external_id=f"X-{number}",
        customer=customer,
        channel=Labeller(opened)(channel),
        opened_at=opened,
        created_at=opened,
        updated_at=opened,
        **fields,
    )
    db.session.add(row)
    return row


@pytest.fixture
def interactions(app: object, clock: object) -> None:
    """Four tickets of two customers; the first three resolved in February 2026."""
    now = at(1)
    one = Customer(email="one@example.com", created_at=now, updated_at=now)
    two = Customer(email="two@example.com", created_at=now, updated_at=now)
    support = Team(name="Support")
    ann = Agent(email="ann@example.com", name="Ann", team=support)
    # Customer one comes back two days after the first ticket: not a first-contact resolution.
    interaction(
        one,
        1,
        "email",
        at(10),
        agent=ann,
        team=support,
        first_response_at=at(10, 9, 30),
        resolved_at=at(10, 11),
        handle_seconds=600,
    )
    interaction(
        one,
        2,
        "chat",
        at(12),
        first_response_at=at(12, 9, 10),
        resolved_at=at(12, 10),
        handle_seconds=1200,
    )
    # The helpdesk says this one was resolved at first contact.
    interaction(two, 3, "phone", at(20, 8), resolved_at=at(21, 8), first_contact_resolved=True)
    # Opened in the previous period, never resolved.
    interaction(two, 4, "email", at(20, 8, month=1))
    db.session.commit()
    settle_interactions()


def update_case(response: Response, **fields: object) -> None:
    """Move the case that the low answer opened; its deadline is 24 hours after opening."""
    case = db.session.scalar(sa.select(FollowUpCase).where(FollowUpCase.response_id == response.id))
    assert case is not None
    case.due_at = case.opened_at + timedelta(hours=24)
    for name, value in fields.items():
        setattr(case, name, value)
