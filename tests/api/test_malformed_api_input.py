"""Malformed API input gets a 4xx naming what is wrong, never a 500, on both databases: huge
page and id numbers, years 1 and 9999, deeply nested JSON, NUL characters, huge integers,
floats, booleans, Unicode digits and strings where whole numbers are expected."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feedback_app.extensions import db
from feedback_app.models import Customer, Interaction

HUGE = 10**30


@pytest.fixture
def call(client: FlaskClient, api_key: str) -> Callable[..., TestResponse]:
    def do(method: str, path: str, **kwargs: Any) -> TestResponse:
        headers = {"Authorization": f"Bearer {api_key}"}
        return client.open(path, method=method, headers=headers, **kwargs)

    return do


def interaction(**fields: Any) -> dict[str, Any]:
    return {"external_id": "T-1", "customer": {"email": "casey@example.com"}, **fields}


def customer(**fields: Any) -> dict[str, Any]:
    return interaction(customer={"email": "casey@example.com", **fields})


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("path", "field", "message"),
    [
        (f"/api/v1/responses?page={HUGE}", "page", "must be between 1 and 2147483647"),
        (f"/api/v1/followups?page={HUGE}", "page", "must be between 1 and 2147483647"),
        (f"/api/v1/unsubscribes?per_page={HUGE}", "per_page", "must be between 1 and 2147483647"),
        ("/api/v1/responses?page=2147483648", "page", "must be between 1 and 2147483647"),
        ("/api/v1/responses?page=" + "9" * 5000, "page", "must be between 1 and 2147483647"),
        ("/api/v1/responses?page=10**30", "page", "must be a positive whole number"),
        ("/api/v1/responses?page=²", "page", "must be a positive whole number"),
        ("/api/v1/responses?page=٣", "page", "must be a positive whole number"),
        ("/api/v1/responses?per_page=1.5", "per_page", "must be a positive whole number"),
        ("/api/v1/responses?page=-1", "page", "must be a positive whole number"),
        ("/api/v1/responses?per_page=501", "per_page", "must be at most 500"),
        (f"/api/v1/metrics?kind=nps&survey={HUGE}", "survey", "must be between 1 and 2147483647"),
        ("/api/v1/metrics?kind=nps&survey=٣", "survey", "must be a positive whole number"),
        ("/api/v1/followups?owner=" + "9" * 30, "owner", "no user has this id or email"),
        ("/api/v1/followups?owner=" + "9" * 5000, "owner", "no user has this id or email"),
        ("/api/v1/followups?owner=a%00b@example.com", "owner", "must not contain NUL"),
        ("/api/v1/followups?overdue=2", "overdue", "must be true or false"),
        ("/api/v1/unsubscribes?email=a%00@example.com", "email", "must not contain NUL"),
        ("/api/v1/metrics?kind=nps&group_by=property&property=a%00", "property", "NUL"),
        ("/api/v1/metrics?kind=nps&since=0001-01-01", "since", "in the years 1970 to 2999"),
        ("/api/v1/metrics/support?group_by=property&property=a%00", "property", "NUL"),
        ("/api/v1/metrics/retention?until=9999-12-31", "until", "in the years 1970 to 2999"),
        ("/api/v1/metrics/utilization?since=٣", "since", "must be a date"),
        ("/api/v1/metrics?kind=nps&until=9999-12-31", "until", "in the years 1970 to 2999"),
        (
            "/api/v1/metrics?kind=nps&since=9999-12-30",
            "since",
            "in the years 1970 to 2999",
        ),
        (
            "/api/v1/responses?since=0001-01-01T00:00:00%2B01:00",
            "since",
            "in the years 1970 to 2999",
        ),
        (
            "/api/v1/responses?until=9999-12-31T23:59:59-01:00",
            "until",
            "in the years 1970 to 2999",
        ),
        ("/api/v1/responses?since=2026-03-02T00:00:00%00Z", "since", "must not contain NUL"),
    ],
)
def test_bad_query_values_are_a_422_naming_the_parameter(
    call: Callable[..., TestResponse], path: str, field: str, message: str
) -> None:
    answer = call("GET", path)
    assert answer.status_code == 422, answer.json
    assert set(answer.json["errors"]) == {field}
    assert message in answer.json["errors"][field]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/followups/99999999999999999999",
        "/api/v1/followups/2147483648",
        "/api/v1/followups/0",
        "/api/v1/followups/٣",
        "/api/v1/followups/-1",
        "/api/v1/followups/1.5",
    ],
)
def test_an_id_that_no_row_can_have_is_a_404(call: Callable[..., TestResponse], path: str) -> None:
    answer = call("PATCH", path, json={"note": "hello"})
    assert answer.status_code == 404
    assert answer.json["error"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (interaction(opened_at="0001-01-01T00:00:00Z"), "opened_at", "in the years 1970 to 2999"),
        (
            interaction(opened_at="0001-01-01T00:00:00+01:00"),
            "opened_at",
            "in the years 1970 to 2999",
        ),
        (
            interaction(resolved_at="9999-12-31T23:59:59-01:00"),
            "resolved_at",
            "in the years 1970 to 2999",
        ),
        (
            interaction(resolved_at="9999-12-31T23:59:59Z"),
            "resolved_at",
            "in the years 1970 to 2999",
        ),
        (interaction(external_id="T\x001"), "external_id", "must not contain NUL characters"),
        (interaction(team="Billing\x00"), "team", "must not contain NUL characters"),
        (customer(name="Ca\x00sey"), "customer.name", "must not contain NUL characters"),
        (customer(email="casey\x00@example.com"), "customer.email", "NUL"),
        (customer(properties={"plan": "pro\x00"}), "customer.properties", "NUL"),
        (customer(properties={"pl\x00an": "pro"}), "customer.properties", "NUL"),
        (customer(properties={"a": [{"b": "\x00"}]}), "customer.properties", "NUL"),
        (interaction(agent={"email": "a@example.com", "name": "\x00"}), "agent.name", "NUL"),
        (interaction(handle_seconds=HUGE), "handle_seconds", "between 0 and 2147483647"),
        (interaction(delay_seconds=-HUGE), "delay_seconds", "between 0 and 2592000"),
        (interaction(handle_seconds=60.0), "handle_seconds", "must be a whole number"),
        (interaction(handle_seconds=True), "handle_seconds", "must be a whole number"),
        (interaction(handle_seconds="٣"), "handle_seconds", "must be a whole number"),
        (interaction(handle_seconds="60"), "handle_seconds", "must be a whole number"),
        (interaction(first_contact_resolved=1), "first_contact_resolved", "true or false"),
        (interaction(first_contact_resolved="true"), "first_contact_resolved", "true or false"),
        (interaction(channel=True), "channel", "must be a string"),
        (interaction(survey=None, opened_at=[]), "opened_at", "ISO 8601 date-time string"),
        (interaction(handle_seconds=1e400), "handle_seconds", "must be a whole number"),
        (customer(properties={"big": -1e400}), "customer.properties", "only finite numbers"),
    ],
)
def test_bad_body_values_are_a_422_naming_the_field(
    call: Callable[..., TestResponse], body: dict[str, Any], field: str, message: str
) -> None:
    # Sent as written: the JSON for 1e400 is that number, which Python's encoder cannot write.
    data = json.dumps(body).replace("Infinity", "1e400")
    answer = call("POST", "/api/v1/interactions", data=data, content_type="application/json")
    assert answer.status_code == 422, answer.json
    assert set(answer.json["errors"]) == {field}
    assert message in answer.json["errors"][field]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/people", {"email": "casey@example.com", "name": "\x00"}, "name"),
        ("/api/v1/unsubscribes", {"email": "casey@example.com", "kind": "\x00"}, "kind"),
        ("/api/v1/bounces", {"email": "\x00"}, "email"),
        ("/api/v1/people", {"email": "casey@example.com", "churned_at": "\x00"}, "churned_at"),
        (
            "/api/v1/agent-time",
            {
                "days": [
                    {
                        "agent": {"name": "\x00"},
                        "date": "2026-03-01",
                        "shift_seconds": 1,
                        "logged_in_seconds": 1,
                    }
                ]
            },
            "days.0.agent.name",
        ),
    ],
)
def test_nul_characters_are_refused_by_every_operation(
    call: Callable[..., TestResponse], path: str, body: dict[str, Any], field: str
) -> None:
    answer = call("POST", path, json=body)
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {field}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (nested(100_000), "the body is nested more than 200 levels deep"),
        ('{"customer": {"properties": {"a": ' + nested(300) + "}}}", "nested more than 200"),
        ('{"external_id": 1' + "0" * 5000 + "}", "the body is not valid JSON"),
        ('{"external_id": "\\ud800"}', "the body is not valid JSON"),
        ('{"external_id": NaN}', "the body is not valid JSON"),
        (b'{"external_id": "\xff"}', "the body is not valid JSON"),
    ],
)
def test_json_the_parser_refuses_is_a_400(
    call: Callable[..., TestResponse], data: str | bytes, message: str
) -> None:
    answer = call("POST", "/api/v1/interactions", data=data, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json["error"] == "bad_request"
    assert message in answer.json["message"]


def test_a_huge_integer_id_is_kept_as_text(call: Callable[..., TestResponse]) -> None:
    answer = call("POST", "/api/v1/interactions", json={**interaction(), "external_id": HUGE})
    assert answer.status_code == 202
    assert db.session.scalar(sa.select(Interaction.external_id)) == str(HUGE)


def test_a_nested_body_within_the_limit_is_stored(call: Callable[..., TestResponse]) -> None:
    deep: Any = "leaf"
    for _ in range(150):
        deep = {"d": deep}
    answer = call("POST", "/api/v1/interactions", json=customer(properties={"deep": deep}))
    assert answer.status_code == 202
    assert db.session.scalar(sa.select(Customer.properties)) == {"deep": deep}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"owner": HUGE}, {"owner": "no user has this id or email"}),
        ({"owner": "9" * 5000}, {"owner": "no user has this id or email"}),
        ({"owner": True}, {"owner": "must be a string"}),
        ({"note": "a\x00b"}, {"note": "must not contain NUL characters"}),
        ({"status": 3}, {"status": "must be one of open, in_progress, waiting_on_customer, "
                                   "resolved, closed_without_action"}),
    ],
)  # fmt: skip
def test_bad_case_changes_are_a_422(
    call: Callable[..., TestResponse], body: dict[str, Any], errors: dict[str, str]
) -> None:
    answer = call("PATCH", "/api/v1/followups/1", json=body)
    assert answer.status_code == 422
    assert answer.json["errors"] == errors
