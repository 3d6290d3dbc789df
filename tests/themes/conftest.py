"""Fixtures for the theme tests: comments answered the way customers answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from feedback_app.extensions import db
from feedback_app.models import Response
from tests.dashboard.conftest import answer  # noqa: F401 (the fixture, shared)
from tests.helpers import FrozenClock

Answer = Callable[..., Response]


@pytest.fixture
def comments(answer: Answer, clock: FrozenClock) -> dict[str, Response]:  # noqa: F811
    """Six CSAT comments with three known themes, and an NPS one."""
    day = clock.now - timedelta(days=3)
    texts = {
        "wait1": (1, "Long wait on the phone.", "phone", "Ann"),
        "wait2": (2, "The long wait was annoying.", "email", "Bob"),
        "wait3": (4, "Long wait, but friendly staff.", "phone", "Ann"),
        "staff1": (5, "Friendly staff!", "email", "Bob"),
        "staff2": (5, "Very friendly staff and quick answer.", "chat", None),
        "quick": (4, "Quick answer.", "chat", None),
    }
    made = {
        name: answer("csat", score, at=day, channel=channel, agent=agent, comment=text)
        for name, (score, text, channel, agent) in texts.items()
    }
    made["nps"] = answer("nps", 2, at=day, comment="Long wait again")
    db.session.commit()
    return made
