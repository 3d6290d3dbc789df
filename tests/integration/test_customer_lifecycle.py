"""POST /api/v1/people with a customer's lifecycle (``customer_since``, ``churned_at``), and
migration 1005 keeping every customer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from werkzeug.test import TestResponse

from feedback_app.extensions import db
from feedback_app.models import Customer

URL = "/api/v1/people"
EMAIL = "casey@example.com"


@pytest.fixture
def post(client: FlaskClient, api_key: str) -> Callable[..., TestResponse]:
    def do(body: Any) -> TestResponse:
        return client.post(URL, json=body, headers={"Authorization": f"Bearer {api_key}"})

    return do


def stored() -> Customer:
    db.session.expire_all()
    customer = db.session.scalar(sa.select(Customer).where(Customer.email == EMAIL))
    assert customer is not None
    return customer


def test_the_lifecycle_is_stored_answered_and_kept_on_a_repost(
    post: Callable[..., TestResponse],
) -> None:
    first = post({"email": EMAIL, "customer_since": "2025-06-01T10:00:00+02:00"})
    assert first.status_code == 202
    assert first.json["customer"]["customer_since"] == "2025-06-01T08:00:00Z"
    assert first.json["customer"]["churned_at"] is None
    again = post({"email": EMAIL, "churned_at": "2026-02-10T00:00:00Z", "name": "Casey"})
    assert again.status_code == 200
    customer = stored()
    assert (customer.customer_since, customer.churned_at) == (
        datetime(2025, 6, 1, 8, tzinfo=UTC),
        datetime(2026, 2, 10, tzinfo=UTC),
    )
    # Null and a missing field leave the stored value as it is.
    post({"email": EMAIL, "churned_at": None})
    assert stored().churned_at == datetime(2026, 2, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"customer_since": "2026-03-01T00:00:00Z", "churned_at": "2026-02-01T00:00:00Z"},
            {"churned_at": "must not be before customer_since"},
        ),
        (
            {"customer_since": "2026-03-01"},
            {"customer_since": "must include a UTC offset, such as 2026-03-02T09:00:00Z or +01:00"},
        ),
        (
            {"customer_since": "0001-01-01T00:00:00Z", "churned_at": "9999-12-31T00:00:00Z"},
            {
                "customer_since": "must be in the years 1970 to 2999",
                "churned_at": "must be in the years 1970 to 2999",
            },
        ),
        (
            {"customer_since": "\uff12\uff10\uff12\uff16-03-01T00:00:00Z"},
            {"customer_since": "must be an ISO 8601 date-time such as 2026-03-02T09:00:00Z"},
        ),
        (
            {"customer_since": "2026-03-01T00:00:00Z\x00"},
            {"customer_since": "must not contain NUL characters"},
        ),
        ({"churned_at": 10**30}, {"churned_at": "must be an ISO 8601 date-time string"}),
        ({"churned_at": True}, {"churned_at": "must be an ISO 8601 date-time string"}),
    ],
)
def test_bad_lifecycles_are_named(
    post: Callable[..., TestResponse], body: dict[str, Any], errors: dict[str, str]
) -> None:
    response = post({"email": EMAIL, **body})
    assert response.status_code == 422
    assert response.json == {
        "error": "invalid",
        "message": "some fields are missing or invalid",
        "errors": errors,
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0


@pytest.mark.parametrize(
    ("first", "then", "errors"),
    [
        (
            {"customer_since": "2026-03-01T00:00:00Z"},
            {"churned_at": "2026-02-01T00:00:00Z"},
            {"churned_at": "must not be before customer_since"},
        ),
        (
            {"customer_since": "2026-01-01T00:00:00Z", "churned_at": "2026-02-01T00:00:00Z"},
            {"customer_since": "2026-03-01T00:00:00Z"},
            {"customer_since": "must not be after churned_at"},
        ),
    ],
)
def test_a_repost_that_would_end_before_the_start_is_refused(
    post: Callable[..., TestResponse],
    first: dict[str, str],
    then: dict[str, str],
    errors: dict[str, str],
) -> None:
    assert post({"email": EMAIL, **first}).status_code == 202
    before = (stored().customer_since, stored().churned_at)
    response = post({"email": EMAIL, **then})
    assert (response.status_code, response.json["errors"]) == (422, errors)
    assert (stored().customer_since, stored().churned_at) == before


def test_customers_from_before_the_upgrade_are_kept(app: Flask, clock: Any) -> None:
    db.session.add(Customer(email=EMAIL, name="Casey", created_at=clock.now, updated_at=clock.now))
    db.session.commit()
    db.session.remove()
    downgrade(revision="0906")
    try:
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("customers")}
        assert "customer_since" not in columns
        assert "agent_days" not in sa.inspect(db.engine).get_table_names()
    finally:
        upgrade()
    customer = stored()
    assert (customer.name, customer.customer_since, customer.churned_at) == ("Casey", None, None)
