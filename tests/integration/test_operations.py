"""Health check, request ids and JSON logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.services.heartbeat import beat
from feedback_app.services.settling import settle_answers
from tests.helpers import FrozenClock, store_answer


def test_healthz_reports_the_database_and_the_last_worker_beat(
    client: FlaskClient, clock: FrozenClock
) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "worker": {"state": "never", "last_beat": None, "age_seconds": None},
        "unsettled_answers": {"count": 0, "oldest_age_seconds": None},
    }
    beat(clock.now)
    clock.advance(seconds=30)
    assert client.get("/healthz").json["worker"] == {
        "state": "ok",
        "last_beat": "2026-03-02T09:00:00+00:00",
        "age_seconds": 30,
    }
    clock.advance(seconds=151)
    assert client.get("/healthz").json["worker"]["state"] == "stale"


def test_healthz_reports_the_answers_waiting_for_a_worker(
    client: FlaskClient, clock: FrozenClock, make_invitation: Callable[..., tuple[Any, str]]
) -> None:
    for score in (1, 5):
        invitation, _ = make_invitation("csat")
        store_answer(invitation, score, clock.now)
        clock.advance(seconds=20)
    assert client.get("/healthz").json["unsettled_answers"] == {
        "count": 2,
        "oldest_age_seconds": 40,
    }
    assert settle_answers() == 2
    assert client.get("/healthz").json["unsettled_answers"] == {
        "count": 0,
        "oldest_age_seconds": None,
    }


def test_a_sane_request_id_is_echoed_and_a_forged_one_replaced(client: FlaskClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == (
        "abc-123"
    )
    replaced = client.get("/healthz", headers={"X-Request-ID": "forged id with spaces and {json}"})
    assert len(replaced.headers["X-Request-ID"]) == 32
    assert replaced.headers["X-Request-ID"] != "forged id with spaces and {json}"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "LOG_FORMAT": "json"}


def test_json_log_lines_carry_the_request_id(app: Flask, client: FlaskClient) -> None:
    (handler,) = [
        h for h in logging.getLogger("feedback_app").handlers if h.get_name() == "feedback-app"
    ]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)

    @app.route("/log-something")
    def log_something() -> str:
        logging.getLogger("feedback_app.test").warning("hello %s", "world")
        return "ok"

    client.get("/log-something", headers={"X-Request-ID": "req-42"})
    (entry,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert entry["message"] == "hello world"
    assert entry["level"] == "WARNING"
    assert entry["request_id"] == "req-42"
    assert entry["logger"] == "feedback_app.test"
