"""A small support organisation and a way to answer surveys as its customers do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from feedback_app.extensions import db
from feedback_app.models import (
    Agent,
    Customer,
    Interaction,
    Response,
    Role,
    Team,
    User,
)
from feedback_app.services.settling import settle_answers
from surveys import channels
from tests.helpers import csrf_from, store_answer


@dataclass
class Org:
    admin: User
    manager: User
    other_manager: User
    agent_user: User
    team: Team
    agent: Agent
    other_agent: Agent


PASSWORD = "secret-pass"
#: Hashing this password the production way takes a noticeable time per user; tests need
#: many users and no protection, so their hash is cheap (``check_password`` reads either).
CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")


def staff(email: str, role: str, now: datetime) -> User:
    user = User(email=email, name=email.split("@")[0].title(), role=Role(role), created_at=now)
    user.password_hash = CHEAP_HASH
    db.session.add(user)
    return user


@pytest.fixture
def org(app: Flask, clock: Any) -> Org:
    """An admin, two managers (the first manages the Billing team) and two agents."""
    admin = staff("admin@example.com", "admin", clock.now)
    manager = staff("manager@example.com", "manager", clock.now)
    other_manager = staff("manager2@example.com", "manager", clock.now)
    agent_user = staff("agent@example.com", "agent", clock.now)
    db.session.flush()
    team = Team(name="Billing", manager_id=manager.id)
    agent = Agent(email="agent@example.com", name="Agent", team=team)
    other_agent = Agent(email="other.agent@example.com", name="Other", team=team)
    db.session.add_all([team, agent, other_agent])
    db.session.commit()
    return Org(admin, manager, other_manager, agent_user, team, agent, other_agent)


Answer = Callable[..., Response]


@pytest.fixture
def answer(app: Flask, org: Org, clock: Any, make_invitation: Callable[..., Any]) -> Answer:
    """Answer a new invitation (one interaction each) with ``score``; returns the response."""
    count = 0

    def give(
        score: int,
        kind: str = "csat",
        comment: str = "",
        agent: Agent | None = None,
        email: str = "customer@example.com",
    ) -> Response:
        nonlocal count
        count += 1
        customer = db.session.scalar(sa.select(Customer).where(Customer.email == email))
        if customer is None:
            customer = Customer(
                email=email, name="Casey", created_at=clock.now, updated_at=clock.now
            )
            db.session.add(customer)
        chosen = agent or org.agent
        interaction = Interaction(
            external_id=f"T-{count}",
            customer=customer,
            channel=channels.CHAT,
            agent=chosen,
            team_id=chosen.team_id,
            created_at=clock.now,
            updated_at=clock.now,
        )
        db.session.add(interaction)
        db.session.commit()
        invitation, _token = make_invitation(kind, email=email, interaction=interaction)
        response = store_answer(invitation, score, clock.now, comment)
        settle_answers()
        return response

    return give


SignIn = Callable[[User], User]


@pytest.fixture
def sign_in(client: FlaskClient) -> SignIn:
    """Log the test client in as ``user`` through the login form."""

    def login_as(user: User) -> User:
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        )
        assert response.status_code == 302, response.text
        return user

    return login_as
