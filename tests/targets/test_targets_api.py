"""GET and PUT /api/v1/targets: read with a read key, replaced with an admin key, every bad
field named in a 422 and nothing kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.audit.models import AuditEvent
from feedback_app.extensions import db
from feedback_app.models import Team
from feedback_app.targets.models import Target

URL = "/api/v1/targets"


@pytest.fixture
def admin_key(app: Flask, make_api_key: Callable[..., str]) -> str:
    db.session.add(Team(name="Billing"))
    db.session.commit()
    return make_api_key("admin")


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def put(client: FlaskClient, key: str, targets: Any) -> Any:
    return client.put(URL, json={"targets": targets}, headers=auth(key))


def without_ids(body: dict[str, Any]) -> dict[str, Any]:
    return {"targets": [{k: v for k, v in t.items() if k != "id"} for t in body["targets"]]}


def test_put_replaces_every_target_and_get_lists_them(
    client: FlaskClient, admin_key: str, make_api_key: Callable[..., str]
) -> None:
    first = put(client, admin_key, [{"kpi": "nps", "value": 50, "deadline": "2026-06-30"}])
    assert first.status_code == 200
    answer = put(
        client,
        admin_key,
        [
            {"kpi": "handle_time", "value": 300, "deadline": "2026-06-30", "team": "Billing"},
            {"kpi": "csat", "value": 85.5, "deadline": "2026-04-01", "team": None},
        ],
    )
    assert answer.status_code == 200
    expected = {
        "targets": [
            {
                "kpi": "csat",
                "team": None,
                "value": 85.5,
                "deadline": "2026-04-01",
                "better": "higher",
            },
            {
                "kpi": "handle_time",
                "team": "Billing",
                "value": 300.0,
                "deadline": "2026-06-30",
                "better": "lower",
            },
        ]
    }
    assert without_ids(answer.json) == expected
    stored = db.session.scalars(sa.select(Target.id).order_by(Target.kpi)).all()
    assert [t["id"] for t in answer.json["targets"]] == stored
    reader = make_api_key("read")
    assert client.get(URL, headers=auth(reader)).json == answer.json
    actions = db.session.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "targets.replaced")
    ).all()
    assert actions == [{"count": 1}, {"count": 2}]


def test_an_empty_list_deletes_them_all(client: FlaskClient, admin_key: str) -> None:
    put(client, admin_key, [{"kpi": "nps", "value": 50, "deadline": "2026-06-30"}])
    assert put(client, admin_key, []).json == {"targets": []}
    assert db.session.scalars(sa.select(Target)).all() == []


def test_each_bad_field_is_named_and_nothing_is_kept(client: FlaskClient, admin_key: str) -> None:
    put(client, admin_key, [{"kpi": "nps", "value": 50, "deadline": "2026-06-30"}])
    answer = put(
        client,
        admin_key,
        [
            {"kpi": "speed", "value": 1, "deadline": "2026-06-30"},
            {"kpi": "csat", "value": 101, "deadline": "2026-03-01"},
            {"kpi": "fcr", "value": "80", "deadline": "June"},
            {"kpi": "retention", "value": 80, "deadline": "2026-06-30", "team": "Billing"},
            {"kpi": "abandonment", "value": True, "deadline": "2026-06-30", "team": "Nobody"},
            {"value": float("nan")},
        ],
    )
    assert answer.status_code == 400  # NaN is not JSON
    answer = put(
        client,
        admin_key,
        [
            {"kpi": "speed", "value": 1, "deadline": "2026-06-30"},
            {"kpi": "csat", "value": 101, "deadline": "2026-03-01"},
            {"kpi": "fcr", "value": "80", "deadline": "June"},
            {"kpi": "retention", "value": 80, "deadline": "2026-06-30", "team": "Billing"},
            {"kpi": "abandonment", "value": True, "deadline": "2026-06-30", "team": "Nobody"},
            {},
        ],
    )
    assert answer.status_code == 422
    assert answer.json["errors"] == {
        "targets.0.kpi": "must be one of "
        + ", ".join(
            [
                "csat",
                "nps",
                "ces",
                "ces_easy",
                "response_rate",
                "fcr",
                "abandonment",
                "handle_time",
                "resolution_median",
                "resolution_mean",
                "first_response_median",
                "first_response_mean",
                "retention",
                "utilization",
            ]
        ),
        "targets.1.value": "must be between 0 and 100 for CSAT",
        "targets.1.deadline": "must not be in the past",
        "targets.2.value": "must be a number",
        "targets.2.deadline": "must be a date such as 2026-03-02",
        "targets.3.team": "Retention rate has no figure per team: leave it empty",
        "targets.4.value": "must be a number",
        "targets.4.team": "there is no team 'Nobody'",
        "targets.5.kpi": "is required",
        "targets.5.value": "is required",
        "targets.5.deadline": "is required",
    }
    assert put(client, admin_key, "all").json["errors"] == {"targets": "must be an array"}
    assert [t.kpi for t in db.session.scalars(sa.select(Target))] == ["nps"]


def test_a_kpi_twice_for_the_same_team_is_refused(client: FlaskClient, admin_key: str) -> None:
    twice = [
        {"kpi": "csat", "value": 80, "deadline": "2026-06-30", "team": "Billing"},
        {"kpi": "csat", "value": 80, "deadline": "2026-06-30"},
        {"kpi": "csat", "value": 90, "deadline": "2026-06-30", "team": "Billing"},
    ]
    answer = put(client, admin_key, twice)
    assert answer.status_code == 422
    assert answer.json["errors"] == {"targets.2.kpi": "is given twice for the same team"}
    assert db.session.scalars(sa.select(Target)).all() == []


def test_writing_targets_needs_the_admin_scope(
    client: FlaskClient, make_api_key: Callable[..., str]
) -> None:
    key = make_api_key("ingest read")
    answer = put(client, key, [{"kpi": "csat", "value": 80, "deadline": "2026-06-30"}])
    assert answer.status_code == 403
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers=auth(make_api_key("ingest"))).status_code == 403
