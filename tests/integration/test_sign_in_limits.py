"""Password guessing is limited per client address and per account (Flask-Limiter).

Behind a reverse proxy the client's address comes from X-Forwarded-For, and only when the
proxy is declared (``PROXY_HOPS``): otherwise anyone could pick a fresh address per guess.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import User
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_from, free_port

LIMIT = "3 per hour"


@pytest.fixture
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """A low limit, and the test's own settings when it is parametrized on ``app_config``."""
    return {**app_config, "PASSWORD_ATTEMPTS_LIMIT": LIMIT, **getattr(request, "param", {})}


def sign_in(client: FlaskClient, email: str, password: str = "wrong-guess", **headers: str) -> Any:
    # A context of its own per visitor, as in a real process: the test's context would share
    # its ``g`` (and the CSRF token cached there) between the clients of one test.
    with client.application.app_context():
        page = client.get("/login", headers=headers)
        return client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
            headers=headers,
        )


def client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_guesses_beyond_the_limit_are_refused_even_with_the_right_password(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    client = client_at(app, "198.51.100.7")
    assert [sign_in(client, user.email).status_code for _ in range(3)] == [200] * 3

    refused = sign_in(client, user.email, TEST_PASSWORD)

    assert refused.status_code == 429
    assert "Too many sign-in attempts from here or for this account." in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert client.get("/followups/").status_code == 302  # still not signed in


def test_each_address_and_each_account_has_its_own_count(
    app: Flask, make_user: Callable[..., User]
) -> None:
    first, second = client_at(app, "198.51.100.7"), client_at(app, "203.0.113.9")
    for email in ("a@example.com", "b@example.com", "a@example.com"):
        assert sign_in(first, email).status_code == 200
    # The first address is spent, whatever account it tries next.
    assert sign_in(first, "c@example.com").status_code == 429
    # Another address may try other accounts, but not the one already tried 2 + 1 times.
    assert sign_in(second, "c@example.com").status_code == 200
    assert sign_in(second, "a@example.com").status_code == 200
    assert sign_in(second, "a@example.com").status_code == 429


def test_a_forwarded_address_is_ignored_without_a_declared_proxy(app: Flask) -> None:
    client = client_at(app, "127.0.0.1")
    for n in range(3):
        forged = {"X-Forwarded-For": f"192.0.2.{n}"}
        assert sign_in(client, f"user{n}@example.com", **forged).status_code == 200
    forged = {"X-Forwarded-For": "192.0.2.99"}
    assert sign_in(client, "user99@example.com", **forged).status_code == 429


@pytest.mark.parametrize("app_config", [{"PROXY_HOPS": 1}], indirect=True)
def test_behind_a_declared_proxy_each_forwarded_address_counts_apart(app: Flask) -> None:
    proxy = client_at(app, "127.0.0.1")
    for n in range(3):
        visitor = {"X-Forwarded-For": f"192.0.2.{n}"}
        assert sign_in(proxy, f"user{n}@example.com", **visitor).status_code == 200
    same = {"X-Forwarded-For": "192.0.2.0"}
    for email in ("again1@example.com", "again2@example.com"):
        assert sign_in(proxy, email, **same).status_code == 200
    assert sign_in(proxy, "again3@example.com", **same).status_code == 429


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_web_processes_share_counts_through_redis(
    app_config: dict[str, Any], tmp_path: Any
) -> None:
    """Two apps (as two web processes) with one Redis: the second continues the count."""
    if not redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    from feedback_app import create_app

    shared = {**app_config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}
    # An address and accounts of this run only, so earlier runs' counts never interfere.
    run = uuid.uuid4()
    address = f"10.{run.bytes[0]}.{run.bytes[1]}.{run.bytes[2]}"
    statuses = []
    for process in ("one", "two"):
        app = create_app(shared, instance_path=str(tmp_path / process))
        client = client_at(app, address)
        statuses += [sign_in(client, f"{process}-{run}@example.com").status_code for _ in range(2)]
        with app.app_context():
            db.engine.dispose()
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}"}], indirect=True
)
def test_sign_in_still_works_when_the_count_store_is_down(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    client = client_at(app, "198.51.100.7")
    assert sign_in(client, user.email, TEST_PASSWORD).status_code == 302
