"""POST /api/v1/agent-time: agents' days stored, replaced when posted again, bad input named;
and the utilization floor read from the settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feedback_app import create_app
from feedback_app.config import ConfigError
from feedback_app.extensions import db
from feedback_app.models import Agent, AgentDay

URL = "/api/v1/agent-time"


@pytest.fixture
def post(client: FlaskClient, api_key: str) -> Callable[..., TestResponse]:
    def do(body: Any) -> TestResponse:
        return client.post(URL, json=body, headers={"Authorization": f"Bearer {api_key}"})

    return do


def day(agent: dict[str, str], on: str, shift: int, logged_in: int) -> dict[str, Any]:
    return {"agent": agent, "date": on, "shift_seconds": shift, "logged_in_seconds": logged_in}


def stored() -> list[tuple[str | None, str, date, int, int]]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(
            Agent.email,
            Agent.name,
            AgentDay.day,
            AgentDay.shift_seconds,
            AgentDay.logged_in_seconds,
        )
        .join(Agent, Agent.id == AgentDay.agent_id)
        .order_by(AgentDay.day, Agent.name)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


ANN = {"email": "Ann@Example.com", "name": "Ann"}
BOB = {"name": "Bob"}


def test_a_batch_is_stored_and_a_day_posted_again_replaces_it(
    post: Callable[..., TestResponse],
) -> None:
    first = post(
        {
            "days": [
                day(ANN, "2026-03-01", 28800, 27000),
                day(BOB, "2026-03-01", 28800, 14400),
                day(ANN, "2026-03-02", 28800, 28800),
            ]
        }
    )
    assert (first.status_code, first.json) == (200, {"added": 3, "replaced": 0})
    # Ann by email alone is the same agent; Bob by name is matched among agents with no email.
    again = post(
        {
            "days": [
                day({"email": "ann@example.com"}, "2026-03-01", 25200, 25200),
                day(BOB, "2026-03-03", 3600, 3600),
                day(BOB, "2026-03-03", 7200, 3600),
            ]
        }
    )
    assert (again.status_code, again.json) == (200, {"added": 1, "replaced": 1})
    assert stored() == [
        ("ann@example.com", "Ann", date(2026, 3, 1), 25200, 25200),
        (None, "Bob", date(2026, 3, 1), 28800, 14400),
        ("ann@example.com", "Ann", date(2026, 3, 2), 28800, 28800),
        (None, "Bob", date(2026, 3, 3), 7200, 3600),
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agent)) == 2


def test_the_key_needs_the_ingest_scope(
    client: FlaskClient, make_api_key: Callable[..., str]
) -> None:
    body = {"days": [day(ANN, "2026-03-01", 1, 1)]}
    headers = {"Authorization": f"Bearer {make_api_key('read')}"}
    assert client.post(URL, json=body, headers=headers).status_code == 403
    assert client.post(URL, json=body).status_code == 401


@pytest.mark.parametrize(
    ("days", "errors"),
    [
        (None, {"days": "is required"}),
        ([], {"days": "must hold from 1 to 1000 days"}),
        ([day(ANN, "2026-03-01", 1, 1)] * 1001, {"days": "must hold from 1 to 1000 days"}),
        ("2026-03-01", {"days": "must be an array"}),
        (
            [{"agent": {}, "date": "2026-02-30"}],
            {
                "days.0.agent": "needs an email or a name",
                "days.0.date": "must be a date such as 2026-03-02",
                "days.0.shift_seconds": "is required",
                "days.0.logged_in_seconds": "is required",
            },
        ),
        (
            [{**day({"name": "Ann\x00"}, "2026-03-01\x00", 10**30, -1), "team": "T" * 201}],
            {
                "days.0.agent.name": "must not contain NUL characters",
                "days.0.team": "must be at most 200 characters",
                "days.0.date": "must be a date such as 2026-03-02",
                "days.0.shift_seconds": "must be between 0 and 86400",
                "days.0.logged_in_seconds": "must be between 0 and 86400",
            },
        ),
        (
            [day({"email": "ann"}, "\uff12\uff10\uff12\uff16-03-01", "3600", 1.5)],
            {
                "days.0.agent.email": (
                    "is not a valid email address: An email address must have an @-sign."
                ),
                "days.0.date": "must be a date such as 2026-03-02",
                "days.0.shift_seconds": "must be a whole number",
                "days.0.logged_in_seconds": "must be a whole number",
            },
        ),
        (
            [day(ANN, "0001-01-01", 86401, True)],
            {
                "days.0.date": "must be in the years 1970 to 2999",
                "days.0.shift_seconds": "must be between 0 and 86400",
                "days.0.logged_in_seconds": "must be a whole number",
            },
        ),
    ],
)
def test_bad_days_are_named_and_nothing_is_stored(
    post: Callable[..., TestResponse], days: Any, errors: dict[str, str]
) -> None:
    response = post({} if days is None else {"days": days})
    assert response.status_code == 422
    assert response.json == {
        "error": "invalid",
        "message": "some fields are missing or invalid",
        "errors": errors,
    }
    assert stored() == []


def test_the_floor_is_read_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app({"ENV": "development"}, instance_path=str(tmp_path))
    assert app.config["UTILIZATION_FLOOR"] == 70
    monkeypatch.setenv("FEEDBACK_UTILIZATION_FLOOR", "55")
    app = create_app({"ENV": "development"}, instance_path=str(tmp_path))
    assert app.config["UTILIZATION_FLOOR"] == 55
    monkeypatch.setenv("FEEDBACK_UTILIZATION_FLOOR", "95")
    with pytest.raises(ConfigError, match="FEEDBACK_UTILIZATION_FLOOR must be a whole number"):
        create_app({"ENV": "development"}, instance_path=str(tmp_path))
