"""Fixtures for the dashboard tests: answers written the way customers' answers are."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback_app.extensions import db
from feedback_app.models import Agent, Customer, Interaction, Response, Team
from feedback_app.services.invitations import add_invitation
from feedback_app.services.responses import record_response
from feedback_app.services.surveys import survey_for_kind
from surveys import SurveyKind
from surveys.answers import ResponseSource
from surveys.channels import Channel


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
                channel=Channel(channel),
                agent=agent_row,
                team=team_row,
                created_at=now,
                updated_at=now,
            )
            db.session.add(interaction)
        survey = survey_for_kind(SurveyKind(kind), now)
        invitation = add_invitation(survey, customer, now, interaction=interaction)
        return record_response(
            survey, score, comment, now, source=ResponseSource.PAGE, invitation=invitation
        ).response

    return make
